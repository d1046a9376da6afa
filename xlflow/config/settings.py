"""The settings of xlflow.toml, one frozen dataclass per table: each declares its keys, defaults and
types once, for the reader, the unknown-key check and the defaults."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from ..i18n import msg
from ..spec.catalog import Text

CONFIG_NAME = "xlflow.toml"
FOLDERS = ("inbox", "accepted", "rejected", "archive", "master", "reports", "outbox")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
@dataclass(frozen=True)
class Department:
    code: str  # 2–8 capital letters or digits; prefixes the department's task IDs (RD-001)
    name: Text  # { zh = "研发部", en = "R&D" }
    email: str = ""  # where the department's feedback and reminders go
    contact: str = ""  # the person the workbook's instructions name for questions
    former: tuple[str, ...] = ()  # codes it had before `xlflow department rename` (from xlflow.sqlite)

    @property
    def prefix(self) -> str:
        return self.code


@dataclass(frozen=True)
class Project:
    name: Text  # { zh = "…", en = "…" }
    code: str  # the project code stamped into every workbook (NPL-2026)
    lead_department: str  # a department code: it decides change requests in its own workbook
    start: dt.date  # the project's first day
    end: dt.date  # the project's last day, not before start
    language: str = "zh"  # zh | en: the workspace's language (workbooks, messages, the brief)
    week_start: int = 0  # the first day of a week (0 = Monday)
    timezone: str = ""  # IANA name (Asia/Shanghai) times are shown in; "" = the system's


@dataclass(frozen=True)
class EmailSettings:
    host: str = ""  # the SMTP server; empty: e-mails are written to outbox/ as .eml files
    port: int = 587  # 587 with starttls, 465 with ssl
    security: str = "starttls"  # starttls | ssl | none
    username: str = ""  # the password comes only from the environment variable XLFLOW_SMTP_PASSWORD
    sender: str = field(default="", metadata={"toml": "from"})  # the From address
    to: tuple[str, ...] = ()  # the coordinators: the brief, and copies of what a guard refused
    timeout: float = 30.0  # seconds to wait for the SMTP server
    max_attachment_mb: float = 7.0  # a larger master is named by its path instead of attached
    hold_after_hours: float = 48.0  # a queued message older than this waits for the coordinator (0: never held)

    @property
    def configured(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class CalendarSettings:
    holidays: tuple[dt.date, ...] = ()  # extra days off (and holidays chinesecalendar does not know yet)
    workdays: tuple[dt.date, ...] = ()  # make-up working days on a weekend (调休)
    china: bool = False  # mainland China's public holidays and make-up days; default true in a zh workspace


@dataclass(frozen=True)
class WatchSettings:
    settle_seconds: float = 2.0  # a file is taken once it has stopped changing this long (30–120 on SMB)
    rescan_seconds: float = 60.0  # a full rescan reconciles the inbox with the state database
    owner_file_max_wait: float = 600.0  # the longest an owner file ~$name.xlsx holds a file up (WPS leaves stale ones)
    max_attempts: int = 5  # tries at a file that cannot be processed before it is rejected
    poll: bool = False  # poll the inbox instead of native events (a recognised network share is polled anyway)
    history_days: int = 14  # days every old master stays in master/history/ (then one a week); brief previews, sent attachments too (0: all)
    history_weeks: int = 8  # and that one a week for this many weeks, then one a month (0: weekly for good); unrecorded typing is never removed
    history_months: int = 6  # and that one a month for this many months, then one a quarter (0: monthly for good)


@dataclass(frozen=True)
class SummarySettings:
    send_weekday: int | None = field(default=None, metadata={"read": "weekday"})  # the watcher sends the brief then
    send_time: dt.time = dt.time(16, 0)  # the time of day of send_weekday
    reminder_weekday: int | None = field(default=None, metadata={"read": "weekday"})  # the watcher reminds then
    reminder_time: dt.time = dt.time(12, 0)  # the time of day of reminder_weekday
    due_soon_days: int = 5  # working days ahead that count as "due soon" (health, the brief's "due next")
    # The weekly deadline for submissions: one that arrives later than this in its data's week is late.
    deadline_weekday: int | None = field(default=4, metadata={"read": "weekday"})
    deadline_time: dt.time = dt.time(16, 0)  # the time of day of deadline_weekday


@dataclass(frozen=True)
class PathSettings:
    inbox: str = ""  # relative to the workspace, or absolute (a network share)
    per_department_folders: bool = False  # inbox/<CODE>/ per department: a file's folder is its department
    # The drop folder as the departments see it (\\fileserver\npl-inbox), named wherever a person is told
    # where to drop a file (instructions sheet, feedback, reminders); "" = the inbox's path on this computer.
    inbox_shown: str = ""


# The tables of xlflow.toml and the dataclass that declares each one's keys, defaults and types:
# the reader, the unknown-key check and the defaults all come from these declarations.
SECTIONS = {"project": Project, "paths": PathSettings, "departments": Department, "email": EmailSettings,
            "calendar": CalendarSettings, "watch": WatchSettings, "summary": SummarySettings}
REFUSED_KEYS = {"email": frozenset({"password"})}  # known, so that their own message explains why not
# Tables a feature reads itself (chat/, share/, closeout/, the Windows service): kept raw in
# Workspace.extra[name]; the feature checks their keys with `config_reader(ws)` for the lines.
FEATURE_SECTIONS = ("chat", "sharing", "lessons", "service")


def toml_key(f: dataclasses.Field) -> str:
    return f.metadata.get("toml", f.name)


def known_keys(section: str) -> frozenset[str]:
    """Every key xlflow reads in a table: anything else is a typo that would otherwise be ignored."""
    if section == "":
        return frozenset(SECTIONS) | frozenset(FEATURE_SECTIONS)
    declared = {toml_key(f) for f in dataclasses.fields(SECTIONS[section])}
    return frozenset(declared | REFUSED_KEYS.get(section, frozenset()))


@dataclass(frozen=True)
class Workspace:
    root: Path
    project: Project
    departments: tuple[Department, ...]
    email: EmailSettings = EmailSettings()
    calendar: CalendarSettings = CalendarSettings()
    watch: WatchSettings = WatchSettings()
    summary: SummarySettings = SummarySettings()
    inbox_path: Path | None = None
    paths: PathSettings = PathSettings()
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def lang(self) -> str:
        return self.project.language

    def local(self, value: dt.datetime) -> dt.datetime:
        """An instant as wall time in the workspace's time zone (naive values are the system's local time)."""
        if value.tzinfo is None:
            value = value.astimezone()
        return value.astimezone(ZoneInfo(self.project.timezone) if self.project.timezone else None)

    def show_time(self, value: dt.datetime | str | None, zoned: bool = False, lang: str | None = None) -> str:
        """"2026-11-20 15:04" in the workspace's time zone: how people read times in status and reports;
        `zoned` adds the configured zone, " (Europe/Berlin)", for a reader who may be elsewhere."""
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(text := value)
            except ValueError:
                return text
        shown = self.local(value).strftime("%Y-%m-%d %H:%M")
        if zoned and self.project.timezone:
            shown += msg("master-time-zone", lang or self.lang, zone=self.project.timezone)
        return shown

    def folder(self, name: str) -> Path:
        if name == "inbox" and self.inbox_path is not None:
            return self.inbox_path
        return self.root / name

    def drop_folder(self, code: str) -> Path:
        """Where a department drops its files: inbox/<CODE>/ with [paths] per_department_folders, else the inbox."""
        return self.folder("inbox") / code if self.paths.per_department_folders else self.folder("inbox")

    def shown_drop_folder(self, code: str | None = None) -> str:
        """Where a person is told to drop a department's files: [paths] inbox_shown (with its own
        separator, plus <CODE> per department), else the drop folder's path on this computer."""
        shown = self.paths.inbox_shown.strip()
        if not shown:
            return str(self.drop_folder(code) if code else self.folder("inbox"))
        if not (code and self.paths.per_department_folders):
            return shown
        sep = "\\" if "\\" in shown else "/"
        return shown.rstrip("\\/") + sep + code

    @property
    def state_db(self) -> Path:
        return self.root / "xlflow.sqlite"

    def department(self, code: str) -> Department | None:
        """The department with this code, or the one that had it before a rename (tables such as
        [[chat]] may still name it so)."""
        found = next((d for d in self.departments if d.code == code), None)
        return found or next((d for d in self.departments if code in d.former), None)

    def department_of(self, code: str) -> Department:
        """A department whose code came from this workspace (its config or its records): a KeyError if not."""
        found = self.department(code)
        if found is None:
            raise KeyError(f"department {code!r} is not in xlflow.toml")
        return found

    def department_names(self) -> list[tuple[str, Text]]:
        return [(d.code, d.name) for d in self.departments]

    def find_department(self, raw: str) -> str | None:
        """The code for a department given by code or by its Chinese or English name."""
        from ..spec.catalog import normalise

        wanted = normalise(raw)
        for d in self.departments:
            if wanted in (normalise(d.code), normalise(d.name.zh), normalise(d.name.en)):
                return d.code
        for d in self.departments:  # a workbook still stamped with a code the department had before a rename
            if wanted in {normalise(c) for c in d.former}:
                return d.code
        return None

"""The workspace: xlflow.toml (project, departments, e-mail, calendar, watch) and its folders.

A wrong or incomplete config raises ConfigError naming the key and its line.
No secrets live here: the SMTP password comes only from XLFLOW_SMTP_PASSWORD.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .textfile import config_text
from .i18n import Phrase
from .spec.catalog import Text

CONFIG_NAME = "xlflow.toml"
FOLDERS = ("inbox", "accepted", "rejected", "archive", "master", "reports", "outbox")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
@dataclass(frozen=True)
class Department:
    code: str
    name: Text
    email: str = ""
    contact: str = ""

    @property
    def prefix(self) -> str:
        return self.code


@dataclass(frozen=True)
class Project:
    name: Text
    code: str
    lead_department: str
    start: dt.date
    end: dt.date
    language: str = "zh"
    week_start: int = 0  # 0 = Monday
    timezone: str = ""  # IANA name (Asia/Shanghai) times are shown in; "" = the system's


@dataclass(frozen=True)
class EmailSettings:
    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    sender: str = field(default="", metadata={"toml": "from"})
    to: tuple[str, ...] = ()
    timeout: float = 30.0
    max_attachment_mb: float = 7.0

    @property
    def configured(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class CalendarSettings:
    holidays: tuple[dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = ()  # make-up working days on a weekend (调休)
    china: bool = False


@dataclass(frozen=True)
class WatchSettings:
    settle_seconds: float = 2.0
    rescan_seconds: float = 60.0
    owner_file_max_wait: float = 600.0
    max_attempts: int = 5
    poll: bool = False


@dataclass(frozen=True)
class SummarySettings:
    send_weekday: int | None = field(default=None, metadata={"read": "weekday"})  # the watcher sends the brief then
    send_time: dt.time = dt.time(16, 0)
    reminder_weekday: int | None = field(default=None, metadata={"read": "weekday"})
    reminder_time: dt.time = dt.time(12, 0)
    due_soon_days: int = 5
    # The weekly deadline for submissions: one that arrives later than this in its data's week is late.
    deadline_weekday: int | None = field(default=4, metadata={"read": "weekday"})
    deadline_time: dt.time = dt.time(16, 0)


@dataclass(frozen=True)
class PathSettings:
    inbox: str = ""  # relative to the workspace, or absolute (a network share)
    per_department_folders: bool = False  # inbox/<CODE>/ per department: a file's folder is its department


# The tables of xlflow.toml and the dataclass that declares each one's keys, defaults and types:
# the reader, the unknown-key check and the defaults all come from these declarations.
SECTIONS = {"project": Project, "paths": PathSettings, "departments": Department, "email": EmailSettings,
            "calendar": CalendarSettings, "watch": WatchSettings, "summary": SummarySettings}
REFUSED_KEYS = {"email": frozenset({"password"})}  # known, so that their own message explains why not


def toml_key(f: dataclasses.Field) -> str:
    return f.metadata.get("toml", f.name)


def known_keys(section: str) -> frozenset[str]:
    """Every key xlflow reads in a table: anything else is a typo that would otherwise be ignored."""
    if section == "":
        return frozenset(SECTIONS)
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

    def show_time(self, value: dt.datetime | str | None) -> str:
        """"2026-11-20 15:04" in the workspace's time zone: how people read times in status and reports."""
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                return value
        return self.local(value).strftime("%Y-%m-%d %H:%M")

    def folder(self, name: str) -> Path:
        if name == "inbox" and self.inbox_path is not None:
            return self.inbox_path
        return self.root / name

    def drop_folder(self, code: str) -> Path:
        """Where a department drops its files: inbox/<CODE>/ with [paths] per_department_folders, else the inbox."""
        return self.folder("inbox") / code if self.paths.per_department_folders else self.folder("inbox")

    @property
    def state_db(self) -> Path:
        return self.root / "xlflow.sqlite"

    def department(self, code: str) -> Department | None:
        return next((d for d in self.departments if d.code == code), None)

    def department_names(self) -> list[tuple[str, Text]]:
        return [(d.code, d.name) for d in self.departments]

    def find_department(self, raw: str) -> str | None:
        """The code for a department given by code or by its Chinese or English name."""
        from .spec.catalog import normalise

        wanted = normalise(raw)
        for d in self.departments:
            if wanted in (normalise(d.code), normalise(d.name.zh), normalise(d.name.en)):
                return d.code
        return None


class _Reader:
    """Typed access to the parsed TOML that reports the key's dotted path and line on error."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.lines = path, text.splitlines()

    def line_of(self, key: str, section: str | None = None, value: str | None = None) -> int:
        """The line of `key` in `section`; with `value`, the one where it is typed ([[departments]])."""
        start = 0
        if section:
            for i, line in enumerate(self.lines):
                if re.match(rf"^\s*\[\[?{re.escape(section)}\]?\]\s*$", line):
                    start = i
                    break
        found = [i for i in range(start, len(self.lines)) if re.match(rf"^\s*{re.escape(key)}\s*=", self.lines[i])]
        if value:
            typed = '"' + re.split(r"[\x00-\x1f\x7f]", value)[0]  # as it starts in the file, before an escape
            found = [i for i in found if typed in self.lines[i]] or found
        return found[0] + 1 if found else (start + 1 if section else 0)

    def check_keys(self, data: dict) -> None:
        """Refuse keys xlflow does not know (a misspelt `wek_start` would be ignored without a word)."""
        tables = [("", data)]
        for section in known_keys(""):
            value = data.get(section)
            tables += [(section, t) for t in (value if isinstance(value, list) else [value]) if isinstance(t, dict)]
        for section, table in tables:
            for key in table:
                if key not in known_keys(section):
                    line = self.line_of(key, section or None) if section else self.table_line(key)
                    raise ConfigError("config-unknown-key", file=str(self.path), line=line,
                                      key=f"{section + '.' if section else ''}{key}",
                                      known=", ".join(sorted(known_keys(section))))

    def table_line(self, name: str) -> int:
        for i, line in enumerate(self.lines):
            if re.match(rf"^\s*(\[\[?\s*{re.escape(name)}\s*\]?\]|{re.escape(name)}\s*=)", line):
                return i + 1
        return 1

    def fail(self, key: str, problem: Phrase, section: str | None = None, value: str | None = None) -> ConfigError:
        return ConfigError("config-bad-key", file=str(self.path), key=f"{section + '.' if section else ''}{key}",
                           line=self.line_of(key, section, value), problem=problem)

    def get(self, table: dict, key: str, kind: type | tuple, section: str, default=...):
        if key not in table:
            if default is ...:
                raise ConfigError("config-missing-key", file=str(self.path), key=f"{section}.{key}",
                                  line=self.line_of(section.split(".")[0]) or 1)
            return default
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = "/".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.fail(key, Phrase("config-expected-type", expected=names, got=repr(value)), section)
        return value

    def text(self, table: dict, key: str, section: str) -> Text:
        value = self.get(table, key, (str, dict), section)
        if isinstance(value, str):
            return Text(value, value)
        if set(value) != {"zh", "en"}:
            raise self.fail(key, Phrase("config-expected-text"), section)
        return Text(value["zh"], value["en"])

    def weekday(self, table: dict, key: str, section: str, default):
        value = self.get(table, key, str, section, default)
        if value is None or isinstance(value, int):
            return value
        if value.lower() not in WEEKDAYS:
            raise self.fail(key, Phrase("config-expected-one-of", values=", ".join(WEEKDAYS)), section)
        return WEEKDAYS.index(value.lower())

    def time(self, table: dict, key: str, section: str, default: dt.time) -> dt.time:
        value = self.get(table, key, (str, dt.time), section, default)
        if isinstance(value, dt.time):
            return value
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            raise self.fail(key, Phrase("config-expected-time"), section) from None

    def settings(self, data: dict, section: str, **overrides: object):
        """A settings table read into its dataclass: each key's type and default come from the
        dataclass field (its metadata gives another TOML spelling or a special reader)."""
        cls = SECTIONS[section]
        table = self.get(data, section, dict, section, {})
        values = {}
        for f in dataclasses.fields(cls):
            key, default = toml_key(f), overrides.get(f.name, f.default)
            read = f.metadata.get("read") or type(default).__name__
            if read == "weekday":
                values[f.name] = self.weekday(table, key, section, default)
            elif read == "time":
                values[f.name] = self.time(table, key, section, default)
            elif read == "tuple" and f.name in ("holidays", "workdays"):
                values[f.name] = self.dates(table, key, section)
            elif read == "tuple":
                values[f.name] = tuple(self.get(table, key, list, section, list(default)))
            else:
                values[f.name] = self.get(table, key, type(default), section, default)
        return cls(**values)

    def dates(self, table: dict, key: str, section: str) -> tuple[dt.date, ...]:
        values = self.get(table, key, list, section, [])
        if not all(isinstance(v, dt.date) for v in values):
            raise self.fail(key, Phrase("config-expected-dates"), section)
        return tuple(values)


def _default(cls: type, name: str) -> object:
    return next(f.default for f in dataclasses.fields(cls) if f.name == name)


def _project(r: _Reader, data: dict) -> Project:
    p = r.get(data, "project", dict, "project")
    start = r.get(p, "start", dt.date, "project")
    end = r.get(p, "end", dt.date, "project")
    if end < start:
        raise r.fail("end", Phrase("config-end-before-start"), "project")
    language = r.get(p, "language", str, "project", _default(Project, "language"))
    if language not in ("zh", "en"):
        raise r.fail("language", Phrase("config-expected-one-of", values="zh, en"), "project")
    timezone = r.get(p, "timezone", str, "project", _default(Project, "timezone"))
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ValueError, ZoneInfoNotFoundError):
            raise r.fail("timezone", Phrase("config-bad-timezone", value=timezone), "project") from None
    project = Project(
        name=r.text(p, "name", "project"), code=r.get(p, "code", str, "project"),
        lead_department=r.get(p, "lead_department", str, "project"), start=start, end=end,
        language=language, week_start=r.weekday(p, "week_start", "project", _default(Project, "week_start")),
        timezone=timezone,
    )
    return project


def _departments(r: _Reader, data: dict, lead: str) -> tuple[Department, ...]:
    raw_depts = r.get(data, "departments", list, "departments")
    if not raw_depts:
        raise r.fail("departments", Phrase("config-no-departments"))
    departments, seen = [], set()
    for d in raw_depts:
        code = r.get(d, "code", str, "departments")
        if not _CODE_RE.match(code):
            raise r.fail("code", Phrase("config-bad-code", code=code), "departments")
        if code in seen:
            raise r.fail("code", Phrase("config-code-twice", code=code), "departments")
        seen.add(code)
        departments.append(Department(code, r.text(d, "name", "departments"),
                                      r.get(d, "email", str, "departments", _default(Department, "email")),
                                      r.get(d, "contact", str, "departments", _default(Department, "contact"))))
    if lead not in seen:
        raise r.fail("lead_department", Phrase("config-unknown-lead", code=lead), "project")
    return tuple(departments)


def load_workspace(root: Path | str) -> Workspace:
    root = Path(root).resolve()
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError("config-not-found", path=str(path))
    text = config_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config-syntax", file=str(path), problem=str(exc)) from None
    r = _Reader(path, text)
    r.check_keys(data)

    project = _project(r, data)
    language = project.language
    departments = _departments(r, data, project.lead_department)

    email = r.settings(data, "email")
    if email.security not in ("starttls", "ssl", "none"):
        raise r.fail("security", Phrase("config-expected-one-of", values="starttls, ssl, none"), "email")
    if "password" in data.get("email", {}):
        raise r.fail("password", Phrase("config-no-password"), "email")
    calendar = r.settings(data, "calendar", china=language == "zh")

    for key in ("timeout", "max_attachment_mb"):
        if getattr(email, key) < 0:
            raise r.fail(key, Phrase("config-not-negative"), "email")
    for key, section, address in [*(("to", "email", a) for a in email.to), ("from", "email", email.sender),
                                  *(("email", "departments", d.email) for d in departments)]:
        if address and any(ord(c) < 32 or ord(c) == 127 for c in address):  # a CR/LF would forge mail headers
            raise r.fail(key, Phrase("config-email-control", value=repr(address)), section, address)
        if address and "@" not in address:
            raise r.fail(key, Phrase("config-bad-email", value=address), section, address)

    watch = r.settings(data, "watch")
    for key in ("settle_seconds", "rescan_seconds", "owner_file_max_wait", "max_attempts"):
        if getattr(watch, key) < 0:
            raise r.fail(key, Phrase("config-not-negative"), "watch")

    summary = r.settings(data, "summary")
    paths = r.settings(data, "paths")
    inbox_path = (root / paths.inbox).resolve() if paths.inbox else None
    return Workspace(root, project, departments, email, calendar, watch, summary, inbox_path, paths)


def configured_language(root: Path | str) -> str | None:
    """The workspace's language, read leniently so that even an error about a broken
    config can be told in it; None when it cannot be found."""
    try:
        data = tomllib.loads(config_text(Path(root) / CONFIG_NAME))
    except (OSError, ConfigError, tomllib.TOMLDecodeError):
        return None
    project = data.get("project")
    language = project.get("language", "zh") if isinstance(project, dict) else None
    return language if language in ("zh", "en") else None


def ensure_folders(ws: Workspace) -> None:
    for name in FOLDERS:
        ws.folder(name).mkdir(parents=True, exist_ok=True)

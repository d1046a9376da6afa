"""The workspace: xlflow.toml (project, departments, e-mail, calendar, watch) and its folders.

A wrong or incomplete config raises ConfigError naming the key and its line.
No secrets live here: the SMTP password comes only from XLFLOW_SMTP_PASSWORD.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError
from ..i18n import Phrase
from ..spec.limits import windows_reserved
from ..textfile import config_text
from .reader import ConfigReader
from .settings import (
    _CODE_RE,
    CONFIG_NAME,
    FEATURE_SECTIONS,
    FOLDERS,
    REFUSED_KEYS,
    SECTIONS,
    WEEKDAYS,
    CalendarSettings,
    Department,
    EmailSettings,
    PathSettings,
    Project,
    SummarySettings,
    WatchSettings,
    Workspace,
    known_keys,
    toml_key,
)

__all__ = [
    "CONFIG_NAME", "FEATURE_SECTIONS", "FOLDERS", "REFUSED_KEYS", "SECTIONS", "WEEKDAYS", "CalendarSettings",
    "ConfigReader", "Department", "EmailSettings", "PathSettings", "Project", "SummarySettings", "WatchSettings",
    "Workspace", "config_reader", "configured_language", "ensure_folders", "known_keys", "load_workspace", "toml_key",
]


def _default(cls: type, name: str) -> object:
    return next(f.default for f in dataclasses.fields(cls) if f.name == name)


def _project(r: ConfigReader, data: dict) -> Project:
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


def _departments(r: ConfigReader, data: dict, lead: str) -> tuple[Department, ...]:
    raw_depts = r.get(data, "departments", list, "departments")
    if not raw_depts:
        raise r.fail("departments", Phrase("config-no-departments"))
    departments, seen = [], set()
    for d in raw_depts:
        code = r.get(d, "code", str, "departments")
        if not _CODE_RE.match(code):
            raise r.fail("code", Phrase("config-bad-code", code=code), "departments")
        if windows_reserved(code):  # its drop folder inbox/<CODE>/ could never exist on Windows
            raise r.fail("code", Phrase("config-reserved-code", code=code), "departments", code)
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
    r = ConfigReader(path, text)
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

    for key in ("timeout", "max_attachment_mb", "hold_after_hours"):
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
    return Workspace(root, project, departments, email, calendar, watch, summary, inbox_path, paths,
                     extra={name: data[name] for name in FEATURE_SECTIONS if name in data})


def config_reader(ws: Workspace) -> ConfigReader:
    """A reader of the workspace's xlflow.toml, for a feature to report its own table's errors by line."""
    path = ws.root / CONFIG_NAME
    return ConfigReader(path, config_text(path))


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

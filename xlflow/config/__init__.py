"""The workspace: xlflow.toml (project, departments, e-mail, calendar, watch) and its folders.

A wrong or incomplete config raises ConfigError naming the key and its line.
No secrets live here: the SMTP password comes only from XLFLOW_SMTP_PASSWORD.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError
from ..i18n import Phrase
from ..spec.catalog import Text
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
    "ConfigReader", "read_toml", "Department", "EmailSettings", "PathSettings", "Project", "SummarySettings", "WatchSettings",
    "Workspace", "config_reader", "configured_language", "ensure_folders", "known_keys", "load_workspace", "toml_key",
]


def _default(cls: type, name: str) -> object:
    return next(f.default for f in dataclasses.fields(cls) if f.name == name)


def _project(r: ConfigReader, data: dict) -> Project:
    p = r.keep(lambda: r.get(data, "project", dict, "project"), {})
    start = r.keep(lambda: r.get(p, "start", dt.date, "project"))
    end = r.keep(lambda: r.get(p, "end", dt.date, "project"))
    if start and end and end < start:
        r.note(r.fail("end", Phrase("config-end-before-start"), "project"))
    language = r.keep(lambda: r.get(p, "language", str, "project", _default(Project, "language")), "zh")
    if language not in ("zh", "en"):
        r.note(r.fail("language", Phrase("config-expected-one-of", values="zh, en"), "project"))
        language = "zh"
    timezone = r.keep(lambda: r.get(p, "timezone", str, "project", _default(Project, "timezone")), "")
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ValueError, ZoneInfoNotFoundError):
            r.note(r.fail("timezone", Phrase("config-bad-timezone", value=timezone), "project"))
    return Project(
        name=r.keep(lambda: r.text(p, "name", "project")), code=r.keep(lambda: r.get(p, "code", str, "project")),
        lead_department=r.keep(lambda: r.get(p, "lead_department", str, "project")), start=start, end=end,
        language=language, timezone=timezone,
        week_start=r.keep(lambda: r.weekday(p, "week_start", "project", _default(Project, "week_start")), 0),
    )


def _departments(r: ConfigReader, data: dict, lead: str | None) -> tuple[Department, ...]:
    raw_depts = r.keep(lambda: r.get(data, "departments", list, "departments"), [])
    if not raw_depts and "departments" in data:
        r.note(r.fail("departments", Phrase("config-no-departments")))
    departments, seen = [], set()
    for d in raw_depts:
        code = r.keep(partial(r.get, d, "code", str, "departments"))
        if code is None:
            continue
        if not _CODE_RE.match(code):
            r.note(r.fail("code", Phrase("config-bad-code", code=code), "departments", code))
        elif windows_reserved(code):  # its drop folder inbox/<CODE>/ could never exist on Windows
            r.note(r.fail("code", Phrase("config-reserved-code", code=code), "departments", code))
        elif code in seen:
            r.note(r.fail("code", Phrase("config-code-twice", code=code), "departments", code))
        seen.add(code)
        departments.append(Department(code, r.keep(partial(r.text, d, "name", "departments"), Text(code, code)),
                                      r.keep(partial(r.get, d, "email", str, "departments", ""), ""),
                                      r.keep(partial(r.get, d, "contact", str, "departments", ""), "")))
    if lead and seen and lead not in seen:
        r.note(r.fail("lead_department", Phrase("config-unknown-lead", code=lead), "project"))
    return tuple(departments)


def read_toml(path: Path) -> tuple[dict[str, Any], ConfigReader]:
    """A TOML file xlflow reads (xlflow.toml, portfolio.toml) and a reader that names its lines;
    a missing file or a syntax error is a ConfigError saying which file."""
    if not path.is_file():
        raise ConfigError("config-not-found", path=str(path))
    text = config_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config-syntax", file=str(path), problem=str(exc)) from None
    return data, ConfigReader(path, text)


def load_workspace(root: Path | str) -> Workspace:
    """The workspace of `root`; every problem of its xlflow.toml is told at once in one ConfigError."""
    root = Path(root).resolve()
    data, r = read_toml(root / CONFIG_NAME)
    r.check_keys(data)
    project = _project(r, data)
    departments = _departments(r, data, project.lead_department)
    email = _email(r, data, departments)
    calendar = r.settings(data, "calendar", china=project.language == "zh")
    watch = r.settings(data, "watch")
    for key in ("settle_seconds", "rescan_seconds", "owner_file_max_wait", "max_attempts", "history_days",
                "history_weeks", "history_months"):
        if getattr(watch, key) < 0:
            r.note(r.fail(key, Phrase("config-not-negative"), "watch"))
    summary = r.settings(data, "summary")
    paths = r.settings(data, "paths")
    r.raise_problems()
    inbox_path = (root / paths.inbox).resolve() if paths.inbox else None
    return Workspace(root, project, departments, email, calendar, watch, summary, inbox_path, paths,
                     extra={name: data[name] for name in FEATURE_SECTIONS if name in data})


def _email(r: ConfigReader, data: dict, departments: tuple[Department, ...]) -> EmailSettings:
    email = r.settings(data, "email")
    if email.security not in ("starttls", "ssl", "none"):
        r.note(r.fail("security", Phrase("config-expected-one-of", values="starttls, ssl, none"), "email"))
    if "password" in (data.get("email") or {}):
        r.note(r.fail("password", Phrase("config-no-password"), "email"))
    for key in ("timeout", "max_attachment_mb", "hold_after_hours"):
        if getattr(email, key) < 0:
            r.note(r.fail(key, Phrase("config-not-negative"), "email"))
    for key, section, address in [*(("to", "email", a) for a in email.to), ("from", "email", email.sender),
                                  *(("email", "departments", d.email) for d in departments)]:
        if address and any(ord(c) < 32 or ord(c) == 127 for c in address):  # a CR/LF would forge mail headers
            r.note(r.fail(key, Phrase("config-email-control", value=repr(address)), section, address))
        elif address and "@" not in address:
            r.note(r.fail(key, Phrase("config-bad-email", value=address), section, address))
    return email


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

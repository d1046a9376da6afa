"""A slice as an iCalendar feed (RFC 5545), its text written by share/ical.py.

One all-day VEVENT per task due date and per milestone in scope (DTEND = the next day, as
Outlook requires), never VTODO (calendar subscriptions ignore it). Each event's UID is the same in
every week and every feed (project + task ID); its SEQUENCE comes from the state database and goes
up when its date moves (share/ledger.py). The icalendar library makes the project's VTIMEZONE from
the IANA zone; share/ical.py writes the rest (CRLF, lines folded before 75 octets, never inside a
UTF-8 character), as the library did, byte for byte, in a few microseconds an event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from ..config import Workspace
from ..i18n import msg
from ..spec.catalog import Catalog, load_catalog
from . import ical
from .scope import Slice

PRODID = "-//xlflow//department calendar//EN"


@dataclass(frozen=True)
class Event:
    uid: str
    day: dt.date
    summary: str
    description: str


def uid_part(text: str) -> str:
    """Text safe in a UID: letters, digits, . _ - kept; anything else as its code point."""
    return re.sub(r"[^A-Za-z0-9._-]", lambda m: f"_{ord(m.group()):x}", text)


def task_uid(ws: Workspace, task_id: str) -> str:
    return f"{uid_part(ws.project.code)}-{uid_part(task_id)}@xlflow"


def milestone_uid(ws: Workspace, source: str, name: str) -> str:
    digest = hashlib.sha256(f"{source}\0{name}".encode()).hexdigest()[:16]
    return f"{uid_part(ws.project.code)}-milestone-{digest}@xlflow"


def time_zone(ws: Workspace) -> str:
    """The project's time zone: [project] timezone, else China's for a China calendar, else UTC."""
    return ws.project.timezone or ("Asia/Shanghai" if ws.calendar.china else "UTC")


@lru_cache(maxsize=8)
def _vtimezone(zone: str) -> bytes:
    """The zone's VTIMEZONE (its history from 1970 on) as the library writes it, made once: ~70 ms."""
    import icalendar  # only here: the events and the rest of the feed are written by share/ical.py

    return bytes(icalendar.Timezone.from_tzinfo(ZoneInfo(zone)).to_ical())


def events(ws: Workspace, piece: Slice, lang: str, catalog: Catalog | None = None) -> list[Event]:
    """The slice's events, each due date once, in date order."""
    status = (catalog or load_catalog()).enums["status"]
    said: dict[tuple[str, str], str] = {}  # a line per message and value, made once (50,000 tasks repeat them)

    def line(key: str, **param: str) -> str:
        ((name, value),) = param.items()
        text = said.get((key, value))
        if text is None:
            text = said[(key, value)] = msg(key, lang, **{name: value})
        return text

    names: dict[str, str] = {}

    def dept(code: str) -> str:
        if code not in names:
            d = ws.department(code)
            names[code] = d.name(lang) if d else code
        return names[code]

    out: dict[str, Event] = {}
    for t in piece.tasks:
        if t.due is None:
            continue
        lines = [line("share-event-status", status=status.label_of(t.status, lang))]
        if piece.whole:
            lines.append(line("share-event-department", department=dept(t.department)))
        if t.owner:
            lines.append(line("share-event-owner", owner=t.owner))
        if t.reason:
            lines.append(msg("share-event-reason", lang, reason=t.reason))
        uid = task_uid(ws, t.task_id)
        out[uid] = Event(uid, t.due, msg("share-event-task", lang, task_id=t.task_id, name=t.name), "\n".join(lines))
    for x in piece.linked:
        uid = task_uid(ws, x.task_id)
        if x.due is None or uid in out:
            continue
        lines = [
            msg("share-event-status", lang, status=status.label_of(x.status, lang)),
            msg("share-event-department", lang, department=dept(x.department)),
            msg(f"share-event-{x.direction}", lang, task_id=x.own_task_id),
        ]
        out[uid] = Event(uid, x.due, msg("share-event-task", lang, task_id=x.task_id, name=x.name), "\n".join(lines))
    for m in piece.milestones:
        if m.planned is None:
            continue
        uid = milestone_uid(ws, m.source, m.name)
        lines = [msg("share-event-department", lang, department=dept(m.owner_department))] if m.owner_department else []
        out[uid] = Event(uid, m.planned, msg("share-event-milestone", lang, name=m.name), "\n".join(lines))
    return sorted(out.values(), key=lambda e: (e.day, e.uid))


def calendar_bytes(
    ws: Workspace,
    piece: Slice,
    lang: str,
    sequences: Mapping[str, int],
    stamp: dt.datetime,
    found: list[Event] | None = None,
) -> bytes:
    """The feed: METHOD:PUBLISH, a calendar name in `lang`, the project's VTIMEZONE, the events."""
    dept = ws.department(piece.department or "")
    audience = (
        msg("share-calendar-coordinators", lang) if piece.whole else dept.name(lang) if dept else piece.department
    )
    zone = time_zone(ws)
    head = ical.calendar_head(
        [
            ("VERSION", "2.0"),
            ("PRODID", PRODID),
            ("CALSCALE", "GREGORIAN"),
            ("METHOD", "PUBLISH"),
            ("X-WR-CALNAME", msg("share-calendar-name", lang, project=ws.project.name(lang), audience=audience)),
            ("X-WR-TIMEZONE", zone),
        ]
    )
    when = ical.utc_value(stamp)
    texts = [
        ical.all_day_event(e.uid, e.day, e.summary, e.description, sequences.get(e.uid, 0), when)
        for e in (found if found is not None else events(ws, piece, lang))
    ]
    return head + _vtimezone(zone) + b"".join(texts) + b"END:VCALENDAR\r\n"

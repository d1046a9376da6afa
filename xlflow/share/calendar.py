"""A slice as an iCalendar feed (RFC 5545), written with the icalendar library.

One all-day VEVENT per task due date and per milestone in scope (DTEND = the next day, as
Outlook requires), never VTODO (calendar subscriptions ignore it). Each event's UID is the same in
every week and every feed (project + task ID); its SEQUENCE comes from the state database and goes
up when its date moves (share/ledger.py). The library writes CRLF and folds lines at 75 octets
without splitting a UTF-8 character.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar

from ..config import Workspace
from ..i18n import msg
from ..spec.catalog import Catalog, load_catalog
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
def _vtimezone(zone: str) -> icalendar.Timezone:
    """The zone's VTIMEZONE (its history from 1970 on), built once: the library takes ~70 ms for it."""
    return icalendar.Timezone.from_tzinfo(ZoneInfo(zone))


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
    known: dict[str, bytes] | None = None,
    made: set[str] | None = None,
) -> bytes:
    """The feed: METHOD:PUBLISH, a calendar name in `lang`, the project's VTIMEZONE, the events (their
    texts from `known` where made before: see event_text)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    dept = ws.department(piece.department or "")
    audience = (
        msg("share-calendar-coordinators", lang) if piece.whole else dept.name(lang) if dept else piece.department
    )
    cal.add("x-wr-calname", msg("share-calendar-name", lang, project=ws.project.name(lang), audience=audience))
    zone = time_zone(ws)
    cal.add("x-wr-timezone", zone)
    cal.add_component(_vtimezone(zone))
    stamp = stamp.astimezone(dt.UTC)
    body = cal.to_ical()
    end = body.rindex(b"END:VCALENDAR")
    texts = [
        event_text(e, sequences.get(e.uid, 0), stamp, known, made)
        for e in (found if found is not None else events(ws, piece, lang))
    ]
    return body[:end] + b"".join(texts) + body[end:]


def event_key(e: Event, sequence: int, stamp: dt.datetime) -> str:
    """What an event's text is made from: the same key, the same bytes."""
    made = f"{e.uid}\0{e.day.isoformat()}\0{e.summary}\0{e.description}\0{sequence}\0{stamp.isoformat()}"
    return hashlib.sha256(made.encode("utf-8", "surrogatepass")).hexdigest()


def event_text(
    e: Event, sequence: int, stamp: dt.datetime, known: dict[str, bytes] | None = None, made: set[str] | None = None
) -> bytes:
    """One VEVENT as icalendar writes it, taken from `known` (texts made before, by key) when there,
    and added to it when not: a feed of 50,000 events where a few hundred changed serialises those few.
    `made` collects the keys of the texts used (the ones to keep)."""
    key = event_key(e, sequence, stamp)
    if made is not None:
        made.add(key)
    if known is not None and key in known:
        return known[key]
    event = icalendar.Event()
    event.add("uid", e.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", e.day)
    event.add("dtend", e.day + dt.timedelta(days=1))
    event.add("sequence", sequence)
    event.add("summary", e.summary)
    if e.description:
        event.add("description", e.description)
    event.add("transp", "TRANSPARENT")  # a due date does not make anyone busy
    text = event.to_ical()
    if known is not None:
        known[key] = text
    return text

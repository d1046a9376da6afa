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


class Wording:
    """The feeds' lines, department names and UIDs, each made once per merge: a task is in its
    department's feed and again in the coordinators' (linked ones in other feeds too), and 50,000
    tasks repeat the same statuses and owners."""

    def __init__(self, ws: Workspace, lang: str, catalog: Catalog | None = None) -> None:
        self.ws, self.lang = ws, lang
        self.status = (catalog or load_catalog()).enums["status"]
        self._said: dict[tuple[str, ...], str] = {}
        self._names: dict[str, str] = {}
        self._uids: dict[str, str] = {}

    def line(self, key: str, **params: str) -> str:
        made = (key, *params.values())  # each key has its own placeholders: their values tell lines apart
        text = self._said.get(made)
        if text is None:
            text = self._said[made] = msg(key, self.lang, **params)
        return text

    def state(self, status: str) -> str:
        return self.line("share-event-status", status=self.status.label_of(status, self.lang))

    def department(self, code: str) -> str:
        name = self._names.get(code)
        if name is None:
            d = self.ws.department(code)
            name = self._names[code] = d.name(self.lang) if d else code
        return self.line("share-event-department", department=name)

    def uid(self, task_id: str) -> str:
        uid = self._uids.get(task_id)
        if uid is None:
            uid = self._uids[task_id] = task_uid(self.ws, task_id)
        return uid


def events(
    ws: Workspace, piece: Slice, lang: str, catalog: Catalog | None = None, wording: Wording | None = None
) -> list[Event]:
    """The slice's events, each due date once, in date order (`wording`: shared by a merge's feeds)."""
    say = wording or Wording(ws, lang, catalog)
    out: dict[str, Event] = {}
    for t in piece.tasks:
        if t.due is None:
            continue
        lines = [say.state(t.status)]
        if piece.whole:
            lines.append(say.department(t.department))
        if t.owner:
            lines.append(say.line("share-event-owner", owner=t.owner))
        if t.reason:
            lines.append(say.line("share-event-reason", reason=t.reason))
        uid = say.uid(t.task_id)
        summary = say.line("share-event-task", task_id=t.task_id, name=t.name)
        out[uid] = Event(uid, t.due, summary, "\n".join(lines))
    for x in piece.linked:
        uid = say.uid(x.task_id)
        if x.due is None or uid in out:
            continue
        lines = [
            say.state(x.status),
            say.department(x.department),
            say.line(f"share-event-{x.direction}", task_id=x.own_task_id),
        ]
        summary = say.line("share-event-task", task_id=x.task_id, name=x.name)
        out[uid] = Event(uid, x.due, summary, "\n".join(lines))
    for m in piece.milestones:
        if m.planned is None:
            continue
        uid = milestone_uid(ws, m.source, m.name)
        lines = [say.department(m.owner_department)] if m.owner_department else []
        out[uid] = Event(uid, m.planned, say.line("share-event-milestone", name=m.name), "\n".join(lines))
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

"""The slices and calendars of a week, written where the sharing list says, when it says:

    slices/<CODE>/<project>-<CODE>-<week>.xlsx   a department's slice
    slices/<CODE>.ics                             its calendar
    slices/coordinator.ics                        every task and milestone, for the coordinators
    slices/extra/<address>/…                      a named recipient's slice and calendar

`publish(ws, state, "merge")` runs after each merge (service/merge.py); the weekly mail
(share/mail.py) writes the week's files again before attaching them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .. import __version__
from ..config import CONFIG_NAME, Workspace
from ..errors import XlflowError
from ..i18n import msg
from ..spec.catalog import load_catalog
from ..store.atomic import write_bytes
from ..store.state import StateDB
from ..week.build import load_week
from ..week.state import Task, WeekState
from . import ledger
from .scope import Slice, department_slice, whole_slice
from .sharing import COORDINATORS, SharingList, sharing_list
from .slicebook import slice_name, write_slice

FOLDER = "slices"
FILE_FORMATS = frozenset({"xlsx", "ics"})


@dataclass(frozen=True)
class Published:
    audience: str
    files: tuple[Path, ...]


def slices_folder(ws: Workspace) -> Path:
    return ws.root / FOLDER


def audience_slice(ws: Workspace, state: WeekState, sharing: SharingList, audience: str) -> Slice:
    """What `audience` may see of the week: everything for "master", else its department's slice."""
    contents = sharing.contents(audience)
    if "master" in contents:
        return whole_slice(state)
    code = sharing.subject(audience)
    dept = ws.department(code)
    if dept is None:  # a named recipient of project-wide contents only (the milestones)
        return department_slice(state, "", contents & {"milestones"})
    return department_slice(state, code, contents, (dept.name.zh, dept.name.en))


def _paths(ws: Workspace, audience: str, piece: Slice, week: str) -> tuple[Path | None, Path]:
    """(the slice workbook or None, the calendar) of an audience."""
    root = slices_folder(ws)
    if audience == COORDINATORS:
        return None, root / "coordinator.ics"
    code = piece.department or "project"
    if "@" in audience:
        from .calendar import uid_part

        folder = root / "extra" / uid_part(audience)
        return (None if piece.whole else folder / slice_name(ws, code, week)), folder / f"{code}.ics"
    return root / code / slice_name(ws, code, week), root / f"{code}.ics"


def write_files(
    ws: Workspace,
    state: WeekState,
    audiences: dict[str, frozenset[str]],
    db: StateDB | None = None,
    lang: str | None = None,
) -> list[Published]:
    """For each audience, the files of the formats given (xlsx, ics): the slices, then the
    calendars with one set of sequences for every feed. A file whose inputs are those it was last
    written from is left as it is (a merge that changed one department rewrites its files and the
    coordinators' feed, not every department's: at 50,000 tasks that is the difference)."""
    lang = lang or ws.lang
    sharing, catalog = sharing_list(ws), load_catalog()
    stamp = dt.datetime.combine(state.data_date, dt.time(), dt.UTC)
    written = _Written(ws, lang)
    planned, days = [], {}
    seen: dict[int, str] = {}  # each task's digest text, made once (_inputs)
    wording = None  # the feeds' lines, made once for every feed (share/calendar.py Wording)
    for audience, formats in audiences.items():
        piece = audience_slice(ws, state, sharing, audience)
        book, ics = _paths(ws, audience, piece, state.week.label)
        inputs = _inputs(piece, seen)  # once per audience: the workbook's and the feed's digests both take it
        # a feed whose slice is what it was last written from is left as it is, its events not even listed
        stale = "ics" in formats and written.changed(ics, ("ics", stamp, inputs))
        if stale and wording is None:
            wording = _feeds().Wording(ws, lang, catalog)
        found = _feeds().events(ws, piece, lang, catalog, wording) if stale else []
        days.update({e.uid: e.day for e in found})
        planned.append((audience, formats, piece, book, ics, found, stale, inputs))
    db = db or StateDB(ws.state_db)
    seqs = ledger.sequences(db, days) if days else {}
    out = []
    for audience, formats, piece, book, ics, found, stale, inputs in planned:
        files = []
        if "xlsx" in formats and book is not None:
            if written.changed(book, inputs):
                write_slice(ws, piece, book, lang, catalog)
            files.append(book)
        if "ics" in formats:
            if stale:
                write_bytes(ics, _feeds().calendar_bytes(ws, piece, lang, seqs, stamp, found))
            files.append(ics)
        out.append(Published(audience, tuple(files)))
    written.save()
    return out


def _feeds() -> ModuleType:
    """share/calendar.py, imported when a feed is written (it loads icalendar for the VTIMEZONE)."""
    from . import calendar

    return calendar


def _inputs(piece: Slice, seen: dict[int, str] | None = None) -> tuple:
    """What a slice workbook is made of: the slice without the week's state, of which it shows only the
    header (week, dates, whether there is a week before); the whole state's repr cost more than
    writing the slice and grew with the project's history (issue 21). The contents are sorted: a
    frozenset's repr follows the process's string hashing, so it differed in every process and every
    merge rewrote every slice and calendar. The tasks are digested as the repr of their fields (their
    dataclass repr took seconds of a 100 × 500 merge), each task once per merge: `seen` keeps them by
    id() while the week is alive (the coordinators' feed holds every department's tasks again)."""
    st = piece.state
    seen = {} if seen is None else seen
    tasks = []
    for t in piece.tasks:
        text = seen.get(id(t))
        if text is None:
            text = seen[id(t)] = repr(_TASK_FIELDS(t))
        tasks.append(text)
    bare = dataclasses.replace(piece, state=None, contents=tuple(sorted(piece.contents)), tasks=())  # type: ignore[arg-type]
    return bare, "\n".join(tasks), st.week, st.data_date, st.as_of, st.previous_tasks is None


_TASK_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(Task)))


class _Written:
    """What each file of slices/ was last written from (a digest in slices/.written.json): the
    slice or events, the language, the config and xlflow's version."""

    def __init__(self, ws: Workspace, lang: str) -> None:
        self.index = slices_folder(ws) / ".written.json"
        try:
            self.known: dict[str, str] = json.loads(self.index.read_text("utf-8"))
        except (OSError, ValueError):
            self.known = {}
        try:
            config = (ws.root / CONFIG_NAME).read_bytes()
        except OSError:
            config = b""
        self.context = hashlib.sha256(config + f"\0{lang}\0{__version__}".encode()).hexdigest()
        self.root, self.dirty = slices_folder(ws), False

    def changed(self, path: Path, inputs: object) -> bool:
        """True (and remembered) when `path` must be written: missing, or made from other inputs."""
        key = path.relative_to(self.root).as_posix()
        digest = hashlib.sha256(f"{self.context}\0{inputs!r}".encode("utf-8", "surrogatepass")).hexdigest()
        if self.known.get(key) == digest and path.is_file():
            return False
        self.known[key], self.dirty = digest, True
        return True

    def save(self) -> None:
        if self.dirty:
            write_bytes(self.index, json.dumps(self.known, indent=0, sort_keys=True).encode("utf-8"))


def publish(
    ws: Workspace, state: WeekState, frequency: str = "merge", db: StateDB | None = None, lang: str | None = None
) -> list[Published]:
    """The files the sharing list asks for at this frequency ("merge" or "weekly")."""
    sharing = sharing_list(ws)
    wanted = {a: sharing.formats(a, frequency) & FILE_FORMATS for a in sharing.audiences()}
    return write_files(ws, state, {a: f for a, f in wanted.items() if f}, db, lang)


@dataclass(frozen=True)
class ShareOutcome:
    """What a merge shared: the files written, or why nothing was (in the merge's language)."""

    published: tuple[Published, ...] = ()
    note: str = ""

    def lines(self, lang: str, folder: Path) -> list[str]:
        count = sum(len(p.files) for p in self.published)
        return ([self.note] if self.note else []) + (
            [msg("share-published", lang, count=count, folder=folder)] if count else []
        )


def after_merge(
    ws: Workspace, as_of: dt.date, db: StateDB, lang: str, week: Callable[[], WeekState] | None = None
) -> ShareOutcome:
    """The files the sharing list asks for at each merge, from the week the merge just recorded
    (`week`: the merge's own value; else loaded). A wrong [sharing] table or a file that cannot be
    written is a note: the merge itself is done."""
    try:
        sharing = sharing_list(ws)
        merge_audiences = [a for a in sharing.audiences() if sharing.formats(a, "merge") & FILE_FORMATS]
        if not merge_audiences:
            return ShareOutcome()
        if week is not None:
            return ShareOutcome(tuple(publish(ws, week(), "merge", db, lang)))
        scorecard = any("scorecard" in sharing.contents(a) for a in merge_audiences)
        return ShareOutcome(tuple(publish(ws, load_week(ws, as_of, db, scorecard=scorecard), "merge", db, lang)))
    except XlflowError as exc:
        return ShareOutcome(note=msg("share-not-written", lang, problem=exc.message(lang)))
    except OSError as exc:
        return ShareOutcome(note=msg("share-not-written", lang, problem=f"{type(exc).__name__}: {exc}"))

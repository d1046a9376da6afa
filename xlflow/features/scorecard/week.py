"""The department scorecards of a workspace: the record read (every accepted version from the
state database, each parsed from the parse cache or its archived file; every received file),
the baseline due dates and the weekly deadline, handed to measures.py, which computes.

Used by the merge (the master's Scorecard sheet) and by the weekly brief (its scorecard part),
so both show the same figures for the same day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, Sequence, ValuesView
from pathlib import Path
from typing import overload

from ...check.cache import SubmissionCache
from ...check.model import Submission
from ...config import Workspace
from ...plan.guard import task_rows
from ...plan.lateness import deadline_of
from ...spec.catalog import load_catalog
from ...store.accepted import read_accepted
from ...store.records import RESTORED, SubmissionRecord
from ...store.state import StateDB
from ...workdays import WorkCalendar
from ..control.baselines import Baselines, TaskBaselines
from . import table as scoreweeks
from .measures import compute_scorecard, score_weeks
from .model import BaselineDue, FileIn, Scorecard, VersionIn


def local(ws: Workspace, moment: dt.datetime) -> dt.datetime:
    """Wall time in the workspace's time zone, naive: how the scorecard compares moments."""
    return ws.local(moment).replace(tzinfo=None)


# a version's task rows by task ID, and its issue-log rows (the parsed rows' own values: only read)
_Decoded = tuple[dict[str, Mapping[str, object]], tuple[Mapping[str, object], ...]]


class _Rows:
    """One version's task rows and issue log, decoded from the parse cache only when a measure
    needs them (a past week's figures are kept, and the current week continues from the walk kept
    at the end of the week before: most versions are never decoded). Its task IDs come from
    `ids` when known, without decoding."""

    def __init__(
        self, load: Callable[[], Submission | None], ids: list[str] | None, decoded: dict[str, list[str]]
    ) -> None:
        self._load, self.ids, self._decoded = load, ids, decoded
        self._got: _Decoded | None = None

    @property
    def decoded(self) -> bool:
        return self._got is not None

    def get(self) -> _Decoded:
        if self._got is None:
            sub = self._load()
            self._got = (task_rows(sub), _issue_rows(sub)) if sub is not None and sub.data is not None else ({}, ())
            if sub is not None and (self.ids is None or set(self.ids) != set(self._got[0])):
                self.ids = list(self._got[0])  # (IDs kept from a parse under another config are replaced)
                self._decoded[sub.sha256] = self.ids
        return self._got


class _Tasks(Mapping[str, Mapping[str, object]]):
    def __init__(self, rows: _Rows) -> None:
        self.rows = rows

    def __getitem__(self, key: str) -> Mapping[str, object]:
        return self.rows.get()[0][key]

    def __iter__(self) -> Iterator[str]:
        """The kept IDs while nothing is decoded; once the rows are (a lookup during the walk decodes
        them), the rows' own IDs: an ID kept from another parse (swapped cache entries, another
        config) is never handed out to be looked up and missed."""
        if self.rows.ids is None or self.rows.decoded:
            return iter(list(self.rows.get()[0]))
        return self._kept(list(self.rows.ids))

    def id_set(self) -> set[str]:
        """The task IDs, as a set (what iterating gives, without a step per ID): a past week's key."""
        if self.rows.ids is None or self.rows.decoded:
            return set(self.rows.get()[0])
        return set(self.rows.ids)

    def _kept(self, ids: list[str]) -> Iterator[str]:
        for task_id in ids:
            if not self.rows.decoded or task_id in self.rows.get()[0]:
                yield task_id
        if self.rows.decoded:
            given = set(ids)
            yield from [t for t in self.rows.get()[0] if t not in given]

    def items(self) -> ItemsView[str, Mapping[str, object]]:
        """The rows themselves (decoded): what they hold, whatever IDs were kept."""
        return self.rows.get()[0].items()

    def keys(self) -> KeysView[str]:
        """The rows' IDs (decoded): what dict(...) and a lookup of each key use."""
        return self.rows.get()[0].keys()

    def values(self) -> ValuesView[Mapping[str, object]]:
        return self.rows.get()[0].values()

    def __len__(self) -> int:
        return len(self.rows.ids if self.rows.ids is not None and not self.rows.decoded else self.rows.get()[0])

    def __eq__(self, other: object) -> bool:
        return dict(self.rows.get()[0]) == (dict(other) if isinstance(other, Mapping) else other)

    __hash__ = None  # type: ignore[assignment]  # unhashable, as a dict is


class _Issues(Sequence[Mapping[str, object]]):
    def __init__(self, rows: _Rows) -> None:
        self.rows = rows

    @overload
    def __getitem__(self, i: int) -> Mapping[str, object]: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Mapping[str, object]]: ...

    def __getitem__(self, i: int | slice) -> Mapping[str, object] | Sequence[Mapping[str, object]]:
        return self.rows.get()[1][i]

    def __len__(self) -> int:
        return len(self.rows.get()[1])


def _readable(cache: SubmissionCache, record: SubmissionRecord, known: Mapping[str, Submission]) -> bool:
    if not record.sha256:
        return False
    return (
        record.sha256 in known
        or cache.has(record.sha256)
        or bool(record.archive_path and Path(record.archive_path).is_file())
    )


def _parsed(
    ws: Workspace, cache: SubmissionCache, record: SubmissionRecord, known: Mapping[str, Submission]
) -> Submission | None:
    """A version's parsed workbook: one the caller already holds, the parse cache, or its archived file."""
    if record.sha256 in known:
        return known[record.sha256]
    path = Path(record.archive_path) if record.archive_path else None
    if path is None:
        return None
    found = cache.get(record.sha256, path, record.received)
    if found is None and path.is_file():
        found = cache.load(path, ws, record.received)
    return found


def _version(
    ws: Workspace, code: str, number: int, received: dt.datetime, file_name: str, own: bool, sub: Submission
) -> VersionIn:
    return VersionIn(
        code, number, local(ws, received), file_name, own, task_rows(sub), _issue_rows(sub), sub.sha256 or ""
    )


def _issue_rows(sub: Submission) -> tuple[Mapping[str, object], ...]:
    return tuple(r.values for r in sub.data.rows("issues", "log")) if sub.data is not None else ()


def read_versions(
    ws: Workspace,
    db: StateDB,
    known: Mapping[str, Submission] | None = None,
    decoded: dict[str, list[str]] | None = None,
) -> list[VersionIn]:
    """Every accepted version of every department with its tasks and issue log (decoded when first
    used; `decoded` collects the task IDs of versions decoded for the first time). A department
    the database knows no version of counts by its accepted/ workbook (put there by hand or restored)."""
    cache, known = SubmissionCache(ws, load_catalog()), known or {}
    ids, decoded = scoreweeks.version_ids(db), decoded if decoded is not None else {}
    out: list[VersionIn] = []
    records = db.versions_of(d.code for d in ws.departments)
    for d in ws.departments:
        for record in records[d.code]:
            if not _readable(cache, record, known):
                continue  # an archive lost: that version cannot be read
            rows = _Rows(functools.partial(_parsed, ws, cache, record, known), ids.get(record.sha256), decoded)
            out.append(
                VersionIn(
                    d.code,
                    record.version or 0,
                    local(ws, record.received),
                    record.file_name,
                    not (record.note or "").startswith(RESTORED),
                    _Tasks(rows),
                    _Issues(rows),
                    record.sha256,
                )
            )
    have = {v.department for v in out}
    for a in read_accepted(ws, but=have):
        if a.path is not None and a.received is not None:
            sub = known.get(a.sha256 or "") or cache.load(a.path, ws, a.received)
            if sub.data is not None:
                out.append(
                    _version(ws, a.department, a.version or 1, a.received, a.file_name or a.path.name, True, sub)
                )
    return out


def read_files(ws: Workspace, db: StateDB) -> list[FileIn]:
    return [
        FileIn(s.department, local(ws, s.received), s.result, s.file_name, not (s.note or "").startswith(RESTORED))
        for s in db.submissions()
        if s.department
    ]


def _first_dues(versions: list[VersionIn]) -> dict[str, tuple[dt.datetime, dt.date]]:
    """Task ID -> (arrival, due date) of the first accepted version that holds it with a due date."""
    first: dict[str, tuple[dt.datetime, dt.date]] = {}
    for v in sorted(versions, key=lambda v: v.received):
        for tid, row in v.tasks.items():
            due = row.get("due")
            if tid not in first and isinstance(due, dt.date):
                first[tid] = (v.received, due)
    return first


def baseline_dates(
    ws: Workspace, db: StateDB, versions: list[VersionIn], base: TaskBaselines | None = None
) -> BaselineDue:
    """THE baseline due date of a task at a moment, for every measure that needs one.

    The store's baselines (features/control/baselines.py: recorded when a task is first accepted, re-baselined
    by an approved change request): the newest one set at or before the moment, or the task's
    first when all were set later (backfilled); a task the store knows nothing of has the due
    date of the first accepted version that holds it, which is what intake would have recorded."""
    store = base if base is not None else Baselines(db).read()  # the merge's: read once for every step
    fixed: dict[str, dt.date] = {}
    history: dict[str, list[tuple[dt.datetime, dt.date | None]]] = {}
    for tid, b in store.current().items():
        rows = store.history(tid) if b.from_change else [b]  # only re-baselined tasks need their history
        if len(rows) > 1:
            history[tid] = [(local(ws, r.set_at), r.due) for r in rows]
        elif b.due is not None:
            fixed[tid] = b.due
    return _Due(fixed, history, versions)


class _Due:
    """The baseline due date of a task at a moment (baseline_dates). `fixed`: the tasks whose baseline
    is the same at any moment (one baseline, with a due date), by task ID: a past week's key digests
    those once per run, not for every week (measures.WeekKeys); `history`: the re-baselined tasks'
    (moment set, due date), oldest first."""

    def __init__(
        self,
        fixed: dict[str, dt.date],
        history: dict[str, list[tuple[dt.datetime, dt.date | None]]],
        versions: list[VersionIn],
    ) -> None:
        self.fixed, self.history, self.versions = fixed, history, versions
        self.fallback: dict[str, tuple[dt.datetime, dt.date]] = {}

    def __call__(self, task_id: str, at: dt.datetime) -> dt.date | None:
        found = self.fixed.get(task_id)
        if found is not None:
            return found
        rows = self.history.get(task_id)
        if rows:
            found = next((d for s, d in reversed(rows) if s <= at), rows[0][1])
            if found is not None:
                return found
        if not self.fallback:  # only when the store lacks a task: read the versions once
            self.fallback.update(_first_dues(self.versions) or {"": (dt.datetime.max, dt.date.max)})
        seen = self.fallback.get(task_id)
        return seen[1] if seen is not None and seen[0] <= at else None


def make_scorecard(
    ws: Workspace,
    as_of: dt.date,
    db: StateDB | None = None,
    known: Mapping[str, Submission] | None = None,
    base: TaskBaselines | None = None,
) -> Scorecard:
    """The scorecard of every department as of the end of `as_of`. `known`: parsed submissions the
    caller holds already (the merge's), by sha256, so they are not read again; `base`: the
    baselines it read."""
    db = db or StateDB(ws.state_db)
    decoded: dict[str, list[str]] = {}
    versions, files = read_versions(ws, db, known, decoded), read_files(ws, db)
    calendar = WorkCalendar.from_settings(ws.calendar)
    first = min((f.received.date() for f in files if f.result == "accepted"), default=None)
    if first is not None:
        first = max(first, ws.project.start)
    weeks = score_weeks(first, as_of, ws.project.week_start)
    memo = scoreweeks.load_memo(db, _context(ws, calendar))  # past weeks: once; the current: once a day per version
    card = compute_scorecard(
        [d.code for d in ws.departments],
        versions,
        files,
        weeks,
        as_of,
        baseline_dates(ws, db, versions, base),
        lambda week: deadline_of(ws, week),
        calendar,
        memo,
    )
    scoreweeks.save_memo(db, memo, decoded)
    return card


def _context(ws: Workspace, calendar: WorkCalendar) -> str:
    """What a week's figures depend on beyond the record: the calendar's settings."""
    c = ws.calendar
    return repr((sorted(c.holidays), sorted(c.workdays), c.china, calendar.china_years))

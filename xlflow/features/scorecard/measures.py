"""Computing department scorecards: pure, "today" is the `as_of` parameter.

Each week's figures are those at the week's cutoff: the end of its last day, or the end of
`as_of` for the current week. What was true then is read from the versions received up to the
cutoff (the plan in force is the department's newest accepted version), so a past week's
figures never change when later versions arrive.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ...workdays import Week, WorkCalendar, week_of
from .model import (
    STALE_DAYS,
    BaselineDue,
    Deadline,
    DepartmentScore,
    Figures,
    FileIn,
    Ratio,
    Scorecard,
    TaskRows,
    Trace,
    VersionIn,
    WalkKept,
    WeekMemo,
)

DONE, BLOCKED = "done", "blocked"
FAILED = ("rejected", "unreadable")  # files that did not become a version
_DAY = dt.timedelta(days=1)
MEMO_VERSION = 1  # raise when a measure's computation changes: every kept week is computed again


def cutoff(week: Week, as_of: dt.date) -> dt.datetime:
    """The last moment a week's figures see: the end of its last day, or of `as_of` if earlier."""
    return dt.datetime.combine(min(week.end, as_of), dt.time.max)


def moment(value: dt.datetime | dt.date | None) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if isinstance(value, dt.date) else ""


@dataclass
class _Walk:
    """What the versions up to a cutoff tell about each task and issue of one department."""

    tasks: Mapping[str, Mapping[str, object]] = field(default_factory=dict)  # the plan in force
    done_since: dict[str, dt.date] = field(default_factory=dict)  # first version of the current run of "done"
    blocked_since: dict[str, dt.date] = field(default_factory=dict)
    updated: dict[str, dt.date] = field(default_factory=dict)  # last version in which the row changed
    issues: dict[str, Mapping[str, object]] = field(default_factory=dict)  # issue ID -> newest row
    answered: dict[str, dt.datetime] = field(default_factory=dict)  # issue ID -> first version answering it
    baselines: dict[str, dt.date | None] = field(default_factory=dict)  # task ID -> baseline due at the cutoff


def _filled(row: Mapping[str, object]) -> dict[str, object]:
    """A row's filled cells: a column added to the form (empty in every row) is no update."""
    return {k: v for k, v in row.items() if v is not None and v != ""}


def walk(versions: Iterable[VersionIn], start: _Walk | None = None) -> _Walk:
    """Replay the versions in order (the caller passes those received up to a cutoff), from `start`
    (the walk up to the version before the first of them) when given."""
    w = _Walk()
    before: TaskRows = {}
    if start is not None:
        w = _Walk(start.tasks, dict(start.done_since), dict(start.blocked_since), dict(start.updated),
                  dict(start.issues), dict(start.answered))
        before = start.tasks
    for v in versions:
        day = v.received.date()
        for tid, row in v.tasks.items():
            old = before.get(tid)
            if old is None or (old != row and _filled(old) != _filled(row)):
                w.updated[tid] = day
            for status, since in ((DONE, w.done_since), (BLOCKED, w.blocked_since)):
                if row.get("status") != status:
                    since.pop(tid, None)
                elif old is None or old.get("status") != status:
                    since[tid] = day
        for row in v.issues:
            iid = str(row.get("issue_id") or "")
            if not iid:
                continue
            w.issues[iid] = row
            if iid not in w.answered and (str(row.get("response") or "").strip() or row.get("status") == "closed"):
                w.answered[iid] = v.received
        before = v.tasks
    w.tasks = before
    return w


class _Department:
    """One department's record, and its figures at any cutoff."""

    def __init__(self, code: str, versions: Sequence[VersionIn], files: Sequence[FileIn], weeks: Sequence[Week],
                 baseline: BaselineDue, deadline: Deadline, calendar: WorkCalendar) -> None:
        self.code, self.weeks, self.baseline, self.deadline, self.calendar = code, weeks, baseline, deadline, calendar
        self.versions = sorted(versions, key=lambda v: (v.received, v.version))
        self.files = sorted(files, key=lambda f: f.received)

    def figures(self, week: Week, as_of: dt.date, start: tuple[dt.datetime, _Walk] | None = None
                ) -> tuple[Figures, list[Trace]]:
        """The figures at the week's cutoff; `start`: the walk up to an earlier moment (replayed from there)."""
        end = cutoff(week, as_of)
        day = end.date()
        since = start[0] if start is not None else dt.datetime.min
        w = walk((v for v in self.versions if since < v.received <= end), start[1] if start is not None else None)
        w.baselines = {tid: self.baseline(tid, end) for tid in w.tasks}
        traces = (self.on_time(w, end) + self.slip(w, end) + self.punctuality(end) + self.first_time(end)
                  + self.blocked(w, day) + self.answered(w, end) + self.stale(w, day))

        def of(measure: str) -> list[Trace]:
            return [t for t in traces if t.measure == measure]

        def ratio(measure: str) -> Ratio:
            return Ratio(sum(t.hit for t in of(measure)), len(of(measure)))

        blocked = of("blocked")
        figures = Figures(
            department=self.code, week=week, on_time=ratio("on_time"),
            slip_days=sum(t.days or 0 for t in of("slip")), slipped=len(of("slip")),
            punctuality=ratio("punctuality"), first_time=ratio("first_time"), blocked=len(blocked),
            blocked_oldest=max((t.days or 0 for t in blocked), default=0), answered=ratio("answered"),
            stale=len(of("stale")))
        return figures, traces

    # --- the measures: each returns the traces its figure is counted from --------------------

    def _finish(self, w: _Walk, tid: str) -> dt.date | None:
        """When a done task was finished: its actual finish date, else the day it was first reported done."""
        row = w.tasks.get(tid)  # (None: not in the plan as last read, e.g. rows parsed from another file)
        if row is None or row.get("status") != DONE:
            return None
        actual = row.get("actual_finish")
        return actual if isinstance(actual, dt.date) else w.done_since.get(tid)

    def on_time(self, w: _Walk, end: dt.datetime) -> list[Trace]:
        out = []
        for tid, row in w.tasks.items():
            base = w.baselines.get(tid)
            if base is None or base > end.date():
                continue
            finish = self._finish(w, tid)
            result = "not_done" if finish is None else "on_time" if finish <= base else "late"
            late = self.calendar.between(base, finish) if finish is not None and result == "late" else None
            out.append(Trace("on_time", self.code, tid, str(row.get("name") or ""), moment(base), moment(finish),
                             late, result, result == "on_time"))
        return out

    def slip(self, w: _Walk, end: dt.datetime) -> list[Trace]:
        out, day = [], end.date()
        for tid, row in w.tasks.items():
            base = w.baselines.get(tid)
            if base is None:
                continue
            finish = self._finish(w, tid)
            due = given if isinstance(given := row.get("due"), dt.date) else base
            expected = finish if finish is not None else max(due, day)
            days = self.calendar.between(base, expected)
            if days > 0:
                result = "slip_done" if finish is not None else "slip_overdue" if due < day else "slip_moved"
                out.append(Trace("slip", self.code, tid, str(row.get("name") or ""), moment(base), moment(expected),
                                 days, result, True))
        return out

    def punctuality(self, end: dt.datetime) -> list[Trace]:
        out = []
        own = [f for f in self.files if f.result == "accepted" and f.own and f.received <= end]
        for week in self.weeks:
            deadline = self.deadline(week)
            if deadline > end:
                continue
            in_week = [f for f in own if dt.datetime.combine(week.start, dt.time()) <= f.received
                       and f.received.date() <= week.end]
            first = in_week[0] if in_week else None
            result = "missing" if first is None else "on_time" if first.received <= deadline else "late"
            out.append(Trace("punctuality", self.code, week.label, first.file_name if first else "",
                             moment(deadline), moment(first.received if first else None), None, result,
                             result == "on_time"))
        return out

    def first_time(self, end: dt.datetime) -> list[Trace]:
        out, previous = [], dt.datetime.min
        for v in self.versions:
            if v.received > end:
                break
            if v.own:
                failed = [f for f in self.files if f.result in FAILED and previous < f.received < v.received]
                out.append(Trace("first_time", self.code, f"v{v.version}", v.file_name, "", moment(v.received),
                                 None, "first_time" if not failed else "after_rejection", not failed,
                                 ", ".join(f.file_name for f in failed)))
            previous = v.received
        return out

    def blocked(self, w: _Walk, day: dt.date) -> list[Trace]:
        out = []
        for tid, since in w.blocked_since.items():
            row = w.tasks.get(tid)
            if row is None:
                continue  # blocked once, no longer in the plan as last read: not open
            out.append(Trace("blocked", self.code, tid, str(row.get("name") or ""), "", moment(since),
                             self.calendar.between(since, day), "blocked", True, str(row.get("reason") or "")))
        return out

    def answered(self, w: _Walk, end: dt.datetime) -> list[Trace]:
        out = []
        for iid, row in w.issues.items():
            raised = row.get("raised_date")
            if row.get("impact") != "high" or not isinstance(raised, dt.date):
                continue
            answer_by = dt.datetime.combine(raised + 2 * _DAY, dt.time())  # the end of the day after the day raised
            answered = w.answered.get(iid)
            if answered is None and answer_by > end:
                continue  # still within its 24 h
            result = "unanswered" if answered is None else "answered" if answered <= answer_by else "answered_late"
            out.append(Trace("answered", self.code, iid, str(row.get("description") or ""), f"{raised + _DAY} 24:00",
                             moment(answered), None, result, result == "answered", str(row.get("response") or "")))
        return out

    def stale(self, w: _Walk, day: dt.date) -> list[Trace]:
        out = []
        for tid, row in w.tasks.items():
            start, updated = row.get("start"), w.updated.get(tid)
            if row.get("status") == DONE or updated is None or (isinstance(start, dt.date) and start > day):
                continue
            if (day - updated).days >= STALE_DAYS:
                out.append(Trace("stale", self.code, tid, str(row.get("name") or ""), "", moment(updated),
                                 (day - updated).days, "stale", True))
        return out


def score_weeks(first_day: dt.date | None, as_of: dt.date, first_weekday: int) -> tuple[Week, ...]:
    """The weeks scored: from the week of `first_day` (the first submission, not before the
    project's start) to the week of `as_of`."""
    last = week_of(as_of, first_weekday)
    week = week_of(min(first_day or as_of, as_of), first_weekday)
    out = [week]
    while week.start < last.start:
        week = week_of(week.start + dt.timedelta(days=7), first_weekday)
        out.append(week)
    return tuple(out)


class WeekKeys:
    """What a department's figures at each past week's cutoff depend on, as a digest per week (the
    weeks asked in order): its versions and files up to the cutoff, the baseline due date in force
    then of each task of its plan, the weeks and deadlines counted, `context` (the calendar's
    settings) and this code's version. Equal keys give equal figures, so a past week's figures are
    computed once (kept by the caller in `memo`). The versions, files and deadlines are hashed as
    the cutoffs pass them, once each, not again for every later week: the keys of a year's weeks
    cost about what those of a month's did."""

    def __init__(self, dept: _Department, as_of: dt.date, context: str = "") -> None:
        self.dept, self.as_of = dept, as_of
        self.record = hashlib.sha256("\x1f".join((str(MEMO_VERSION), context, dept.code)).encode("utf-8"))
        self.deadlines = hashlib.sha256()
        self.seen = [0, 0, 0]  # versions, files and weeks hashed so far
        self.plan: TaskRows = {}
        self.fixed: Mapping[str, dt.date] = getattr(dept.baseline, "fixed", {})  # the same at any moment
        self.fixed_ids = self.fixed.keys()  # (a view: the same for every department, not copied for each)
        self.held: set[str] = set()  # the fixed tasks of the plan last digested, and their digest:
        self.held_digest = 0  # a sum of one hash per task, updated by the tasks added and removed

    def key(self, week: Week) -> str:
        dept, end = self.dept, cutoff(week, self.as_of)
        seen, versions, files = self.seen, dept.versions, dept.files
        while seen[0] < len(versions) and versions[seen[0]].received <= end:
            v = versions[seen[0]]
            self.record.update(repr(("v", v.version, v.received.isoformat(), v.file_name, v.own,
                                     v.sha256 or repr(v.tasks) + repr(v.issues))).encode("utf-8"))
            self.plan, seen[0] = v.tasks, seen[0] + 1
        while seen[1] < len(files) and files[seen[1]].received <= end:
            f = files[seen[1]]
            self.record.update(repr(("f", f.received.isoformat(), f.result, f.file_name, f.own)).encode("utf-8"))
            seen[1] += 1
        while seen[2] < len(dept.weeks) and (d := dept.deadline(w := dept.weeks[seen[2]])) <= end:
            self.deadlines.update(repr((w.label, w.start, w.end, d)).encode("utf-8"))
            seen[2] += 1
        digest = hashlib.sha256(self.record.digest() + self.deadlines.digest() + end.isoformat().encode())
        id_set = getattr(self.plan, "id_set", None)  # (a version's rows read lazily: its IDs at once)
        ids: set[str] = id_set() if id_set is not None else set(self.plan)
        total = self._fixed_digest(ids)  # each task with its baseline due then, as a sum of one hash per task
        for tid in ids - self.held:  # (held: those with a fixed one) re-baselined, or unknown to the store: as of `end`
            total += _task_hash(tid, dept.baseline(tid, end))
        digest.update((total % (1 << 256)).to_bytes(32, "big"))
        return digest.hexdigest()

    def _fixed_digest(self, ids: set[str]) -> int:
        """The plan's tasks with a fixed baseline due date, with it, as one number: kept from the plan
        before, so a week costs the tasks that came and went, not the whole plan again."""
        now = ids & self.fixed_ids
        for tid, sign in [(t, -1) for t in self.held - now] + [(t, 1) for t in now - self.held]:
            self.held_digest = (self.held_digest + sign * _task_hash(tid, self.fixed[tid])) % (1 << 256)
        self.held = now
        return self.held_digest


def _task_hash(task_id: str, due: dt.date | None) -> int:
    return int.from_bytes(hashlib.sha256(repr((task_id, due)).encode("utf-8")).digest(), "big")


def versions_digest(versions: Sequence[VersionIn]) -> str:
    return hashlib.sha256(repr([(v.version, v.received.isoformat(), v.file_name, v.own, v.sha256)
                                for v in versions]).encode("utf-8")).hexdigest()


def _kept(dept: _Department, end: dt.datetime, memo: WeekMemo | None) -> tuple[dt.datetime, _Walk] | None:
    """The walk kept at the end of an earlier week (memo.walks), when it is still true and ends by `end`."""
    kept = memo.walks.get(dept.code) if memo is not None else None
    if kept is None or kept.cutoff > end:
        return None
    before = [v for v in dept.versions if v.received <= kept.cutoff]
    if versions_digest(before) != kept.digest or (before[-1].sha256 if before else "") != kept.last:
        return None
    plan = before[-1].tasks if before else {}
    return kept.cutoff, _Walk(plan, dict(kept.done_since), dict(kept.blocked_since), dict(kept.updated),
                              dict(kept.issues), dict(kept.answered))


def _resume(dept: _Department, end: dt.datetime, memo: WeekMemo | None) -> tuple[dt.datetime, _Walk] | None:
    """The walk up to `end` (the week before's cutoff), continued from the one kept when it is still
    true, and kept for the next run; None without a memo."""
    if memo is None:
        return None
    upto = [v for v in dept.versions if v.received <= end]
    start = _kept(dept, end, memo)
    since = start[0] if start is not None else dt.datetime.min
    w = walk((v for v in upto if since < v.received), start[1] if start is not None else None)
    memo.new_walks[dept.code] = WalkKept(end, versions_digest(upto), upto[-1].sha256 if upto else "", w.done_since,
                                         w.blocked_since, w.updated, w.issues, w.answered)
    return end, w


def _current(dept: _Department, keys: WeekKeys, weeks: Sequence[Week], as_of: dt.date,
             memo: WeekMemo | None) -> tuple[Figures, list[Trace]]:
    """The current week's figures and traces: kept by the merge before under the same key (equal keys
    give equal figures, as for a past week), else computed from the walk kept at the week before's end."""
    week = weeks[-1]
    if memo is None:
        return dept.figures(week, as_of)
    key = keys.key(week)
    kept = memo.current.get(dept.code)
    if kept is not None and kept[0] == key:
        memo.new_current[dept.code] = kept
        return Figures.decode(dept.code, week, kept[1]), kept[2]
    start = _resume(dept, cutoff(weeks[-2], as_of), memo) if len(weeks) > 1 else None
    figures, found = dept.figures(week, as_of, start)
    memo.new_current[dept.code] = (key, figures.encode(), found)
    return figures, found


def compute_scorecard(departments: Sequence[str], versions: Iterable[VersionIn], files: Iterable[FileIn],
                      weeks: Sequence[Week], as_of: dt.date, baseline: BaselineDue, deadline: Deadline,
                      calendar: WorkCalendar, memo: WeekMemo | None = None) -> Scorecard:
    """Every department's figures for every week in `weeks`, and the traces of the current ones.

    `memo`: figures of past weeks (those ending before `as_of`) by WeekKeys, which the caller keeps;
    a week found in memo.kept is not computed again; every past week's figures go to memo.used."""
    versions, files = list(versions), list(files)
    scores, traces = [], []
    for code in departments:
        dept = _Department(code, [v for v in versions if v.department == code],
                           [f for f in files if f.department == code], weeks, baseline, deadline, calendar)
        by_week, keys = [], WeekKeys(dept, as_of, memo.context if memo is not None else "")
        for i, week in enumerate(weeks):
            if memo is not None and i < len(weeks) - 1 and week.end < as_of:
                key = keys.key(week)
                kept = memo.kept.get(key)
                figures = (Figures.decode(code, week, kept) if kept is not None  # else from the walk kept before it
                           else dept.figures(week, as_of, _kept(dept, cutoff(week, as_of), memo))[0])
                memo.used[key] = figures.encode()
                by_week.append(figures)
                continue
            if i == len(weeks) - 1:
                figures, found = _current(dept, keys, weeks, as_of, memo)
            else:
                figures, found = dept.figures(week, as_of)
            by_week.append(figures)
            if i == len(weeks) - 1:
                traces += found
        change = by_week[-1].slip_days - by_week[-2].slip_days if len(by_week) > 1 else None
        scores.append(DepartmentScore(code, by_week[-1], tuple(by_week), change))
    return Scorecard(as_of, tuple(weeks), tuple(scores), tuple(traces))

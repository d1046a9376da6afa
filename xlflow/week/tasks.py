"""The week's values from what the store keeps: a snapshot's task (or a task mapping) as a Task, the
week record's rows as Items, LinkProblems and RACI conflicts, and each department's standing from
the tasks and the submissions journal. One definition each, used by load_week and by anything that
builds a WeekState from bare values (tests, tools).
"""
from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from itertools import repeat
from operator import attrgetter, eq
from types import MappingProxyType
from typing import Any, NamedTuple, cast

from ..config import Workspace
from ..features.control.moves import Control
from ..i18n import Phrase
from ..plan.model import Problem, Record, percent_value
from ..plan.raci import RaciConflict
from ..store.snapshots import FIELDS, SnapshotTask
from ..workdays import Week, as_date
from .state import DepartmentWeek, Item, LinkProblem, Task
from .stored import both_languages

TROUBLE = ("delayed", "blocked")
_ITEM_KEYS = ("department", "overdue")  # an item row's own keys, not its values
_NO_EXTRA: Mapping[str, object] = MappingProxyType({})
_snapshot_values = attrgetter(*FIELDS)
_TASK_FIELDS = tuple(f.name for f in fields(Task))
_new, _set = object.__new__, object.__setattr__  # (Task: no __post_init__, no slots; equality reads its fields)
assert all(f.init for f in fields(Task)) and not hasattr(Task, "__post_init__") and not hasattr(Task, "__slots__")
assert FIELDS == ("department", "task_id", "name", "owner", "owner_department", "status", "reported_status", "health",
                  "percent", "start", "due", "reason", "predecessors", "successors_other_depts", "days_late",
                  "actual_finish"), "_row_task reads a snapshot task's values in this order"
_OWN = ("department", "task_id", "name", "owner", "owner_department", "start", "due", "status", "reported_status",
        "percent", "reason", "predecessors", "successors_other_depts", "actual_finish", "health", "days_late")


def _ids(value: object) -> tuple[str, ...]:
    """A list of IDs or of {task_id, department} dicts, or a comma-separated string."""
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.replace("，", ",").split(",") if v.strip())
    return tuple(str(v.get("task_id", "")) if isinstance(v, dict) else str(v)
                 for v in (value if isinstance(value, (list, tuple)) else ()))


def _day(value: object) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else as_date(value)


def task_of(row: object, control: Control | None = None) -> Task:
    """A SnapshotTask or a task mapping as the week's Task; its baseline and slip from `control`."""
    get = row.get  # type: ignore[attr-defined]  # both have get()
    task_id = str(get("task_id") or "")
    base = control.baselines.get(task_id) if control is not None else None
    extra = {k: v for k, v in row.items() if k not in _OWN} if isinstance(row, Mapping) else {}
    return Task(
        department=str(get("department") or ""), task_id=task_id, name=str(get("name") or ""),
        owner=str(get("owner") or ""), owner_department=str(get("owner_department") or ""),
        start=_day(get("start")), due=_day(get("due")), status=str(get("status") or ""),
        reported_status=str(get("reported_status") or ""), percent=get("percent"), reason=str(get("reason") or ""),
        predecessors=_ids(get("predecessors")), successors_other_depts=_ids(get("successors_other_depts")),
        actual_finish=_day(get("actual_finish")), health=str(get("health") or "unscheduled"),
        days_late=get("days_late"), baseline_start=getattr(base, "start", None), baseline_due=getattr(base, "due", None),
        slip=(control.slips.get(task_id, 0) if base is not None or task_id in control.slips else None)
        if control is not None else None, extra=extra)


def _snapshot_task(t: SnapshotTask, control: Control | None) -> Task:
    """task_of for the store's own shape, without the lookups by name (a snapshot holds thousands)."""
    return _row_task(_snapshot_values(t), control)


def _row_task(row: tuple[Any, ...], control: Control | None) -> Task:
    """A Task from a SnapshotTask's values, in snapshots.FIELDS' order."""
    (department, tid, name, owner, owner_department, status, reported_status, health, percent, start, due, reason,
     predecessors, successors, days_late, actual_finish) = row
    base = control.baselines.get(tid) if control is not None else None
    slip = (control.slips.get(tid, 0) if base is not None or tid in control.slips else None) if control else None
    task = _new(Task)  # Task(...) without its frozen __init__'s object.__setattr__ per field: the same value
    _set(task, "__dict__", dict(zip(_TASK_FIELDS, (
        department or "", tid or "", name or "", owner or "", owner_department or "", _fast_day(start), _fast_day(due),
        status or "", reported_status or "", percent, reason or "", predecessors, successors, _fast_day(actual_finish),
        health or "unscheduled", days_late, getattr(base, "start", None), getattr(base, "due", None), slip, _NO_EXTRA), strict=True)))
    return task


def rows_of(columns: Sequence[Sequence[object]], control: Control | None = None) -> tuple[Task, ...]:
    """tasks_of(SnapshotTasks made of `columns`, in FIELDS' order: snapshots.encoded_columns), without
    making a SnapshotTask of each (the merge's tasks: a third of the cost)."""
    return tuple(_row_task(row, control) for row in zip(*columns, strict=True))


class Standing(NamedTuple):
    """What a department's standing (department_weeks) reads of a task, as its Task has it."""

    department: str
    status: str
    due: dt.date | None
    percent: Any


class Standings(NamedTuple):
    """Standing's values for many tasks, column by column (the merge's: standings_of)."""

    department: Sequence[str]
    status: Sequence[str]
    due: Sequence[dt.date | None]
    percent: Sequence[Any]


_STANDING = tuple(FIELDS.index(k) for k in Standing._fields)  # where rows_of reads them
_STR, _DAY_OR_NONE = frozenset({str}), frozenset({dt.date, type(None)})
_standing_values = attrgetter(*Standing._fields)


def standings_of(columns: Sequence[Sequence[Any]]) -> Standings:
    """The Standing values of the Tasks rows_of makes of `columns` (the same values), without making the
    Tasks: column by column."""
    department, status, due, percent = (columns[i] for i in _STANDING)
    return Standings(_text(department), _text(status), _days(due), percent)


def _text(column: Sequence[Any]) -> Sequence[str]:
    """`v or ""` of each value: the column itself when every value is text (a merge's)."""
    return column if set(map(type, column)) <= _STR else [v or "" for v in column]


def _days(column: Sequence[Any]) -> Sequence[dt.date | None]:
    """_fast_day of each value: the column itself when every value is a date or None (a merge's)."""
    return column if set(map(type, column)) <= _DAY_OR_NONE else list(map(_fast_day, column))


def _fast_day(value: object) -> dt.date | None:
    return value if value is None or type(value) is dt.date else _day(value)


def tasks_of(rows: Iterable[object] | None, control: Control | None = None) -> tuple[Task, ...] | None:
    """Every row as a Task (a snapshot's SnapshotTasks, or task mappings)."""
    if rows is None:
        return None
    return tuple(_snapshot_task(r, control) if type(r) is SnapshotTask else task_of(r, control) for r in rows)


def items_of(rows: Iterable[Mapping[str, Any]]) -> tuple[Item, ...]:
    """Issue-log or action-item rows, each with its "department" (and "overdue" when the merge judged it)."""
    return tuple(Item(str(r.get("department") or ""), {k: v for k, v in r.items() if k not in _ITEM_KEYS},
                      bool(r.get("overdue"))) for r in rows)


def plan_items(records: Iterable[Record]) -> tuple[Item, ...]:
    """The plan's issue-log or action-item records as Items: items_of the rows week/stored.py from_plan makes."""
    return tuple(Item(str(r.department or ""), {k: v for k, v in r.values.items() if k not in _ITEM_KEYS}, bool(r.overdue))
                 for r in records)


def item_row(item: Item) -> dict[str, Any]:
    """An Item back as the row it was stored as (what the brief's rules read)."""
    return {**item.values, "department": item.department, "overdue": item.overdue}


def problems_of(rows: Iterable[Mapping[str, Any]]) -> tuple[LinkProblem, ...]:
    return tuple(LinkProblem(str(p.get("kind") or ""), str(p.get("department") or ""), str(p.get("task_id") or ""),
                             p.get("other_department"), p.get("other_task_id"), _detail(p.get("detail")))
                 for p in rows)


def plan_problems(problems: Iterable[Problem]) -> tuple[LinkProblem, ...]:
    """The plan's dependency problems as LinkProblems: problems_of the rows from_plan makes, each
    distinct detail told in both languages once (the problems sharing it share the one mapping)."""
    told: dict[object, Mapping[str, str]] = {}
    return tuple(LinkProblem(str(p.kind or ""), str(p.department or ""), str(p.task_id or ""), p.other_department,
                             p.other_task_id, _told(p.detail, told)) for p in problems)


def _told(detail: object, told: dict[object, Mapping[str, str]]) -> Mapping[str, str]:
    """_plan_detail(detail), kept in `told` by its text or its message and text parameters."""
    key = detail if type(detail) is str else _phrase_key(detail) if isinstance(detail, Phrase) else None
    if key is None:
        return _plan_detail(detail)
    found = told.get(key)
    if found is None:
        found = told[key] = _plan_detail(detail)
    return found


def _phrase_key(phrase: Phrase) -> tuple[str, tuple[tuple[str, object], ...]] | None:
    """What a Phrase renders from, when its parameters are all text (None: rendered each time)."""
    params = phrase.params
    return (phrase.key, tuple(sorted(params.items()))) if all(type(v) is str for v in params.values()) else None


def _plan_detail(detail: object) -> dict[str, Any]:
    """_detail(both_languages(detail)): a Phrase told in each language (a new dict already: not copied again)."""
    return cast("dict[str, Any]", both_languages(detail)) if isinstance(detail, Phrase) else _detail(detail)


def _detail(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {"zh": str(value or ""), "en": str(value or "")}


def conflicts_of(rows: Iterable[Mapping[str, Any]]) -> tuple[RaciConflict, ...]:
    return tuple(RaciConflict(str(c.get("kind") or ""), str(c.get("item") or ""), tuple(c.get("departments") or ()),
                              tuple(c.get("sources") or ())) for c in rows)


def plan_conflicts(conflicts: Iterable[RaciConflict]) -> tuple[RaciConflict, ...]:
    """The plan's RACI conflicts as the week holds them: conflicts_of the rows from_plan makes."""
    return tuple(RaciConflict(str(c.kind or ""), str(c.item or ""), tuple(c.departments or ()), tuple(c.sources or ()))
                 for c in conflicts)


def received_at(row: Mapping[str, Any]) -> dt.datetime | None:
    """A submission row's arrival as local wall time (naive)."""
    try:
        value = dt.datetime.fromisoformat(str(row.get("received") or ""))
    except ValueError:
        return None
    return value.astimezone().replace(tzinfo=None) if value.tzinfo else value


def department_weeks(ws: Workspace, tasks: Iterable[Task | Standing] | Standings, subs: Iterable[Mapping[str, Any]],
                     week: Week, as_of: dt.date, submitted: frozenset[str] | None = None,
                     versions: Mapping[str, int] | None = None) -> tuple[DepartmentWeek, ...]:
    """Each department's standing: its tasks (overdue judged on `as_of`), its newest accepted file up to
    `as_of`, the files rejected this week, and whether it submitted this week (`submitted`: the store's
    definition; else an accepted file dated in the week, for values built from bare submission rows)."""
    subs = list(subs)
    by_dept = _by_department(tasks if isinstance(tasks, Standings) else _standings(tasks))
    out = []
    for d in ws.departments:
        statuses, dues, percents = by_dept(d.code)
        accepted = sorted(r for r in (received_at(s) for s in subs if s.get("department") == d.code
                                      and s.get("result") == "accepted") if r is not None and r.date() <= as_of)
        rejected = sum(1 for s in subs if s.get("department") == d.code and s.get("result") in ("rejected", "unreadable")
                       and week.start <= (received_at(s) or dt.datetime.min).date() <= as_of)
        done = (d.code in submitted) if submitted is not None else any(week.contains(r.date()) for r in accepted)
        count = len(statuses)
        out.append(DepartmentWeek(
            code=d.code, tasks=count, done=statuses.count("done"), trouble=sum(map(TROUBLE.__contains__, statuses)),
            overdue=sum(1 for s, due in zip(statuses, dues, strict=True) if s != "done" and due is not None and due < as_of),
            percent=round(sum(map(percent_value, map(eq, statuses, repeat("done")), percents)) / count, 1)
            if count else 0.0, submitted=done,
            last_received=accepted[-1] if accepted else None, version=(versions or {}).get(d.code),
            rejected_this_week=rejected))
    return tuple(out)


def _standings(tasks: Iterable[Task | Standing]) -> Standings:
    values = list(map(_standing_values, tasks))
    return Standings(*map(list, zip(*values, strict=True))) if values else Standings([], [], [], [])


Columns = tuple[list[str], list["dt.date | None"], list[Any]]


def _by_department(standings: Standings) -> Callable[[str], Columns]:
    """A department's statuses, dues and percents, in the tasks' order: the tasks put in department
    order once (a stable sort: already in that order, a merge's cost little), each department a slice."""
    department = standings.department
    order = sorted(range(len(department)), key=department.__getitem__)
    keys = list(map(department.__getitem__, order))
    status, due, percent = ([*map(column.__getitem__, order)] for column in standings[1:])

    def columns(code: str) -> Columns:
        lo, hi = bisect_left(keys, code), bisect_right(keys, code)
        return status[lo:hi], due[lo:hi], percent[lo:hi]

    return columns

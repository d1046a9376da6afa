"""The week's state as tidy tables: one row per fact, the columns of columns.TABLES in order.

Rows are plain tuples of Python values (str, datetime.date, datetime.datetime, int, float, bool or
None), so the csv writer (through pandas, frames.py) and the xlsx writer (xlsx/tables.py) type
the same values; nothing here needs pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..store.atomic import atomic_path
from ..week.state import WeekState
from ..xlsx.tables import write_tables
from .columns import TABLES

Row = tuple


def _tasks(state: WeekState) -> Iterable[tuple]:
    order = {task_id: i for i, task_id in enumerate(state.critical_path, start=1)}
    for t in state.tasks:
        yield (
            t.department,
            t.task_id,
            t.name,
            t.owner,
            t.owner_department,
            t.start,
            t.due,
            t.status,
            t.reported_status,
            None if t.percent is None else float(t.percent),
            t.health,
            t.days_late,
            t.reason,
            t.actual_finish,
            t.baseline_start,
            t.baseline_due,
            t.slip,
            t.task_id in order,
            order.get(t.task_id),
        )


def _links(state: WeekState) -> Iterable[tuple]:
    departments: dict[str, set[str]] = {}
    for t in state.tasks:
        departments.setdefault(t.task_id.casefold(), set()).add(t.department)
    for t in state.tasks:
        for ref in t.predecessors:
            found = departments.get(str(ref).strip().casefold(), set())
            dept = t.department if t.department in found else (next(iter(found)) if len(found) == 1 else None)
            yield (t.department, t.task_id, str(ref), dept, dept is not None and dept != t.department)


def _versions(state: WeekState) -> Iterable[tuple]:
    for v in state.versions:
        diff = v.diff
        yield (
            v.department,
            v.version,
            v.received,
            v.file_name,
            diff is None,
            len(diff.added) if diff else None,
            len(diff.removed) if diff else None,
            len(diff.updated) if diff else None,
            v.note,
        )


def _changes(state: WeekState) -> Iterable[tuple]:
    for c in state.changes:
        yield (c.change_id, c.department, c.date, c.change_type, c.content, c.reason, c.impact, c.status)


def _change_tasks(state: WeekState) -> Iterable[tuple]:
    for c in state.changes:
        for task_id in c.tasks:
            start, due = c.proposed.get(task_id, (None, None))
            yield (c.change_id, task_id, start, due)


def _decisions(state: WeekState) -> Iterable[tuple]:
    for c in state.changes:
        if not c.pending:
            yield (c.change_id, c.department, c.status, c.decided_by, c.decided_on, c.decided_in, c.comment)


def _moves(state: WeekState) -> Iterable[tuple]:
    for m in state.moves:
        yield (m.task_id, m.department, m.kind, m.old, m.new, m.days, m.status, ";".join(m.change_ids))


def _milestones(state: WeekState) -> Iterable[tuple]:
    for m in state.milestones:
        yield (m.name, m.planned, m.owner_department, m.source)


def _scorecard(state: WeekState) -> Iterable[tuple]:
    card = state.scorecard
    for score in getattr(card, "departments", ()):
        for f in score.weeks:
            yield (
                f.department,
                f.week.label,
                f.week.start,
                f.on_time.hits,
                f.on_time.total,
                f.on_time.percent,
                f.slip_days,
                f.slipped,
                f.punctuality.hits,
                f.punctuality.total,
                f.first_time.hits,
                f.first_time.total,
                f.blocked,
                f.blocked_oldest,
                f.answered.hits,
                f.answered.total,
                f.stale,
            )


_BUILDERS = {
    "tasks": _tasks,
    "links": _links,
    "versions": _versions,
    "change_requests": _changes,
    "change_tasks": _change_tasks,
    "decisions": _decisions,
    "moves": _moves,
    "milestones": _milestones,
    "scorecard": _scorecard,
}


def _date_of(value: object) -> object:
    """A datetime in a date column would carry a time the column does not promise."""
    return value.date() if isinstance(value, dt.datetime) else value


def table_rows(state: WeekState) -> dict[str, list[Row]]:
    """Every table of columns.TABLES, its rows in the week's order, each starting with the head
    columns (project code, as-of day)."""
    head = (state.project_code, state.as_of)
    out: dict[str, list[Row]] = {}
    for name, columns in TABLES.items():
        kinds = [c.type for c in columns]
        rows = []
        for body in _BUILDERS[name](state):
            row = head + tuple(body)
            assert len(row) == len(columns), (name, len(row), len(columns))
            rows.append(tuple(_date_of(v) if k == "date" else v for v, k in zip(row, kinds, strict=True)))
        out[name] = rows
    return out


def write_xlsx(state: WeekState, path) -> dict[str, int]:
    """Every table as a sheet of one workbook (xlsx/tables.py); table -> rows."""
    rows = table_rows(state)
    with atomic_path(path) as tmp:
        write_tables(
            tmp, {name: ([c.name for c in cols], [c.type for c in cols], rows[name]) for name, cols in TABLES.items()}
        )
    return {name: len(r) for name, r in rows.items()}

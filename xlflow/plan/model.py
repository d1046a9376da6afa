"""The master plan's values: tasks with what the merge computes, dependency problems, department
statistics and the MasterPlan that holds them all.

build.py makes a MasterPlan from submissions, graph.py links its tasks. The statuses counted
come from the spec (enums.toml, `status`), so a status added there is counted everywhere.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import NamedTuple

from ..check.model import ids_of
from ..config import Workspace
from ..i18n import Phrase
from ..spec.catalog import Catalog, load_catalog
from ..store.snapshots import FIELDS as snapshot_fields, TaskColumns, rows as snapshot_rows

HEALTHS = ("done", "on_track", "blocked", "due_soon", "overdue", "unscheduled")  # computed here (build._assess), not reported

# Kinds of dependency problem (message keys "merge-problem-<kind>" in merge.toml).
BROKEN, AMBIGUOUS, CYCLE, STARTED_EARLY, SCHEDULED_EARLY, COLLISION = (
    "broken_link", "ambiguous_link", "cycle", "started_before_predecessor_done",
    "starts_before_predecessor_due", "id_collision")


def status_codes(catalog: Catalog | None = None) -> tuple[str, ...]:
    """The task statuses in the spec's order (enums.toml `status`): what counts and charts list."""
    return tuple(c.code for c in (catalog or load_catalog()).enums["status"].values)


@dataclass(eq=False, slots=True)
class Task:
    """One row of a department's WBS, with what the master computes for it."""

    department: str  # the department whose workbook holds the row
    task_id: str
    values: dict[str, object]  # spec key -> clean value, as validation produced it
    file: str
    received: dt.datetime | None
    excel_row: int
    status: str | None = None  # as reported
    effective_status: str | None = None  # delayed when past due and not done
    health: str = "unscheduled"
    days_to_due: int | None = None  # working days from as_of to the due date, for open tasks not late
    days_late: int | None = None  # working days past the due date, for open late tasks
    predecessors: list[Task] = field(default_factory=list)
    successors: list[Task] = field(default_factory=list)
    projected_finish: dt.date | None = None
    # the row's start and due when they are dates (else None) and its predecessors' IDs: read from
    # `values` once, not at every use
    start: dt.date | None = field(init=False, repr=False)
    due: dt.date | None = field(init=False, repr=False)
    predecessor_ids: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        start, due = self.values.get("start"), self.values.get("due")
        self.start = start if isinstance(start, dt.date) else None
        self.due = due if isinstance(due, dt.date) else None
        self.predecessor_ids = ids_of(self.values.get("predecessors"))

    @property
    def done(self) -> bool:
        return self.effective_status == "done"

    @property
    def open_predecessors(self) -> list[Task]:
        return [p for p in self.predecessors if not p.done]

    @property
    def successors_other_depts(self) -> list[Task]:
        return [s for s in self.successors if s.department != self.department]

    @property
    def started(self) -> bool:
        percent = self.values.get("percent")
        return (self.status in ("in_progress", "done") or bool(self.values.get("actual_finish"))
                or (isinstance(percent, (int, float)) and percent > 0))


class Problem(NamedTuple):
    """Something wrong with the links between tasks; `kind` is one of the module constants.
    A NamedTuple, not a frozen dataclass: a big plan has tens of thousands (50,000 tasks: 17,000),
    and a frozen dataclass's __init__ sets each field through object.__setattr__ (3× the cost)."""

    kind: str
    department: str
    task_id: str
    other_department: str | None = None
    other_task_id: str | None = None
    detail: str | Phrase = ""  # e.g. the cycle as "A → B → A"; a Phrase is told in the master's language


@dataclass(frozen=True)
class SubmissionInfo:
    department: str | None
    file: str
    path: Path
    received: dt.datetime | None
    version: int | None
    sha256: str
    errors: int
    warnings: int
    tasks: int
    included: bool

    @property
    def result(self) -> str:
        if not self.included:
            return "rejected"
        return "warnings" if self.warnings else "accepted"


@dataclass
class DeptStats:
    code: str
    tasks: int = 0
    by_status: dict[str, int] = field(default_factory=dict)  # status code -> tasks; every code of the spec
    by_health: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HEALTHS, 0))
    percent_complete: float = 0.0  # mean percent of its tasks, done counting 100
    last_received: dt.datetime | None = None
    submitted_this_week: bool = False
    blocked: int = 0  # open tasks reported blocked, late or not (a late one's effective status is delayed)

    @property
    def overdue(self) -> int:
        return self.by_health["overdue"]


@dataclass(frozen=True)
class Record:
    """A row of a merged side table (RACI, issues, actions): its department and clean values."""

    department: str
    values: dict[str, object]
    file: str = ""
    overdue: bool = False


@dataclass(frozen=True)
class RaciConflict:
    kind: str  # TWO_A | R_UNACCEPTED
    item: str  # the item as the first department wrote it
    departments: tuple[str, ...]  # two_a: the departments named A; r_unaccepted: the department named R
    sources: tuple[str, ...]  # the departments whose matrices say so


@dataclass
class MasterPlan:
    ws: Workspace
    as_of: dt.date
    week_start: dt.date
    departments: list[str]  # the order of the workspace, then unknown ones
    tasks: list[Task]  # sorted by department and ID
    links: list[tuple[Task, Task]]  # (predecessor, successor), every resolved link
    problems: list[Problem]
    cycles: list[list[Task]]
    critical_path: list[Task]  # first to last; the last one finishes at end_date
    end_date: dt.date | None
    collisions: dict[str, list[str]]  # task ID -> departments that use it
    raci: list[Record]
    issues: list[Record]
    actions: list[Record]
    submissions: list[SubmissionInfo]
    stats: dict[str, DeptStats]
    not_submitted: list[str]  # departments with nothing received since week_start
    statuses: tuple[str, ...]  # the status codes of the spec, in its order (status_codes)
    raci_conflicts: list[RaciConflict] = field(default_factory=list)  # raci.RaciConflict: the departments' matrices disagree

    @property
    def cross_links(self) -> list[tuple[Task, Task]]:
        return [(p, s) for p, s in self.links if p.department != s.department]

    def totals(self) -> DeptStats:
        total = DeptStats("*", by_status=dict.fromkeys(self.statuses, 0))
        for s in self.stats.values():
            total.tasks += s.tasks
            for k, v in s.by_status.items():
                total.by_status[k] = total.by_status.get(k, 0) + v
            for k, v in s.by_health.items():
                total.by_health[k] += v
            total.blocked += s.blocked
        total.percent_complete = (sum(percent_of(t) for t in self.tasks) / len(self.tasks)) if self.tasks else 0.0
        return total

    def delays(self) -> list[Task]:
        """What the weekly meeting goes through: late, delayed or blocked open tasks, the latest first."""
        out = [t for t in self.tasks if not t.done and
               (t.effective_status in ("delayed", "blocked") or t.health == "overdue")]
        # self.tasks is already in department and natural-ID order, and sorting is stable
        return sorted(out, key=lambda t: -(t.days_late or 0))

    def snapshot_columns(self) -> TaskColumns:
        """Per task what the state DB keeps for week-over-week comparison, column by column in
        SnapshotTask's field order (store/snapshots.py stores columns): no row made per task, each
        column taken out of the tasks (and of their values) in one C-level pass."""
        tasks = self.tasks
        if not tasks:
            return TaskColumns(snapshot_fields, [[] for _ in snapshot_fields])
        (department, task_id, status, reported, health, days_late, predecessors) = zip(
            *map(_snapshot_attrs, tasks), strict=True)
        (name, owner, owner_department, percent, start, due, reason, actual_finish) = _snapshot_values(
            [t.values for t in tasks])
        successors = [tuple(s.task_id for s in t.successors if s.department != t.department) if t.successors else ()
                      for t in tasks]
        return TaskColumns(snapshot_fields, [
            department, task_id, name, owner, owner_department, status, reported, health, percent, start, due, reason,
            predecessors, successors, days_late, actual_finish])

    def snapshot_rows(self) -> list[dict[str, object]]:
        """snapshot_columns as rows (lists of IDs as lists): what the state DB keeps per task."""
        return snapshot_rows(self.snapshot_columns())


_snapshot_attrs = attrgetter("department", "task_id", "effective_status", "status", "health", "days_late",
                             "predecessor_ids")  # predecessor_ids: ids_of(values["predecessors"]), made once
_SNAPSHOT_KEYS = ("name", "owner", "owner_department", "percent", "start", "due", "reason", "actual_finish")


def _snapshot_values(values: list[dict[str, object]]) -> list[Sequence[object]]:
    """The snapshot's columns read from the tasks' values (a missing key: None), transposed in C
    when every row has every key (a validated workbook's rows do)."""
    try:
        return list(zip(*map(itemgetter(*_SNAPSHOT_KEYS), values), strict=True))
    except KeyError:
        return [[v.get(k) for v in values] for k in _SNAPSHOT_KEYS]


def percent_of(t: Task) -> float:
    """A task's percent complete for the averages (the dashboard's, the brief's): percent_value."""
    return percent_value(t.done, t.values.get("percent"))


def percent_value(done: bool, value: object) -> float:
    """THE percent complete of a task for every average: done counts 100, no figure counts 0."""
    if done:
        return 100.0
    try:
        return float(value or 0)  # type: ignore[arg-type]  # any cell value: what float() refuses is caught
    except (TypeError, ValueError):
        return 0.0

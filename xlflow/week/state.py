"""The project's week as one frozen value: computed once, stored whole as the week's record, and
rendered by every output (the master, the brief, status, reminders, chat digests, department
slices, calendars, exports, the portfolio).

Everything here is language-neutral data: codes (status, health, decision), dates, numbers and the
departments' own text. A renderer turns it into words in its reader's language with the message
catalog; a text xlflow composed (a dependency problem's detail) is kept in both languages.

The contract the channels rely on: fields are added, never renamed or removed without a
migration of the stored records (week/record.py).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ..features.control.moves import Control, Move
from ..features.control.requests import ChangeRequest
from ..features.coordinator.notices import LayerNotice
from ..features.coordinator.table import MasterEdit
from ..features.coordinator.week import Escalation as Escalation  # re-exported: part of the week's contract
from ..features.scorecard.model import Scorecard
from ..plan.diff import PlanDiff
from ..plan.lateness import LateSubmission
from ..plan.model import RaciConflict
from ..workdays import Week


@dataclass(frozen=True)
class Task:
    """One task of the plan as the week sees it: the department's row plus what the merge judged.

    `status` is the effective status (a task past due and not done is "delayed"); `reported_status`
    is what the department wrote. Health is one of plan.model.HEALTHS.
    """

    department: str  # the department whose workbook holds the row
    task_id: str
    name: str = ""
    owner: str = ""
    owner_department: str = ""
    start: dt.date | None = None
    due: dt.date | None = None
    status: str = ""  # enums.toml status code, effective
    reported_status: str = ""
    percent: float | None = None  # 0..100 as the department typed it; None when not given
    reason: str = ""  # the delay / block reason
    predecessors: tuple[str, ...] = ()  # task IDs, any department
    successors_other_depts: tuple[str, ...] = ()  # task IDs of other departments that wait for this one
    actual_finish: dt.date | None = None
    health: str = "unscheduled"  # done | on_track | blocked | due_soon | overdue | unscheduled
    days_late: int | None = None  # working days past due, open late tasks
    baseline_start: dt.date | None = None  # the baseline in force (None: no baseline yet)
    baseline_due: dt.date | None = None
    slip: int | None = None  # working days `due` is after `baseline_due`; None without a baseline
    extra: Mapping[str, object] = field(default_factory=dict)  # other WBS columns (deliverable, notes, priority)

    @property
    def done(self) -> bool:
        return self.status == "done"

    def get(self, key: str, default: object = None) -> object:
        """Read by field name (then `extra`), as the brief reads a task."""
        try:
            return getattr(self, key)
        except AttributeError:
            return self.extra.get(key, default)


@dataclass(frozen=True)
class Milestone:
    """A row of a kick-off workbook's preliminary timeline (里程碑)."""

    name: str
    planned: dt.date | None
    owner_department: str = ""  # "" = the project's
    source: str = ""  # the department whose workbook holds it


@dataclass(frozen=True)
class DepartmentWeek:
    """A department's standing in the week."""

    code: str
    tasks: int
    done: int
    trouble: int  # delayed + blocked
    overdue: int
    percent: float  # mean percent of its tasks, done counting 100
    submitted: bool  # an accepted update in this week, up to as_of
    last_received: dt.datetime | None  # local wall time of its newest accepted file
    version: int | None  # its current accepted version
    rejected_this_week: int = 0


@dataclass(frozen=True)
class Item:
    """A row of a side table (issue/risk log, action item): the department that holds it and its
    clean values by spec key (issue_id, description, impact, owner, due, status …)."""

    department: str
    values: Mapping[str, object]
    overdue: bool = False


@dataclass(frozen=True)
class LinkProblem:
    """A dependency problem (plan.model.Problem kinds); `detail` in both languages."""

    kind: str
    department: str
    task_id: str
    other_department: str | None = None
    other_task_id: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)  # {"zh": …, "en": …}


@dataclass(frozen=True)
class PlanVersion:
    """One accepted version as the state database records it: what load_week (xlflow/week) reads, so
    that build stays pure and a later rebuild of the week shows the same versions."""

    department: str
    version: int
    received: dt.datetime  # local wall time
    file_name: str
    diff: PlanDiff | None  # None: the department's first version
    note: str = ""  # the store's raw note ("restored-from:3", "accepted-by-coordinator: …")


@dataclass(frozen=True)
class WeekState:
    """The week holding `as_of`, as the newest merge up to that day found it.

    `tasks` is the plan of `data_date` (the merge's day); `previous_tasks` the plan at the end of
    the week before (None: no earlier week). Parts a feature owns are typed by that feature:
    versions (plan versions received this week and what each changed), change control (the
    change register with its decisions, the plan against its baselines), the coordinator's layer
    (escalations, cells edited in the master), the scorecard and the notices.
    """

    project_code: str
    week: Week
    as_of: dt.date  # the day the state is judged on ("due today", "overdue")
    data_date: dt.date  # the day of the merge the tasks come from
    tasks: tuple[Task, ...]
    departments: tuple[DepartmentWeek, ...]  # in the workspace's order
    previous_tasks: tuple[Task, ...] | None = None  # a quiet week: the tasks themselves (nothing new)
    previous_date: dt.date | None = None
    milestones: tuple[Milestone, ...] = ()
    critical_path: tuple[str, ...] = ()  # task IDs, first to last
    projected_end: dt.date | None = None
    baseline_end: dt.date | None = None
    versions: tuple[PlanVersion, ...] = ()  # (moves to the versions feature)
    changes: tuple[ChangeRequest, ...] = ()  # the register with its decisions as of the merge
    moves: tuple[Move, ...] = ()  # due/start moves against the baseline, approved or not
    scorecard: Scorecard | None = None  # as of the brief's day
    risks: tuple[Item, ...] = ()  # open issue-log rows
    actions: tuple[Item, ...] = ()  # action items of the meetings
    problems: tuple[LinkProblem, ...] = ()
    raci_conflicts: tuple[RaciConflict, ...] = ()
    late_submissions: tuple[LateSubmission, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    master_edits: tuple[MasterEdit, ...] = ()  # department cells changed in the master by hand
    master_notices: tuple[LayerNotice, ...] = ()  # what reading the master back said (features/coordinator/notices.py)
    quiet: bool = False  # no update and no merge this week
    older_tasks: tuple[Task, ...] | None = None  # the plan at least STALE_DAYS before data_date ("not updated")
    older_date: dt.date | None = None
    control: Control | None = None  # the plan against its baselines as the merge found it

    def task(self, task_id: str) -> Task | None:
        """The task with this ID (the first, if two departments use one ID); looked up by index, since
        every slice asks this for each of its links."""
        return self._by_id.get(task_id)

    @cached_property
    def _by_id(self) -> dict[str, Task]:
        index: dict[str, Task] = {}
        for t in self.tasks:
            index.setdefault(t.task_id, t)
        return index

    def department_tasks(self, code: str) -> tuple[Task, ...]:
        """Department `code`'s tasks in plan order (by index: each slice asks, and a scan of every
        task per department was O(departments × tasks), seconds at 100 departments)."""
        return self._by_department.get(code, ())

    def waiting_on(self, task_id: str) -> tuple[Task, ...]:
        """The tasks naming `task_id` among their predecessors, in plan order (by index, as above)."""
        return self._successors.get(task_id, ())

    def previous_task(self, task_id: str) -> Task | None:
        """The task with this ID in the plan of the week before (the last, if two use one ID)."""
        return self._previous_by_id.get(task_id)

    def previous_department_tasks(self, code: str) -> tuple[Task, ...]:
        """Department `code`'s tasks in the plan of the week before, in its order."""
        return self._previous_by_department.get(code, ())

    @cached_property
    def _previous_by_id(self) -> dict[str, Task]:
        return {t.task_id: t for t in self.previous_tasks or ()}

    @cached_property
    def _previous_by_department(self) -> dict[str, tuple[Task, ...]]:
        return _grouped(self.previous_tasks or (), lambda t: (t.department,))

    @cached_property
    def _by_department(self) -> dict[str, tuple[Task, ...]]:
        return _grouped(self.tasks, lambda t: (t.department,))

    @cached_property
    def _successors(self) -> dict[str, tuple[Task, ...]]:
        return _grouped(self.tasks, lambda t: tuple(dict.fromkeys(t.predecessors)))

    def department(self, code: str) -> DepartmentWeek | None:
        return next((d for d in self.departments if d.code == code), None)

    @property
    def not_submitted(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.departments if not d.submitted)


def _grouped(tasks: tuple[Task, ...], keys: Callable[[Task], tuple[str, ...]]) -> dict[str, tuple[Task, ...]]:
    """Each key's tasks, in the order of `tasks`."""
    out: dict[str, list[Task]] = {}
    for t in tasks:
        for k in keys(t):
            out.setdefault(k, []).append(t)
    return {k: tuple(v) for k, v in out.items()}

"""What a weekly brief holds: frozen values, built by build.py and rendered by render.py.

Every text in here is already in the brief's language (labels, hints, notes), so the templates
only lay it out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...features.scorecard.brief import ScorecardPart
from ...output.brief.decision import Decision as Decision  # re-exported: read from here by the brief's parts
from ...output.brief.limits import SECTION_LIMIT as SECTION_LIMIT  # re-exported, as Decision
from ...workdays import Week

if TYPE_CHECKING:
    from ...features.control.brief_moves import BriefControl

TROUBLE = ("delayed", "blocked")  # the status codes that need someone's attention


@dataclass(frozen=True)
class Item:
    """One task line: enough to act on it (who, what, how late, why)."""

    task_id: str
    name: str
    department: str
    department_name: str
    owner: str
    status: str
    status_label: str
    colour: str
    due: dt.date | None
    days_late: int
    reason: str
    note: str = ""
    cut: bool = False  # another department's task in a department's brief: as its slice shows it, no owner or reason

    @property
    def in_trouble(self) -> bool:
        """Delayed or blocked: the brief shows the reason the department gave."""
        return self.status in TROUBLE


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    hint: str
    items: tuple[Item, ...]
    more: int  # items left out of the e-mail (see the master)

    @property
    def count(self) -> int:
        return len(self.items) + self.more


@dataclass(frozen=True)
class StatusCount:
    code: str
    label: str
    colour: str
    count: int
    delta: int | None


@dataclass(frozen=True)
class Scope:
    """Why the average percent moved: tasks added and removed since last week, and the change of
    the average over the tasks present in both weeks (so a drop from new tasks is not read as
    going backwards)."""

    added: int
    removed: int
    same_tasks_delta: float | None  # None: no task in both weeks


@dataclass(frozen=True)
class Headline:
    total: int
    total_delta: int | None
    percent: float
    percent_delta: float | None
    overdue: int
    statuses: tuple[StatusCount, ...]
    scope: Scope | None = None  # None: no previous week to compare with


@dataclass(frozen=True)
class NoticeLine:
    text: str  # what (already in the brief's language)
    detail: str = ""  # who, since when, why


@dataclass(frozen=True)
class Notice:
    """A list section that is not a list of tasks: overdue action items, dependency problems,
    RACI conflicts, late submissions (notices.py). Shown only when it has lines."""

    key: str
    title: str
    hint: str
    lines: tuple[NoticeLine, ...]
    more: int = 0

    @property
    def count(self) -> int:
        return len(self.lines) + self.more


@dataclass(frozen=True)
class MissingDepartment:
    code: str
    name: str
    contact: str
    email: str
    last_received: str  # "" = never
    rejected_this_week: int


@dataclass(frozen=True)
class DepartmentRow:
    code: str
    name: str
    contact: str
    tasks: int
    done: int
    trouble: int  # delayed + blocked
    overdue: int
    percent: float
    last_received: str
    submitted: bool


@dataclass(frozen=True)
class Notable:
    """A kind of change the coordinator should not miss, called out apart from the summary."""

    kind: str  # "removed" | "reopened" | "later" | "percent_down"
    text: str


@dataclass(frozen=True)
class VersionChange:
    version: int
    received: str  # "2026-11-20 15:00", local time
    file_name: str
    summary: str  # PlanDiff.summary, statuses as labels
    coordinator: str  # a revert or forced accept, worded as the history does; "" = the department's own
    notable: tuple[Notable, ...]


@dataclass(frozen=True)
class DepartmentChanges:
    """A department's new versions of the week: "what changed in the plan"."""

    code: str
    name: str
    versions: tuple[VersionChange, ...]


@dataclass(frozen=True)
class Brief:
    lang: str
    project: str
    project_code: str
    week: Week
    as_of: dt.date
    snapshot_date: dt.date
    previous_date: dt.date | None
    headline: Headline
    sections: tuple[Section, ...]
    missing: tuple[MissingDepartment, ...]
    decisions: tuple[Decision, ...]
    departments: tuple[DepartmentRow, ...]
    subject: str
    notes: tuple[str, ...] = ()
    decisions_more: int = 0  # decisions left out of the e-mail (see the master)
    plan_changes: tuple[DepartmentChanges, ...] = ()  # departments with new versions this week
    notices: tuple[Notice, ...] = ()  # from the week's record (notices.py), in this order
    quiet: bool = False  # no update and no merge this week: nothing "finished" or "newly delayed"
    scorecard: ScorecardPart | None = None  # the department scorecards as of the brief's day
    master_edits: tuple[str, ...] = ()  # department cells changed in the master by hand (features/coordinator/edits.py)
    master_notices: tuple[str, ...] = ()  # what reading the master back said (features/coordinator/notices.py)
    control: BriefControl | None = None  # the plan against its baseline (features/control/brief_moves.py)
    department: str = ""  # whose brief: a department's, narrowed to its slice (share/weekmail.py); "" the coordinators'

    def notice(self, key: str) -> Notice | None:
        return next((n for n in self.notices if n.key == key), None)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

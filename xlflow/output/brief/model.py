"""What a weekly brief holds: frozen values, built by build.py and rendered by render.py.

Every text in here is already in the brief's language (labels, hints, notes), so the templates
only lay it out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...plan.diff import PlanDiff
from ...workdays import Week

TROUBLE = ("delayed", "blocked")  # the status codes that need someone's attention
STALE_DAYS = 14  # "not updated for two weeks"
SECTION_LIMIT = 15  # items per section in the e-mail; the rest are counted and live in the master


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
class Headline:
    total: int
    total_delta: int | None
    percent: float
    percent_delta: float | None
    overdue: int
    statuses: tuple[StatusCount, ...]


@dataclass(frozen=True)
class MissingDepartment:
    code: str
    name: str
    contact: str
    email: str
    last_received: str  # "" = never
    rejected_this_week: int


@dataclass(frozen=True)
class Decision:
    kind: str  # "blocked" | "risk"
    ref: str
    text: str
    department_name: str
    owner: str
    since: dt.date | None
    note: str


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
class PlanVersion:
    """One accepted version as the state database records it: what service/weekly.py reads, so
    that build stays pure and a later rebuild of the week shows the same versions."""

    department: str
    version: int
    received: dt.datetime  # local wall time
    file_name: str
    diff: PlanDiff | None  # None: the department's first version
    note: str = ""  # the store's raw note ("restored-from:3", "accepted-by-coordinator: …")


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
    master_edits: tuple[str, ...] = ()  # department cells changed in the master by hand (service/edits.py)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

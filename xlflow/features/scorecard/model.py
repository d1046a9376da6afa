"""What a department scorecard is made of: the record it reads (every accepted version of every
plan, every file received) and what it gives (figures per department and week, and the traces
behind every figure). Frozen values; measures.py computes them, the master's Scorecard sheet and
the weekly brief only lay them out.

The measures, in the order they are shown (their one-sentence definitions are the messages
`score-def-<measure>`, written into the sheet and the brief, and explained in docs/coordinator.md):
on_time, slip, punctuality, first_time, blocked, answered, stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ...workdays import Week

MEASURES = ("on_time", "slip", "punctuality", "first_time", "blocked", "answered", "stale")
RESULTS = (
    "on_time",
    "late",
    "not_done",
    "slip_done",
    "slip_overdue",
    "slip_moved",
    "missing",
    "first_time",
    "after_rejection",
    "blocked",
    "answered",
    "answered_late",
    "unanswered",
    "stale",
)  # Trace.result codes
STALE_DAYS = 14  # "not updated for two weeks or more" (the brief's stale section uses the same span)
NOT_OWN = "restored"  # a version the coordinator restored: the plan in force, but not a submission

TaskRows = Mapping[str, Mapping[str, object]]  # task ID -> the WBS row's values (spec keys, clean values)
# (task ID, moment) -> the baseline due date in force at that moment, None if the task has none
BaselineDue = Callable[[str, dt.datetime], "dt.date | None"]
Deadline = Callable[[Week], dt.datetime]  # a week -> when its update is due (local wall time)


@dataclass(frozen=True)
class VersionIn:
    """One accepted version of a department's plan, as the state database and the archive hold it."""

    department: str
    version: int
    received: dt.datetime  # local wall time, naive
    file_name: str
    own: bool  # the department's own file (False: the coordinator restored an earlier version)
    tasks: TaskRows
    issues: Sequence[Mapping[str, object]] = ()  # issue-log rows (issue_id, impact, response, status, ...)
    sha256: str = ""  # the submission's hash: what the version holds (a kept week's figures are keyed by it)


@dataclass(frozen=True)
class FileIn:
    """One received file (any result), for punctuality and first-time-valid."""

    department: str
    received: dt.datetime  # local wall time, naive
    result: str  # accepted | rejected | unreadable | duplicate
    file_name: str
    own: bool = True


@dataclass(frozen=True)
class Ratio:
    hits: int
    total: int

    @property
    def percent(self) -> float | None:
        """hits / total in percent, one decimal; None when nothing counts yet."""
        return round(100.0 * self.hits / self.total, 1) if self.total else None


@dataclass(frozen=True)
class Figures:
    """One department's figures at the end of one week (or at the scorecard's day for its last week)."""

    department: str
    week: Week
    on_time: Ratio  # tasks done by their baseline due date / tasks due so far
    slip_days: int  # working days of slip against the baseline, summed over the tasks
    slipped: int  # tasks with any slip
    punctuality: Ratio  # weeks updated by the deadline / weeks so far
    first_time: Ratio  # versions accepted without a rejected file before them / versions
    blocked: int  # open blocked tasks
    blocked_oldest: int  # working days the oldest of them has been blocked (0: none)
    answered: Ratio  # high-impact items answered within 24 h / high-impact items due for an answer
    stale: int  # open, started tasks not updated for STALE_DAYS or more

    def encode(self) -> list[int]:
        """The numbers, in a fixed order (kept in the state database for a past week)."""
        return [
            self.on_time.hits,
            self.on_time.total,
            self.slip_days,
            self.slipped,
            self.punctuality.hits,
            self.punctuality.total,
            self.first_time.hits,
            self.first_time.total,
            self.blocked,
            self.blocked_oldest,
            self.answered.hits,
            self.answered.total,
            self.stale,
        ]

    @classmethod
    def decode(cls, department: str, week: Week, n: list[int]) -> Figures:
        return cls(
            department,
            week,
            Ratio(n[0], n[1]),
            n[2],
            n[3],
            Ratio(n[4], n[5]),
            Ratio(n[6], n[7]),
            n[8],
            n[9],
            Ratio(n[10], n[11]),
            n[12],
        )


@dataclass(frozen=True, slots=True)
class Trace:
    """One line of the drill-down: an item behind a figure, and what it counted as.

    `result` is a code (score-result-<code> in the messages); `hit` says whether the item counts
    in the figure's numerator (for the counts and sums: whether it is counted at all)."""

    measure: str
    department: str
    item: str  # task ID, "v3", "2026-W46", issue ID
    name: str  # task name, file name, issue description
    target: str  # baseline due, deadline, answer-by (ISO text, minutes for moments)
    actual: str  # finish, received, answered, blocked since, last update
    days: int | None  # working days of slip, of blockage; calendar days since the last update
    result: str
    hit: bool
    note: str = ""


@dataclass(frozen=True)
class DepartmentScore:
    department: str
    current: Figures  # at the scorecard's day
    weeks: tuple[Figures, ...]  # one per week of Scorecard.weeks, the last one is `current`
    slip_change: int | None  # slip_days now minus at the end of the week before (None: first week)


@dataclass(frozen=True)
class Scorecard:
    as_of: dt.date
    weeks: tuple[Week, ...]  # from the first week anything was submitted to the week of as_of
    departments: tuple[DepartmentScore, ...]
    traces: tuple[Trace, ...]  # what the current figures are made of, by measure and department

    def department(self, code: str) -> DepartmentScore:
        return next(d for d in self.departments if d.department == code)

    def traces_of(self, measure: str, department: str | None = None) -> tuple[Trace, ...]:
        return tuple(
            t for t in self.traces if t.measure == measure and (department is None or t.department == department)
        )


@dataclass
class WeekMemo:
    """Past weeks' figures kept between runs (by measures.WeekKeys): `kept` as read, `used` filled
    with every past week's figures of this run; `context` is what the key adds (the calendar)."""

    kept: Mapping[str, list[int]]
    context: str = ""
    used: dict[str, list[int]] = field(default_factory=dict)
    walks: Mapping[str, WalkKept] = field(default_factory=dict)  # department -> its walk kept at a week's end
    new_walks: dict[str, WalkKept] = field(default_factory=dict)  # the walks to keep now
    # department -> (WeekKeys' key of the current week, its figures, its traces), as kept by the merge
    # before; the same key gives the same figures and traces (a merge of the same day, the department unchanged)
    current: Mapping[str, tuple[str, list[int], list[Trace]]] = field(default_factory=dict)
    new_current: dict[str, tuple[str, list[int], list[Trace]]] = field(default_factory=dict)  # to keep now


@dataclass(frozen=True)
class WalkKept:
    """What a department's versions up to a cutoff told (measures._Walk without the plan, which is
    the newest version's: `last`), kept so the current week replays only the versions after it.
    `digest`: of the versions up to the cutoff; another digest (a version restored, removed) means
    it is not used."""

    cutoff: dt.datetime
    digest: str
    last: str  # sha256 of the newest version up to the cutoff ("" when none)
    done_since: Mapping[str, dt.date]
    blocked_since: Mapping[str, dt.date]
    updated: Mapping[str, dt.date]
    issues: Mapping[str, Mapping[str, object]]
    answered: Mapping[str, dt.datetime]

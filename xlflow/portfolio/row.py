"""A project's row of the portfolio, computed from its WeekState alone: the same figures the
project's own brief and dashboard show for the same day (percent done: the mean over the tasks,
a done task counting 100 — plan.model.percent_of; overdue: not done and due before the day;
in trouble: delayed or blocked; not submitted: DepartmentWeek.submitted).

Health, worst first: red (a task overdue or blocked, or the projected end after the baseline
end), amber (a task due soon, an unapproved move, a change request awaiting a decision, or a
department that has not submitted this week), green; done when every task is done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from ..week.state import Milestone, Task, WeekState

TROUBLE = ("delayed", "blocked")
HEALTHS = ("red", "amber", "green", "done")


@dataclass(frozen=True)
class ProjectRow:
    project: str
    as_of: dt.date
    health: str
    percent: float  # one decimal, as the brief shows it
    tasks: int
    done: int
    overdue: int
    trouble: int  # delayed + blocked
    slipped: int  # tasks whose due date is after their baseline due date
    slip_days: int  # working days, summed over those tasks
    slip_max: int  # the largest slip, working days
    unapproved: int  # moves against the baseline that no change request covers
    pending_changes: int  # change requests awaiting a decision
    old_blockers: int  # blockers open longer than the portfolio's blocker_days
    not_submitted: tuple[str, ...]  # department codes
    next_milestone: Milestone | None
    last_merge: dt.date
    merge_age: int  # calendar days from the last merge to as_of
    projected_end: dt.date | None
    baseline_end: dt.date | None


def percent_of(t: Task) -> float:
    if t.done:
        return 100.0
    return float(t.percent) if isinstance(t.percent, (int, float)) else 0.0


def is_overdue(t: Task, as_of: dt.date) -> bool:
    return not t.done and t.due is not None and t.due < as_of


def project_row(state: WeekState, blocker_days: int) -> ProjectRow:
    tasks = state.tasks
    as_of = state.as_of
    slips = [t.slip for t in tasks if t.slip is not None and t.slip > 0]
    upcoming = sorted(
        (m for m in state.milestones if m.planned is not None and m.planned >= as_of), key=lambda m: m.planned or as_of
    )
    row = ProjectRow(
        project=state.project_code,
        as_of=as_of,
        health="green",
        percent=round(sum(percent_of(t) for t in tasks) / len(tasks), 1) if tasks else 0.0,
        tasks=len(tasks),
        done=sum(t.done for t in tasks),
        overdue=sum(is_overdue(t, as_of) for t in tasks),
        trouble=sum(t.status in TROUBLE for t in tasks),
        slipped=len(slips),
        slip_days=sum(slips),
        slip_max=max(slips, default=0),
        unapproved=sum(1 for m in state.moves if getattr(m, "status", "") == "unapproved"),
        pending_changes=sum(1 for c in state.changes if getattr(c, "pending", False)),
        old_blockers=len(old_blockers(state, blocker_days)),
        not_submitted=state.not_submitted,
        next_milestone=upcoming[0] if upcoming else None,
        last_merge=state.data_date,
        merge_age=(as_of - state.data_date).days,
        projected_end=state.projected_end,
        baseline_end=state.baseline_end,
    )
    return _with_health(row, state)


def old_blockers(state: WeekState, days: int) -> list[str]:
    """Blockers open longer than `days` calendar days: open issue-log rows raised before that, and
    tasks blocked both now and in the week before when that week's merge is that old."""
    limit = state.as_of - dt.timedelta(days=days)
    out = []
    for r in state.risks:
        raised = r.values.get("raised_date")
        raised = raised.date() if isinstance(raised, dt.datetime) else raised
        if isinstance(raised, str):
            try:
                raised = dt.date.fromisoformat(raised[:10])
            except ValueError:
                raised = None
        if str(r.values.get("status") or "open") != "closed" and isinstance(raised, dt.date) and raised < limit:
            out.append(str(r.values.get("issue_id") or ""))
    if state.previous_tasks is not None and state.previous_date is not None and state.previous_date <= limit:
        before = {(t.department, t.task_id) for t in state.previous_tasks if t.status == "blocked"}
        out += [t.task_id for t in state.tasks if t.status == "blocked" and (t.department, t.task_id) in before]
    return out


def _with_health(row: ProjectRow, state: WeekState) -> ProjectRow:
    late_end = bool(row.projected_end and row.baseline_end and row.projected_end > row.baseline_end)
    if row.tasks and row.done == row.tasks:
        health = "done"
    elif row.overdue or any(t.status == "blocked" for t in state.tasks) or late_end:
        health = "red"
    elif any(t.health == "due_soon" for t in state.tasks) or row.unapproved or row.pending_changes or row.not_submitted:
        health = "amber"
    else:
        health = "green"
    return replace(row, health=health)

"""Late submissions: files that arrived after the weekly deadline of the week their data is for.

The weekly deadline is `[summary] deadline_weekday` at `deadline_time` (default Friday 16:00,
when the brief goes out), in the workspace's time zone. A submission's data week is the week of
its workbook's update date (of its arrival when it has none). An accepted submission that
arrives after its data week's deadline is late: it still counts for the week it arrived in (the
one definition of "submitted this week" is unchanged), and it is recorded here with both weeks,
for the brief and `xlflow status`. A version the coordinator restored is no submission.

The deadline and lateness are a rule about submissions, so they live with the plan's rules: pure,
over the submission records the caller read (StateDB.submissions()).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ..config import Workspace
from ..store.records import RESTORED, SubmissionRecord
from ..workdays import Week, week_of


@dataclass(frozen=True)
class LateSubmission:
    department: str
    file_name: str
    received: dt.datetime  # wall time in the workspace's time zone, naive
    update_date: dt.date | None
    data_week: Week
    deadline: dt.datetime  # the data week's deadline, wall time


def deadline_of(ws: Workspace, week: Week) -> dt.datetime:
    """The moment a week's submissions are due (wall time in the workspace's time zone)."""
    weekday = ws.summary.deadline_weekday if ws.summary.deadline_weekday is not None else 4
    day = week.start + dt.timedelta(days=(weekday - week.start.weekday()) % 7)
    return dt.datetime.combine(day, ws.summary.deadline_time)


def late_submissions(ws: Workspace, submissions: Iterable[SubmissionRecord], since: dt.date | None = None,
                     until: dt.date | None = None) -> list[LateSubmission]:
    """Of `submissions` (the journal, StateDB.submissions()), the accepted ones that arrived (local date)
    in since..until after their data week's deadline, oldest first. Only the journal is read, so a past
    week gives the same list."""
    out = []
    for s in submissions:
        if s.result != "accepted" or not s.department or (s.note or "").startswith(RESTORED):
            continue
        arrived = ws.local(s.received).replace(tzinfo=None)
        if (since and arrived.date() < since) or (until and arrived.date() > until):
            continue
        week = week_of(s.update_date or arrived.date(), ws.project.week_start)
        deadline = deadline_of(ws, week)
        if arrived > deadline:
            out.append(LateSubmission(s.department, s.file_name, arrived, s.update_date, week, deadline))
    return sorted(out, key=lambda x: x.received)

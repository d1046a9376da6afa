"""Late submissions: files that arrived after the weekly deadline of the week their data is for.

The weekly deadline is `[summary] deadline_weekday` at `deadline_time` (default Friday 16:00,
when the brief goes out), in the workspace's time zone. A submission's data week is the week of
its workbook's update date (of its arrival when it has none). An accepted submission that
arrives after its data week's deadline is late: it still counts for the week it arrived in (the
one definition of "submitted this week" is unchanged), and it is recorded here with both weeks,
for the brief and `xlflow status`. A version the coordinator restored is no submission.

The deadline and lateness are a rule about submissions, so they live with the plan's rules: pure,
over the submission records the caller read (StateDB.submissions()) and the judgements recorded
when each file arrived (`judge`, kept by store/lateness.py: a changed time zone re-judges nothing).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..config import Workspace
from ..store.lateness import Judgement
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


def judge(ws: Workspace, received: dt.datetime | str, update_date: dt.date | None) -> Judgement:
    """A file's lateness as it arrives: its wall time, data week and that week's deadline under the
    configuration of that moment. The intake records it (store/lateness.py), so that a later change
    of time zone or deadline does not re-judge it."""
    at = dt.datetime.fromisoformat(received) if isinstance(received, str) else received
    arrived = ws.local(at).replace(tzinfo=None)
    week = week_of(update_date or arrived.date(), ws.project.week_start)
    deadline = deadline_of(ws, week)
    return Judgement(arrived, week.start, deadline, arrived > deadline)


def late_submissions(ws: Workspace, submissions: Iterable[SubmissionRecord], since: dt.date | None = None,
                     until: dt.date | None = None, judged: Mapping[int, Judgement] | None = None) -> list[LateSubmission]:
    """Of `submissions` (the journal, StateDB.submissions()), the accepted ones that arrived (local date)
    in since..until after their data week's deadline, oldest first. `judged`: the judgements recorded at
    arrival (store/lateness.py: judgements), used as they were made; a file without one (received
    before they were recorded) is judged now. Only the journal is read, so a past week gives the same list."""
    out = []
    for s in submissions:
        if s.result != "accepted" or not s.department or (s.note or "").startswith(RESTORED):
            continue
        j = (judged or {}).get(s.id) or judge(ws, s.received, s.update_date)
        if (since and j.arrived.date() < since) or (until and j.arrived.date() > until):
            continue
        if j.late:
            out.append(LateSubmission(s.department, s.file_name, j.arrived, s.update_date,
                                      week_of(j.data_week, ws.project.week_start), j.deadline))
    return sorted(out, key=lambda x: x.received)

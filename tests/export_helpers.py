"""The sample project's week for the export tests, and a hand-built week.

`sample_workspace` runs the sample as the demo does (init, both weeks' files through the inbox);
`sample_week` merges it and loads the stored week back with the week pipeline (load_week), as
the export commands do.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from xlflow.config import Workspace
from xlflow.resources import samples_dir
from xlflow.service.merge import merge_workspace
from xlflow.service.scaffold import init_workspace
from xlflow.watcher import process_inbox
from xlflow.week.build import load_week
from xlflow.week.state import DepartmentWeek, Milestone, Task, WeekState
from xlflow.workdays import week_of

AS_OF = dt.date(2026, 11, 20)
WEEKS = {"week46": dt.date(2026, 11, 13), "week47": AS_OF}


def sample_workspace(root: Path, lang: str = "zh") -> Workspace:
    ws = init_workspace(root, lang, sample=True)
    for week, day in WEEKS.items():
        for path in sorted((samples_dir() / "submissions" / week).glob("*.xlsx")):
            shutil.copy2(path, ws.folder("inbox") / path.name)
        received = dt.datetime.combine(day, dt.time(15, 0)).astimezone()
        list(process_inbox(ws, day, lang, received_at=received))
    return ws


def sample_week(ws: Workspace, as_of: dt.date = AS_OF):
    """The sample merged as of `as_of` and loaded back as the week's state: (WeekState, MasterPlan)."""
    plan = merge_workspace(ws, as_of=as_of, lang=ws.lang).plan
    return load_week(ws, as_of), plan


def hand_week() -> WeekState:
    """A small week with every part the tables read: versions, change requests (one decided),
    moves, a scorecard over two weeks, and text that would be a formula in a spreadsheet."""
    from xlflow.features.control.moves import Move
    from xlflow.features.control.requests import ChangeRequest
    from xlflow.features.scorecard.model import DepartmentScore, Figures, Ratio, Scorecard
    from xlflow.plan.diff import Change, PlanDiff
    from xlflow.week.state import PlanVersion

    d = dt.date
    tasks = (
        Task("RD", "RD-001", "设计", "王磊", "RD", d(2026, 11, 2), d(2026, 11, 13), "done", "done", 100.0,
             actual_finish=d(2026, 11, 13), health="done", baseline_start=d(2026, 11, 2), baseline_due=d(2026, 11, 13), slip=0),
        Task("RD", "RD-002", "=HYPERLINK(\"http://x\",\"点我\")", "李娜\x07", "RD", d(2026, 11, 16), d(2026, 11, 27),
             "in_progress", "in_progress", 40.0, predecessors=("RD-001",), health="on_track",
             baseline_start=d(2026, 11, 16), baseline_due=d(2026, 11, 20), slip=5),
        Task("MK", "MK-001", "+发布会 & <预热>", "", "MK", None, d(2026, 12, 4), "not_started", "not_started", None,
             reason="-等待样机", predecessors=("RD-002", "XX-404"), health="on_track"),
        Task("MK", "MK-002", "无日期任务", "张强", "MK", health="unscheduled"),
    )
    w47, w46 = week_of(d(2026, 11, 20)), week_of(d(2026, 11, 13))
    fig = lambda week, n: Figures("RD", week, Ratio(n, 2), n, 1, Ratio(1, 1), Ratio(1, 2), 0, 0, Ratio(0, 0), 0)  # noqa: E731
    card = Scorecard(d(2026, 11, 20), (w46, w47),
                     (DepartmentScore("RD", fig(w47, 1), (fig(w46, 0), fig(w47, 1)), 1),), ())
    received = dt.datetime(2026, 11, 20, 15, 0)
    return WeekState(
        "TP-1", w47, d(2026, 11, 20), d(2026, 11, 20), tasks,
        (DepartmentWeek("RD", 2, 1, 0, 0, 70.0, True, received, 2), DepartmentWeek("MK", 2, 0, 0, 0, 0.0, False, None, None)),
        critical_path=("RD-002", "MK-001"), projected_end=d(2026, 12, 4),
        milestones=(Milestone("样机评审", d(2026, 12, 11), "RD"), Milestone("未定日期", None)),
        versions=(PlanVersion("RD", 1, received - dt.timedelta(days=7), "rd.xlsx", None),
                  PlanVersion("RD", 2, received, "rd2.xlsx", PlanDiff(("RD-002",), (), (
                      Change("RD-001", "status", "in_progress", "done"),
                      Change("RD-001", "percent", 80, 100))))),
        changes=(ChangeRequest("CR-1", "RD", d(2026, 11, 18), "schedule", "=1+1", "样机延期", "high", ("RD-002", "MK-001"),
                               {"RD-002": (d(2026, 11, 16), d(2026, 11, 27))}, "approved", "周敏", d(2026, 11, 19), "master"),
                 ChangeRequest("CR-2", "MK", None, "", "预算", "", "", ("MK-001",))),
        moves=(Move("RD-002", "RD", "due", d(2026, 11, 20), d(2026, 11, 27), 5, "approved", ("CR-1",)),),
        scorecard=card)

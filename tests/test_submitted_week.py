"""One answer to "has this department submitted this week": an accepted submission received in
the week (local time). The master's dashboard, `xlflow status`, the brief and
store.state.submitted_departments must agree; rejected files and duplicates do not count."""
from __future__ import annotations

import datetime as dt
import json
import shutil

from watch_helpers import make_ws, sample
from xlflow.service.merge import merge_workspace
from xlflow.service.status import workspace_status
from xlflow.service.weekly import missing_departments
from xlflow.store.accepted import current, read_accepted
from xlflow.store.state import StateDB, submitted_departments
from xlflow.watcher import process_inbox
from xlflow.workdays import week_start

AS_OF = dt.date(2026, 11, 20)  # a Friday; the sample's weeks start on Monday 11-16


def local(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour).astimezone()


def drop(ws, dept: str, received: dt.datetime, week: int = 47) -> list[str]:
    shutil.copyfile(sample(dept, week), ws.folder("inbox") / sample(dept, week).name)
    return [o.result for o in process_inbox(ws, AS_OF, "en", received_at=received)]


def test_dashboard_status_brief_and_the_store_agree(tmp_path):
    ws = make_ws(tmp_path / "ws")
    assert drop(ws, "MK", local(12), week=46) == ["accepted"]  # accepted, but last week
    assert drop(ws, "RD", local(18)) == ["accepted"]
    assert drop(ws, "CS", local(19)) == ["rejected"]  # week 47's CS has mistakes
    assert drop(ws, "CS", local(20)) == ["duplicate"]

    start = week_start(AS_OF, ws.project.week_start)
    submitted = submitted_departments(ws, start)
    assert submitted == frozenset({"RD"})
    expected = [d.code for d in ws.departments if d.code != "RD"]
    plan = merge_workspace(ws, as_of=AS_OF).plan
    assert plan.not_submitted == expected  # the master's dashboard
    assert [d for d in expected if plan.stats[d].submitted_this_week] == [] and plan.stats["RD"].submitted_this_week
    assert list(workspace_status(ws, dt.datetime.combine(AS_OF, dt.time(17)).astimezone()).not_submitted) == expected
    assert missing_departments(ws, AS_OF) == expected  # the brief and the reminders
    assert submitted_departments(ws, start - dt.timedelta(days=7)) == frozenset({"MK"})


def test_the_week_is_local_and_has_seven_days(tmp_path):
    ws = make_ws(tmp_path / "ws")
    db = StateDB(ws.state_db)
    start = dt.date(2026, 11, 16)
    for dept, day, hour, minute in (("RD", 15, 23, 59), ("MK", 16, 0, 0), ("SA", 22, 23, 59), ("MF", 23, 0, 0)):
        received = dt.datetime(2026, 11, day, hour, minute).astimezone()
        db.record_submission(dept, f"{dept}.xlsx", dept * 32, received, "accepted", version=1)
    db.record_submission("FN", "fn.xlsx", "e" * 64, local(18), "rejected", 2)
    assert submitted_departments(ws, start, db) == frozenset({"MK", "SA"})


def test_a_workbook_put_into_accepted_by_hand_counts_by_its_sidecar(tmp_path):
    ws = make_ws(tmp_path / "ws")
    folder = ws.folder("accepted")
    folder.mkdir(exist_ok=True)
    shutil.copyfile(sample("PMO"), folder / "PMO.xlsx")
    (folder / "PMO.json").write_text(json.dumps({"department": "PMO", "file": "pmo.xlsx", "version": 4,
                                                 "received": "2026-11-17T09:30:00+08:00", "sha256": ""}), "utf-8")
    shutil.copyfile(sample("FN"), folder / "FN.xlsx")  # no sidecar: nothing says when it came
    assert submitted_departments(ws, dt.date(2026, 11, 16)) == frozenset({"PMO"})
    pmo = current(ws, "PMO")
    assert (pmo.version, pmo.file_name, pmo.path) == (4, "pmo.xlsx", folder / "PMO.xlsx")
    assert pmo.received == dt.datetime(2026, 11, 17, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert [(a.department, a.version, a.received) for a in read_accepted(ws)] == [
        ("PMO", 4, pmo.received), ("FN", None, None)]
    assert current(ws, "RD") is None

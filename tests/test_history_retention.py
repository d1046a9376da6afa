"""Bounded disk: master/history/ keeps every old master for [watch] history_days, then one a week
(for history_weeks), then one a month, and never removes a copy holding coordinator typing the database has not recorded (issue 21).
Real merges into a real workspace; days are the merges' as-of days."""
from __future__ import annotations

import dataclasses
import datetime as dt

from coord_helpers import edit, merge_files, workbooks
from merge_helpers import make_ws
from xlflow.check.cache import file_sha256
from xlflow.features.coordinator.table import CoordinatorLayer
from xlflow.store.db import Database
from xlflow.store.state import StateDB
from xlflow.workdays import week_of

WBS, TASK, COMMENT = "Master WBS", "Task ID", "Coordinator's comment"
MONDAY = dt.date(2026, 10, 5)


def _ws(tmp_path, days: int = 14, weeks: int = 0):
    ws = make_ws(tmp_path / "ws")
    return dataclasses.replace(ws, watch=dataclasses.replace(ws.watch, history_days=days, history_weeks=weeks))


def history(ws) -> list[str]:
    return sorted(p.name for p in (ws.folder("master") / "history").iterdir())


def dated(day: dt.date) -> str:
    return f"TP-1-master-{day.isoformat()}.xlsx"


def test_every_copy_for_two_weeks_then_the_last_of_each_week(tmp_path):
    ws = _ws(tmp_path)
    files = workbooks(ws, tmp_path / "in")
    days = [MONDAY + dt.timedelta(days=d) for d in range(0, 36, 2)]  # every other day for five weeks
    results = [merge_files(ws, files, day) for day in days]
    last = days[-1]
    names = history(ws)
    recent = [d for d in days if d > last - dt.timedelta(days=14)]
    assert all(dated(d) in names for d in recent)  # within two weeks: every dated copy...
    assert sum("-replaced-" in n for n in names) == len(recent)  # ...and every replaced master (kept on its merge day)
    old = [d for d in days if d <= last - dt.timedelta(days=14)]
    last_of_week = {week_of(d).start: d for d in old}
    assert sorted(n for n in names if not any(dated(d) == n for d in recent) and "-replaced-" not in n) \
        == sorted(dated(d) for d in last_of_week.values())  # before: the week's last master only
    assert len(names) == len(recent) * 2 + len(last_of_week) < 2 * len(days)
    pruning = [r for r in results if r.pruned.count]
    assert pruning and all(any(f"{r.pruned.count} old master copies removed" in line for line in r.summary("en"))
                           for r in pruning)


def test_weekly_copies_end_after_history_weeks_then_one_a_month_and_zero_days_keeps_everything(tmp_path):
    ws = _ws(tmp_path, days=7, weeks=2)
    files = workbooks(ws, tmp_path / "in")
    days = [MONDAY + dt.timedelta(weeks=w) for w in range(6)]
    for day in days:
        merge_files(ws, files, day)
    # two weeks back, and before that the last of each month (October's last merge: the 26th)
    assert [n for n in history(ws) if "-replaced-" not in n] == [dated(days[3])] + [dated(d) for d in days[-2:]]
    keep_all = _ws(tmp_path / "all", days=0)
    files = workbooks(keep_all, tmp_path / "in2")
    for day in days:
        merge_files(keep_all, files, day)
    assert len(history(keep_all)) == 2 * len(days) - 1


def test_a_copy_with_typing_not_recorded_is_never_removed(tmp_path):
    ws = _ws(tmp_path, days=7, weeks=1)
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files, MONDAY).master_path
    edit(master, WBS, TASK, {("RD-001", COMMENT): "typed, then read back"})
    typed = merge_files(ws, files, MONDAY + dt.timedelta(days=1))  # reads the typing back: recorded
    assert typed.layer.recorded == 1 and typed.layer.history.name in history(ws)
    typed.master_path.write_bytes(b"PK\x03\x04 saved half")  # the next read-back cannot read it: nothing recorded
    unread = merge_files(ws, files, MONDAY + dt.timedelta(days=2)).layer.history
    assert unread.read_bytes() == b"PK\x03\x04 saved half"
    changed = ws.folder("master") / "history" / dated(MONDAY + dt.timedelta(days=2))
    changed.write_bytes(changed.read_bytes() + b"\0")  # someone saved over a kept copy: unknown content
    for week in range(1, 6):
        merge_files(ws, files, MONDAY + dt.timedelta(weeks=week, days=3))
    names = history(ws)
    assert typed.layer.history.name not in names  # its typing is in the database: removed by the rule
    assert unread.name in names and changed.name in names  # these hold what only they hold: kept
    assert CoordinatorLayer(StateDB(ws.state_db)).values("wbs")["RD-001"]["comment"] == "typed, then read back"


def test_slices_of_weeks_before_history_weeks_are_removed(tmp_path):
    """The department slices (one workbook per audience and week) keep the last history_weeks weeks;
    files that are no slice of this project are left alone, and 0 keeps every slice."""
    from xlflow.service.retention import prune_slices
    from xlflow.share.publish import slices_folder

    ws = _ws(tmp_path, weeks=2)
    root = slices_folder(ws)
    weeks = [week_of(MONDAY + dt.timedelta(weeks=w)).label for w in range(5)]
    made = []
    for folder in (root / "RD", root / "extra" / "someone"):
        folder.mkdir(parents=True)
        for label in weeks:
            made.append(folder / f"TP-1-RD-{label}.xlsx")
            made[-1].write_bytes(b"slice")
        (folder / "notes.xlsx").write_bytes(b"mine")
    (root / "RD.ics").write_text("feed")
    as_of = MONDAY + dt.timedelta(weeks=4, days=2)
    assert prune_slices(_ws(tmp_path, weeks=0), as_of) == 0 and all(p.is_file() for p in made)
    assert prune_slices(ws, as_of) == 4  # two weeks back from the fifth: the third week on stays
    kept = sorted(p.name for p in (root / "RD").iterdir())
    assert kept == ["TP-1-RD-" + w + ".xlsx" for w in weeks[2:]] + ["notes.xlsx"]
    assert sorted(p.name for p in (root / "extra" / "someone").iterdir()) == kept and (root / "RD.ics").is_file()


def test_the_recorded_hashes_are_those_of_the_files_written(tmp_path):
    ws = _ws(tmp_path)
    files = workbooks(ws, tmp_path / "in")
    merge_files(ws, files, MONDAY)
    master = merge_files(ws, files, MONDAY + dt.timedelta(days=1)).master_path
    with Database(ws.state_db).transaction() as con:
        copies = dict(con.execute("SELECT name, sha256 FROM master_copies").fetchall())
        written = {r[0] for r in con.execute("SELECT sha256 FROM master_written")}
    folder = ws.folder("master") / "history"
    assert copies == {name: file_sha256(folder / name) for name in history(ws)}  # the dated copies, the replaced one
    assert file_sha256(master) in written and copies[dated(MONDAY + dt.timedelta(days=1))] == file_sha256(master)

"""Issue 18 item 2: `xlflow rebuild` after the state database is lost or damaged.

A project runs three weeks through the real intake and merge (workbooks filled and dropped into the
inbox, `watch --once` on each day): the coordinator types comments, adds a column and approves a
change request in the master with openpyxl, as in Excel, and types one more comment after the last
merge. Then the database is deleted (or cut short, or replaced by garbage) and rebuilt: each past
week's brief is byte for byte what it was, and the master `merge` writes shows every value the
coordinator typed."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from click.testing import CliRunner

from coord_helpers import edit, rows
from guard_e2e_helpers import EN_DEPT, blank, run_one, task
from validate_helpers import fill
from watch_helpers import make_ws
from xlflow.cli import main
from xlflow.config import load_workspace
from xlflow.errors import DatabaseUnreadable, NothingToMerge
from xlflow.i18n import msg
from xlflow.output.department import workbook_name
from xlflow.service import merge
from xlflow.service.rebuild import rebuild
from xlflow.service.weekly import make_brief
from xlflow.spec.catalog import load_catalog
from xlflow.spec.master import load_master_spec
from xlflow.store.state import StateDB
from xlflow.week.brief.render import render_brief
from xlflow.week.build import load_week

W1, W2, W3, W4 = dt.date(2026, 11, 13), dt.date(2026, 11, 18), dt.date(2026, 11, 20), dt.date(2026, 11, 27)
W5 = dt.date(2026, 11, 30)  # after the loss
DAYS = (W1, W3, W4)  # a brief of each week: weeks 46, 47, 48
WBS, TASK = msg("master-sheet-wbs", "en"), "Task ID"
COMMENT, ADDED = "Coordinator's comment", "PMO follow-up"


def _changes_headers() -> tuple[str, str, str]:
    sheet = next(s for s in load_master_spec().sheets if s.id == "changes")
    key = next(f for f in load_catalog().form("change").table("requests").fields if f.key == "change_id").label("en")
    return msg("master-sheet-changes", "en"), key, sheet.column("decision").label("en")


def _drop(ws, dept: str, rows_: list[dict], day: dt.date, change: dict | None = None) -> None:
    forms: dict = {"wbs": {"card": {"update_date": day}, "tables": {"tasks": rows_}}}
    if change:
        forms["change"] = {"tables": change}
    fill(ws, blank(ws, dept), ws.folder("inbox") / workbook_name(ws, dept, "en"), forms)
    assert run_one(ws, day).result == "accepted"


def _request() -> dict:
    return {"requests": [{"change_id": "C-01", "requesting_department": EN_DEPT["RD"], "date": W2,
                          "change_type": "Plan", "content": "RD moves", "reason": "late", "impact": "a week",
                          "tasks_affected": "RD-001"}],
            "affected": [{"change_ref": "C-01", "task_id": "RD-001", "proposed_due": dt.date(2026, 12, 11)}]}


def _briefs(ws) -> dict[dt.date, tuple]:
    """Each past week's brief as rendered (html, text) and the week it renders."""
    return {day: (render_brief(ws, make_brief(ws, day, "en")), load_week(ws, day)) for day in DAYS}


def _coordinator_values(master) -> dict:
    """What the coordinator's columns show on the master's WBS and Changes sheets."""
    sheet, key, decision = _changes_headers()
    wbs = {tid: (r.get(COMMENT), r.get(ADDED)) for tid, r in rows(master, WBS, TASK).items()}
    changes = {cid: r.get(decision) for cid, r in rows(master, sheet, key).items()}
    return {"wbs": wbs, "changes": changes}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The project's three weeks; returns the workspace folder's pristine copy, the briefs and the master's
    coordinator values as they were before the database was lost."""
    root = tmp_path_factory.mktemp("rebuild") / "ws"
    ws = make_ws(root)
    _drop(ws, "RD", [task("RD", 1), task("RD", 2)], W1)
    _drop(ws, "MK", [task("MK", 1)], W1)
    for _ in range(3):  # the masters' generations run ahead of the ones the replay writes
        merge.merge_workspace(ws, as_of=W1)
    master = merge.master_paths(ws, W1)[0]
    edit(master, WBS, TASK, {("RD-001", COMMENT): "watch the supplier"}, {ADDED: {"MK-001": "call Li"}})
    _drop(ws, "RD", [task("RD", 1), task("RD", 2, status="Done", percent=100)], W2, _request())
    sheet, key, decision = _changes_headers()
    edit(master, sheet, key, {("C-01", decision): "Approved"})
    edit(master, WBS, TASK, {("RD-002", COMMENT): "closed early", ("RD-001", "Escalate"): "Yes"})
    _drop(ws, "MK", [task("MK", 1, percent=70)], W3)
    sent_again = sorted(ws.folder("archive").glob("*_MK_*"))[-1]  # Marketing sends the same file again
    shutil.copyfile(sent_again, ws.folder("inbox") / sent_again.name.split("_", 3)[3])
    assert run_one(ws, W3, hour=11).result == "duplicate"
    _drop(ws, "RD", [task("RD", 1, percent=90), task("RD", 2, status="Done", percent=100)], W4, _request())
    edit(master, WBS, TASK, {("MK-001", COMMENT): "typed after the last merge"})
    briefs = _briefs(ws)
    assert [e.task_id for e in load_week(ws, W3).escalations] == ["RD-001"]
    pristine = root.parent / "pristine"
    shutil.copytree(root, pristine)
    after = merge.merge_workspace(ws, as_of=W4)
    values = _coordinator_values(after.master_path)
    assert values["wbs"]["RD-001"] == ("watch the supplier", None)
    assert values["wbs"]["MK-001"] == ("typed after the last merge", "call Li")
    assert values["changes"]["C-01"] == "Approved"
    return pristine, briefs, values


def _fresh(project, tmp_path):
    """A copy of the project's workspace, as it was before the database was lost."""
    pristine, briefs, values = project
    root = tmp_path / "ws"
    shutil.copytree(pristine, root)
    (root / "inbox" / ".xlflow-inbox.json").unlink()  # the copy's inbox is its own: moved here (inboxmark.py)
    return load_workspace(root), briefs, values


def _check(ws, briefs, values) -> None:
    rebuilt = _briefs(ws)
    for day in DAYS:
        assert rebuilt[day][0] == briefs[day][0]  # the rendered html and text of each past week, byte for byte
        assert rebuilt[day][1] == briefs[day][1]  # and the week it renders: escalations, changes, decisions
    master = merge.master_paths(ws, W4)[0]
    edit(master, WBS, TASK, {("RD-002", COMMENT): "typed after the rebuild"})
    merged = merge.merge_workspace(ws, as_of=W4)
    expected = {**values, "wbs": {**values["wbs"], "RD-002": ("typed after the rebuild", None)}}
    assert _coordinator_values(merged.master_path) == expected
    assert merged.layer is not None and merged.layer.problems == []  # the master's generation is known again
    assert not merged.mismatches  # accepted/ matches the rebuilt record


def test_a_deleted_database_is_rebuilt_with_the_coordinators_layer_and_the_past_briefs(project, tmp_path):
    ws, briefs, values = _fresh(project, tmp_path)
    ws.state_db.unlink()
    lines: list[str] = []
    result = rebuild(ws, lang="en", say=lines.append)
    assert result.moved is None and ws.state_db.is_file()
    assert (result.files, result.versions, result.weeks) == (5, 5, 3)
    assert result.cells == 6  # three comments, the escalation, the added column's cell, the decision
    assert any(line.startswith("2026-11-13: 2 files replayed, 2 accepted") for line in lines)
    assert not list((ws.root / ".xlflow").glob("rebuild-*"))  # the scratch workspace is gone
    _check(ws, briefs, values)


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_database_is_moved_aside_and_rebuilt(project, tmp_path, damage):
    ws, briefs, values = _fresh(project, tmp_path)
    data = ws.state_db.read_bytes()
    ws.state_db.write_bytes(data[:len(data) // 3] if damage == "truncated" else b"not a database at all " * 100)
    for side in ("-wal", "-shm"):
        ws.state_db.with_name(ws.state_db.name + side).unlink(missing_ok=True)
    if damage == "garbage":
        with pytest.raises(DatabaseUnreadable) as caught:
            StateDB(ws.state_db)
        assert "xlflow rebuild" in caught.value.message("en")
    result = CliRunner().invoke(main, ["rebuild", "-w", str(ws.root), "--lang", "zh"])  # the workspace's is en
    assert result.exit_code == 0, result.output
    assert "恢复协调人填写的单元格 6 个" in result.output  # none of xlflow's own columns taken for added ones
    (kept,) = [p for p in ws.root.glob("xlflow.sqlite.damaged-*") if not p.name.endswith(("-wal", "-shm"))]
    assert kept.read_bytes()[:20] == (data[:20] if damage == "truncated" else b"not a database at al")
    _check(ws, briefs, values)


def test_after_the_loss_the_master_is_not_replaced_and_a_new_database_is_rebuilt_without_force(project, tmp_path):
    """The database deleted, the watcher goes on: it takes a new file in (archived as always) but does not
    replace the master, which would drop the coordinator's layer; `merge` refuses and names `rebuild`,
    which goes ahead without --force and replays the new file too."""
    ws, briefs, values = _fresh(project, tmp_path)
    for path in ws.root.glob("xlflow.sqlite*"):
        path.unlink()
    master = merge.master_paths(ws, W4)[0]
    typed = master.read_bytes()
    fill(ws, blank(ws, "MK"), ws.folder("inbox") / workbook_name(ws, "MK", "en"),
         {"wbs": {"card": {"update_date": W5}, "tables": {"tasks": [task("MK", 1, percent=80)]}}})
    outcome = run_one(ws, W5)
    assert outcome.result == "accepted" and outcome.version == 1  # the new database knows nothing before it
    assert "xlflow rebuild" in outcome.note and master.read_bytes() == typed
    with pytest.raises(NothingToMerge) as refused:
        merge.merge_workspace(ws, as_of=W5)
    assert "xlflow rebuild" in refused.value.message("en") and "xlflow rebuild" in refused.value.message("zh")
    assert master.read_bytes() == typed
    status = CliRunner().invoke(main, ["status", "-w", str(ws.root), "--lang", "en"])
    assert "records none of the 5 files the archive received before its first record" in status.output
    assert "run xlflow rebuild" in status.output
    result = rebuild(ws, lang="en")
    assert result.moved is not None and result.moved.name.startswith("xlflow.sqlite.incomplete-")
    assert (result.files, result.versions) == (6, 6)  # the new file is Marketing's version 3
    assert [s.version for s in StateDB(ws.state_db).versions("MK")] == [1, 2, 3]
    assert "xlflow rebuild" not in CliRunner().invoke(main, ["status", "-w", str(ws.root), "--lang", "en"]).output
    _check(ws, briefs, values)


def test_a_healthy_database_is_not_replaced_without_force(project, tmp_path):
    ws, briefs, _ = _fresh(project, tmp_path)
    before = ws.state_db.read_bytes()
    refused = CliRunner().invoke(main, ["rebuild", "-w", str(ws.root), "--lang", "en"])
    assert refused.exit_code == 2 and "--force" in refused.output
    in_chinese = CliRunner().invoke(main, ["rebuild", "-w", str(ws.root), "--lang", "zh"])
    assert "xlflow rebuild --force" in in_chinese.output and "完好" in in_chinese.output
    assert ws.state_db.read_bytes() == before
    forced = CliRunner().invoke(main, ["rebuild", "-w", str(ws.root), "--lang", "en", "--force"])
    assert forced.exit_code == 0, forced.output
    (kept,) = [p for p in ws.root.glob("xlflow.sqlite.old-*") if not p.name.endswith(("-wal", "-shm"))]
    assert kept.read_bytes() == before
    assert _briefs(ws) == briefs

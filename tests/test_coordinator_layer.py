"""The coordinator's layer in the master, end to end on real workbooks: the coordinator edits the
master (openpyxl here, LibreOffice in test_coordinator_libreoffice.py), the next merges read it
back and carry it, a comment on a removed task lands on Removed, a department cell changed in the
master is reported, an open master is not replaced, every replaced master is kept."""
from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from coord_helpers import AS_OF, edit, merge_files, rd_tasks, rows, workbooks
from merge_helpers import make_ws
from xlflow.cli import main
from xlflow.errors import SpecError
from xlflow.features.coordinator.edits import master_edits
from xlflow.features.coordinator.table import CoordinatorLayer
from xlflow.output.department import generate_workbook
from xlflow.service.weekly import make_brief
from xlflow.spec.master import load_master_spec
from xlflow.store.state import StateDB

WBS, DELAYS, REMOVED = "主任务表", "滞后与阻塞", "已移除行的备注"
TASK, COMMENT, ACTION, FOLLOW, ESCALATE, STATUS = "任务编号", "协调人备注", "跟进措施", "跟进日期", "需升级", "状态"


@pytest.fixture
def ws(tmp_path):
    return make_ws(tmp_path / "ws", lang="zh")


def test_comments_and_an_added_column_are_carried_over_two_merges(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    assert {COMMENT, ACTION, FOLLOW, ESCALATE} <= set(rows(master, WBS, TASK)["RD-001"])
    edit(master, WBS, TASK, {("RD-001", COMMENT): "-催样机，周五前回复", ("RD-001", ESCALATE): "是",
                             ("RD-003", FOLLOW): dt.datetime(2026, 12, 1), ("RD-003", ACTION): "王磊约评审"},
         new_columns={"PMO跟进": {"RD-001": "已电话沟通", "MK-001": "等预算"}})
    edit(master, DELAYS, TASK, {("RD-002", COMMENT): "等供应商"})

    first = merge_files(ws, files, AS_OF + dt.timedelta(days=1))
    assert first.layer.recorded == 7
    assert first.layer.carried == {WBS: ["PMO跟进"]}
    second = merge_files(ws, files, AS_OF + dt.timedelta(days=2))  # nothing typed since: carried again
    assert second.layer.recorded == 0 and not second.layer.edited
    wbs = rows(second.master_path, WBS, TASK)
    assert wbs["RD-001"][COMMENT] == "-催样机，周五前回复" and wbs["RD-001"][ESCALATE] == "是"
    assert wbs["RD-003"][FOLLOW] == dt.datetime(2026, 12, 1) and wbs["RD-003"][ACTION] == "王磊约评审"
    assert (wbs["RD-001"]["PMO跟进"], wbs["MK-001"]["PMO跟进"], wbs["RD-003"]["PMO跟进"]) == ("已电话沟通", "等预算", None)
    assert rows(second.master_path, DELAYS, TASK)["RD-002"][COMMENT] == "等供应商"
    layer = CoordinatorLayer(StateDB(ws.state_db))
    assert layer.values("wbs")["RD-001"] == {"comment": "-催样机，周五前回复", "escalate": "yes", "+PMO跟进": "已电话沟通"}
    assert layer.values("wbs")["RD-003"]["follow_up_date"] == "2026-12-01"

    # the coordinator changes a comment and empties another: the new master shows it, the history keeps all
    edit(second.master_path, WBS, TASK, {("RD-001", COMMENT): "样机已到", ("RD-003", ACTION): None})
    third = merge_files(ws, files, AS_OF + dt.timedelta(days=3))
    wbs = rows(third.master_path, WBS, TASK)
    assert wbs["RD-001"][COMMENT] == "样机已到" and wbs["RD-003"][ACTION] is None
    assert [v.value for v in layer.history("wbs", "RD-001") if v.column == "comment"] == ["-催样机，周五前回复", "样机已到"]
    assert [v.value for v in layer.history("wbs", "RD-003") if v.column == "follow_up_action"] == ["王磊约评审", ""]


def test_a_comment_on_a_removed_task_is_kept_on_removed(ws, tmp_path):
    master = merge_files(ws, workbooks(ws, tmp_path / "in")).master_path
    edit(master, WBS, TASK, {("RD-002", COMMENT): "这个任务要拆分", ("RD-001", COMMENT): "正常"},
         new_columns={"PMO跟进": {"RD-002": "周一复盘"}})
    without = workbooks(ws, tmp_path / "v2", with_rd2=False)
    result = merge_files(ws, without)
    assert "RD-002" not in rows(result.master_path, WBS, TASK)
    removed = _removed(result.master_path)
    assert ("RD-002", COMMENT, "这个任务要拆分", "任务已不在任何部门的计划中") in removed
    assert ("RD-002", "PMO跟进", "周一复盘", "任务已不在任何部门的计划中") in removed
    assert result.removed == 2 and any("已移除行的备注" in line for line in result.summary("zh"))
    again = merge_files(ws, without, AS_OF + dt.timedelta(days=1))  # still there a merge later
    assert ("RD-002", COMMENT, "这个任务要拆分", "任务已不在任何部门的计划中") in _removed(again.master_path)
    back = merge_files(ws, workbooks(ws, tmp_path / "v3"), AS_OF + dt.timedelta(days=2))  # the task returns
    assert rows(back.master_path, WBS, TASK)["RD-002"][COMMENT] == "这个任务要拆分"
    assert not any(r[0] == "RD-002" for r in _removed(back.master_path))


def _removed(path):
    """(row, column, value, why) of the Removed sheet."""
    sheet = openpyxl.load_workbook(path)[REMOVED]
    return [tuple(r[1:5]) for r in sheet.iter_rows(min_row=5, values_only=True) if r[1]]


def test_a_status_edit_in_the_master_is_reported_and_not_kept(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    edit(master, WBS, TASK, {("RD-001", STATUS): "已完成", ("MK-001", "截止日期"): dt.datetime(2026, 12, 4),
                             ("RD-003", COMMENT): "只是备注"})
    result = merge_files(ws, files)
    found = {(e.task_id, e.field): e for e in result.layer.edits}
    assert set(found) == {("RD-001", "status"), ("MK-001", "due")}  # the comment is the coordinator's own
    status = found[("RD-001", "status")]
    assert (status.department, status.master_value, status.written_value, status.department_value) == \
        ("RD", "已完成", "进行中", "进行中")
    assert found[("MK-001", "due")].master_value == "2026-12-04"
    line = next(x for x in result.summary("en") if "RD-001" in x)
    assert "RD-001's Status was changed in the master" in line and '"In progress"' in line and "ask RD" in line
    assert any("RD-001 的“状态”在主任务表中被改为“已完成”" in x for x in result.summary("zh"))
    assert rows(result.master_path, WBS, TASK)["RD-001"][STATUS] == "进行中"  # the department's value again
    assert [e.task_id for e in master_edits(ws, AS_OF, AS_OF)] == ["RD-001", "MK-001"]
    brief = make_brief(ws, AS_OF, "zh")
    assert len(brief.master_edits) == 2 and "RD-001" in brief.master_edits[0]
    assert merge_files(ws, files).layer.edits == []  # reported once: the new master holds the department's value


def test_the_department_making_the_same_change_is_no_report(ws, tmp_path):
    master = merge_files(ws, workbooks(ws, tmp_path / "in")).master_path
    edit(master, WBS, TASK, {("RD-001", "完成百分比"): 60})
    rd = [dict(t, percent=60.0) if t["task_id"] == "RD-001" else t for t in rd_tasks()]
    generate_workbook(ws, "RD", "zh", tmp_path / "in" / "RD.xlsx",
                      data={"wbs": {"card": {"update_date": AS_OF}, "tables": {"tasks": rd}}})
    assert merge_files(ws, [tmp_path / "in" / "RD.xlsx", tmp_path / "in" / "MK.xlsx"]).layer.edits == []


@pytest.mark.parametrize("owner", ["~$TP-1-master.xlsx", "~$-1-master.xlsx", ".~lock.TP-1-master.xlsx#"])
def test_an_open_master_is_not_replaced_the_new_one_goes_beside(ws, tmp_path, owner):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    edit(master, WBS, TASK, {("RD-001", COMMENT): "还开着"})
    before = master.read_bytes()
    (master.parent / owner).write_text("someone,host,2026", "utf-8")
    result = merge_files(ws, files)
    assert result.locked and result.target == master and result.master_path != master
    assert result.master_path.parent == master.parent and result.master_path.name.startswith("TP-1-master-")
    assert master.read_bytes() == before  # the open file is left alone
    assert rows(result.master_path, WBS, TASK)["RD-001"][COMMENT] == "还开着"  # read back all the same
    assert any(owner in line and str(result.master_path) in line for line in result.summary("en"))
    (master.parent / owner).unlink()
    again = merge_files(ws, files)
    assert not again.locked and again.master_path == master
    assert rows(master, WBS, TASK)["RD-001"][COMMENT] == "还开着"


def test_history_keeps_every_replaced_master(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    kept = []
    for n in range(3):
        edit(master, WBS, TASK, {("RD-001", COMMENT): f"第{n}次"})
        typed = master.read_bytes()
        result = merge_files(ws, files)  # within the same second: names must still differ
        assert result.layer.history is not None and result.layer.history.read_bytes() == typed
        kept.append(result.layer.history)
    assert len(set(kept)) == 3 and all(p.parent == master.parent / "history" for p in kept)
    assert [rows(p, WBS, TASK)["RD-001"][COMMENT] for p in kept] == ["第0次", "第1次", "第2次"]
    assert all(p.name.startswith("TP-1-master-replaced-") for p in kept)


def test_merge_cli_prints_the_edit_report(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    edit(master, WBS, TASK, {("RD-001", STATUS): "已完成"})
    out = CliRunner().invoke(main, ["merge", "-w", str(ws.root), *map(str, files), "--as-of", "2026-11-20",
                                    "--out", str(master), "--lang", "en"])  # given files: --out says where
    assert out.exit_code == 0, out.output
    assert "RD-001's Status was changed in the master" in out.output


def test_an_unreadable_master_is_kept_and_said(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    master.write_bytes(b"PK\x03\x04 not a workbook")
    result = merge_files(ws, files)
    assert result.layer.history.read_bytes() == b"PK\x03\x04 not a workbook"
    assert any("Could not read the current master" in line for line in result.summary("en"))


def test_master_spec_is_checked_when_loaded(tmp_path):
    from xlflow.resources import data_dir

    spec = load_master_spec()
    assert [s.id for s in spec.sheets] == ["wbs", "delays", "changes"]
    assert spec.sheet("changes").row_label.en == "Change ID"
    assert [c.key for c in spec.sheet("changes").columns][:3] == ["decision", "decided_by", "decided_on"]
    broken = tmp_path / "templates"
    shutil.copytree(data_dir(), broken)
    text = (broken / "master.toml").read_text("utf-8")
    (broken / "master.toml").write_text(text.replace('"escalate"]', '"escalation"]', 1), "utf-8")
    with pytest.raises(SpecError) as err:
        load_master_spec(broken)
    assert "master.toml" in err.value.message("en") and "escalation" in err.value.message("en")


def test_a_renamed_sheet_is_said_not_silently_skipped(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    edit(master, WBS, TASK, {("RD-001", COMMENT): "先记下"})
    merge_files(ws, files)
    book = openpyxl.load_workbook(master)
    book[WBS].title = "我的主表"
    book["我的主表"]["A1"] = "renamed"
    book.save(master)
    result = merge_files(ws, files)
    assert any("Master WBS" in line and "not found" in line for line in result.summary("en"))
    assert rows(result.master_path, WBS, TASK)["RD-001"][COMMENT] == "先记下"  # the earlier value stays


def test_the_watcher_logs_an_edit_found_in_the_master(ws, tmp_path):
    from xlflow.watcher import process_inbox

    ws.folder("inbox").mkdir(parents=True, exist_ok=True)
    for path in workbooks(ws, tmp_path / "in"):
        shutil.copyfile(path, ws.folder("inbox") / path.name)
    process_inbox(ws, as_of=AS_OF)
    master = ws.folder("master") / "TP-1-master.xlsx"
    edit(master, WBS, TASK, {("MK-001", STATUS): "受阻", ("MK-001", COMMENT): "预算卡住"})
    generate_workbook(ws, "RD", "zh", ws.folder("inbox") / "RD-v2.xlsx",  # RD's next version arrives
                      data={"wbs": {"card": {"update_date": AS_OF}, "tables": {"tasks": rd_tasks()}}})
    outcomes = process_inbox(ws, as_of=AS_OF)
    assert [o.result for o in outcomes] == ["accepted"]
    line = outcomes[0].line("zh")
    assert "MK-001 的“状态”在主任务表中被改为“受阻”" in line and "联系 MK" in line
    log = (ws.root / "logs" / "watch.log").read_text("utf-8")
    assert "MK-001" in log
    assert rows(master, WBS, TASK)["MK-001"][COMMENT] == "预算卡住"


def test_what_is_typed_into_the_open_master_and_into_the_one_beside_it_is_all_kept(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    lock = master.parent / ".~lock.TP-1-master.xlsx#"
    lock.write_text("coordinator", "utf-8")
    edit(master, WBS, TASK, {("RD-001", STATUS): "已完成", ("RD-001", COMMENT): "在原表写的"})
    first = merge_files(ws, files)
    assert first.locked and [(e.task_id, e.field) for e in first.layer.edits] == [("RD-001", "status")]
    second = merge_files(ws, files)  # still open, nothing new: read before, not reported again
    assert second.locked and second.layer.edits == [] and second.layer.recorded == 0
    edit(second.master_path, WBS, TASK, {("MK-001", COMMENT): "在新表写的"})
    edit(master, WBS, TASK, {("RD-003", COMMENT): "后来又写的"})
    lock.unlink()
    third = merge_files(ws, files)
    assert not third.locked and third.master_path == master
    wbs = rows(master, WBS, TASK)
    assert (wbs["RD-001"][COMMENT], wbs["MK-001"][COMMENT], wbs["RD-003"][COMMENT]) == \
        ("在原表写的", "在新表写的", "后来又写的")
    assert wbs["RD-001"][STATUS] == "进行中"
    # the masters written beside the open one are read back and moved to history/: one master again
    assert not first.master_path.exists() and not second.master_path.exists()
    assert not list(master.parent.glob("TP-1-master-2*.xlsx"))
    assert len(third.retired) == 2 and all(p.parent == master.parent / "history" for p in third.retired)
    assert any(rows(p, WBS, TASK)["MK-001"][COMMENT] == "在新表写的" for p in third.retired)  # kept as typed
    assert any("history" in line for line in third.summary("en"))

"""accepted/ is checked against the state database before the merge trusts it: a workbook copied in
by hand, a replaced workbook and a forged sidecar are reported (merge output, the watcher's log,
`xlflow status`, in Chinese and English) and not merged; the department's last good version comes
from the archive. Real workbooks through the real intake."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from watch_helpers import make_ws, sample, variant
from xlflow.cli import main
from xlflow.errors import NothingToMerge
from xlflow.service.merge import merge_workspace
from xlflow.store.state import StateDB
from xlflow.watcher import Watcher, setup_logging

AS_OF = dt.date(2026, 11, 20)


def take(ws, *depts: str, week: int = 46) -> None:
    for dept in depts:
        shutil.copyfile(sample(dept, week), ws.folder("inbox") / f"{dept}-w{week}.xlsx")
    outcomes = Watcher(ws, today=lambda: AS_OF).run_once()
    assert {o.result for o in outcomes} == {"accepted"}, [o.line("en") for o in outcomes]


def master_rows(path, sheet: str = "Submissions") -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    return [r for r in book[sheet].iter_rows(values_only=True)]


def department_tasks(result, dept: str) -> list[str]:
    return sorted(t.task_id for t in result.plan.tasks if t.department == dept)


@pytest.fixture
def ws(tmp_path):
    ws = make_ws(tmp_path / "ws")
    take(ws, "RD", "MK")
    return ws


def test_what_xlflow_accepted_merges_as_before(ws):
    result = merge_workspace(ws, as_of=AS_OF, lang="en")
    assert result.mismatches == [] and {i.department for i in result.plan.submissions if i.included} >= {"RD", "MK"}
    assert not any("accepted/" in line for line in result.summary("en"))


def test_a_workbook_copied_in_by_hand_is_not_merged(ws):
    rd_tasks = department_tasks(merge_workspace(ws, as_of=AS_OF), "RD")
    accepted = ws.folder("accepted")
    shutil.copyfile(accepted / "RD.xlsx", accepted / "SA.xlsx")  # "merged a department twice"
    shutil.copyfile(accepted / "RD.json", accepted / "SA.json")
    shutil.copyfile(sample("FN", 46), accepted / "FN.xlsx")  # a workbook nobody submitted
    result = merge_workspace(ws, as_of=AS_OF, lang="en")
    assert department_tasks(result, "RD") == rd_tasks  # RD's tasks once, not twice
    assert len([t for t in result.plan.tasks if t.task_id == rd_tasks[0]]) == 1
    assert {m.department for m in result.mismatches} == {"SA", "FN"}
    assert not department_tasks(result, "FN")
    lines = "\n".join(result.summary("en"))
    assert "Department FN:" in lines and "was not accepted by xlflow" in lines and "copied in by hand" in lines
    assert "the master holds none of its tasks" in lines and "xlflow accept FILE --department DEPT" in lines
    zh = "\n".join(result.summary("zh"))
    assert "部门 FN：" in zh and "不是 xlflow 接收的" in zh


def test_a_forged_sidecar_does_not_reach_the_master(ws):
    sidecar = ws.folder("accepted") / "RD.json"
    data = json.loads(sidecar.read_text("utf-8"))
    sidecar.write_text(json.dumps({**data, "version": 999}), "utf-8")
    result = merge_workspace(ws, as_of=AS_OF, lang="en")
    (m,) = result.mismatches
    assert m.department == "RD" and m.version == 1 and m.fallback is not None
    assert m.fallback.path.parent == ws.folder("archive")
    info = {i.department: i for i in result.plan.submissions}
    assert info["RD"].version == 1 and info["RD"].included
    assert not any(999 in row for row in master_rows(result.master_path))
    line = m.line("en")
    assert "sidecar says version 999, but the state database records version 1" in line
    assert "the archived original of version 1" in line and "was merged instead" in line
    assert "第 999 版" in m.line("zh") and "归档中第 1 版的原件" in m.line("zh")


def rd_values(result) -> dict:
    return {t.task_id: t.values for t in result.plan.tasks if t.department == "RD"}


def test_a_replaced_workbook_is_not_merged_the_last_good_version_is(ws, tmp_path):
    before = rd_values(merge_workspace(ws, as_of=AS_OF))
    assert rd_values(merge_workspace(ws, [sample("RD", 47)], as_of=AS_OF, out=tmp_path / "m.xlsx")) != before
    shutil.copyfile(sample("RD", 47), ws.folder("accepted") / "RD.xlsx")  # someone's newer file, by hand
    result = merge_workspace(ws, as_of=AS_OF, lang="en")
    (m,) = result.mismatches
    assert "is not the file accepted as version 1" in m.line("en")
    assert rd_values(result) == before


def test_status_and_the_merge_command_tell_the_coordinator(ws):
    shutil.copyfile(sample("SA", 46), ws.folder("accepted") / "SA.xlsx")
    r = CliRunner().invoke(main, ["status", "-w", str(ws.root), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "Files in accepted/ that do not match the state database (1, not merged):" in r.output
    assert "Department SA:" in r.output and "copied in by hand" in r.output
    r = CliRunner().invoke(main, ["status", "-w", str(ws.root), "--lang", "zh"])
    assert "accepted/ 中与状态数据库不符的文件（1 个，合并时不采用）" in r.output
    r = CliRunner().invoke(main, ["merge", "-w", str(ws.root), "--lang", "en"])  # as of today: received today
    assert r.exit_code == 0 and "Department SA:" in r.output, r.output


def test_the_intakes_merge_note_names_the_mismatch_in_the_watch_log(ws):
    shutil.copyfile(sample("SA", 46), ws.folder("accepted") / "SA.xlsx")
    shutil.copyfile(sample("FN", 46), ws.folder("inbox") / "fn.xlsx")
    (outcome,) = Watcher(ws, today=lambda: AS_OF, log=setup_logging(ws, console=False)).run_once()
    assert outcome.result == "accepted" and "Department SA:" in outcome.note
    assert "Department SA:" in (ws.root / "logs" / "watch.log").read_text("utf-8")


def test_nothing_trusted_is_a_clear_error(tmp_path):
    ws = make_ws(tmp_path / "ws")
    shutil.copyfile(sample("RD", 46), ws.folder("accepted") / "RD.xlsx")
    with pytest.raises(NothingToMerge) as err:
        merge_workspace(ws, as_of=AS_OF)
    assert "Nothing to merge" in err.value.message("en") and "Department RD:" in err.value.message("en")


def test_a_database_from_before_the_record_is_trusted_once_then_checked(ws):
    db = StateDB(ws.state_db)
    with db.transaction() as con:
        con.execute("DELETE FROM accepted_files")  # as a workspace accepted by an older xlflow
    assert merge_workspace(ws, as_of=AS_OF).mismatches == []  # the sidecars agree with the database
    variant(ws.folder("accepted") / "RD.xlsx", ws.folder("accepted") / "RD.xlsx", "edited by hand")
    (m,) = merge_workspace(ws, as_of=AS_OF).mismatches
    assert m.department == "RD" and m.fallback is not None


def test_a_revert_and_a_new_version_are_recorded_too(ws):
    take(ws, "RD", week=47)
    r = CliRunner().invoke(main, ["revert", "-w", str(ws.root), "RD", "--lang", "en"])
    assert r.exit_code == 0, r.output
    result = merge_workspace(ws, as_of=AS_OF)
    assert result.mismatches == [] and StateDB(ws.state_db).accepted_version("RD") == 3
    assert {i.department: i.version for i in result.plan.submissions}["RD"] == 3

"""merge_workspace and `xlflow merge` on real files: accepted/ with sidecars, the cache, the dated copy.

The workbook files are real files whose bytes identify them (sha256); the checker is
replaced by one that counts the files it is asked to read, so the tests see exactly
what the cache saves.
"""
import dataclasses
import datetime as dt
import json

import openpyxl
import pytest
from click.testing import CliRunner

from merge_helpers import D, make_ws, submission, task
from xlflow.check import cache as cache_mod
from xlflow.check.cache import file_sha256
from xlflow.cli import main
from xlflow.errors import NothingToMerge, UsageError
from xlflow.service import merge
from xlflow.store.ledger import record_stored, sha256_file
from xlflow.store.state import StateDB

AS_OF = D(2026, 11, 20)

TASKS = {
    "RD": [task("RD-1", D(2026, 11, 2), D(2026, 11, 13)), task("RD-2", D(2026, 11, 16), D(2026, 12, 4), "not_started", ("RD-1",))],
    "MK": [task("MK-1", D(2026, 11, 16), D(2026, 11, 30), "in_progress", ("RD-1",), 10)],
    "PMO": [task("PMO-1", D(2026, 11, 2), D(2026, 12, 18), "in_progress", ("MK-1",), 40)],
}


@pytest.fixture
def ws(tmp_path):
    return make_ws(tmp_path / "ws")


@pytest.fixture
def reads(monkeypatch):
    """Stands in for validate.check_file: the file's first line says which department and version."""
    seen = []

    def check(path, ws, received=None):
        seen.append(path.name)
        dept, version = path.read_text("utf-8").split()[:2]
        tasks = [dict(t, name=f"{t['name']} v{version}") for t in TASKS[dept]]
        sub = submission(dept, tasks, received=received, path=path, errors=int(dept == "BAD"))
        sub = dataclasses.replace(sub, sha256=file_sha256(path))
        return sub

    monkeypatch.setattr(cache_mod, "check_file", check)
    return seen


def accept(ws, dept, version, received="2026-11-17T09:30:00+08:00"):
    folder = ws.folder("accepted")
    folder.mkdir(exist_ok=True)
    (folder / f"{dept}.xlsx").write_text(f"{dept} {version}\n", "utf-8")
    (folder / f"{dept}.json").write_text(json.dumps({
        "department": dept, "file": f"{dept}_wbs_week47.xlsx", "received": received,
        "sha256": "", "version": version}), "utf-8")
    # as store/accepted.py records what it writes: the merge trusts accepted/ only as recorded
    record_stored(StateDB(ws.state_db), dept, version, sha256_file(folder / f"{dept}.xlsx"), "", f"{dept}_wbs_week47.xlsx")


def test_merges_accepted_workbooks_with_sidecars_and_keeps_a_dated_copy(ws, reads):
    for dept in ("RD", "MK", "PMO"):
        accept(ws, dept, 3)
    result = merge.merge_workspace(ws, as_of=AS_OF, lang="en")
    assert result.master_path == ws.root / "master" / "TP-1-master.xlsx"
    assert result.history_path == ws.root / "master" / "history" / "TP-1-master-2026-11-20.xlsx"
    assert result.history_path.read_bytes() == result.master_path.read_bytes()
    assert (result.parsed, result.cached) == (3, 0)
    info = {i.department: i for i in result.plan.submissions}
    assert (info["RD"].version, info["RD"].file) == (3, "RD_wbs_week47.xlsx")
    assert info["RD"].received == dt.datetime(2026, 11, 17, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    sheet = openpyxl.load_workbook(result.master_path)["Submissions"]
    assert [r[:2] for r in sheet.iter_rows(min_row=5, values_only=True)] == \
        [("PMO", "PMO_wbs_week47.xlsx"), ("RD", "RD_wbs_week47.xlsx"), ("MK", "MK_wbs_week47.xlsx")]


def test_remerge_reads_only_the_changed_department(ws, reads):
    for dept in ("RD", "MK", "PMO"):
        accept(ws, dept, 1)
    merge.merge_workspace(ws, as_of=AS_OF)
    reads.clear()
    again = merge.merge_workspace(ws, as_of=AS_OF)
    assert reads == [] and (again.parsed, again.cached) == (0, 3)
    # the cache restores types: dates and ID tuples, not strings and lists
    rd2 = next(t for t in again.plan.tasks if t.task_id == "RD-2")
    assert rd2.due == D(2026, 12, 4) and rd2.values["predecessors"] == ("RD-1",)
    accept(ws, "MK", 2)
    third = merge.merge_workspace(ws, as_of=AS_OF)
    assert reads == ["MK.xlsx"] and (third.parsed, third.cached) == (1, 2)
    assert next(t for t in third.plan.tasks if t.task_id == "MK-1").values["name"] == "Task MK-1 v2"


def test_a_changed_config_invalidates_the_cache(ws, reads):
    accept(ws, "RD", 1)
    merge.merge_workspace(ws, as_of=AS_OF)
    config = ws.root / "xlflow.toml"
    config.write_text(config.read_text("utf-8").replace("due_soon_days = 5", "due_soon_days = 3"), "utf-8")
    reads.clear()
    merge.merge_workspace(make_ws_again(ws), as_of=AS_OF)
    assert reads == ["RD.xlsx"]


def make_ws_again(ws):
    from xlflow.config import load_workspace

    return load_workspace(ws.root)


def test_given_files_with_errors_are_left_out_and_said_so(ws, reads, tmp_path):
    TASKS["BAD"] = []
    good, bad = tmp_path / "rd.xlsx", tmp_path / "bad.xlsx"
    good.write_text("RD 1\n", "utf-8")
    bad.write_text("BAD 1\n", "utf-8")
    try:
        result = merge.merge_workspace(ws, [good, bad], as_of=AS_OF, out=tmp_path / "out.xlsx", lang="en")
    finally:
        del TASKS["BAD"]
    assert [s.path.name for s in result.left_out] == ["bad.xlsx"]
    assert result.history_path is None and result.master_path == tmp_path / "out.xlsx"
    assert any(line.startswith("Left out bad.xlsx: 1 error") for line in result.summary("en"))


def test_nothing_accepted_yet_is_a_state_not_a_usage_error(ws):
    """No accepted workbook is how a new workspace is, not a wrong argument: exit 1, not 2."""
    with pytest.raises(NothingToMerge) as err:
        merge.merge_workspace(ws, as_of=AS_OF)
    assert not isinstance(err.value, UsageError)
    out = CliRunner().invoke(main, ["merge", "-w", str(ws.root), "--lang", "en"])
    assert out.exit_code == 1 and "Nothing to merge" in out.output and "Traceback" not in out.output


def test_cli_merge_prints_summary_and_records_a_snapshot(ws, reads):
    for dept in ("RD", "MK"):
        accept(ws, dept, 1)
    out = CliRunner().invoke(main, ["merge", "-w", str(ws.root), "--as-of", "2026-11-20", "--lang", "en"])
    assert out.exit_code == 0, out.output
    assert "Master WBS: " in out.output and "3 tasks; 1 overdue" in out.output
    assert "No accepted update this week: PMO" in out.output
    last = StateDB(ws.state_db).last_merge()
    assert last.as_of == AS_OF and last.task_count == 3
    _, tasks = StateDB(ws.state_db).snapshot(last.id)
    assert {t.task_id: t.health for t in tasks} == {"RD-1": "overdue", "RD-2": "on_track", "MK-1": "on_track"}


def test_cli_rejects_a_bad_date(ws):
    out = CliRunner().invoke(main, ["merge", "-w", str(ws.root), "--as-of", "20/11/2026", "--lang", "en"])
    assert out.exit_code == 2 and "YYYY-MM-DD" in out.output


def test_real_generated_workbooks_through_validation(ws, tmp_path):
    """No stand-in: workbooks from the generator, checked by validate, merged, read back."""
    from xlflow.output.department import generate_workbook

    rows = {"RD": [dict(task("RD-001", D(2026, 11, 2), D(2026, 11, 13)), predecessors="",
                        notes='=WEBSERVICE("http://x.example")')],
            "MK": [dict(task("MK-001", D(2026, 11, 16), D(2026, 11, 30), "in_progress", percent=10),
                        predecessors="RD-001")]}
    for dept, tasks in rows.items():
        for t in tasks:
            t.pop("name")
            t["name"] = f"{dept} launch work"
        generate_workbook(ws, dept, "en", tmp_path / f"{dept}.xlsx",
                          data={"wbs": {"card": {"update_date": D(2026, 11, 16)}, "tables": {"tasks": tasks}}})
    result = merge.merge_workspace(ws, [tmp_path / "RD.xlsx", tmp_path / "MK.xlsx"], as_of=AS_OF,
                                   out=tmp_path / "master.xlsx", lang="en")
    assert result.left_out == [], [f.code for s in result.left_out for f in s.report.errors]
    assert [(t.department, t.task_id, t.health) for t in result.plan.tasks] == \
        [("RD", "RD-001", "overdue"), ("MK", "MK-001", "on_track")]
    assert [(p.task_id, s.task_id) for p, s in result.plan.cross_links] == [("RD-001", "MK-001")]
    sheet = openpyxl.load_workbook(result.master_path)["Master WBS"]
    notes = [c for row in sheet.iter_rows(min_row=5) for c in row if c.value == '=WEBSERVICE("http://x.example")']
    assert len(notes) == 1 and notes[0].data_type == "s" and notes[0].quotePrefix

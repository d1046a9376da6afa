"""Issue 18 item 10: renaming a department mid-project with `xlflow department rename OLD NEW`. The
sample project runs weeks 46 and 47 with real workbooks through the real intake; then R&D becomes RE.
The coordinator runs the command, then edits xlflow.toml as it says; R&D keeps dropping its old
workbook (stamped RD, task RD-001), Marketing keeps naming RD-001 as a predecessor. Nothing breaks:
one version history, no churn in the plan, and the weeks before keep their briefs byte for byte."""
from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from coord_helpers import edit, rows
from guard_e2e_helpers import blank, run, task
from past_helpers import DUE46, DUE47, W46, drop
from test_drop_folders import folders_ws
from test_past_departments import _briefs, _weeks
from validate_helpers import fill
from watch_helpers import make_ws
from xlflow.cli import main
from xlflow.config import load_workspace
from xlflow.output.department import workbook_name
from xlflow.service.merge import merge_workspace
from xlflow.service.renaming import rename
from xlflow.store.renames import renames, with_renames
from xlflow.store.state import StateDB
from xlflow.week.build import load_week

W48 = dt.date(2026, 11, 27)
RENAMED = dt.date(2026, 11, 23)  # the Monday of week 48


def _cli(ws, *args: str):
    return CliRunner().invoke(main, [*args, "-w", str(ws.root), "--lang", "en"])


def _edit(ws, old: str, new: str):
    """xlflow.toml as the command says: the department's code changed, nothing else."""
    config = ws.root / "xlflow.toml"
    text = config.read_text("utf-8")
    assert text.count(f'code = "{old}"') == 1
    config.write_text(text.replace(f'code = "{old}"', f'code = "{new}"'), "utf-8")
    return load_workspace(ws.root)


def _marketing_after(ws) -> None:
    """Marketing's week-48 workbook, its task waiting for R&D's RD-001."""
    path = ws.folder("inbox") / workbook_name(ws, "MK", "en")
    fill(ws, blank(ws, "MK"), path, {"wbs": {"card": {"update_date": W48},
                                              "tables": {"tasks": [task("MK", 1, due=DUE47, predecessors="RD-001")]}}})


def test_a_renamed_department_keeps_working_without_a_break(tmp_path):
    ws = _weeks(tmp_path)  # RD v1 (week 46); MK v1, v2
    before = _briefs(ws, tmp_path / "before")
    old_ws = ws
    master = ws.folder("master") / "NPL-2026-master.xlsx"
    edit(master, "Master WBS", "Task ID", {("RD-001", "Coordinator's comment"): "ask about the samples"})
    result = rename(ws, "RD", "RE", day=RENAMED)
    assert result.versions == 1 and not result.new_configured
    assert (ws.folder("accepted") / "RE.xlsx").is_file() and not (ws.folder("accepted") / "RD.xlsx").exists()
    merged = merge_workspace(ws, as_of=RENAMED, lang="en")  # before the edit: already RE, nothing dropped
    assert {t.task_id: t.department for t in merged.plan.tasks}["RD-001"] == "RE"
    assert not merged.unconfigured and not merged.removed
    row = rows(master, "Master WBS", "Task ID")["RD-001"]
    assert (row["Department"], row["Coordinator's comment"], row["Baseline from"]) == (
        "RE", "ask about the samples", "first accepted")  # the coordinator's layer and the baseline stay
    assert [m.task_id for m in merged.week().moves] == ["MK-001"]  # MK's own move of week 47; none from the rename
    ws = _edit(ws, "RD", "RE")
    status = _cli(ws, "status")  # RD's last file is RE's latest submission, not "nothing submitted yet"
    line = next(x for x in status.output.splitlines() if x.strip().startswith("RE "))
    assert "accepted version 1" in line and "nothing submitted" not in line, status.output
    drop(old_ws, "RD", DUE47, W48)  # R&D's old workbook again, still stamped RD
    _marketing_after(ws)
    outcomes = run(ws, W48)
    assert sorted(o.result for o in outcomes) == ["accepted", "accepted"], [o.line("en") for o in outcomes]
    merged = merge_workspace(ws, as_of=W48, lang="en")
    tasks = {t.task_id: t for t in merged.plan.tasks}
    assert tasks["RD-001"].department == "RE" and tasks["RD-001"].due == DUE47
    found = {(p.task_id, p.kind, p.other_department, p.other_task_id) for p in merged.plan.problems}
    assert found == {("MK-001", "started_before_predecessor_done", "RE", "RD-001")}  # found, and now RE's
    week = load_week(ws, W48, scorecard=False)
    assert {d.code for d in week.departments} >= {"RE", "MK"} and "RD" not in {d.code for d in week.departments}
    history = _cli(ws, "history", "RE")
    assert history.exit_code == 0, history.output
    assert "v1" in history.output and "v2" in history.output, history.output
    assert "removed" not in history.output and "added" not in history.output, history.output
    assert _briefs(ws, tmp_path / "after") == before  # the weeks before the rename, byte for byte
    back = _cli(ws, "revert", "RE", "--to", "1")
    assert back.exit_code == 0, back.output
    assert {t.task_id: t.due for t in merge_workspace(ws, as_of=W48, lang="en").plan.tasks}["RD-001"] == DUE46


def test_the_command_says_the_edit_and_refuses_what_it_cannot_do(tmp_path):
    ws = make_ws(tmp_path / "ws")
    out = _cli(ws, "department", "rename", "PMO", "PM")
    assert out.exit_code == 0, out.output
    assert 'change code = "PMO" to code = "PM"' in out.output
    assert 'lead_department = "PMO" to lead_department = "PM"' in out.output
    for args, said in ((("RD", "pm"), "already has files on record, was used before"),
                       (("PMO", "PX"), "was already renamed to PM"),
                       (("ZZ", "ZY"), "There is no department ZZ"),
                       (("RD", "R&D2"), "cannot be a department code"),
                       (("RD", "RD"), "same as the old one")):
        refused = _cli(ws, "department", "rename", *args)
        assert refused.exit_code == 2 and said in refused.output, (args, refused.output)
    assert _cli(ws, "department", "retire", "MK").exit_code == 0
    retired = _cli(ws, "department", "rename", "MK", "MX")
    assert retired.exit_code == 2 and "retired" in retired.output, retired.output


def test_an_edit_made_first_is_refused_and_nothing_changes(tmp_path):
    ws = _weeks(tmp_path)
    ws = _edit(ws, "MK", "MX")
    out = _cli(ws, "department", "rename", "MK", "MX")
    assert out.exit_code == 2 and 'change its [[departments]] table back to code = "MK"' in out.output
    assert (ws.folder("accepted") / "MK.xlsx").is_file()


def test_the_old_drop_folder_still_works_after_the_rename(tmp_path):
    """[paths] per_department_folders: R&D keeps dropping into inbox/RD/, whose share permissions it has."""
    ws = folders_ws(tmp_path / "ws")
    assert _cli(ws, "department", "rename", "RD", "RE").exit_code == 0
    path = drop(ws, "RD", DUE46, W46)  # a workbook generated before the rename, stamped RD
    ws.drop_folder("RD").mkdir(exist_ok=True)
    path.replace(ws.drop_folder("RD") / path.name)
    ws = _edit(ws, "RD", "RE")
    outcomes = run(ws, W46)
    assert [(o.result, o.department) for o in outcomes] == [("accepted", "RE")], [o.line("en") for o in outcomes]
    assert (ws.folder("accepted") / "RE.xlsx").is_file()


def test_generate_after_the_rename_stamps_the_new_code_and_the_old_task_ids_pass(tmp_path):
    ws = _weeks(tmp_path)
    assert _cli(ws, "department", "rename", "RD", "RE").exit_code == 0
    out = tmp_path / "books"
    made = _cli(ws, "generate", "-d", "RD", "--out", str(out))  # by its old code, out of habit
    assert made.exit_code == 0, made.output
    (book,) = out.glob("*.xlsx")
    assert book.name.startswith("NPL-2026_RE_"), book.name  # (then the English name, R&D)
    ws = _edit(ws, "RD", "RE")
    filled = tmp_path / "filled.xlsx"  # the new workbook, with the task under its old ID and a new one
    fill(ws, book, filled, {"wbs": {"card": {"update_date": W48}, "tables": {"tasks": [
        task("RD", 1, due=DUE47), task("RE", 2, due=DUE47, predecessors="RD-001")]}}})
    checked = _cli(ws, "validate", str(filled))
    assert checked.exit_code == 0, checked.output
    assert "prefix" not in checked.output.lower(), checked.output


def test_an_update_sent_in_the_week_of_the_rename_counts_for_the_new_code(tmp_path):
    ws = _weeks(tmp_path)
    monday = dt.date(2026, 11, 23)
    drop(ws, "RD", DUE47, monday)
    run(ws, monday)  # R&D's update on Monday, as RD
    rename(ws, "RD", "RE", day=monday + dt.timedelta(days=1))  # renamed on Tuesday
    merge_workspace(ws, as_of=W48, lang="en")
    old_ws, ws = ws, _edit(ws, "RD", "RE")
    drop(old_ws, "RD", DUE46, W48 + dt.timedelta(days=7))
    run(ws, W48 + dt.timedelta(days=7))  # and again the week after, as RE
    ws = with_renames(ws, StateDB(ws.state_db))  # as every command opens it
    re = next(d for d in load_week(ws, W48, scorecard=False).departments if d.code == "RE")
    assert (re.submitted, re.version, re.last_received) == (True, 2, dt.datetime(2026, 11, 23, 9, 0))


def test_a_rebuild_keeps_the_renames_and_retirements_the_old_database_recorded(tmp_path):
    """`rebuild --force` replays the archive, which knows nothing of `department rename/retire`: the
    decisions are carried from the old database, so RD's files stamped RD are RE's, MK stays retired
    (its accepted/ workbook is not brought back) and the merge after it takes every department."""
    from test_past_departments import _without
    from xlflow.service.rebuild import rebuild

    ws = _weeks(tmp_path)
    rename(ws, "RD", "RE", day=RENAMED)
    ws = _edit(ws, "RD", "RE")
    assert _cli(ws, "department", "retire", "MK").exit_code == 0
    ws = _without(ws, "MK")
    before = merge_workspace(ws, as_of=RENAMED, lang="en")
    result = rebuild(ws, force=True, lang="en")
    assert any("RD, MK" in note or "MK, RD" in note for note in result.notes), result.notes
    assert not (ws.folder("accepted") / "MK.xlsx").exists()
    after = merge_workspace(load_workspace(ws.root), as_of=RENAMED, lang="en")
    assert not any("Not merged" in line for line in after.summary("en")), after.summary("en")
    assert sorted(t.task_id for t in after.plan.tasks) == sorted(t.task_id for t in before.plan.tasks)
    assert {t.department for t in after.plan.tasks} == {t.department for t in before.plan.tasks} == {"RE"}


def test_the_current_version_is_said_once_for_the_workbook(tmp_path):
    ws = _weeks(tmp_path)  # RD v1: accepted/RD.xlsx and its sidecar RD.json
    result = rename(ws, "RD", "RE", day=RENAMED)
    assert {p.suffix for p in result.moved} == {".xlsx", ".json"}  # both moved ...
    for lang, said in (("en", "Its current version is now"), ("zh", "当前版本现在是")):
        lines = [x for x in result.lines(ws, lang) if said in x]
        assert lines == [f"{said} {ws.folder('accepted') / 'RE.xlsx'}"]  # ... the workbook said, once


def test_a_rebuild_after_a_rename_keeps_the_past_briefs_byte_for_byte(tmp_path):
    """The replay records the rename again on its day, not before the first file: what R&D sent as RD
    before it stays RD's, so weeks 46 and 47 are rebuilt as they were (they showed R&D never
    submitting, and its week-46 version under RE in the scorecard)."""
    from xlflow.service.rebuild import rebuild

    ws = _weeks(tmp_path)
    before = _briefs(ws, tmp_path / "before")
    rename(ws, "RD", "RE", day=RENAMED)
    ws = _edit(ws, "RD", "RE")
    rebuild(ws, force=True, lang="en")
    assert _briefs(ws, tmp_path / "after") == before
    assert [r.new for r in renames(StateDB(ws.state_db))] == ["RE"]  # recorded again
    assert (ws.folder("accepted") / "RE.xlsx").is_file() and not (ws.folder("accepted") / "RD.xlsx").exists()

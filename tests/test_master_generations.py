"""Masters copied back (issue 18, item 3): every master says which project and which generation it
is; a copy of an older one contributes only what changed against its own generation, a conflict is
said and nothing is blanked by omission; another project's master is refused. Saved the way Excel
saves: a temp file renamed over the target; copies made by hand."""
from __future__ import annotations

import datetime as dt
import os
import shutil

import openpyxl
import pytest
from openpyxl.packaging.custom import StringProperty

from coord_helpers import AS_OF, merge_files, rows, workbooks
from guard_e2e_helpers import run
from merge_helpers import make_ws
from test_change_master_edit import cell_of as change_cell, decided, master as master_of
from test_change_register import drop, request
from watch_helpers import make_ws as make_watch_ws
from xlflow.features.coordinator import generations
from xlflow.features.coordinator.table import CoordinatorLayer
from xlflow.service.merge import merge_workspace
from xlflow.spec import layout
from xlflow.store.state import StateDB
from xlflow.xlsx.read import read_workbook

WBS, TASK, COMMENT, ESCALATE = "主任务表", "任务编号", "协调人备注", "需升级"


@pytest.fixture
def ws(tmp_path):
    return make_ws(tmp_path / "ws", lang="zh")


def save_as_excel(src, target, changes, project=None):
    """Open `src`, type `changes` ((row key, header) -> value) on the WBS sheet, save to a temp file
    beside `target` and rename it over `target` (what Excel does)."""
    wb = openpyxl.load_workbook(src)
    sheet = wb[WBS]
    cols = {c.value: c.column for c in sheet[4] if c.value}
    at = {sheet.cell(r, cols[TASK]).value: r for r in range(5, sheet.max_row + 1)}
    for (key, header), value in changes.items():
        sheet.cell(at[key], cols[header]).value = value
    if project is not None:
        props = wb.custom_doc_props
        for prop in list(props.props):
            if prop.name == layout.PROP_PROJECT:
                props.props.remove(prop)
        props.append(StringProperty(name=layout.PROP_PROJECT, value=project))
        if layout.NAME_PROJECT in wb.defined_names:
            wb.defined_names[layout.NAME_PROJECT].attr_text = f'"{project}"'
    tmp = target.with_name("~tmp" + target.name)
    wb.save(tmp)
    os.replace(tmp, target)


def day(n):
    return AS_OF + dt.timedelta(days=n)


def test_each_master_is_stamped_with_project_and_generation(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    first = merge_files(ws, files).master_path
    book = read_workbook(first)
    stamp = generations.stamp_of(book.properties, book.names)
    assert (stamp.kind, stamp.project, stamp.generation) == ("master", ws.project.code, 1)
    second = merge_files(ws, files, day(1)).master_path
    book = read_workbook(second)
    assert generations.stamp_of(book.properties, book.names).generation == 2
    assert generations.copy_path(ws, 1).is_file() and generations.copy_path(ws, 2).is_file()


def test_a_stale_copy_copied_back_blanks_nothing_and_reports_its_conflict(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path  # generation 1
    desktop = tmp_path / "desktop" / master.name
    desktop.parent.mkdir()
    shutil.copy2(master, desktop)  # the second coordinator's copy, of generation 1

    save_as_excel(master, master, {("RD-001", COMMENT): "催样机", ("RD-001", ESCALATE): "是"})
    merge_files(ws, files, day(1))  # generation 2
    save_as_excel(master, master, {("RD-003", COMMENT): "等评审"})
    merge_files(ws, files, day(2))  # generation 3: the desktop copy is two generations behind

    save_as_excel(desktop, desktop, {("MK-001", COMMENT): "预算已批", ("RD-001", COMMENT): "旧的说法"})
    shutil.copyfile(desktop, master.with_name("~copy.xlsx"))
    os.replace(master.with_name("~copy.xlsx"), master)  # copied back over the current master

    result = merge_files(ws, files, day(3))
    wbs = rows(result.master_path, WBS, TASK)
    assert wbs["RD-001"][COMMENT] == "催样机" and wbs["RD-001"][ESCALATE] == "是"  # not blanked, not overwritten
    assert wbs["RD-003"][COMMENT] == "等评审"  # typed after the copy was made: not emptied by omission
    assert wbs["MK-001"][COMMENT] == "预算已批"  # what the copy changed against its own generation: taken
    text = "\n".join(result.summary("en"))
    assert "copy of master generation 1, while generation 3 is current" in text
    assert 'Conflict: on "主任务表", RD-001 "协调人备注" reads "旧的说法"' in text and '"催样机" is kept' in text
    assert [c.row_key for c in result.layer.conflicts] == ["RD-001"]
    assert result.layer.edits == []  # its department cells are as xlflow wrote them in generation 1
    layer = CoordinatorLayer(StateDB(ws.state_db))
    assert "旧的说法" not in [v.value for v in layer.history("wbs", "RD-001")]
    from xlflow.check.cache import file_sha256  # the copy holding the other value is not pruned as "read"
    assert file_sha256(result.layer.history) not in layer.read_contents()


def test_the_open_master_typed_again_is_no_conflict(ws, tmp_path):
    """The same generation saved twice (a save during a merge, typed again): the later save wins."""
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    save_as_excel(master, master, {("RD-001", COMMENT): "一"})
    merge_files(ws, files, day(1))
    save_as_excel(master, master, {("RD-001", COMMENT): "二"})
    result = merge_files(ws, files, day(2))
    assert rows(result.master_path, WBS, TASK)["RD-001"][COMMENT] == "二" and result.layer.conflicts == []


def test_another_projects_master_is_refused_and_ours_kept(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    save_as_excel(master, master, {("RD-001", COMMENT): "我们的备注"})
    merge_files(ws, files, day(1))
    foreign = tmp_path / "other.xlsx"
    save_as_excel(master, foreign, {("RD-001", COMMENT): "别的项目", ("MK-001", COMMENT): "别的项目"}, project="OTHER-9")
    shutil.copyfile(foreign, master)

    result = merge_files(ws, files, day(2))
    wbs = rows(result.master_path, WBS, TASK)
    assert wbs["RD-001"][COMMENT] == "我们的备注" and wbs["MK-001"][COMMENT] is None
    assert result.layer.refused == [master]
    text = "\n".join(result.summary("en"))
    assert "is the master of another project (OTHER-9)" in text and str(result.layer.history) in text
    assert result.layer.history is not None and result.layer.history.is_file()  # the foreign file is kept


def test_a_copy_whose_generation_is_no_longer_kept_only_fills_empty_cells(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    desktop = tmp_path / "old.xlsx"
    shutil.copy2(master, desktop)
    save_as_excel(master, master, {("RD-001", COMMENT): "新"})
    merge_files(ws, files, day(1))
    generations.copy_path(ws, 1).unlink()  # pruned
    save_as_excel(desktop, master, {("RD-001", COMMENT): "旧", ("RD-003", COMMENT): "补上"})
    result = merge_files(ws, files, day(2))
    wbs = rows(result.master_path, WBS, TASK)
    assert (wbs["RD-001"][COMMENT], wbs["RD-003"][COMMENT]) == ("新", "补上")
    text = "\n".join(result.summary("en"))
    assert "based on master generation 1, which xlflow no longer keeps" in text and "Conflict" in text


def test_old_generation_copies_are_pruned_but_the_last_ones_kept(ws, tmp_path, monkeypatch):
    monkeypatch.setattr(generations, "KEEP", 2)
    files = workbooks(ws, tmp_path / "in")
    for n in range(4):
        merge_files(ws, files, day(40 * n))  # far apart: beyond history_days
    kept = sorted(p.name for p in generations.copy_path(ws, 1).parent.iterdir())
    assert kept == ["3.xlsx", "4.xlsx"]


def test_a_master_left_aside_by_a_killed_merge_is_put_back_and_said(ws, tmp_path):
    """A merge killed between moving the old master aside and linking the new one in."""
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    save_as_excel(master, master, {("RD-001", COMMENT): "别丢"})
    dead = 2**22 + 12345  # no such process (above the default pid_max)
    aside = master.with_name(f".~xlflow-aside-{dead}-{master.name}")
    os.rename(master, aside)
    result = merge_files(ws, files, day(1))
    assert not aside.exists() and rows(result.master_path, WBS, TASK)["RD-001"][COMMENT] == "别丢"
    assert f"left it at {aside.name}: it was put back at {master}" in "\n".join(result.summary("en"))


def test_an_aside_file_of_a_live_merge_or_beside_a_master_is_left_alone(ws, tmp_path):
    from xlflow.store.atomic import restore_aside

    target = tmp_path / "m.xlsx"
    live = tmp_path / f".~xlflow-aside-{os.getpid()}-m.xlsx"
    live.write_bytes(b"x")
    assert restore_aside(target) is None and live.exists()
    dead = tmp_path / f".~xlflow-aside-{2**22 + 1}-m.xlsx"
    dead.write_bytes(b"y")
    target.write_bytes(b"z")
    assert restore_aside(target) is None and target.read_bytes() == b"z"
    target.unlink()
    assert restore_aside(target) == dead and target.read_bytes() == b"y"


def test_the_weeks_brief_says_what_the_read_back_found(ws, tmp_path):
    from xlflow.service.weekly import make_brief

    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    save_as_excel(master, tmp_path / "other.xlsx", {("RD-001", COMMENT): "x"}, project="OTHER-9")
    shutil.copyfile(tmp_path / "other.xlsx", master)
    merge_files(ws, files, day(1))
    from xlflow.week.brief.render import render_brief

    brief = make_brief(ws, day(1), "en")
    assert any("another project (OTHER-9)" in line for line in brief.master_notices)
    html, text = render_brief(ws, brief)
    for out in (html, text):
        assert "Notes from reading the master back" in out and "another project (OTHER-9)" in out


def test_a_stale_copy_resaved_by_libreoffice_keeps_its_stamp_and_blanks_nothing(ws, tmp_path):
    from libreoffice import convert

    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    desktop = tmp_path / "desktop" / master.name
    desktop.parent.mkdir()
    save_as_excel(master, desktop, {("MK-001", COMMENT): "桌面上填的"})
    resaved = convert(desktop, "xlsx", tmp_path / "lo")  # opened and saved in LibreOffice Calc
    book = read_workbook(resaved)
    assert generations.stamp_of(book.properties, book.names) == generations.Stamp("master", ws.project.code, 1)
    save_as_excel(master, master, {("RD-001", COMMENT): "当前的"})
    merge_files(ws, files, day(1))
    shutil.copyfile(resaved, master)
    result = merge_files(ws, files, day(2))
    wbs = rows(result.master_path, WBS, TASK)
    assert (wbs["RD-001"][COMMENT], wbs["MK-001"][COMMENT]) == ("当前的", "桌面上填的")
    assert result.layer.conflicts == [] and result.layer.edits == []
    assert [p.key for p in result.layer.problems] == ["coord-stale"]  # Calc's re-save is no typing anywhere


def test_an_approval_stays_approved_when_a_copy_from_before_it_is_copied_back(tmp_path):
    ws = make_watch_ws(tmp_path / "ws")
    drop(ws, "MK", {})
    drop(ws, "RD", {"requests": [request("RD-C01"), request("RD-C02")]})
    run(ws, dt.date(2026, 11, 20))
    path = master_of(ws)
    stale = tmp_path / "desktop.xlsx"
    shutil.copyfile(path, stale)  # the second coordinator's copy: both pending
    wb = openpyxl.load_workbook(path)
    wb["Changes"][change_cell(ws, "RD-C01", "Decision (coordinator)")] = "Approved"
    wb.save(path.with_name("~tmp.xlsx"))
    os.replace(path.with_name("~tmp.xlsx"), path)
    merge_workspace(ws, as_of=dt.date(2026, 11, 23))
    merge_workspace(ws, as_of=dt.date(2026, 11, 24))
    assert decided(ws)["RD-C01"][0] == "approved"

    wb = openpyxl.load_workbook(stale)
    wb["Changes"][change_cell(ws, "RD-C02", "Decision (coordinator)")] = "Rejected"  # what they decided
    wb.save(stale)
    shutil.copyfile(stale, path)
    merge_workspace(ws, as_of=dt.date(2026, 11, 25))
    assert {k: v[0] for k, v in decided(ws).items()} == {"RD-C01": "approved", "RD-C02": "rejected"}

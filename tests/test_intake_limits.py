"""The reader's and the feedback copy's bounds: the row cap counts rows with content,
not the template's prepared empty rows, and a separate bound stops sheets of endless styled empty
rows; the annotated feedback copy is made within bounded time and memory."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from hostile_helpers import expanding_lists, merged_everything
from validate_helpers import make_workspace
from watch_helpers import inbox_names, make_ws, results, sample
from xlflow.check.validate import check_file, task_rows
from xlflow.output.department import generate_workbook
from xlflow.output.notify import copy_note, feedback, make_feedback_copy, write_feedback_copy
from xlflow.spec import layout
from xlflow.watcher import process_inbox
from xlflow.xlsx import bounded
from xlflow.xlsx.feedback import is_feedback_copy
from xlflow.xlsx.read import MAX_ROWS, read_workbook
from xlflow.xlsx.sheet import MAX_ROW_ELEMENTS

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def tasks(count: int, dept: str = "RD") -> list[dict]:
    start = dt.date(2026, 9, 1)
    return [{"task_id": f"{dept}-{i:05d}", "name": f"任务{i}", "owner_department": dept, "owner": "王磊",
             "start": start, "due": start + dt.timedelta(days=30), "status": "in_progress", "percent": 50}
            for i in range(1, count + 1)]


def big_workbook(tmp_path: Path, count: int) -> tuple[object, Path]:
    ws = make_workspace(tmp_path / "ws")
    data = {"wbs": {"card": {"update_date": dt.date(2026, 11, 20)}, "tables": {"tasks": tasks(count)}}}
    return ws, generate_workbook(ws, "RD", "zh", tmp_path / f"RD-{count}.xlsx", data=data)


def test_a_workbook_of_19990_tasks_is_read_whole_and_valid(tmp_path):
    ws, path = big_workbook(tmp_path, 19_990)
    wbs = next(s for s in read_workbook(path).sheets if "任务" in s.name)
    assert not wbs.truncated
    sub = check_file(path, ws)
    assert [f.code for f in sub.report.errors] == [], sub.report.lines("en")[:5]
    assert len(task_rows(sub)) == 19_990


def _one_sheet_book(path: Path, rows: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>')
    return path


def test_empty_styled_rows_do_not_count_but_stay_bounded(tmp_path):
    # 30,000 rows, one in three with content: 10,000 content rows are read in full
    rows = "".join(f'<row r="{r}"><c r="A{r}" s="1"/>'
                   + (f'<c r="B{r}" t="inlineStr"><is><t>x{r}</t></is></c>' if r % 3 == 0 else "") + "</row>"
                   for r in range(1, 30_001))
    sheet = read_workbook(_one_sheet_book(tmp_path / "sparse.xlsx", rows)).sheets[0]
    assert not sheet.truncated and len(sheet.cells) == 10_000 and sheet.last_row == 30_000
    # endless styled empty rows with a little content sprinkled in: stopped at the bound, quickly
    count = MAX_ROW_ELEMENTS + 50_000
    rows = "".join(f'<row r="{r}"><c r="A{r}" s="1"/>'
                   + (f'<c r="B{r}" t="inlineStr"><is><t>y</t></is></c>' if r % 900 == 0 else "") + "</row>"
                   for r in range(1, count + 1))
    started = time.perf_counter()
    sheet = read_workbook(_one_sheet_book(tmp_path / "endless.xlsx", rows)).sheets[0]
    assert sheet.truncated and sheet.last_row <= MAX_ROW_ELEMENTS and len(sheet.cells) < MAX_ROWS
    assert time.perf_counter() - started < 10


# --- the feedback copy within bounded time and memory --------------------------------------------

def _memory_limited(limit: int):
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


@pytest.mark.skipif(sys.platform == "win32", reason="resource.setrlimit")
def test_a_workbook_that_expands_for_openpyxl_does_not_stop_the_watcher_under_a_memory_limit(tmp_path):
    """The issue's file (1 MB; its hidden lists sheet expands to 185 MB of XML; one wrong cell) and a
    valid file behind it, processed by `watch --once` under a 900 MB address-space limit."""
    ws = make_ws(tmp_path / "ws", lang="en")
    inbox = ws.folder("inbox")
    hostile = expanding_lists(sample("CS"), inbox / "cs.xlsx")
    assert hostile.stat().st_size < 2 * 2**20
    later = hostile.stat().st_mtime + 5
    behind = inbox / "rd.xlsx"
    shutil.copyfile(sample("RD", 46), behind)
    os.utime(behind, (later, later))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "xlflow", "watch", "--once", "-w", str(ws.root)],
                          capture_output=True, text=True, timeout=300, preexec_fn=_memory_limited(900 * 2**20))
    seconds = time.monotonic() - started
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "Traceback" not in out and "MemoryError" not in out
    assert results(ws) == [("cs.xlsx", "CS", "rejected"), ("rd.xlsx", "RD", "accepted")]
    assert seconds < 60, seconds
    mail = next(ws.folder("outbox").glob("*feedback-CS-*.eml"))
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",)).get_content()
    assert "No annotated copy is attached" in body and "185 MB" in body, body
    assert not [p for p in message.iter_attachments()]  # the findings are in the body
    assert not list(ws.folder("rejected").glob("*.xlsx.*")) and inbox_names(ws) == []


@pytest.mark.parametrize("lang, text", [("zh", "未附带标注副本"), ("en", "No annotated copy is attached")])
def test_the_copy_is_left_out_with_a_reason_for_cells_and_merged_ranges(tmp_path, lang, text):
    ws = make_ws(tmp_path / "ws", lang=lang)
    sub = check_file(merged_everything(sample("CS"), tmp_path / "merged.xlsx"), ws)
    assert not sub.valid and sub.data is not None
    started = time.monotonic()
    made = make_feedback_copy(sub, tmp_path / "out" / "copy.xlsx", lang)
    assert made.path is None and made.skipped == "too-large" and time.monotonic() - started < 20
    assert not (tmp_path / "out" / "copy.xlsx").exists() and not list((tmp_path / "out").iterdir())
    note = copy_note(made, lang)
    assert text in note and "1,000,000" in note
    mail = feedback(ws, "cs.xlsx", "CS", "rejected", sub.report, [], copy_note=note, lang=lang)
    assert text in mail.get_body(("plain",)).get_content() and text in mail.get_body(("html",)).get_content()
    # the same file without the merged range is annotated as before
    assert make_feedback_copy(check_file(sample("CS"), ws), tmp_path / "copy.xlsx", lang).path is not None


def test_the_child_limits_stop_what_the_budget_lets_through(tmp_path, monkeypatch):
    """With the budget out of the way, the child's memory limit ends the copy, not the caller."""
    ws = make_ws(tmp_path / "ws")
    sub = check_file(expanding_lists(sample("CS"), tmp_path / "big.xlsx", xml_mb=60), ws)
    monkeypatch.setattr(bounded, "COPY_MAX_CELLS", 10**9)
    monkeypatch.setattr(bounded, "COPY_MAX_XML_BYTES", 10**12)
    monkeypatch.setattr(bounded, "COPY_MEMORY_BYTES", 400 * 2**20)
    started = time.monotonic()
    made = make_feedback_copy(sub, tmp_path / "copy.xlsx", "en")
    assert made.path is None and made.skipped == "limits", made
    assert "memory limit" in copy_note(made, "en") and time.monotonic() - started < 60
    monkeypatch.setattr(bounded, "COPY_MEMORY_BYTES", 4 * 2**30)
    monkeypatch.setattr(bounded, "COPY_SECONDS", 2)
    made = make_feedback_copy(sub, tmp_path / "copy.xlsx", "zh")
    assert made.skipped == "limits" and "2 秒" in copy_note(made, "zh")
    assert not (tmp_path / "copy.xlsx").exists()


def test_accepted_files_meet_openpyxl_only_when_they_are_feedback_copies(tmp_path):
    """A valid workbook whose hidden lists sheet expands to 185 MB is accepted as it came, quickly
    (openpyxl never loads it); a fixed feedback copy is still stored without xlflow's marks."""
    ws = make_ws(tmp_path / "ws")
    valid = expanding_lists(sample("RD", 46), tmp_path / "rd.xlsx")
    assert check_file(valid, ws).valid and not is_feedback_copy(valid) and not is_feedback_copy(sample("RD", 46))
    shutil.copyfile(valid, ws.folder("inbox") / "rd.xlsx")
    started = time.monotonic()
    process_inbox(ws, as_of=dt.date(2026, 11, 20))
    assert results(ws) == [("rd.xlsx", "RD", "accepted")] and time.monotonic() - started < 30
    assert (ws.folder("accepted") / "RD.xlsx").read_bytes() == valid.read_bytes()

    sub = check_file(sample("MK", 46), ws)
    assert sub.valid  # its copy still carries the findings sheet and the stamp
    copy = write_feedback_copy(sub, tmp_path / "mk-feedback.xlsx", "en")
    assert copy is not None and is_feedback_copy(copy)
    shutil.copyfile(copy, ws.folder("inbox") / "mk.xlsx")
    process_inbox(ws, as_of=dt.date(2026, 11, 20))
    assert results(ws)[-1] == ("mk.xlsx", "MK", "accepted")
    stored = ws.folder("accepted") / "MK.xlsx"
    assert not is_feedback_copy(stored)
    with zipfile.ZipFile(stored) as zf:
        assert layout.FEEDBACK_SHEET.encode() not in zf.read("xl/workbook.xml")

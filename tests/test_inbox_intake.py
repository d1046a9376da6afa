"""The intake of single files (no observer): archive first, accept or reject, duplicates,
broken and locked files, the journal after an interrupted run."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from watch_helpers import inbox_names, make_ws, results, sample, variant
from xlflow.service import intake as inbox_mod
from xlflow.service.intake import (
    Intake,
    archive_name,
    classify,
    owner_files,
    zip_complete,
)
from xlflow.store.state import StateDB
from xlflow.watcher import Watcher

AS_OF = dt.date(2026, 11, 20)


def run_once(ws, deadline_seconds: float | None = None) -> list:
    return Watcher(ws, today=lambda: AS_OF).run_once(deadline_seconds)


def mails(ws) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(ws.folder("outbox").glob("*.eml"))]


@pytest.mark.parametrize("name, kind", [
    ("NPL-2026_RD_研发部.xlsx", "workbook"), ("plan.XLSM", "workbook"), ("old.xls", "lookalike"),
    ("data.csv", "lookalike"), ("plan.ods", "lookalike"), ("~$NPL-2026_RD.xlsx", "ignore"),
    (".~lock.plan.xlsx#", "ignore"), (".~plan.xlsx", "ignore"), ("~WRL0001.tmp", "ignore"),
    ("plan.xlsx~RF1b9046.TMP", "ignore"), ("Cedd4100", "ignore"), (".hidden.xlsx", "ignore"),
    ("Thumbs.db", "ignore"), ("desktop.ini", "ignore"), (".DS_Store", "ignore"), ("notes.txt", "ignore"),
])
def test_classify(name, kind):
    assert classify(name) == kind


def test_owner_files_and_zip_check(tmp_path):
    book = tmp_path / "NPL-2026_RD_研发部.xlsx"
    shutil.copyfile(sample("RD"), book)
    assert owner_files(book) == [] and zip_complete(book)
    (tmp_path / "~$L-2026_RD_研发部.xlsx").write_bytes(b"x")  # Excel drops the first two characters
    assert [p.name for p in owner_files(book)] == ["~$L-2026_RD_研发部.xlsx"]
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(book.read_bytes()[: book.stat().st_size // 2])
    assert not zip_complete(truncated)
    assert archive_name("RD", "2026-11-20T09:30:05+08:00", "ab" * 32, "a b/c.xlsx") == \
        "20261120-093005_RD_abababababab_a_b_c.xlsx"


def test_accepted_and_rejected_files(tmp_path):
    ws = make_ws(tmp_path / "ws")
    for dept in ("RD", "CS"):
        shutil.copyfile(sample(dept), ws.folder("inbox") / sample(dept).name)
    outcomes = run_once(ws)

    assert sorted((o.department, o.result) for o in outcomes) == [("CS", "rejected"), ("RD", "accepted")]
    assert inbox_names(ws) == []  # the inbox is left clean
    archived = sorted(ws.folder("archive").iterdir())
    assert sorted(p.read_bytes() for p in archived) == sorted([sample("CS").read_bytes(), sample("RD").read_bytes()])
    assert all(p.name.split("_")[1] in ("CS", "RD") for p in archived)

    sidecar = json.loads((ws.folder("accepted") / "RD.json").read_text("utf-8"))
    assert sidecar["department"] == "RD" and sidecar["file"] == sample("RD").name and sidecar["version"] == 1
    assert (ws.folder("accepted") / "RD.xlsx").read_bytes() == sample("RD").read_bytes()
    assert not (ws.folder("accepted") / "CS.xlsx").exists()
    rejected = sorted(p.suffix for p in ws.folder("rejected").iterdir())
    assert rejected == [".txt", ".xlsx"]
    cs = next(o for o in outcomes if o.department == "CS")
    assert cs.errors > 0
    report = next(ws.folder("rejected").glob("*.txt")).read_text("utf-8")
    assert sample("CS").name in report and f"Errors: {cs.errors}" in report

    db = StateDB(ws.state_db)
    assert db.accepted_version("RD") == 1 and db.accepted_version("CS") == 0
    assert db.last_merge() is not None and db.last_merge().as_of == AS_OF
    assert db.inbox_entries() == []

    by_to = {m["To"]: m for m in mails(ws)}
    assert set(by_to) == {"rd@example.com", "service@example.com"}
    assert "Accepted" in by_to["rd@example.com"]["Subject"]
    rejected_mail = by_to["service@example.com"]
    (copy,) = ws.folder("rejected").glob("*.xlsx")  # rejected/ keeps the stamped name; the mail, the department's
    (attached,) = rejected_mail.iter_attachments()
    assert attached.get_filename() == "NPL-2026_CS_客服部-feedback.xlsx" and attached.get_content() == copy.read_bytes()
    assert f"{cs.errors} error" in rejected_mail.get_body(("plain",)).get_content()


def test_rejected_keeps_the_previous_accepted_version(tmp_path):
    ws = make_ws(tmp_path / "ws")
    shutil.copyfile(sample("CS", 46), ws.folder("inbox") / "cs-week46.xlsx")
    assert [o.result for o in run_once(ws)] == ["accepted"]
    shutil.copyfile(sample("CS", 47), ws.folder("inbox") / "cs-week47.xlsx")
    assert [o.result for o in run_once(ws)] == ["rejected"]
    assert (ws.folder("accepted") / "CS.xlsx").read_bytes() == sample("CS", 46).read_bytes()
    assert json.loads((ws.folder("accepted") / "CS.json").read_text("utf-8"))["file"] == "cs-week46.xlsx"
    assert StateDB(ws.state_db).accepted_version("CS") == 1


def test_the_same_file_twice(tmp_path):
    ws = make_ws(tmp_path / "ws")
    shutil.copyfile(sample("RD"), ws.folder("inbox") / "rd.xlsx")
    run_once(ws)
    shutil.copyfile(sample("RD"), ws.folder("inbox") / "rd (copy).xlsx")
    shutil.copyfile(sample("RD"), ws.folder("inbox") / "rd.xlsx")
    outcomes = run_once(ws)
    assert [o.result for o in outcomes] == ["duplicate", "duplicate"]
    assert results(ws) == [("rd.xlsx", "RD", "accepted"), ("rd (copy).xlsx", "RD", "duplicate"),
                           ("rd.xlsx", "RD", "duplicate")]
    assert StateDB(ws.state_db).accepted_version("RD") == 1
    assert len(list(ws.folder("archive").iterdir())) == 1 and inbox_names(ws) == []
    # A new version of the same department is not a duplicate.
    variant(sample("RD"), ws.folder("inbox") / "rd.xlsx", "v2")
    assert [(o.result, o.version) for o in run_once(ws)] == [("accepted", 2)]


def test_a_broken_file_is_retried_then_rejected(tmp_path):
    ws = make_ws(tmp_path / "ws", max_attempts=3, settle_seconds=0.1)
    data = sample("RD").read_bytes()
    (ws.folder("inbox") / "NPL-2026_RD_broken.xlsx").write_bytes(data[: len(data) // 2])
    (ws.folder("inbox") / "empty.xlsx").write_bytes(b"")
    outcomes = run_once(ws)
    assert sorted(o.result for o in outcomes) == ["unreadable", "unreadable"]
    assert inbox_names(ws) == []
    reports = {p.name.split("_", 3)[-1]: p.read_text("utf-8") for p in ws.folder("rejected").glob("*.txt")}
    assert "after 3 attempts" in reports["NPL-2026_RD_broken.txt"]
    assert "empty" in reports["empty.txt"].lower()
    # The broken bytes are archived as received; nothing is lost.
    assert any(p.read_bytes() == data[: len(data) // 2] for p in ws.folder("archive").iterdir())
    assert StateDB(ws.state_db).accepted_version("RD") == 0


def test_a_file_that_stays_locked(tmp_path, monkeypatch):
    """Windows refuses to open a file another program holds; simulated by failing the copy."""
    ws = make_ws(tmp_path / "ws", max_attempts=3, settle_seconds=0.1)
    locked = ws.folder("inbox") / "NPL-2026_RD_研发部.xlsx"
    shutil.copyfile(sample("RD"), locked)
    real_copy = inbox_mod.stage_copy

    def sharing_violation(src, staging, name=None, limit=None):
        if Path(src) == locked:
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return real_copy(src, staging, name, limit)

    monkeypatch.setattr(inbox_mod, "stage_copy", sharing_violation)
    outcomes = run_once(ws)
    assert [(o.result, o.department) for o in outcomes] == [("unreadable", "RD")]
    assert inbox_names(ws) == [locked.name]  # it cannot be moved; it waits for a new version
    report = next(ws.folder("rejected").glob("*.txt")).read_text("utf-8")
    assert "locked" in report and "3 attempts" in report
    assert StateDB(ws.state_db).inbox_entry(locked).state == "failed"
    assert run_once(ws) == []  # unchanged: not rejected again

    monkeypatch.setattr(inbox_mod, "stage_copy", real_copy)
    variant(sample("RD"), locked, "saved again")  # the user closes Excel and saves again
    assert [o.result for o in run_once(ws)] == ["accepted"]
    assert inbox_names(ws) == []


def test_a_lock_released_in_time_is_not_a_failure(tmp_path, monkeypatch):
    ws = make_ws(tmp_path / "ws", max_attempts=4, settle_seconds=0.1)
    book = ws.folder("inbox") / "NPL-2026_MK_市场部.xlsx"
    shutil.copyfile(sample("MK"), book)
    real_copy, calls = inbox_mod.stage_copy, []

    def locked_twice(src, staging, name=None, limit=None):
        calls.append(src)
        if len(calls) <= 2:
            raise PermissionError(13, "locked")
        return real_copy(src, staging, name, limit)

    monkeypatch.setattr(inbox_mod, "stage_copy", locked_twice)
    assert [o.result for o in run_once(ws)] == ["accepted"]
    assert len(calls) == 3


def test_lookalikes_get_a_finding_and_other_files_are_left_alone(tmp_path):
    ws = make_ws(tmp_path / "ws")
    (ws.folder("inbox") / "NPL-2026_SA_old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (ws.folder("inbox") / "readme.txt").write_text("hello")
    (ws.folder("inbox") / "~$someone else's.xlsx").write_bytes(b"owner")  # stale, of a file not there
    outcomes = run_once(ws, deadline_seconds=10)
    assert [(o.result, o.department) for o in outcomes] in ([("unreadable", "SA")], [("rejected", "SA")])
    assert outcomes[0].errors >= 1
    assert inbox_names(ws) == ["readme.txt", "~$someone else's.xlsx"]


def test_an_open_file_is_postponed_by_once(tmp_path):
    ws = make_ws(tmp_path / "ws", owner_file_max_wait=60)
    book = ws.folder("inbox") / "NPL-2026_FN_财务部.xlsx"
    shutil.copyfile(sample("FN"), book)
    (ws.folder("inbox") / f"~${book.name}").write_bytes(b"owner")
    assert run_once(ws) == []
    assert book.exists()
    (ws.folder("inbox") / f"~${book.name}").unlink()
    assert [o.result for o in run_once(ws)] == ["accepted"]


def test_resume_after_an_interruption_from_the_journal(tmp_path, monkeypatch):
    """A crash after archiving: the next run finishes from the archived copy, once."""
    ws = make_ws(tmp_path / "ws")
    book = ws.folder("inbox") / "NPL-2026_RD_研发部.xlsx"
    shutil.copyfile(sample("RD"), book)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # like a kill: nothing after this step happens

    monkeypatch.setattr(Intake, "_accept", crash)
    with pytest.raises(KeyboardInterrupt):
        run_once(ws)
    entry = StateDB(ws.state_db).inbox_entry(book)
    assert entry.state == "archived" and Path(entry.archive_path).read_bytes() == sample("RD").read_bytes()
    assert book.exists() and results(ws) == []
    monkeypatch.undo()

    assert [o.result for o in run_once(ws)] == ["accepted"]
    assert results(ws) == [(book.name, "RD", "accepted")]
    assert len(list(ws.folder("archive").iterdir())) == 1 and inbox_names(ws) == []
    assert run_once(ws) == []


def test_recorded_but_not_removed_is_not_recorded_again(tmp_path, monkeypatch):
    ws = make_ws(tmp_path / "ws")
    book = ws.folder("inbox") / "NPL-2026_RD_研发部.xlsx"
    shutil.copyfile(sample("RD"), book)
    monkeypatch.setattr(Intake, "_clean_inbox", lambda *a: None)  # killed right after recording
    run_once(ws)
    monkeypatch.undo()
    assert book.exists() and StateDB(ws.state_db).inbox_entry(book).state == "done"
    assert run_once(ws) == []
    assert results(ws) == [(book.name, "RD", "accepted")] and inbox_names(ws) == []


def test_archive_is_written_before_anything_else(tmp_path, monkeypatch):
    ws = make_ws(tmp_path / "ws")
    shutil.copyfile(sample("RD"), ws.folder("inbox") / "rd.xlsx")
    seen = []
    real_check = inbox_mod.check_file

    def check(path, w, received):
        seen.append(sorted(p.name for p in ws.folder("archive").iterdir()))
        assert not any(ws.folder("accepted").iterdir())
        return real_check(path, w, received)

    monkeypatch.setattr(inbox_mod, "check_file", check)
    run_once(ws)
    assert len(seen) == 1 and len(seen[0]) == 1


def test_feedback_in_chinese(tmp_path):
    ws = make_ws(tmp_path / "ws", lang="zh")
    shutil.copyfile(sample("CS"), ws.folder("inbox") / sample("CS").name)
    run_once(ws)
    message = mails(ws)[0]
    assert "重新提交" in message["Subject"] and "陈静" in message.get_body(("plain",)).get_content()
    with zipfile.ZipFile(next(ws.folder("rejected").glob("*.xlsx"))) as zf:
        assert "[Content_Types].xml" in zf.namelist()


def test_a_deferred_merge_survives_a_restart(tmp_path):
    """In a burst the watcher accepts files without merging each; the due merge is durable."""
    from xlflow.service.merge import master_paths

    ws = make_ws(tmp_path / "ws", settle_seconds=0)
    book = ws.folder("inbox") / "rd.xlsx"
    shutil.copyfile(sample("RD"), book)
    intake = Intake(ws)
    assert intake.check_ready(book) is None
    outcome = intake.process_file(book, AS_OF, merge=False)
    master = master_paths(ws, AS_OF)[0]
    assert outcome.result == "accepted" and not master.exists()
    db = StateDB(ws.state_db)
    assert db.merge_due() and db.last_merge() is None
    # Killed here; the next run merges first thing.
    assert run_once(ws) == []
    assert master.exists() and not db.merge_due() and db.last_merge().task_count > 0


def test_process_inbox_for_the_demo(tmp_path):
    from xlflow.watcher import process_inbox

    ws = make_ws(tmp_path / "ws", settle_seconds=30)  # ignored: the caller put complete files there
    for dept in ("RD", "MK", "CS"):
        shutil.copyfile(sample(dept), ws.folder("inbox") / sample(dept).name)
    outcomes = process_inbox(ws, AS_OF, "zh")
    assert sorted((o.department, o.result) for o in outcomes) == [("CS", "rejected"), ("MK", "accepted"),
                                                                  ("RD", "accepted")]
    rd = next(o for o in outcomes if o.department == "RD")
    assert rd.line("zh").startswith("NPL-2026_RD_研发部.xlsx｜部门 RD｜已接收｜错误 0")
    db = StateDB(ws.state_db)
    assert {t.department for t in db.latest_snapshot_before(AS_OF, inclusive=True)[1]} == {"RD", "MK"}
    assert len(list(ws.folder("outbox").glob("*.eml"))) == 3 and inbox_names(ws) == []


def test_a_csv_renamed_xlsx_is_rejected_at_once_for_what_it_is(tmp_path):
    """Not a zip and never going to be one: no retries, one finding that says it is a CSV."""
    ws = make_ws(tmp_path / "ws", max_attempts=3, settle_seconds=0.1)
    (ws.folder("inbox") / "NPL-2026_RD_export.xlsx").write_text("任务编号,状态\nRD-001,进行中\n", "utf-8")
    outcomes = run_once(ws)
    assert [(o.result, o.errors) for o in outcomes] == [("unreadable", 1)]
    report = next(ws.folder("rejected").glob("*.txt")).read_text("utf-8")
    assert "[csv-file]" in report and "attempts" not in report
    assert inbox_names(ws) == []
    # No "annotated copy" can be made of it, so none is attached (not the CSV posing as .xlsx).
    (mail,) = mails(ws)
    assert list(mail.iter_attachments()) == []
    assert next(ws.folder("rejected").glob("*.xlsx")).read_text("utf-8").startswith("任务编号")  # kept as received

"""The edges of a real shared folder at the intake: links and special files (never followed or
opened, reported once, left alone), files over the reader's size limit (archived by streaming,
no second copy), very long names, control characters in names, and the two crash windows
around the archive copy and the feedback .eml."""
from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from watch_helpers import inbox_names, make_ws, results, running, sample, wait_until
from xlflow.service import intake as intake_mod, mailing as mailing_mod
from xlflow.service.intake import Intake
from xlflow.service.staging import NAME_MAX_BYTES, archive_name, clean_name, fit_bytes, output_stem
from xlflow.store.state import StateDB
from xlflow.watcher import process_inbox

AS_OF = dt.date(2026, 11, 20)
T1 = dt.datetime(2026, 11, 20, 9, 0, 0).astimezone()
T2 = dt.datetime(2026, 11, 20, 9, 5, 0).astimezone()
posix = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, sockets and symlinks")


class Killed(BaseException):
    """Stands for SIGKILL at one exact point: nothing after it runs."""


def mails(ws) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(ws.folder("outbox").rglob("*.eml"))]


def within(seconds: float, fn, *fifos: Path):
    """fn() in a thread; fails (instead of hanging the test run) if it does not return in time.
    A reader blocked in open() on one of `fifos` is released so the thread can end."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        for fifo in fifos:
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail(f"still running after {seconds} s: it hangs")
    if "error" in box:
        raise box["error"]
    return box["value"]


@posix
def test_links_and_special_files_are_never_opened_reported_once_and_left_alone(tmp_path, monkeypatch):
    ws = make_ws(tmp_path / "ws")
    inbox = ws.folder("inbox")
    outside = tmp_path / "elsewhere" / "NPL-2026_MK_市场部.xlsx"
    outside.parent.mkdir()
    shutil.copyfile(sample("MK"), outside)
    os.mkfifo(inbox / "NPL-2026_RD_pipe.xlsx")
    (inbox / "passwd.xlsx").symlink_to("/etc/passwd")
    (inbox / "NPL-2026_MK_link.xlsx").symlink_to(outside)
    (inbox / "zero.xlsx").symlink_to("/dev/zero")
    (inbox / "to-pipe.xlsx").symlink_to(inbox / "NPL-2026_RD_pipe.xlsx")
    (inbox / "dangling.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    monkeypatch.chdir(inbox)  # AF_UNIX paths are limited to ~108 bytes
    sock = socket.socket(socket.AF_UNIX)
    sock.bind("sock.xlsx")
    shutil.copyfile(sample("RD"), inbox / "NPL-2026_RD_研发部.xlsx")  # the valid file behind them
    odd = sorted(set(inbox_names(ws)) - {"NPL-2026_RD_研发部.xlsx"})
    try:
        outcomes = within(120, lambda: process_inbox(ws, AS_OF), inbox / "NPL-2026_RD_pipe.xlsx")
        assert sorted((o.path.name, o.result, o.department) for o in outcomes) == sorted(
            [("NPL-2026_RD_研发部.xlsx", "accepted", "RD")] + [(n, "unreadable", None) for n in odd])
        # Left alone: still in the inbox, nothing copied into archive/ or rejected/, MK not merged.
        assert inbox_names(ws) == odd
        assert [p.name.split("_")[1] for p in ws.folder("archive").iterdir()] == ["RD"]
        assert {p.suffix for p in ws.folder("rejected").iterdir()} == {".txt"}
        assert len(list(ws.folder("rejected").iterdir())) == len(odd)
        passwd = Path("/etc/passwd").read_bytes()
        assert not any(passwd in p.read_bytes() for p in ws.folder("rejected").iterdir())
        assert StateDB(ws.state_db).accepted_version("MK") == 0 and not (ws.folder("accepted") / "MK.xlsx").exists()
        reports = {p.name.split("_", 3)[-1]: p.read_text("utf-8") for p in ws.folder("rejected").iterdir()}
        assert "/etc/passwd" in reports["passwd.txt"] and "does not follow links" in reports["passwd.txt"]
        assert "named pipe" in reports["NPL-2026_RD_pipe.txt"] and "socket" in reports["sock.txt"]
        coordinator = [m for m in mails(ws) if m["To"] == "pmo@example.com"]
        assert len(coordinator) == len(odd)  # one each, to the coordinators

        # Once: the next runs (rescans) report nothing again and still open nothing.
        for _ in range(2):
            assert within(60, lambda: process_inbox(ws, AS_OF), inbox / "NPL-2026_RD_pipe.xlsx") == []
        assert len(mails(ws)) == len(odd) + 1 and len(list(ws.folder("rejected").iterdir())) == len(odd)
        assert inbox_names(ws) == odd
    finally:
        sock.close()


@posix
def test_a_fifo_reported_by_a_file_event_does_not_hang_the_watcher(tmp_path):
    ws = make_ws(tmp_path / "ws")
    fifo = ws.folder("inbox") / "x.xlsx"
    with running(ws) as watcher:
        os.mkfifo(fifo)
        wait_until(lambda: any(o.path == fifo for o in watcher.outcomes), timeout=30)
        shutil.copyfile(sample("RD"), ws.folder("inbox") / "rd.xlsx")  # and the watcher goes on
        wait_until(lambda: ("rd.xlsx", "RD", "accepted") in results(ws), timeout=30)
    assert fifo.exists() and [o.result for o in watcher.outcomes if o.path == fifo] == ["unreadable"]


_MEASURE = """
import datetime as dt, json, resource, sys
from xlflow.config import load_workspace
from xlflow.watcher import process_inbox
outcomes = process_inbox(load_workspace(sys.argv[1]), dt.date(2026, 11, 20))
def peak_kb():
    # this process's own peak: ru_maxrss also keeps the RSS of the (large) pytest process that
    # forked it, which Linux carries over exec; VmHWM belongs to this program's memory only
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"maxrss_kb": peak_kb(),
                  "results": [o.result for o in outcomes]}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="resource, sparse files")
def test_a_1_gb_file_is_archived_by_streaming_and_rejected_without_a_second_copy(tmp_path):
    import json

    ws = make_ws(tmp_path / "ws")
    big = ws.folder("inbox") / "NPL-2026_RD_研发部.xlsx"
    with open(big, "wb") as fh:
        fh.write(b"PK\x03\x04junk")
        fh.truncate(2**30)  # sparse: 1 GB that takes no disk space
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(ws.root)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["results"] == ["unreadable"]
    assert measured["maxrss_kb"] < 250 * 1024, measured  # never read whole (1 GB), never more than a chunk
    archived = list(ws.folder("archive").iterdir())
    assert len(archived) == 1 and archived[0].stat().st_size == 2**30
    assert archived[0].stat().st_blocks * 512 <= 2 * 2**20  # the copy stayed sparse (one chunk written)
    with open(archived[0], "rb") as fh:
        assert fh.read(8) == b"PK\x03\x04junk"[:8]
    assert [p.suffix for p in ws.folder("rejected").iterdir()] == [".txt"]  # only the report
    report = next(ws.folder("rejected").iterdir()).read_text("utf-8")
    assert "exceeds the size limits" in report and "1,024 MB" in report
    assert not list((ws.root / ".xlflow" / "staging").glob("*/*"))
    assert inbox_names(ws) == [] and results(ws) == [(big.name, "RD", "unreadable")]
    (mail,) = mails(ws)
    assert mail["To"] == "rd@example.com" and list(mail.iter_attachments()) == []


def test_names_are_shortened_by_bytes_keeping_the_hash():
    name = "计划" * 50 + ".xlsx"  # 100 Chinese characters: 300 bytes, as an SMB share allows
    sha = "0123456789abcdef" * 4
    for built in (archive_name("RD", "2026-11-20T09:30:05+08:00", sha, name),
                  output_stem("2026-11-20T09:30:05+08:00", "RD", sha, name) + ".numbers"):
        data = built.encode("utf-8")
        assert len(data) <= NAME_MAX_BYTES and data.decode("utf-8") == built
        assert sha[:8] in built and "计划计划" in built
    assert re.fullmatch(r"20261120-093005_RD_0123456789ab_(计划)+计?\.xlsx",
                        archive_name("RD", "2026-11-20T09:30:05+08:00", sha, name))
    assert fit_bytes("a研究", 3) == "a" and fit_bytes("a研究", 4) == "a研"


def test_a_name_of_254_bytes_is_processed(tmp_path):
    ws = make_ws(tmp_path / "ws")
    names = ["NPL-2026_RD_" + "研" * 79 + ".xlsx", "NPL-2026_CS_" + "客" * 79 + ".xlsx"]  # 254 bytes each
    shutil.copyfile(sample("RD"), ws.folder("inbox") / names[0])
    shutil.copyfile(sample("CS"), ws.folder("inbox") / names[1])
    outcomes = process_inbox(ws, AS_OF)
    assert sorted((o.department, o.result) for o in outcomes) == [("CS", "rejected"), ("RD", "accepted")]
    assert inbox_names(ws) == []
    written = [*ws.folder("archive").iterdir(), *ws.folder("rejected").iterdir()]
    assert len(written) == 4 and all(len(p.name.encode()) <= NAME_MAX_BYTES for p in written)
    assert {o.sha256[:12] for o in outcomes} == {p.name.split("_")[2] for p in ws.folder("archive").iterdir()}
    assert len(mails(ws)) == 2


@pytest.mark.parametrize("dept, result", [("RD", "accepted"), ("CS", "rejected")])
def test_a_kill_between_the_archive_copy_and_the_journal_leaves_one_copy(tmp_path, monkeypatch, dept, result):
    ws = make_ws(tmp_path / "ws", settle_seconds=0)
    book = ws.folder("inbox") / sample(dept).name
    shutil.copyfile(sample(dept), book)
    real = intake_mod.archive

    def archive_then_die(*args, **kw):
        real(*args, **kw)
        raise Killed

    monkeypatch.setattr(intake_mod, "archive", archive_then_die)
    with pytest.raises(Killed):
        Intake(ws).process_file(book, AS_OF, now=T1)
    assert StateDB(ws.state_db).inbox_entry(book).state == "staged" and len(list(ws.folder("archive").iterdir())) == 1
    monkeypatch.setattr(intake_mod, "archive", real)
    assert [o.result for o in process_inbox(ws, AS_OF, received_at=T2)] == [result]  # later: another received time
    assert len(list(ws.folder("archive").iterdir())) == 1
    assert results(ws) == [(book.name, dept, result)] and len(mails(ws)) == 1 and inbox_names(ws) == []


@pytest.mark.parametrize("dept, result", [("RD", "accepted"), ("CS", "rejected")])
def test_a_kill_between_the_eml_and_the_journal_sends_one_feedback(tmp_path, monkeypatch, dept, result):
    ws = make_ws(tmp_path / "ws", settle_seconds=0)
    book = ws.folder("inbox") / sample(dept).name
    shutil.copyfile(sample(dept), book)
    real = mailing_mod.deliver

    def deliver_then_die(*args, **kw):
        real(*args, **kw)
        raise Killed

    monkeypatch.setattr(mailing_mod, "deliver", deliver_then_die)
    with pytest.raises(Killed):
        Intake(ws).process_file(book, AS_OF, now=T1)
    assert StateDB(ws.state_db).inbox_entry(book).state == "mailing" and len(mails(ws)) == 1
    monkeypatch.setattr(mailing_mod, "deliver", real)
    assert [o.result for o in process_inbox(ws, AS_OF, received_at=T2)] == [result]
    assert len(mails(ws)) == 1 and results(ws) == [(book.name, dept, result)] and inbox_names(ws) == []
    assert len(list(ws.folder("archive").iterdir())) == 1


def test_a_kill_after_the_eml_of_a_duplicate_sends_one_answer(tmp_path, monkeypatch):
    ws = make_ws(tmp_path / "ws", settle_seconds=0)
    shutil.copyfile(sample("RD"), ws.folder("inbox") / "rd.xlsx")
    process_inbox(ws, AS_OF)
    again = ws.folder("inbox") / "rd again.xlsx"
    shutil.copyfile(sample("RD"), again)
    real = mailing_mod.deliver

    def deliver_then_die(*args, **kw):
        real(*args, **kw)
        raise Killed

    monkeypatch.setattr(mailing_mod, "deliver", deliver_then_die)
    with pytest.raises(Killed):
        Intake(ws).process_file(again, AS_OF, now=T1)
    monkeypatch.setattr(mailing_mod, "deliver", real)
    assert [o.result for o in process_inbox(ws, AS_OF, received_at=T2)] == ["duplicate"]
    assert len(mails(ws)) == 2 and sorted(r[2] for r in results(ws)) == ["accepted", "duplicate"]


@posix
def test_control_characters_in_a_name_never_reach_a_header_the_log_or_the_console(tmp_path):
    ws = make_ws(tmp_path / "ws", lang="en")
    name = "NPL-2026_RD_plan\r\nBcc: evil@example.com\x1b[2J\x07.xlsx"
    shutil.copyfile(sample("RD"), ws.folder("inbox") / name)
    (outcome,) = process_inbox(ws, AS_OF)
    # the note may say what the merge found (RD-C01 names MK-003, and only R&D's plan is here), never the name
    assert outcome.result == "accepted" and "evil" not in outcome.note
    line = outcome.line("en")
    assert not any(c in line for c in "\r\n\x1b\x07") and "plan__Bcc: evil@example.com_[2J_" in line
    (mail,) = mails(ws)
    assert mail["Bcc"] is None and "\n" not in mail["Subject"] and "plan__Bcc" in mail["Subject"]
    log = (ws.root / "logs" / "watch.log").read_text("utf-8")
    assert "\x1b" not in log and "\x07" not in log and "Bcc: evil" in log
    assert inbox_names(ws) == [] and StateDB(ws.state_db).inbox_entries() == []
    assert results(ws) == [(clean_name(name), "RD", "accepted")]


def test_a_mail_that_cannot_be_composed_never_blocks_the_journal(tmp_path, monkeypatch):
    ws = make_ws(tmp_path / "ws", lang="en")
    shutil.copyfile(sample("RD"), ws.folder("inbox") / "rd.xlsx")
    shutil.copyfile(sample("CS"), ws.folder("inbox") / "cs.xlsx")

    def refuse(*args, **kw):
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    monkeypatch.setattr(mailing_mod, "feedback", refuse)
    outcomes = process_inbox(ws, AS_OF)
    assert sorted(o.result for o in outcomes) == ["accepted", "rejected"]
    assert all("could not be composed or sent" in o.note and "linefeed" in o.note for o in outcomes)
    assert StateDB(ws.state_db).inbox_entries() == [] and inbox_names(ws) == []
    assert sorted(r[2] for r in results(ws)) == ["accepted", "rejected"]

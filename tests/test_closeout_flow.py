"""Close-out on a real workspace (`xlflow demo`): refuse while blocked, --force closes and records,
a later drop is archived and answered, never merged; reopen logs; the archive pack verifies and a
tampered member is found."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from portclose_helpers import D, change, demo_workspace, state, task
from xlflow.cli import main
from xlflow.closeout.archive import MANIFEST, verify_archive
from xlflow.closeout.close import CloseRefused, close_project, reopen_project
from xlflow.config import load_workspace
from xlflow.service.intake import Intake
from xlflow.store.closure import closure, events
from xlflow.store.state import StateDB

DAY = D(2026, 11, 20)


@pytest.fixture(scope="module")
def demo_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("demo") / "x1"


@pytest.fixture
def ws(tmp_path, demo_cache):
    return load_workspace(demo_workspace(tmp_path / "x1", demo_cache))


def resave(source: Path, target: Path) -> None:
    """The same workbook saved again: a new file (another hash) with the same content."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/app.xml":
                data = data.replace(b"</Properties>", b"<!-- saved again --></Properties>")
            dst.writestr(item, data)


def week(ws):
    """A closing week built by hand: the items each kind of readiness check needs, whatever the demo holds."""
    tasks = [task(d.code, f"{d.code}-001", "done", 100) for d in ws.departments]
    tasks.append(task("RD", "RD-009", "in_progress", 40))
    return lambda _ws, _day: state(ws.project.code, tasks, tuple(d.code for d in ws.departments),
                                   changes=(change("CR-1"),))


def test_close_refuses_while_blocked_and_writes_nothing(ws):
    result = close_project(ws, DAY, force=False, lang="en", load=week(ws))
    assert not result.closed and closure(ws) is None
    kinds = {(i.kind, i.ref) for i in result.readiness.blocks}
    assert ("task", "RD-009") in kinds and ("change", "CR-1") in kinds
    assert ("retro", "") in kinds  # no department of the demo sent a retrospective
    assert not list(ws.folder("reports").glob("final-report-*")) and not (ws.root / "closeout").exists()


def test_force_closes_records_freezes_and_reopen_logs(ws, tmp_path):
    result = close_project(ws, DAY, force=True, lang="zh", load=week(ws))
    assert result.closed and result.closure.forced and result.closure.blocks == len(result.readiness.blocks)
    readiness = openpyxl.load_workbook(result.report).worksheets[1]
    assert sum(1 for r in readiness.iter_rows(min_row=2, values_only=True) if r[0] == "BLOCK") == result.closure.blocks
    assert closure(ws).closed_on == DAY and result.lessons.is_file()
    with pytest.raises(CloseRefused):
        close_project(ws, DAY, force=True, lang="zh", load=week(ws))

    # A file dropped after the close: archived as always, answered, never merged.
    db = StateDB(ws.state_db)
    before = db.accepted_version("RD")
    drop = ws.folder("inbox") / "RD-late.xlsx"
    resave(ws.folder("accepted") / "RD.xlsx", drop)
    intake = Intake(ws, db, "en")
    assert intake.check_ready(drop, now_wall=time.time() - 120) is not None  # first seen two minutes ago
    outcome = intake.process_file(drop, DAY + dt.timedelta(days=3), merge=True)
    assert outcome.result == "rejected" and db.accepted_version("RD") == before
    record = db.submissions()[-1]
    assert record.result == "rejected" and Path(record.archive_path).is_file()
    mails = sorted(ws.folder("outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime)
    mail = email.message_from_bytes(mails[-1].read_bytes(), policy=email.policy.default)
    assert "The project closed on 2026-11-20" in mail.get_body(("plain",)).get_content()
    assert "RD-late" in mail["Subject"]

    undone = reopen_project(ws, "late approvals")
    assert undone.closed_on == DAY and closure(ws) is None
    assert [e["event"] for e in events(ws)] == ["close", "reopen"] and events(ws)[1]["reason"] == "late approvals"
    with pytest.raises(CloseRefused):
        reopen_project(ws)


def test_archive_pack_verifies_and_finds_tampering(ws, tmp_path):
    result = close_project(ws, DAY, force=True, lang="en", load=week(ws))
    pack = result.archive
    count, problems = verify_archive(pack)
    assert problems == [] and count == result.members
    with zipfile.ZipFile(pack) as zf:
        names = zf.namelist()
        assert {"xlflow.sqlite", "xlflow.toml", MANIFEST, "accepted/RD.xlsx"} <= set(names)
        assert any(n.startswith("versions/RD/v") for n in names) and any(n.startswith("master/") for n in names)
        copy = tmp_path / "db.sqlite"
        copy.write_bytes(zf.read("xlflow.sqlite"))
    assert StateDB(copy).accepted_version("RD") == StateDB(ws.state_db).accepted_version("RD")

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "accepted/RD.xlsx":
                data = data[:-10] + b"0123456789"
            if name != "accepted/MK.xlsx":
                dst.writestr(name, data)
    runner = CliRunner()
    out = runner.invoke(main, ["verify-archive", str(tampered), "--lang", "en"])
    assert out.exit_code == 1
    assert "accepted/RD.xlsx: its content does not match" in out.output
    assert "accepted/MK.xlsx: listed in the manifest but missing" in out.output
    ok = runner.invoke(main, ["verify-archive", str(pack), "--lang", "en"])
    assert ok.exit_code == 0 and f"{count} files match" in ok.output
    bad = runner.invoke(main, ["verify-archive", str(ws.root / "xlflow.toml"), "--lang", "en"])
    assert bad.exit_code == 1 and "not a readable archive pack" in bad.output


def test_close_command_on_the_stored_week(ws):
    runner = CliRunner()
    args = ["close", "-w", str(ws.root), "--as-of", DAY.isoformat(), "--lang", "en"]
    check = runner.invoke(main, [*args, "--check"])
    assert check.exit_code == 1 and "[BLOCK] Task:" in check.output and "no \"cancelled\" status" in check.output
    refused = runner.invoke(main, args)
    assert refused.exit_code == 1 and "Not closed:" in refused.output and closure(ws) is None
    assert "[BLOCK] Retrospective:" in refused.output and "[WARN]" in refused.output
    forced = runner.invoke(main, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "Closed with --force" in forced.output and "The project closed on 2026-11-20" in forced.output
    pack = next((ws.root / "closeout").glob("archive-*.zip"))
    assert runner.invoke(main, ["verify-archive", str(pack)]).exit_code == 0
    again = runner.invoke(main, args)
    assert again.exit_code == 1 and "already closed" in again.output
    reopened = runner.invoke(main, ["reopen", "-w", str(ws.root), "--reason", "audit", "--lang", "en"])
    assert reopened.exit_code == 0 and "reopened" in reopened.output
    assert [e["event"] for e in events(ws)] == ["close", "reopen"]


def test_final_report_of_the_stored_week(ws):
    result = close_project(ws, DAY, force=True, lang="en")
    wb = openpyxl.load_workbook(result.report)
    departments = {r[0]: r for r in wb.worksheets[2].iter_rows(min_row=2, values_only=True) if r[0]}
    sa = departments["SA"]  # SA-004 moved 5 working days without approval
    assert sa[4] is not None and sa[6] == 5 and sa[7] == 1 and sa[9] == 1
    moves = [r for r in wb.worksheets[4].iter_rows(min_row=2, values_only=True) if r[0]]
    assert [(r[1], r[5]) for r in moves] == [("SA-004", 5)]
    changes = [r for r in wb.worksheets[5].iter_rows(min_row=2, values_only=True) if r[0]]
    assert changes[0][0] == "RD-C01" and changes[0][3] == "Plan" and changes[0][7] == "Pending"
    scores = [r[0] for r in wb.worksheets[6].iter_rows(min_row=2, values_only=True) if r[0]]
    assert scores[:7] == [d.code for d in ws.departments]

"""Issue 18 items 13/14, the state database: a damaged xlflow.sqlite (at open or a page read later)
is one sentence pointing to `xlflow rebuild` from every command, never a sqlite3 traceback; a
database held by another process is waited for out loud and its holder named."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from watch_helpers import make_ws, sample
from xlflow.cli import main
from xlflow.errors import DatabaseBusy
from xlflow.i18n import msg
from xlflow.store import db as dbmod
from xlflow.store.state import StateDB

COMMANDS = [["merge"], ["status"], ["summary"], ["history", "RD"], ["revert", "RD"], ["export", "tables"],
            ["export", "mspdi"], ["baseline", "list"], ["close", "--check"], ["chat", "send"], ["mail", "retry"],
            ["share", "log"], ["share", "publish"], ["watch", "--once"]]


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A workspace after two departments' files came in through the inbox (and were merged)."""
    ws = make_ws(tmp_path_factory.mktemp("filled") / "ws")
    for dept in ("RD", "MK"):
        shutil.copyfile(sample(dept, 46), ws.folder("inbox") / f"{dept}.xlsx")
    result = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(ws.state_db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return ws.root


def _copy(filled, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(filled, root)
    for extra in ("xlflow.sqlite-wal", "xlflow.sqlite-shm", "inbox/.xlflow-inbox.json"):  # (the marker names the original)
        (root / extra).unlink(missing_ok=True)
    return root


def _damage_table(db, table: str) -> None:
    """Overwrite the root page of `table` (the schema on page 1 stays readable: the file opens)."""
    with sqlite3.connect(db) as con:
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name=?", (table,)).fetchone()[0]
        size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * size:root * size] = b"\xa5" * size
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["cut", "text", "page"])
def test_every_command_says_the_database_is_damaged_and_points_to_rebuild(filled, tmp_path, damage):
    root = _copy(filled, tmp_path)
    db = root / "xlflow.sqlite"
    if damage == "cut":
        db.write_bytes(db.read_bytes()[:3000])
    elif damage == "text":
        db.write_text("department,file\nRD,rd.xlsx\n" * 50, "utf-8")
    else:
        _damage_table(db, "submissions")  # opens fine; the first read of a submission fails
    shutil.copyfile(sample("SA", 46), root / "inbox" / "SA.xlsx")
    accept = ["accept", str(sample("SA", 46)), "--department", "SA"]
    for lang in ("en", "zh"):
        for command in [*COMMANDS, accept]:
            out = CliRunner().invoke(main, [*command, "-w", str(root), "--lang", lang])
            text = out.output
            assert not isinstance(out.exception, sqlite3.Error), (command, out.exception)
            assert "Traceback" not in text and "DatabaseError" not in text, (command, text)
            if out.exit_code != 0:
                assert f"xlflow rebuild -w {root}" in text, (command, text)
    merged = CliRunner().invoke(main, ["merge", "-w", str(root), "--lang", "en"])
    assert merged.exit_code == 1 and str(db) in merged.output and "cannot be read" in merged.output


def test_a_damaged_page_read_in_the_middle_of_a_run_is_the_same_sentence(filled, tmp_path):
    root = _copy(filled, tmp_path)
    db = StateDB(root / "xlflow.sqlite")  # opened while the file was whole
    _damage_table(root / "xlflow.sqlite", "submissions")
    with pytest.raises(dbmod.DatabaseUnreadable) as err:
        db.submissions()
    assert f"xlflow rebuild -w {root}" in err.value.message("en") and "xlflow rebuild" in err.value.message("zh")


HOLD = textwrap.dedent("""
    import os, sqlite3, sys, time
    from pathlib import Path
    root = Path(sys.argv[1])
    if sys.argv[2] == "watch":
        from xlflow.config import load_workspace
        from xlflow.store.lock import workspace_lock
        lock = workspace_lock(load_workspace(root)); lock.__enter__()
    con = sqlite3.connect(root / "xlflow.sqlite", isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    print("held", flush=True)
    while not (root / "release").exists():
        time.sleep(0.05)
""")


@pytest.mark.parametrize("holder", ["watch", "other"])
def test_a_database_held_by_another_process_is_waited_for_out_loud_and_its_holder_named(
        filled, tmp_path, monkeypatch, holder):
    root = _copy(filled, tmp_path)
    monkeypatch.setattr(dbmod, "FIRST_WAIT", 0.2)
    monkeypatch.setattr(dbmod, "LONGEST_WAIT", 1.5)
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(root), holder], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"held"
        out = CliRunner().invoke(main, ["accept", str(sample("SA", 46)), "--department", "SA", "-w", str(root),
                                        "--lang", "en"])
    finally:
        (root / "release").touch()
        proc.wait(30)
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit), out.output
    assert "waiting for it to be released" in out.output and "was held for more than" in out.output
    if holder == "watch":
        assert f"xlflow process {proc.pid} on " in out.output and " -c " in out.output
    else:
        assert msg("store-db-holder-other", "en") in out.output
    assert "read-only" not in out.output


def test_the_holder_is_never_the_process_that_asks(filled, tmp_path):
    from xlflow.config import load_workspace
    from xlflow.store.lock import database_holder, workspace_lock

    root = _copy(filled, tmp_path)
    with workspace_lock(load_workspace(root)):
        assert database_holder(root / "xlflow.sqlite").key == "store-db-holder-other"
    assert isinstance(DatabaseBusy("store-db-busy", path="p", holder="h", seconds=1).message("zh"), str)

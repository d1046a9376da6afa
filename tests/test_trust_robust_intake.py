"""A bug inside the intake's merge (an exception that is no XlflowError) is said in the log with
its traceback; the file stays accepted and recorded, the next inbox file is processed, the watcher
keeps running, and the merge is done again once it works."""
from __future__ import annotations

import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from watch_helpers import make_ws, results, running, sample, wait_until
from xlflow.cli import main
from xlflow.i18n import msg
from xlflow.service import remerge
from xlflow.store.state import StateDB


def _broken_merge(monkeypatch) -> list[int]:
    calls: list[int] = []

    def boom(ws, *args, **kwargs):
        calls.append(1)
        raise RuntimeError("merge bug 4711")

    monkeypatch.setattr(remerge, "merge_workspace", boom)
    return calls


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_watch_once_logs_a_merge_bug_and_goes_on_with_the_next_file(tmp_path, monkeypatch, lang):
    ws = make_ws(tmp_path / "ws", lang=lang)
    calls = _broken_merge(monkeypatch)
    for dept in ("RD", "MK"):
        shutil.copyfile(sample(dept, 46), ws.folder("inbox") / f"{dept}.xlsx")
    out = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"])
    assert calls, "the merge was not tried"
    assert sorted(r[1:] for r in results(ws)) == [("MK", "accepted"), ("RD", "accepted")]
    assert not list(ws.folder("inbox").glob("*.xlsx"))  # neither file was left behind
    log = (ws.root / "logs" / "watch.log").read_text("utf-8")
    assert msg("intake-merge-failed", lang, error=repr(RuntimeError("merge bug 4711"))) in log
    assert "Traceback" in log and "merge bug 4711" in out.output
    assert StateDB(ws.state_db).merge_due()  # owed: done again once the merge works

    monkeypatch.undo()
    again = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"])
    assert again.exit_code == 0, again.output
    assert not StateDB(ws.state_db).merge_due()
    master = next(ws.folder("master").glob("*.xlsx"))
    ids = {c.value for sheet in openpyxl.load_workbook(master, read_only=True) for row in sheet.iter_rows()
           for c in row if isinstance(c.value, str) and c.value[:3] in ("RD-", "MK-")}
    assert any(i.startswith("RD-") for i in ids) and any(i.startswith("MK-") for i in ids)


def test_the_running_watcher_survives_a_merge_bug_and_takes_the_next_file(tmp_path, monkeypatch):
    ws = make_ws(tmp_path / "ws")
    _broken_merge(monkeypatch)
    with running(ws) as watcher:
        shutil.copyfile(sample("RD", 46), ws.folder("inbox") / "RD.xlsx")
        wait_until(lambda: len(results(ws)) >= 1)
        shutil.copyfile(sample("MK", 46), ws.folder("inbox") / "MK.xlsx")
        wait_until(lambda: len(results(ws)) >= 2)
        assert watcher.observer is not None and not watcher.failed
    assert sorted(r[1:] for r in results(ws)) == [("MK", "accepted"), ("RD", "accepted")]
    assert "merge bug 4711" in (ws.root / "logs" / "watch.log").read_text("utf-8")

"""Issue 18 item 14, the coordinator's master: a password-protected master is said as the
coordinator's own (not "resubmit"), with what was kept where and what to do; a dated master copy
that could not be written for lack of disk space is said too."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from coord_helpers import AS_OF, edit, merge_files, rows, workbooks
from merge_helpers import make_ws
from trust_helpers import excel_save
from xlflow.i18n import msg

msoffcrypto = pytest.importorskip("msoffcrypto")
WBS, TASK, COMMENT = "主任务表", "任务编号", "协调人备注"


def _encrypted(path, password: str = "secret") -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with open(path, "rb") as src:
        OOXMLFile(src).encrypt(password, out)
    return out.getvalue()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_password_protected_master_is_said_as_the_coordinators_and_nothing_is_lost(tmp_path, lang):
    ws = make_ws(tmp_path / "ws", lang="zh")
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    comment = COMMENT
    edit(master, WBS, TASK, {("RD-001", comment): "typed before the password"})
    merge_files(ws, files, AS_OF + dt.timedelta(days=1))  # read back: recorded
    edit(master, WBS, TASK, {("RD-001", comment): "typed after the password"})
    protected = _encrypted(master)
    excel_save(master, protected)  # saved with a password, the way Excel saves

    result = merge_files(ws, files, AS_OF + dt.timedelta(days=2))
    said = result.summary(lang)
    text = "\n".join(said)
    assert "resubmit" not in text and "重新提交" not in text
    found = [line for line in said if msg("coord-encrypted", lang, file=master.name, kept="@", last="@")[:12] in line]
    assert len(found) == 1, said
    kept = result.layer.history
    assert kept is not None and kept.read_bytes() == protected and str(kept) in found[0]  # nothing lost
    last = [p for p in (ws.folder("master") / "history").glob("*.xlsx") if "-replaced-" not in p.name]
    assert any(str(p) in found[0] for p in last)
    assert rows(result.master_path, WBS, TASK)["RD-001"][comment] == "typed before the password"



def _no_space_in_history(monkeypatch, ws) -> None:
    """The disk fills up after the master is written: the dated copy in master/history/ cannot be."""
    import errno
    import os
    import shutil

    real = shutil.copyfile
    history = ws.folder("master") / "history"

    def copyfile(src, dst, *args, **kwargs):
        if str(dst).startswith(str(history)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", copyfile)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_dated_copy_not_written_for_lack_of_space_is_said_by_merge_and_in_the_watchers_log(
        tmp_path, monkeypatch, lang):
    import errno
    import os
    import shutil

    from click.testing import CliRunner

    from watch_helpers import make_ws as watch_ws, sample
    from xlflow.cli import main
    from xlflow.service.merge import master_paths

    ws = watch_ws(tmp_path / "ws", lang=lang)
    shutil.copyfile(sample("RD", 46), ws.folder("inbox") / "RD.xlsx")
    _no_space_in_history(monkeypatch, ws)
    assert CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"]).exit_code == 0
    dated = master_paths(ws, dt.date.today())[1]
    said = msg("merge-history-skipped", lang, path=dated, error=os.strerror(errno.ENOSPC))
    assert said in (ws.root / "logs" / "watch.log").read_text("utf-8")
    out = CliRunner().invoke(main, ["merge", "-w", str(ws.root)])
    assert out.exit_code == 0 and said in out.output, out.output
    assert not dated.exists()
    monkeypatch.undo()
    out = CliRunner().invoke(main, ["merge", "-w", str(ws.root)])
    assert out.exit_code == 0 and said not in out.output and dated.is_file()

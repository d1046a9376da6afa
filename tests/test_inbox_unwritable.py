"""An inbox without write permission: each file is processed once, the coordinator is
told once (a warning in the log, a line in `status`) that it could not be removed and why, and a
rescan or the next `watch --once` does not process it again. Run as an unprivileged user when the
tests run as root (root may delete anything)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import xlflow
from watch_helpers import dropped, make_ws, results, sample

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
NOT_REMOVED = {"en": "cannot be removed from the inbox", "zh": "无法从收件夹"}
STATUS = {"en": "processed files cannot be removed", "zh": "个已处理的文件无法删除"}
DENIED = {"en": "Permission denied", "zh": "Permission denied"}
OTHER = 65534


def _run(prefix: list[str], ws, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(xlflow.__file__).parents[1])}
    return subprocess.run([*prefix, sys.executable, "-m", "xlflow", *args, "-w", str(ws.root)],
                          capture_output=True, text=True, timeout=180, env=env)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_inbox_without_write_permission_is_said_once_and_nothing_is_processed_twice(lang):
    # Not under pytest's basetemp: another pytest session may make /tmp/pytest-of-<user> 0700 again
    # at any moment, and the unprivileged user could no longer reach the workspace.
    base = Path(tempfile.mkdtemp(prefix="xlflow-noinbox-"))
    base.chmod(0o755)
    try:
        _check(base, lang)
    finally:
        for path in [base, *base.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o777)
        shutil.rmtree(base, ignore_errors=True)


def _check(base: Path, lang: str) -> None:
    ws = make_ws(base / "ws", lang=lang)
    inbox = ws.folder("inbox")
    shutil.copyfile(sample("RD", 46), inbox / "rd.xlsx")
    shutil.copyfile(sample("CS", 47), inbox / "cs.xlsx")  # rejected: its feedback copy goes out too
    prefix: list[str] = []
    if getattr(os, "geteuid", lambda: -1)() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        prefix = ["setpriv", f"--reuid={OTHER}", f"--regid={OTHER}", "--clear-groups"]
        for path in [ws.root, *ws.root.rglob("*")]:
            os.chown(path, OTHER, OTHER)
        for path in [inbox, *inbox.iterdir()]:
            os.chown(path, 0, 0)
            path.chmod(0o644 if path.is_file() else 0o755)
    else:
        inbox.chmod(0o555)
    try:
        first = _run(prefix, ws, "watch", "--once")
        out = first.stdout + first.stderr
        assert first.returncode == 0 and "Traceback" not in out, out
        assert sorted(results(ws)) == [("cs.xlsx", "CS", "rejected"), ("rd.xlsx", "RD", "accepted")]
        for name in ("rd.xlsx", "cs.xlsx"):
            warned = [line for line in out.splitlines() if name in line and NOT_REMOVED[lang] in line]
            assert len(warned) == 1 and DENIED[lang] in warned[0], out
        mails = sorted(p.name for p in ws.folder("outbox").glob("*.eml"))
        assert len(mails) == 2

        again = _run(prefix, ws, "watch", "--once")  # the next cron run: nothing new, nothing said again
        out2 = again.stdout + again.stderr
        assert again.returncode == 0 and NOT_REMOVED[lang] not in out2, out2
        assert len(results(ws)) == 2 and sorted(p.name for p in ws.folder("outbox").glob("*.eml")) == mails
        log = (ws.root / "logs" / "watch.log").read_text("utf-8")
        assert log.count(NOT_REMOVED[lang]) == 2  # once per file, over both runs
        assert sorted(p.name for p in dropped(inbox)) == ["cs.xlsx", "rd.xlsx"]

        status = _run(prefix, ws, "status")
        line = next(x for x in status.stdout.splitlines() if STATUS[lang] in x)
        assert "rd.xlsx" in line and "cs.xlsx" in line and DENIED[lang] in line
    finally:
        inbox.chmod(0o777)
    fixed = _run(prefix, ws, "watch", "--once")  # permission given: the leftovers go, still not processed again
    assert fixed.returncode == 0 and dropped(inbox) == [] and len(results(ws)) == 2
    assert STATUS[lang] not in _run(prefix, ws, "status").stdout

"""The watcher at the edges of a real shared folder: a file that never settles does not block
the schedule, `watch --once` tells waiting from failed, a read-only workspace, a share that is
down at start and a full disk give a sentence instead of a traceback, FUSE network mounts are
recognised, and an inbox that sends no file events is polled."""
from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from watchdog.observers.polling import PollingObserver

import xlflow
import xlflow.watcher.observer as observer_mod
from watch_helpers import inbox_names, make_ws, running, sample, wait_until
from xlflow.cli import main
from xlflow.config import WEEKDAYS, load_workspace
from xlflow.errors import XlflowError
from xlflow.service.intake import Intake
from xlflow.service.staging import staging_dir
from xlflow.store.lock import is_network_fs, on_network_share
from xlflow.watcher import Watcher, process_inbox, setup_logging

TEXT = {
    "waiting": {"en": "not ready yet", "zh": "未就绪"},
    "failed": {"en": "1 file failed", "zh": "处理失败"},
    "disk": {"en": "The disk is full", "zh": "磁盘已满"},
    "read-only": {"en": "read-only", "zh": "只读"},
}


# --- 3. a file that never settles ----------------------------------------------------------------

def test_a_file_that_never_settles_does_not_block_the_reminders(tmp_path, monkeypatch):
    monkeypatch.setattr(Watcher, "SCHEDULE_MAX_WAIT", 1.0)
    ws = make_ws(tmp_path / "ws", schedule=True)
    config = ws.root / "xlflow.toml"
    today = WEEKDAYS[dt.date.today().weekday()]
    text = re.sub(r"(?m)^reminder_weekday = .*$", f'reminder_weekday = "{today}"', config.read_text("utf-8"))
    text = re.sub(r"(?m)^reminder_time = .*$", 'reminder_time = "00:00"', text)
    text = re.sub(r"(?m)^send_weekday = .*$", "", text)
    config.write_text(text, "utf-8")
    ws = load_workspace(ws.root)
    growing = ws.folder("inbox") / "growing.xlsx"
    stop = threading.Event()

    def writer() -> None:
        with open(growing, "ab") as fh:
            while not stop.is_set():
                fh.write(b"x" * 100)
                fh.flush()
                time.sleep(0.05)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        with running(ws, schedule=True):
            wait_until(lambda: list(ws.folder("outbox").glob("*reminder*.eml")), timeout=30)
            assert growing.exists()  # still being written, still waited for
    finally:
        stop.set()
        thread.join()


# --- 4. watch --once: waiting or failed ----------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_watch_once_tells_waiting_from_failed(tmp_path, monkeypatch, lang):
    ws = make_ws(tmp_path / "ws", lang=lang, owner_file_max_wait=60)
    inbox = ws.folder("inbox")
    shutil.copyfile(sample("RD", 46), inbox / "rd.xlsx")
    (inbox / "~$rd.xlsx").write_bytes(b"owner")  # open in Excel: waiting
    result = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"])
    assert result.exit_code == 0, result.output
    assert TEXT["waiting"][lang] in result.output and TEXT["failed"][lang] not in result.output
    (inbox / "~$rd.xlsx").unlink()

    def broken(self, path, **kw):
        raise XlflowError("watch-busy", lock="x")

    monkeypatch.setattr(Intake, "process_file", broken)
    result = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"])
    assert result.exit_code == 1, result.output
    assert TEXT["failed"][lang] in result.output and TEXT["waiting"][lang] not in result.output
    assert "rd.xlsx" in result.output and "Traceback" not in result.output


# --- 5. clear messages instead of tracebacks -----------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_full_disk_is_said_once_leaves_no_staged_copy_and_once_exits_non_zero(tmp_path, monkeypatch, lang):
    ws = make_ws(tmp_path / "ws", lang=lang)
    shutil.copyfile(sample("RD", 46), ws.folder("inbox") / "rd.xlsx")
    real = os.replace

    def full(src, dst, *args, **kwargs):
        if str(dst).startswith(str(ws.root)) and "logs" not in str(dst):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full)
    result = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"])
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert TEXT["disk"][lang] in result.output and "Traceback" not in result.output
    assert "Traceback" not in (ws.root / "logs" / "watch.log").read_text("utf-8")
    assert not staging_dir(ws).exists() or not any(staging_dir(ws).rglob("*"))
    assert (ws.folder("inbox") / "rd.xlsx").is_file()  # nothing lost

    result = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"])  # space again: it goes through
    assert result.exit_code == 0, result.output


def _as_other_user() -> list[str]:
    """A command prefix that runs as an unprivileged user (root writes anywhere), or []."""
    if getattr(os, "geteuid", lambda: -1)() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be simulated")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_read_only_workspace_gets_a_sentence_from_every_command(tmp_path_factory, lang):
    base = Path(tmp_path_factory.mktemp("ro"))
    for folder in (base, *base.parents):
        if folder == Path("/tmp") or folder == Path("/"):
            break
        folder.chmod(folder.stat().st_mode | stat.S_IXOTH | stat.S_IROTH)
    ws = make_ws(base / "ws", lang=lang)
    shutil.copyfile(sample("RD", 46), ws.folder("inbox") / "rd.xlsx")
    process_inbox(ws, as_of=dt.date(2026, 11, 20))
    shutil.copyfile(sample("MK", 46), ws.folder("inbox") / "mk.xlsx")
    for path in [ws.root, *ws.root.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) | stat.S_IROTH
                   | (stat.S_IXOTH if path.is_dir() else 0))
    prefix = _as_other_user()
    cli = [sys.executable, "-m", "xlflow"]
    try:
        for args in (["status"], ["watch", "--once"], ["merge"], ["summary"], ["generate", "--all"],
                     ["history", "RD"], ["mail", "retry"]):
            done = subprocess.run([*prefix, *cli, *args, "-w", str(ws.root)], capture_output=True, text=True,
                                  timeout=120, env={**os.environ, "PYTHONPATH": str(Path(xlflow.__file__).parents[1])})
            out = done.stdout + done.stderr
            assert "Traceback" not in out, (args, out)
            if args[0] in ("watch", "merge", "summary", "generate"):
                assert done.returncode != 0 and TEXT["read-only"][lang] in out, (args, out)
    finally:
        for path in [ws.root, *ws.root.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert (ws.folder("inbox") / "mk.xlsx").is_file()


def test_an_inbox_that_is_not_reachable_at_start_is_waited_for_and_logged_once(tmp_path):
    share = tmp_path / "share"  # a share that is down: its folder is not there
    ws = make_ws(tmp_path / "ws")
    config = ws.root / "xlflow.toml"
    config.write_text(re.sub(r'(?m)^inbox = .*$', f'inbox = "{(share / "inbox").as_posix()}"',
                             config.read_text("utf-8")), "utf-8")
    ws = load_workspace(ws.root)
    watcher = Watcher(ws, log=setup_logging(ws, console=False))
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        time.sleep(3.0)
        log = (ws.root / "logs" / "watch.log").read_text("utf-8")
        assert log.count("is not reachable") == 1 and "Traceback" not in log
        assert not share.exists()  # never created as a local folder
        (share / "inbox").mkdir(parents=True)
        shutil.copyfile(sample("RD", 46), share / "inbox" / "rd.xlsx")
        wait_until(lambda: not (share / "inbox" / "rd.xlsx").exists(), timeout=30)
    finally:
        watcher.stop()
        thread.join(timeout=30)
    assert not thread.is_alive()
    log = (ws.root / "logs" / "watch.log").read_text("utf-8")
    assert "is reachable again" in log and log.count("is not reachable") == 1


def test_an_unreachable_inbox_makes_watch_once_fail_with_a_sentence(tmp_path):
    ws = make_ws(tmp_path / "ws")
    config = ws.root / "xlflow.toml"
    config.write_text(re.sub(r'(?m)^inbox = .*$', f'inbox = "{(tmp_path / "gone" / "inbox").as_posix()}"',
                             config.read_text("utf-8")), "utf-8")
    result = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"])
    assert result.exit_code == 1 and "is not reachable" in result.output and "Traceback" not in result.output


# --- 6. network shares ---------------------------------------------------------------------------

MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid 0 0
smbnetfs /mnt/smb fuse.smbnetfs rw,nosuid,nodev 0 0
alice@host:/srv /mnt/ssh fuse.sshfs rw,nosuid 0 0
share /mnt/nine 9p rw,trans=virtio 0 0
https://dav.example.com/ /mnt/dav davfs rw 0 0
remote: /mnt/rclone fuse.rclone rw 0 0
//nas/projects /mnt/with\\040space cifs rw 0 0
/dev/sdb1 /mnt/smb/local ext4 rw 0 0
tmpfs /mnt/tmp tmpfs rw 0 0
"""


@pytest.mark.parametrize("path, network", [
    ("/mnt/smb/inbox", True), ("/mnt/ssh/x/inbox", True), ("/mnt/nine/inbox", True), ("/mnt/dav/inbox", True),
    ("/mnt/rclone/inbox", True), ("/mnt/with space/inbox", True), ("/mnt/smb/local/inbox", False),
    ("/mnt/tmp/inbox", False), ("/home/user/inbox", False), ("/mnt/smbx/inbox", False),
])
def test_network_mounts_are_read_from_the_mount_table(tmp_path, path, network):
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS)
    assert on_network_share(Path(path), mounts=mounts) is network


def test_fuse_network_file_systems_and_unc_paths_are_network_shares(tmp_path):
    assert all(is_network_fs(t) for t in ("fuse.smbnetfs", "fuse.sshfs", "9p", "davfs", "fuse.rclone", "cifs"))
    assert not any(is_network_fs(t) for t in ("ext4", "tmpfs", "overlay", "fuse.portal", "fuseblk"))
    assert on_network_share(Path("//server/share"), mounts=tmp_path / "none")
    assert not on_network_share(tmp_path, mounts=tmp_path / "none")  # no mount table: not a share


class DeafObserver(PollingObserver):
    """A real observer that never delivers in time (like inotify on a FUSE network mount)."""

    def __init__(self) -> None:
        super().__init__(timeout=3600)


def test_an_inbox_without_file_events_falls_back_to_polling(tmp_path, monkeypatch):
    monkeypatch.setattr(observer_mod, "Observer", DeafObserver)
    ws = make_ws(tmp_path / "ws", lang="zh")
    with running(ws) as watcher:
        # poll is set before the polling observer replaces the deaf one: wait for both
        wait_until(lambda: watcher.probed and watcher.poll and not isinstance(watcher.observer, DeafObserver))
        assert watcher.poll == 5.0
        shutil.copyfile(sample("RD", 46), ws.folder("inbox") / "rd.xlsx")
        wait_until(lambda: not (ws.folder("inbox") / "rd.xlsx").exists(), timeout=30)
    log = (ws.root / "logs" / "watch.log").read_text("utf-8")
    assert log.count("收不到文件系统事件") == 1 and "轮询" in log
    assert not [p for p in ws.folder("inbox").iterdir() if p.name.startswith(".xlflow-probe")]  # the probe is gone


def test_an_inbox_with_file_events_keeps_them(tmp_path):
    ws = make_ws(tmp_path / "ws")
    with running(ws) as watcher:
        wait_until(lambda: watcher.probed)
        assert watcher.poll is None
    assert "No file events arrive" not in (ws.root / "logs" / "watch.log").read_text("utf-8")
    assert inbox_names(ws) == []  # the probe is gone; the workspace's own marker stays


def test_the_libraries_own_messages_stay_off_the_console(tmp_path, capfd):
    ws = make_ws(tmp_path / "ws")
    setup_logging(ws, console=True)
    logging.getLogger("watchdog.observers.inotify").error(
        "InotifyEmitter.queue_events() called when the thread is inactive")
    out, err = capfd.readouterr()
    assert "InotifyEmitter" not in out + err
    assert "InotifyEmitter" in (ws.root / "logs" / "watch.log").read_text("utf-8")

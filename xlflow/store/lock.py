"""The workspace's own lock (one watcher per workspace) and what kind of folder an inbox is.

An OS file lock, so a watcher killed with SIGKILL never leaves it stale; and the mount table,
because a network share sends no file events and must be polled.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import ntpath
import os
import re
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import Workspace
from ..errors import WatchBusy
from ..i18n import Phrase

# The byte the lock holds: far past the PID written at the start of the file. On Windows a locked
# range blocks other processes' reads of it, and msvcrt.locking locks at the current position: a
# fixed offset (never the end of a file opened for appending, which moves when the PID is written)
# makes every process contend for the same byte, and `type watch.lock` still shows the PID.
LOCK_OFFSET = 2**30


@contextmanager
def workspace_lock(ws: Workspace) -> Iterator[Path]:
    """Only one watcher per workspace. An OS file lock, so a killed watcher never leaves it stale."""
    path = ws.root / ".xlflow" / "watch.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
    try:
        try:
            _lock(fd)
        except OSError:
            raise WatchBusy("watch-busy", lock=str(path)) from None
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode("ascii"))
        _write_holder(path)
        try:
            yield path
        finally:
            _unlock(fd)
    finally:
        os.close(fd)  # the OS releases the lock of a process that dies, too


def _write_holder(lock: Path) -> None:
    """Beside the lock: who holds it (pid, host, command, since), for a process that finds the
    database busy to name. Only read while the lock is held, so a killed holder's file misleads nobody."""
    info = {"pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(sys.argv)[:200],
            "since": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    with contextlib.suppress(OSError):  # only a better message is lost
        lock.with_name(HOLDER_NAME).write_text(json.dumps(info, ensure_ascii=False), "utf-8")


HOLDER_NAME = "watch.holder.json"


def database_holder(database: Path) -> Phrase:
    """Who holds the workspace of the database file `database`: an xlflow watcher (another process
    holding the workspace lock, named from its holder file), else "another program"."""
    lock = database.parent / ".xlflow" / "watch.lock"
    try:
        fd = os.open(lock, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except OSError:
        return Phrase("store-db-holder-other")
    try:
        try:
            _lock(fd)
        except OSError:
            held = True
        else:
            held = False
            _unlock(fd)
    finally:
        os.close(fd)
    info = _read_holder(lock) if held else None
    if info is None or info.get("pid") == os.getpid():
        return Phrase("store-db-holder-other")
    return Phrase("store-db-holder-watch", pid=info.get("pid", "?"), host=info.get("host", "?"),
                  command=info.get("command", "xlflow watch"), since=info.get("since", "?"))


def _read_holder(lock: Path) -> dict | None:
    try:
        info = json.loads(lock.with_name(HOLDER_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def _lock(fd: int) -> None:
    """Lock LOCK_OFFSET's byte without waiting; OSError when another process holds it."""
    if sys.platform == "win32":  # (os.name == "nt"; this spelling is the one type checkers follow)
        import msvcrt

        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fd: int) -> None:
    """Windows wants a locked range unlocked before its handle is closed; POSIX drops it on close."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


# Network file systems, FUSE ones included: no OS file event reports what another machine writes.
NETWORK_FS = frozenset({
    "cifs", "smb3", "smbfs", "nfs", "nfs4", "afpfs", "ncpfs", "9p", "afs", "ceph", "glusterfs", "lustre",
    "davfs", "davfs2", "gfs2", "ocfs2", "fuse.sshfs", "fuse.smbnetfs", "fuse.rclone", "fuse.davfs2",
    "fuse.gvfsd-fuse", "fuse.s3fs", "fuse.curlftpfs", "fuse.glusterfs", "fuse.cephfs", "fuse.ceph-fuse",
    "fuse.juicefs", "fuse.gcsfuse", "fuse.goofys", "fuse.vmhgfs-fuse",
})
NETWORK_FS_PREFIXES = ("fuse.sshfs", "fuse.smb", "fuse.rclone", "fuse.dav", "fuse.nfs", "fuse.s3")


def is_network_fs(fstype: str) -> bool:
    fstype = fstype.lower()
    return fstype in NETWORK_FS or fstype.startswith(NETWORK_FS_PREFIXES)


def _unescape(field: str) -> str:
    """/proc/mounts writes a space in a mount point as \\040 (tab \\011, newline \\012, backslash \\134)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mount_type(path: Path, mounts: Path = Path("/proc/mounts")) -> str:
    """The file system type of the mount holding `path` ("" if the mount table cannot be read)."""
    try:
        lines = Path(mounts).read_text("utf-8", "replace").splitlines()
    except OSError:
        return ""
    best, fstype = "", ""
    resolved = str(Path(path).resolve())
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = _unescape(parts[1])
        if (resolved == point or resolved.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, fstype = point, parts[2]
    return fstype


def on_network_share(path: Path, mounts: Path = Path("/proc/mounts")) -> bool:
    """True for a UNC path or a network mount (FUSE ones too), where OS file events never arrive
    for what other machines write. `mounts`: the mount table (a parameter for tests)."""
    text = str(path)
    if text.startswith(("\\\\", "//")) or mapped_drive(path):
        return True
    return is_network_fs(mount_type(path, mounts))


DRIVE_REMOTE = 4  # GetDriveTypeW: a network drive


def _drive_type(root: str) -> int:
    if sys.platform != "win32":
        raise OSError("GetDriveTypeW is a Windows call")  # (mapped_drive calls it on Windows only)
    import ctypes

    return ctypes.WinDLL("kernel32").GetDriveTypeW(root)


def mapped_drive(path: Path, drive_type=None) -> str | None:
    """The drive letter ("S:") of `path` when Windows says it is a network drive: a mapped share,
    which sends no events for what other PCs write, and exists only in the logon that mapped it.
    None for a local drive, a UNC path, or off Windows. `drive_type`: GetDriveTypeW (tests)."""
    if drive_type is None:
        if os.name != "nt":
            return None
        drive_type = _drive_type
    drive = ntpath.splitdrive(str(path))[0]
    if len(drive) != 2 or drive[1] != ":":
        return None
    return drive.upper() if drive_type(drive + "\\") == DRIVE_REMOTE else None

"""The workspace's own lock (one watcher per workspace) and what kind of folder an inbox is.

An OS file lock, so a watcher killed with SIGKILL never leaves it stale; and the mount table,
because a network share sends no file events and must be polled (PITFALLS W1).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..config import Workspace
from ..errors import WatchBusy


@contextmanager
def workspace_lock(ws: Workspace) -> Iterator[Path]:
    """Only one watcher per workspace. An OS file lock, so a killed watcher never leaves it stale."""
    path = ws.root / ".xlflow" / "watch.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")
    try:
        try:
            if os.name == "nt":
                import msvcrt
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise WatchBusy("watch-busy", lock=str(path)) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield path
    finally:
        fh.close()


NETWORK_FS = {"cifs", "smb3", "smbfs", "nfs", "nfs4", "fuse.sshfs", "9p", "afpfs", "davfs", "fuse.rclone"}


def on_network_share(path: Path) -> bool:
    """True for a UNC path or a network mount, where OS file events never arrive (PITFALLS W1)."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return False
    best, fstype = "", ""
    resolved = str(Path(path).resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and (resolved == parts[1] or resolved.startswith(parts[1].rstrip("/") + "/")):
            if len(parts[1]) > len(best):
                best, fstype = parts[1], parts[2]
    return fstype in NETWORK_FS

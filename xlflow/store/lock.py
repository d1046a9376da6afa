"""The workspace's own lock (one watcher per workspace) and what kind of folder an inbox is.

An OS file lock, so a watcher killed with SIGKILL never leaves it stale; and the mount table,
because a network share sends no file events and must be polled.
"""
from __future__ import annotations

import os
import re
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
        if resolved == point or resolved.startswith(point.rstrip("/") + "/"):
            if len(point) >= len(best):
                best, fstype = point, parts[2]
    return fstype


def on_network_share(path: Path, mounts: Path = Path("/proc/mounts")) -> bool:
    """True for a UNC path or a network mount (FUSE ones too), where OS file events never arrive
    for what other machines write. `mounts`: the mount table (a parameter for tests)."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    return is_network_fs(mount_type(path, mounts))

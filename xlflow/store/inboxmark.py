"""The inbox's owner: a small marker file, `<inbox>/.xlflow-inbox.json`, naming the project and the
workspace that takes files from this folder. Written by `xlflow init` and by the first watch.

Two workspaces on one inbox would each take the other's files: project A rejected project B's valid
workbook and removed it from the shared folder. A workspace that finds another's marker refuses the
inbox (InboxTaken) instead. The marker is a dotfile, so the intake never takes it for a submission.

Format: {"project": code, "workspace": absolute path of the workspace root, "created": ISO time}.
The workspace folder is the owner; the project code is there for the person reading the message.
The marker is created exclusively (a hard link of a finished temp file, or O_EXCL where a share has no
links), so two workspaces starting at the same moment cannot both believe they own the folder.
"""
from __future__ import annotations

import datetime as dt
import errno
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from ..errors import InboxTaken
from .atomic import write_bytes

MARKER_NAME = ".xlflow-inbox.json"


@dataclass(frozen=True)
class InboxOwner:
    project: str
    workspace: str
    created: str
    path: Path  # the marker file

    def is_workspace(self, ws: Workspace) -> bool:
        """The same workspace folder; its project code may have been edited since (init, then the config)."""
        return _same_path(self.workspace, ws.root)


def _same_path(a: str, b: Path) -> bool:
    try:
        return Path(a).resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def marker_path(inbox: Path) -> Path:
    return inbox / MARKER_NAME


def read_owner(inbox: Path) -> InboxOwner | None:
    """The inbox's owner as its marker says; None when there is no marker. A marker that cannot be
    read as one (damaged, written by hand) names an unknown owner: it is never silently replaced."""
    path = marker_path(inbox)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:  # not readable, or not a file: an owner we cannot name
        raw = b""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = {}
    data = data if isinstance(data, dict) else {}
    return InboxOwner(str(data.get("project") or "?"), str(data.get("workspace") or "?"),
                      str(data.get("created") or "?"), path)


def _content(ws: Workspace) -> bytes:
    created = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    data = {"project": ws.project.code, "workspace": str(ws.root), "created": created}
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _create_exclusive(path: Path, content: bytes) -> bool:
    """Create `path` with `content` unless it exists; False if it existed."""
    fd, name = tempfile.mkstemp(prefix=".~xlflow-mark-", dir=path.parent)  # its own inode: linked below
    tmp = Path(name)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    os.chmod(tmp, 0o644)
    try:
        os.link(tmp, path)  # atomic and exclusive: the marker appears whole or not at all
        return True
    except FileExistsError:
        return False
    except OSError as exc:  # a share without hard links
        if exc.errno in (errno.EEXIST,):
            return False
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def claim_inbox(ws: Workspace) -> InboxOwner | None:
    """Mark the inbox as this workspace's, or confirm it is; raise InboxTaken when another workspace's
    marker is there. The inbox must exist (a share that is down is waited for by the caller). None when
    there is no marker and none can be written (an inbox without write permission: the caller warns)."""
    inbox = ws.folder("inbox")
    owner = read_owner(inbox)
    try:
        if owner is None and _create_exclusive(marker_path(inbox), _content(ws)):
            owner = read_owner(inbox)
    except OSError:
        return read_owner(inbox)
    if owner is None:  # removed between our create and our read: try once more
        owner = read_owner(inbox) or InboxOwner("?", "?", "?", marker_path(inbox))
    if not owner.is_workspace(ws):
        raise InboxTaken("inbox-taken", inbox=str(inbox), project=owner.project, workspace=owner.workspace,
                         created=owner.created, marker=str(owner.path), ours=ws.project.code, root=str(ws.root))
    if owner.project != ws.project.code:  # our own marker, the project code edited in xlflow.toml since
        write_bytes(owner.path, _content(ws))
        owner = read_owner(inbox) or owner
    return owner

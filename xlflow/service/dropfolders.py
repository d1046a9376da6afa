"""Per-department drop folders (`[paths] per_department_folders = true`): inbox/<CODE>/ for each
department. The file share's permissions decide who may write into which folder (docs/administrator.md,
"Who may drop what"); xlflow enforces the rest: a file's folder IS its department, so a workbook whose stamp
names another department is rejected, and a file at the top of the inbox is not taken at all.

With the option off nothing changes: the inbox is one flat folder and the stamp decides.
"""
from __future__ import annotations

import logging
from pathlib import Path

from ..check.identity import department_from_name
from ..config import Workspace
from ..i18n import msg
from ..store.inboxmark import claim_inbox, marker_path


def enabled(ws: Workspace) -> bool:
    return ws.paths.per_department_folders


def department_folder(ws: Workspace, code: str) -> Path:
    return ws.folder("inbox") / code  # = ws.drop_folder(code) when the option is on


def watched_folders(ws: Workspace) -> list[Path]:
    """The folders the watcher scans: the inbox, and with the option on each department's folder (and
    the folder of each code it had before a rename, whose file-share permissions the department keeps)."""
    inbox = ws.folder("inbox")
    codes = [c for d in ws.departments for c in (d.code, *d.former)]
    return [inbox, *(department_folder(ws, c) for c in codes)] if enabled(ws) else [inbox]


def make_department_folders(ws: Workspace) -> list[Path]:
    """inbox/<CODE>/ for every department (when the option is on); the folders that exist now."""
    if not enabled(ws):
        return []
    made = []
    for d in ws.departments:
        folder = department_folder(ws, d.code)
        try:
            folder.mkdir(parents=False, exist_ok=True)
        except OSError:  # the share is down or forbids it: the coordinator makes them (docs/administrator.md)
            continue
        made.append(folder)
    return made


def open_inbox(ws: Workspace, log: logging.Logger | None = None, lang: str = "en") -> bool:
    """What a workspace does first with a reachable inbox: claim it (raises InboxTaken when another
    workspace's marker is there) and make the department folders. True when done; an inbox where no
    marker can be written is still used, with a warning in `log`."""
    if claim_inbox(ws) is None and log is not None:
        log.warning(msg("inbox-unmarked", lang, inbox=ws.folder("inbox"), marker=marker_path(ws.folder("inbox"))))
    make_department_folders(ws)
    return True


def folder_department(ws: Workspace, path: Path) -> str | None:
    """The department whose folder `path` is in; None with the option off or outside every such folder."""
    if not enabled(ws):
        return None
    parent = Path(path).parent
    if parent.parent != ws.folder("inbox"):
        return None
    return next((d.code for d in ws.departments if parent.name in (d.code, *d.former)), None)


def unread_department(ws: Workspace, path: Path) -> str | None:
    """Whose a file is when it cannot be read (too large, locked): its folder's, else its name's."""
    return folder_department(ws, path) or department_from_name(Path(path).name, ws)


def at_top(ws: Workspace, path: Path) -> bool:
    """A file dropped at the top of the inbox while department folders are in use."""
    return enabled(ws) and Path(path).parent == ws.folder("inbox")


def folder_label(ws: Workspace, code: str) -> str:
    """How a message names a department's folder: inbox/<CODE>/ (or the share's path)."""
    return str(department_folder(ws, code)) + "/"


def shown_label(ws: Workspace, code: str) -> str:
    """A department's folder as its people see it ([paths] inbox_shown), for what a submitter reads."""
    if not ws.paths.inbox_shown.strip():
        return folder_label(ws, code)
    shown = ws.shown_drop_folder(code)
    return shown + ("\\" if "\\" in shown else "/")

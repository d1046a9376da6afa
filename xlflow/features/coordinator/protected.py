"""A master the coordinator saved with a password: xlflow cannot read it back. Said as what it is
(the coordinator's own master, not a department's file to resubmit): nothing was lost, where the
protected file and the last readable master are, and what to do."""

from __future__ import annotations

from pathlib import Path

from ...config import Workspace
from ...i18n import Phrase


def protected_master(ws: Workspace, path: Path, kept: Path | None, written: Path) -> Phrase:
    """The problem to report for the encrypted master `path`; `kept`: where it is kept (history/),
    `written`: the copy of what xlflow last wrote there (the fallback for the last readable master)."""
    last = last_readable(ws, path) or (written if written.is_file() else None)
    return Phrase("coord-encrypted", file=path.name, kept=str(kept or path), last=str(last) if last else "-")


def last_readable(ws: Workspace, master: Path) -> Path | None:
    """The newest dated copy of the master in master/history/ (as xlflow wrote it: never a copy of a
    replaced master, which may be the protected one)."""
    folder = ws.folder("master") / "history"
    copies = [p for p in folder.glob(f"{master.stem}-*{master.suffix}") if "-replaced-" not in p.name]
    return max(copies, key=lambda p: (p.stat().st_mtime, p.name), default=None)

"""Whether the project is closed: a marker file, .xlflow/closed.json, and the log of closes and
reopens, .xlflow/closeout.log (one JSON object a line, never rewritten).

A marker file, not a database row: the intake checks it on every file with one stat, an older
xlflow's database needs no new table, and a coordinator can see (and back up) what it says.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from .atomic import write_bytes

MARKER = "closed.json"
LOG = "closeout.log"


@dataclass(frozen=True)
class Closure:
    closed_on: dt.date
    at: str  # local time with offset, when the close ran
    forced: bool = False
    blocks: int = 0  # BLOCK items recorded by --force
    report: str = ""  # the final report's path
    archive: str = ""  # the archive pack's path


def _folder(ws: Workspace) -> Path:
    return ws.root / ".xlflow"


def closure(ws: Workspace) -> Closure | None:
    """The project's close, or None while it is open (an unreadable marker still means closed)."""
    path = _folder(ws) / MARKER
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        return Closure(dt.date.fromisoformat(data["closed_on"]), str(data.get("at", "")), bool(data.get("forced")),
                       int(data.get("blocks", 0)), str(data.get("report", "")), str(data.get("archive", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return Closure(dt.date.fromtimestamp(path.stat().st_mtime), "")


def mark_closed(ws: Workspace, value: Closure) -> None:
    data = {"closed_on": value.closed_on.isoformat(), "at": value.at, "forced": value.forced,
            "blocks": value.blocks, "report": value.report, "archive": value.archive}
    write_bytes(_folder(ws) / MARKER, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
    log_event(ws, "close", **data)


def mark_open(ws: Workspace, reason: str = "") -> Closure | None:
    """Remove the marker; the reopen is logged with the close it undid. None if it was not closed."""
    before = closure(ws)
    if before is None:
        return None
    (_folder(ws) / MARKER).unlink(missing_ok=True)
    log_event(ws, "reopen", closed_on=before.closed_on.isoformat(), reason=reason)
    return before


def log_event(ws: Workspace, event: str, **fields: object) -> None:
    """Append one line to the close-out log (appending is atomic enough for one short line)."""
    folder = _folder(ws)
    folder.mkdir(parents=True, exist_ok=True)
    line = {"event": event, "logged": dt.datetime.now().astimezone().isoformat(timespec="seconds"), **fields}
    with open(folder / LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def events(ws: Workspace) -> list[dict]:
    path = _folder(ws) / LOG
    if not path.is_file():
        return []
    out = []
    for line in path.read_text("utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out

"""Where a message is now, by its Message-ID: still waiting in outbox/ (queued, not sent), in
outbox/sent/ (the server took it, at the time its sent copy says), in outbox/withdrawn/, or nowhere
(replaced by a later copy of the same identity before it went, or removed).

An .eml's name ends with the last characters of its Message-ID (outbox._eml_name), so only the
files whose name ends so are opened, to read their Message-ID: a lookup reads the few files it
asks about, not every kept mail.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from .outbox import SENT, SENT_AT_HEADER, WITHDRAWN, _headers_of, message_token, outbox_dir

QUEUED, GONE = "queued", "gone"


@dataclass(frozen=True)
class Whereabouts:
    state: str  # "queued" | "sent" | "withdrawn" | "gone"
    path: Path | None = None
    sent_at: dt.datetime | None = None  # when the server took it (state "sent")


def _by_token(folder: Path) -> dict[str, list[Path]]:
    try:
        names = sorted(p for p in folder.glob("*.eml") if not p.name.startswith("."))
    except OSError:
        return {}
    out: dict[str, list[Path]] = {}
    for path in names:
        out.setdefault(path.stem.rsplit("-", 1)[-1], []).append(path)
    return out


def _sent_at(path: Path, head) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(head[SENT_AT_HEADER]))
    except (TypeError, ValueError):
        pass
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    except OSError:
        return None


def _clean(message_id: str) -> str:
    return re.sub(r"\s+", "", message_id)


def find_messages(ws: Workspace, message_ids: Iterable[str]) -> dict[str, Whereabouts]:
    """Each Message-ID's whereabouts (an empty one is not looked for)."""
    wanted = {_clean(m) for m in message_ids if m}
    root = outbox_dir(ws)
    folders = ((SENT, root / SENT), (WITHDRAWN, root / WITHDRAWN), (QUEUED, root))
    found: dict[str, Whereabouts] = {}
    for state, folder in folders:
        tokens = _by_token(folder)
        for mid in sorted(wanted - found.keys()):
            for path in tokens.get(message_token(mid), []):
                try:
                    head = _headers_of(path)
                except OSError:
                    continue
                if _clean(str(head.get("Message-ID") or "")) == mid:
                    found[mid] = Whereabouts(state, path, _sent_at(path, head) if state == SENT else None)
                    break
    return {mid: found.get(mid, Whereabouts(GONE)) for mid in wanted}

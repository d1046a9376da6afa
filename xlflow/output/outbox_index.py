"""The few headers of the .eml files in an outbox folder that xlflow decides by, kept in a small
index beside them: each file's identity, kind, Date, event time and whether its attachments were
removed (`Facts`).

Queuing a message compares its identity with every waiting one's, composing a brief asks whether
the same one was sent already, each retry judges every waiting mail (outbox.judge) and each brief
dates every kept one (outboxkeep.prune): reading the headers of every file each time grew with the
weeks of a project (and made a batch of n messages read n² headers). The index (`.identities.json`
in the folder) remembers each file's facts with its size, modification time and inode; a file is
read again only when it is new or changed, and the entries of files gone are dropped. The files
stay the truth: a missing, broken or stale index is rebuilt from them, and two processes writing it
at once only cost a re-read.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import astuple, dataclass
from pathlib import Path

from ..store.atomic import write_bytes

INDEX = ".identities.json"
_VERSION = 3  # 2: the identity alone


@dataclass(frozen=True)
class Facts:
    """What the index keeps of one .eml: its headers' text as str(message[name]) gives it."""

    identity: str
    kind: str = ""  # X-Xlflow-Kind
    date: str = ""  # Date: when it was composed
    event_at: str = ""  # X-Xlflow-Event-At
    stripped: bool = False  # X-Xlflow-Attachments-Removed present (outboxkeep.py)


_FIELDS = 3 + len(astuple(Facts("")))


def _facts(entry: list) -> Facts | None:
    values = entry[3:]
    if not all(isinstance(v, str) for v in values[:4]) or not isinstance(values[4], bool):
        return None
    return Facts(*values)


def _load(folder: Path) -> dict[str, list]:
    try:
        data = json.loads((folder / INDEX).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _VERSION or not isinstance(data.get("files"), dict):
        return {}
    return {k: v for k, v in data["files"].items() if isinstance(v, list) and len(v) == _FIELDS}


def _save(folder: Path, files: dict[str, list]) -> None:
    with contextlib.suppress(OSError):  # a read-only folder: the files are read again next time
        write_bytes(folder / INDEX, json.dumps({"version": _VERSION, "files": files}, ensure_ascii=False).encode())


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells a file changed: its size, modification time and inode (an editor saving by rename)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def facts(folder: Path, paths: list[Path], read: Callable[[Path], Facts]) -> dict[Path, Facts]:
    """The facts of each of `paths` (files in `folder`), from the index when the file is unchanged,
    else by `read`; the index is rewritten when anything in it changed."""
    known = _load(folder)
    files: dict[str, list] = {}
    out: dict[Path, Facts] = {}
    for path in paths:
        stamp = _stamp(path)
        if stamp is None:
            continue
        entry = known.get(path.name)
        found = _facts(entry) if entry is not None and tuple(entry[:3]) == stamp else None
        if found is None:
            try:
                found = read(path)
            except OSError:
                continue
        files[path.name] = [*stamp, *astuple(found)]
        out[path] = found
    if files != known:
        _save(folder, files)
    return out


def identities(folder: Path, paths: list[Path], read: Callable[[Path], Facts]) -> dict[Path, str]:
    """The identity of each of `paths`, as `facts` finds it."""
    return {path: found.identity for path, found in facts(folder, paths, read).items()}


def remember(folder: Path, path: Path, found: Facts, gone: tuple[Path, ...] = ()) -> None:
    """Add the file just written to the index (so it is not read back to learn what it is), and
    drop the files it replaced."""
    stamp = _stamp(path)
    if stamp is None:
        return
    files = {k: v for k, v in _load(folder).items() if k not in {g.name for g in gone}}
    files[path.name] = [*stamp, *astuple(found)]
    _save(folder, files)

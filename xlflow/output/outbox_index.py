"""The identities of the .eml files in an outbox folder, kept in a small index beside them.

Queuing a message compares its identity with every waiting one's, and composing a brief asks
whether the same one was sent already: reading the headers of every file each time made a batch
of n messages read n² headers. The index (`.identities.json` in the folder) remembers each file's
identity with its size, modification time and inode; a file is read again only when it is new or
changed, and the entries of files gone are dropped. The files stay the truth: a missing, broken
or stale index is rebuilt from them, and two processes writing it at once only cost a re-read.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path

from ..store.atomic import write_bytes

INDEX = ".identities.json"
_VERSION = 2


def _load(folder: Path) -> dict[str, list]:
    try:
        data = json.loads((folder / INDEX).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _VERSION or not isinstance(data.get("files"), dict):
        return {}
    return {k: v for k, v in data["files"].items() if isinstance(v, list) and len(v) == 4}


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


def identities(folder: Path, paths: list[Path], read: Callable[[Path], str]) -> dict[Path, str]:
    """The identity of each of `paths` (files in `folder`), from the index when the file is
    unchanged, else by `read`; the index is rewritten when anything in it changed."""
    known = _load(folder)
    files: dict[str, list] = {}
    out: dict[Path, str] = {}
    for path in paths:
        stamp = _stamp(path)
        if stamp is None:
            continue
        entry = known.get(path.name)
        if entry is not None and tuple(entry[:3]) == stamp and isinstance(entry[3], str):
            ident = entry[3]
        else:
            try:
                ident = read(path)
            except OSError:
                continue
        files[path.name] = [*stamp, ident]
        out[path] = ident
    if files != known:
        _save(folder, files)
    return out


def remember(folder: Path, path: Path, ident: str, gone: tuple[Path, ...] = ()) -> None:
    """Add the file just written to the index (so it is not read back to learn what it is), and
    drop the files it replaced."""
    stamp = _stamp(path)
    if stamp is None:
        return
    files = {k: v for k, v in _load(folder).items() if k not in {g.name for g in gone}}
    files[path.name] = [*stamp, ident]
    _save(folder, files)

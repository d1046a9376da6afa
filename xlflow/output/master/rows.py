"""The master's rendered cells kept between merges (xlsx/rowcache.py), in one file of the workspace's
cache: .cache/master/rows-<lang>.bin.

Only what the last master used is kept (each department's block once: the folder does not grow).
As the parse cache (check/cache.py), the file is trusted only when its bytes still have the
SHA-256 recorded in the state database when it was written: rows are pasted into the master as
they are, so a file changed by anyone else is never read (it is rendered again and replaced).
A file that cannot be read, is damaged or is of another version is ignored the same way; a
cache that cannot be written leaves the master as it is. Format: zlib of one JSON line (the
version and each slab's key, strings and first sightings: a slab is one column of one department's
rows) then every slab's cells (joined by NUL) joined by \x01: XML text never holds either.
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import zlib
from contextlib import suppress

from ...config import Workspace
from ...errors import XlflowError
from ...store.atomic import write_bytes
from ...store.cachedigest import cache_digests, record_digest
from ...store.db import Database
from ...xlsx.rowcache import VERSION, MemoryRows

log = logging.getLogger(__name__)
_SEP = "\x01"  # between slabs (a slab's cells are separated by NUL): neither is ever in XML text
_FAILED = (OSError, sqlite3.Error, XlflowError, ValueError, KeyError, TypeError, IndexError, zlib.error)


class StoredRows(MemoryRows):
    """The blocks of the last master of this language; `save()` keeps the ones this master used."""

    def __init__(self, ws: Workspace, lang: str) -> None:
        self.path = ws.root / ".cache" / "master" / f"rows-{lang}.bin"
        self.name = f"master/{self.path.name}"  # its digest's name in the state database
        self.db = ws.state_db
        super().__init__(self._load())
        self.loaded = len(self.blocks)

    def _load(self) -> dict[str, dict]:
        try:
            data = self.path.read_bytes()
        except OSError:
            return {}
        try:
            if cache_digests(Database(self.db)).get(self.name) != hashlib.sha256(data).hexdigest():
                log.info("ignored %s: not the file xlflow wrote", self.path)
                return {}
            head, _, body = zlib.decompress(data).decode("utf-8").partition("\n")
            meta = json.loads(head)
            if meta.get("version") != VERSION:
                return {}
            texts = body.split(_SEP) if body else []
            if len(texts) != len(meta["slabs"]):
                raise ValueError("slab count")
            return {key: {"strings": strings, "firsts": firsts, "text": text}
                    for (key, strings, firsts), text in zip(meta["slabs"], texts, strict=True)}
        except _FAILED + (StopIteration, UnicodeDecodeError):
            log.info("ignored %s: damaged", self.path)
            return {}

    def save(self) -> None:
        """Keep the blocks this master used, when they differ from what the file holds."""
        if not self.rendered and self.used == set(self.blocks) and self.loaded == len(self.blocks):
            return
        keep = [(k, b) for k, b in self.blocks.items() if k in self.used]
        meta = {"version": VERSION, "slabs": [[k, b["strings"], b["firsts"]] for k, b in keep]}
        try:
            text = json.dumps(meta, ensure_ascii=False, separators=(",", ":")) + "\n" + _SEP.join(
                b["text"] for _, b in keep)
            data = zlib.compress(text.encode("utf-8"), 1)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            record_digest(Database(self.db), self.name, hashlib.sha256(data).hexdigest())  # first, as the parse cache
            write_bytes(self.path, data)
        except _FAILED as error:
            log.info("master rows not kept in %s: %s", self.path, error)
            with suppress(OSError):
                self.path.unlink()

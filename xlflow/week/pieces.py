"""A week record's large parts, each kept once (record version 3).

A merge's week is mostly parts that do not change from one merge to the next: the control's
baselines (one per task), the dependency problems, the moves (held twice: by the week and by its
control), the scorecard's traces. Version 2 stored all of them again in every record. Version 3
stores each part of at least PART_FROM characters of JSON once, in `week_parts`, named by a digest
of its text, and the record names it in its place: a record whose parts are unchanged since the
merge before costs a few hundred bytes, and its merge compresses nothing again.

Where a part stood, the record holds {"$c": "StoredPart", "digest": …}: a value of a class the
codec of an older xlflow does not know, so an older xlflow reading a newer record stops with
"a stored week names a class this xlflow does not know: StoredPart" rather than reading wrong data.

Which record names which part is in `week_part_refs`; a part no record names any more (the older
records of a day are replaced by its newest) is deleted with them.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable
from sqlite3 import Connection
from typing import Any

from ..store.db import register
from ..store.jsonvalues import STORED_LEVEL

SCHEMA = """
CREATE TABLE IF NOT EXISTS week_parts (
    digest TEXT PRIMARY KEY,  -- of the part's JSON text
    data BLOB NOT NULL  -- the part's compressed JSON text, as week/codec.py encoded it
);
CREATE TABLE IF NOT EXISTS week_part_refs (
    snapshot_id INTEGER NOT NULL,  -- the record (week_records.snapshot_id) naming the part
    digest TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, digest)
);
CREATE INDEX IF NOT EXISTS week_part_refs_digest ON week_part_refs (digest);
"""
register("store.weekparts", SCHEMA)

JSONValue = Any  # JSON-ready data as week/codec.py encodes it (week/stored.py: JSONValue)
JSONObject = dict[str, Any]

PART_FROM = 1024  # characters of JSON from which a value is kept as a part
MARK = "StoredPart"  # the codec's class name a part's place holds


class MissingPart(LookupError):
    """A part a record names is not in the database (edited by hand): the record cannot be read."""


def _text(value: JSONValue) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), check_circular=False)


def split(state: JSONObject) -> tuple[JSONObject, dict[str, str]]:
    """The encoded week with each large field (of the week, and of the values it holds by field:
    the control, the scorecard) in its own part: (what the record keeps, {digest: part's JSON text})."""
    parts: dict[str, str] = {}

    def cut(value: JSONObject, depth: int) -> JSONObject:
        out: JSONObject = {}
        for key, field in value.items():
            if depth < 2 and isinstance(field, dict) and "$c" in field:
                out[key] = cut(field, depth + 1)
                continue
            text = _text(field) if isinstance(field, (dict, list)) else ""
            if len(text) < PART_FROM:
                out[key] = field
                continue
            digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
            parts[digest] = text
            out[key] = {"$c": MARK, "digest": digest}
        return out

    return cut(state, 0), parts


def keep(con: Connection, snapshot_id: int, parts: dict[str, str], replaced: Iterable[int] = ()) -> None:
    """Store the parts not stored yet (only those are compressed) and what record `snapshot_id`
    names; the records `replaced` (and this one's older self) are gone: the parts no record names
    now are deleted with them."""
    ids = sorted({snapshot_id, *replaced})
    marks = ",".join("?" * len(ids))
    named = [r[0] for r in con.execute(f"SELECT DISTINCT digest FROM week_part_refs WHERE snapshot_id IN ({marks})", ids)]
    con.execute(f"DELETE FROM week_part_refs WHERE snapshot_id IN ({marks})", ids)
    if parts:
        marks = ",".join("?" * len(parts))
        known = {r[0] for r in con.execute(f"SELECT digest FROM week_parts WHERE digest IN ({marks})", list(parts))}
        con.executemany("INSERT INTO week_parts (digest, data) VALUES (?,?)",
                        [(d, zlib.compress(t.encode("utf-8"), STORED_LEVEL)) for d, t in parts.items() if d not in known])
        con.executemany("INSERT INTO week_part_refs (snapshot_id, digest) VALUES (?,?)", [(snapshot_id, d) for d in parts])
    con.executemany("DELETE FROM week_parts WHERE digest=? AND NOT EXISTS"
                    " (SELECT 1 FROM week_part_refs WHERE week_part_refs.digest=week_parts.digest)",
                    [(d,) for d in named if d not in parts])


def join(con: Connection, state: JSONValue) -> JSONValue:
    """The encoded week `split` cut, whole again (MissingPart: a part it names is not stored)."""
    wanted: set[str] = set()
    _marks(state, wanted)
    if not wanted:
        return state
    marks = ",".join("?" * len(wanted))
    found = {d: json.loads(zlib.decompress(data))
             for d, data in con.execute(f"SELECT digest, data FROM week_parts WHERE digest IN ({marks})", list(wanted))}
    if wanted - set(found):
        raise MissingPart(", ".join(sorted(wanted - set(found))))
    return _put(state, found)


def _marks(value: JSONValue, into: set[str]) -> None:
    """The digests named in `value`: only a value of a class (a "$c" object) holds parts by field."""
    if not isinstance(value, dict) or "$c" not in value:
        return
    if value["$c"] == MARK:
        into.add(str(value.get("digest")))
        return
    for field in value.values():
        _marks(field, into)


def _put(value: JSONValue, parts: dict[str, JSONValue]) -> JSONValue:
    if not isinstance(value, dict) or "$c" not in value:
        return value
    if value["$c"] == MARK:
        return parts[str(value.get("digest"))]
    return {k: _put(v, parts) for k, v in value.items()}

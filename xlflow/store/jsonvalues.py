"""Stored rows as JSON: the one encoder for the clean values a row can hold."""
from __future__ import annotations

import datetime as dt
import zlib


def json_default(value: object) -> object:
    """For json.dumps: the clean values a row can hold (dates, ID tuples) in plain JSON."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


STORED_LEVEL = 4  # zlib level of what is stored for good (week parts, snapshots, packed texts): a fifth
# smaller than level 1, ~10 % larger than level 6 but a third of its time (level 6 at 50,000 tasks:
# 0.15 s per 8 MB of JSON, paid at each merge after a department's new version, for the day's snapshot
# and again for the week parts it changed); read back as fast, whatever level wrote it
PACK_FROM = 512  # characters of JSON from which a stored text is kept compressed


def packed(text: str) -> str | bytes:
    """JSON text as a row keeps it: a long one compressed (zlib: a fifth to a sixth of it; the
    journal's diffs and the versions' task IDs were a third of the database's growth), a short one
    as it is. Read back with unpacked()."""
    return zlib.compress(text.encode("utf-8"), STORED_LEVEL) if len(text) >= PACK_FROM else text


def unpacked(value: str | bytes) -> str:
    """The JSON text of a stored value, packed or (a short one, or a row an earlier xlflow wrote) not."""
    return zlib.decompress(value).decode("utf-8") if isinstance(value, bytes) else value

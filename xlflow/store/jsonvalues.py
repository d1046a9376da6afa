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


PACK_FROM = 512  # characters of JSON from which a stored text is kept compressed


def packed(text: str) -> str | bytes:
    """JSON text as a row keeps it: a long one compressed (zlib: a fifth to a sixth of it; the
    journal's diffs and the versions' task IDs were a third of the database's growth), a short one
    as it is. Read back with unpacked()."""
    return zlib.compress(text.encode("utf-8"), 6) if len(text) >= PACK_FROM else text


def unpacked(value: str | bytes) -> str:
    """The JSON text of a stored value, packed or (a short one, or a row an earlier xlflow wrote) not."""
    return zlib.decompress(value).decode("utf-8") if isinstance(value, bytes) else value

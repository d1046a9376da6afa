"""Stored rows as JSON: the one encoder for the clean values a row can hold."""
from __future__ import annotations

import datetime as dt


def json_default(value: object) -> object:
    """For json.dumps: the clean values a row can hold (dates, ID tuples) in plain JSON."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")

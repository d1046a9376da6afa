"""The stored week's one codec: a WeekState (and every value it holds) to plain JSON and back, equal
to what was encoded.

Each value type of the week is named in CLASSES, and stored by that name with its fields: a later
xlflow reads a field it no longer has by ignoring it and a field an older record lacks from its
default (week/state.py: fields are added, never renamed without a migration). Dates, times, tuples
and sets are tagged; a tuple of many values of one class (the tasks, the scorecard's traces) is
stored column by column, without its keys repeated — a plan of 50,000 tasks is most of a record —
and so are the values of a mapping by text of many values of one class (a control's baselines).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from itertools import chain, repeat
from operator import attrgetter
from typing import cast

from ..features.control.baselines import Baseline
from ..features.control.moves import Control, Move, Pushed
from ..features.control.requests import ChangeRequest
from ..features.coordinator.notices import LayerNotice
from ..features.coordinator.table import MasterEdit
from ..features.coordinator.week import Escalation
from ..features.scorecard.model import DepartmentScore, Figures, Ratio, Scorecard, Trace
from ..plan.diff import Change, PlanDiff
from ..plan.lateness import LateSubmission
from ..plan.raci import RaciConflict
from ..workdays import Week
from .parts import BaselineDates
from .state import DepartmentWeek, Item, LinkProblem, Milestone, PlanVersion, Task, WeekState
from .stored import JSONValue

CLASSES: tuple[type, ...] = (
    WeekState, Task, DepartmentWeek, Milestone, Item, LinkProblem, Week, Escalation, MasterEdit, PlanVersion,
    PlanDiff, Change, ChangeRequest, Control, Move, Pushed, Baseline, BaselineDates, RaciConflict, LateSubmission,
    Scorecard, DepartmentScore, Figures, Ratio, Trace, LayerNotice)
_BY_NAME = {c.__name__: c for c in CLASSES}
assert len(_BY_NAME) == len(CLASSES), "two classes of the week share a name"
_FIELDS = {c: tuple(f.name for f in dataclasses.fields(c) if f.init) for c in CLASSES}
_PLAIN = frozenset({str, int, float, bool, type(None)})
_DAYS = frozenset({dt.date, type(None)})
_TEXT = frozenset({str})
COLUMNS_FROM = 4  # a tuple of this many values of one class is stored by columns


class UnknownValue(TypeError):
    """A value the codec has no name for: add its class to CLASSES (and a test that stores it)."""


def encode(value: object) -> JSONValue:
    """`value` as JSON-ready data (dicts, lists, text, numbers, None). A tuple held twice (the week's
    moves are its control's) is encoded once, and its data held twice."""
    return _encode(value, {})


Seen = dict[int, tuple[object, JSONValue]]  # id of a tuple of many values, one encode's -> (it, kept alive; its data)


def _encode(value: object, seen: Seen) -> JSONValue:
    kind = type(value)
    if kind in _PLAIN:
        return cast("JSONValue", value)  # str, int, float, bool or None: its exact type, checked
    if type(value) is dt.date:
        return {"$d": value.isoformat()}
    if type(value) is dt.datetime:
        return {"$dt": value.isoformat()}
    if type(value) is tuple:
        return _tuple(value, seen)
    if type(value) is list:
        return [_encode(v, seen) for v in value]
    if isinstance(value, (set, frozenset)) and kind in (set, frozenset):
        return {"$s": sorted((_encode(v, seen) for v in value), key=repr)}
    if kind in _FIELDS:
        return {"$c": kind.__name__, **{f: _encode(getattr(value, f), seen) for f in _FIELDS[kind]}}
    if isinstance(value, (dict, Mapping)):  # (a dict: known without the ABC)
        if all(type(k) is str and not k.startswith("$") for k in value):
            return _by_key(value, seen)
        return {"$m": [[_encode(k, seen), _encode(v, seen)] for k, v in value.items()]}
    raise UnknownValue(f"the week's codec cannot store a {kind.__module__}.{kind.__name__}")


def _tuple(values: tuple[object, ...], seen: Seen) -> JSONValue:
    kind = type(values[0]) if values else None
    if kind is not None and len(values) >= COLUMNS_FROM and kind in _FIELDS and _one_class(values):
        if id(values) not in seen:
            keys = _FIELDS[kind]
            seen[id(values)] = values, {"$rows": kind.__name__, "keys": list(keys),
                                        "columns": [_column(c, seen) for c in _transposed(values, keys)]}
        return seen[id(values)][1]
    return {"$t": [_encode(v, seen) for v in values]}


def _transposed(values: tuple[object, ...], keys: tuple[str, ...]) -> list[list[object]]:
    """The values' fields `keys`, field by field (a list each: one C-level pass per field)."""
    return [list(map(attrgetter(k), values)) for k in keys]


def _one_class(values: tuple[object, ...]) -> bool:
    """Every value of one class (and none of a subclass of it)."""
    return len(set(map(type, values))) == 1


def _by_key(value: Mapping[str, object], seen: Seen) -> JSONValue:
    """A mapping by text: as a dict, or, many values of one class (a control's baselines, one per
    task), its keys in a list and its values by columns, as a tuple of them."""
    values = tuple(value.values())
    if len(values) >= COLUMNS_FROM and type(values[0]) in _FIELDS and _one_class(values):
        return {"$keys": list(value), "$values": _tuple(values, seen)}
    return {k: _encode(v, seen) for k, v in value.items()}


def _column(values: list[object], seen: Seen) -> JSONValue:
    kinds = set(map(type, values))
    if kinds <= _PLAIN:
        return cast("list[JSONValue]", values)  # every value str, int, float, bool or None: checked
    if kinds <= _DAYS:
        text: dict[object, JSONValue] = {v: v.isoformat() for v in set(values) if isinstance(v, dt.date)}  # each day's once
        return {"$days": list(map(text.get, values))}
    if kinds == {dict} and _plain_dicts(cast("list[dict[object, object]]", values)):
        return {"$each": list(map(dict, cast("list[dict[str, JSONValue]]", values)))}  # what _encode makes of each
    return {"$each": [_encode(v, seen) for v in values]}


def _plain_dicts(values: list[dict[object, object]]) -> bool:
    """Every dict by text (no "$" key) of plain values, as a problem's detail in each language."""
    keys = list(chain.from_iterable(values))
    return (set(map(type, keys)) <= _TEXT and not any(map(str.startswith, keys, repeat("$")))  # type: ignore[arg-type]
            and set(map(type, chain.from_iterable(map(dict.values, values)))) <= _PLAIN)


def decode(data: JSONValue) -> object:
    """The value `encode` made `data` from."""
    if type(data) is list:
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$c" in data:
        cls = _class(data["$c"])
        known = set(_FIELDS[cls])
        return cls(**{k: decode(v) for k, v in data.items() if k in known})
    if "$d" in data:
        return dt.date.fromisoformat(_text(data["$d"]))
    if "$dt" in data:
        return dt.datetime.fromisoformat(_text(data["$dt"]))
    if "$t" in data:
        return tuple(decode(v) for v in _list(data["$t"]))
    if "$rows" in data:
        return _rows(_class(data["$rows"]), [_text(k) for k in _list(data["keys"])], _list(data["columns"]))
    if "$s" in data:
        return frozenset(decode(v) for v in _list(data["$s"]))
    if "$m" in data:
        return {decode(k): decode(v) for k, v in map(_pair, _list(data["$m"]))}
    if "$keys" in data:
        values = decode(data["$values"])
        if type(values) is not tuple:
            raise UnknownValue(f"a stored week has {type(values).__name__} where the codec wrote a tuple")
        return dict(zip(map(_text, _list(data["$keys"])), values, strict=True))
    return {k: decode(v) for k, v in data.items()}


def decode_week(data: JSONValue) -> WeekState:
    """The WeekState `encode` made `data` from (a record's "state")."""
    state = decode(data)
    if not isinstance(state, WeekState):
        raise UnknownValue(f"a stored week holds a {type(state).__name__}, not a WeekState")
    return state


def _class(name: JSONValue) -> type:
    try:
        return _BY_NAME[_text(name)]
    except KeyError:
        raise UnknownValue(f"a stored week names a class this xlflow does not know: {name}") from None


def _text(data: JSONValue) -> str:
    if type(data) is not str:
        raise UnknownValue(f"a stored week has {data!r} where the codec wrote text")
    return data


def _list(data: JSONValue) -> list[JSONValue]:
    if type(data) is not list:
        raise UnknownValue(f"a stored week has {type(data).__name__} where the codec wrote a list")
    return data


def _pair(data: JSONValue) -> tuple[JSONValue, JSONValue]:
    key, value = _list(data)
    return key, value


def _rows(cls: type, keys: list[str], columns: list[JSONValue]) -> tuple[object, ...]:
    known = set(_FIELDS[cls])
    count = len(_values(columns[0])) if columns else 0
    named = {k: _values(c) for k, c in zip(keys, columns, strict=True) if k in known}
    if list(named) == list(_FIELDS[cls]):  # the same fields in the same order: positional, fastest
        return tuple(map(cls, *named.values()))
    return tuple(cls(**dict(zip(named, row, strict=True))) for row in zip(*named.values(), strict=True)) if named else tuple(
        cls() for _ in range(count))


def _values(column: JSONValue) -> Sequence[object]:
    if type(column) is list:
        return column
    if not isinstance(column, dict):
        raise UnknownValue(f"a stored week has {type(column).__name__} where the codec wrote a column")
    if "$days" in column:
        days = cast("list[str | None]", column["$days"])  # as _column wrote them: ISO dates or None
        return [dt.date.fromisoformat(v) if v is not None else None for v in days]
    return [decode(v) for v in _list(column["$each"])]

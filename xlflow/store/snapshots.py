"""Task snapshots: the one shape a merge records per task (SnapshotTask) and the one codec for it.

A merge hands in its tasks column by column (TaskColumns: MasterPlan.snapshot_columns; rows,
mappings with SnapshotTask's field names, are taken too); they are stored column by column as compressed JSON, and read back as
SnapshotTask values whatever older layout the database holds (a list of row objects,
uncompressed text).

Given a base (a full snapshot of an earlier day, store/snapchain.py picks it), a merge stores a
delta instead: DELTA, the base's id, ":", then compressed JSON of what differs from the base as
stored: runs of base tasks in the new order, the tasks new to it, and the values that changed
(field, position, value) — what a full snapshot would store there. A delta's base is always a full
snapshot, so reading one never chains over more than one delta.
"""
from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from itertools import chain, compress, repeat
from operator import attrgetter, is_not, itemgetter, ne, or_
from typing import Any, NamedTuple, cast

from .jsonvalues import STORED_LEVEL, json_default


@dataclass(frozen=True, slots=True)
class SnapshotTask:
    """One task as the master saw it at a merge: what the weekly brief compares week over week."""

    department: str
    task_id: str
    name: str | None = None
    owner: str | None = None
    owner_department: str | None = None
    status: str | None = None  # the master's effective status (past due and not done: delayed)
    reported_status: str | None = None  # what the department reported
    health: str | None = None
    percent: float | None = None
    start: dt.date | None = None
    due: dt.date | None = None
    reason: str | None = None
    predecessors: tuple[str, ...] = ()  # task IDs, whatever shape was stored (list, "A, B", {task_id} objects)
    successors_other_depts: tuple[str, ...] = ()  # task IDs in other departments waiting for this one
    days_late: int | None = None
    actual_finish: dt.date | None = None

    def get(self, key: str, default: object = None) -> object:
        """Read by field name, as from the task dicts the brief also accepts (tests build those)."""
        return getattr(self, key, default)


class Base(NamedTuple):
    """A full snapshot a delta is stored against: its id and its stored columns (as loaded: raw)."""

    id: int
    columns: dict[str, list[object]]
    size: int  # the number of tasks


class TaskColumns(NamedTuple):
    """Tasks column by column: `keys`, SnapshotTask field names, and for each a column of one value
    per task (the ID lists as tuples or lists): what MasterPlan.snapshot_columns makes."""

    keys: Sequence[str]
    columns: Sequence[Sequence[object]]


Tasks = Sequence[Mapping[str, object]] | TaskColumns  # rows, or columns


def count(tasks: Tasks) -> int:
    """The number of tasks, of rows or of columns."""
    if isinstance(tasks, TaskColumns):
        return len(tasks.columns[0]) if tasks.columns else 0
    return len(tasks)


def rows(tasks: TaskColumns) -> list[dict[str, object]]:
    """Columns as rows, their ID lists as lists (as JSON reads them back): encode stores the same."""
    columns = [[list(v) if isinstance(v, (list, tuple)) else v for v in c] if k in _LISTS else c
               for k, c in zip(tasks.keys, tasks.columns, strict=True)]
    return [dict(zip(tasks.keys, row, strict=True)) for row in zip(*columns, strict=True)]


class Snapshot(NamedTuple):
    """The tasks of one merge. A tuple, so `as_of, tasks = snapshot` reads as it always did."""

    as_of: dt.date
    tasks: tuple[SnapshotTask, ...]


FIELDS = tuple(f.name for f in fields(SnapshotTask))
_DATES = ("start", "due", "actual_finish")
_LISTS = ("predecessors", "successors_other_depts")
_values = attrgetter(*FIELDS)
DELTA = b"D1"  # a delta's first bytes: neither zlib (0x78...) nor JSON text ("[" or "{")


def encode(tasks: Tasks) -> bytes:
    """Columns, not rows: half the JSON (no key repeated per task) and twice as fast to encode
    (100,000 tasks: ~0.7 s instead of ~1.5 s). Keys that are no SnapshotTask field are dropped."""
    return _compress(*_columns(tasks))


def encoded(tasks: Tasks, base: Base | None = None) -> tuple[bytes, tuple[SnapshotTask, ...]]:
    """What encode stores and what decode would read back from it, without reading it back (the
    merge stores its snapshot and renders the week from the same tasks): equal to decode(encode(tasks)).
    With a `base`, what is stored is a delta against it (unless most tasks changed): decode(blob,
    base.tasks) reads back the same tasks."""
    blob, read = encoded_columns(tasks, base)
    return blob, tuple(map(SnapshotTask, *read))


def encoded_columns(tasks: Tasks, base: Base | None = None,
                    kept: bytes | str | None = None) -> tuple[bytes, list[Sequence[object]]]:
    """encoded, what is read back as columns in FIELDS' order (row i of them: the values of the
    SnapshotTask decode reads back as task i), for a caller that makes its own values of the tasks
    without a SnapshotTask each (the merge: week/tasks.py rows_of). `kept`: the snapshot of the day
    as stored before (snapchain.stored_on): a full one holding exactly these tasks is given back as it
    is, not compressed again (its bytes compared, never assumed)."""
    keys, columns = _columns(tasks, dates=False)
    by_key = dict(zip(keys, columns, strict=True))
    read = [_as_read(k, by_key.get(k), count(tasks)) for k in FIELDS]
    stored = [_iso(c) if k in _DATES else c for k, c in zip(keys, columns, strict=True)]
    delta = _delta(keys, stored, base) if base is not None else None
    return (delta if delta is not None else _compress(keys, stored, kept)), read


def _delta(keys: list[str], stored: list[Sequence[object]], base: Base) -> bytes | None:
    """The columns a full snapshot stores, as a delta against `base`: "order", runs [start, count] of
    base tasks (matched by department and task ID; start -1: the next `count` new tasks), "new", the
    new tasks' values, "patch", per field the [position, value] that differ from the base's (in value
    or type). None when that is a third of the values or more (store a full one)."""
    by_key = {k: _as_lists(c) if k in _LISTS else c for k, c in zip(keys, stored, strict=True)}
    if "department" not in by_key or "task_id" not in by_key:
        return None
    matched = list(zip(_raw(base, "department"), _raw(base, "task_id"), strict=True))
    at = dict(zip(reversed(matched), range(len(matched) - 1, -1, -1), strict=True))  # a key held twice: its first place
    refs = list(map(at.get, zip(by_key["department"], by_key["task_id"], strict=True), repeat(-1)))
    if len(refs) < 2:
        return None  # (an itemgetter of one index gives no tuple)
    if refs == list(range(base.size)):  # the base's tasks in the base's order (most merges): matched as they stand
        order, new, aligned = [[0, base.size]], [], {k: _raw(base, k) for k in by_key}
    else:
        order, new = _runs(refs), [i for i, j in enumerate(refs) if j < 0]
        align = itemgetter(*(j if j >= 0 else base.size + i for i, j in enumerate(refs)))
        aligned = {k: list(align(_raw(base, k) + list(column))) for k, column in by_key.items()}
    patch = {k: _changed(column, aligned[k]) for k, column in by_key.items()}
    patch = {k: p for k, p in patch.items() if p}
    if (sum(map(len, patch.values())) + len(new) * len(keys)) * 3 > len(refs) * len(keys):
        return None
    body = {"base_count": base.size, "keys": keys, "order": order,
            "new": [[column[i] for i in new] for column in stored], "patch": patch}
    text = json.dumps(body, default=json_default, ensure_ascii=False, separators=(",", ":"), check_circular=False)
    return DELTA + str(base.id).encode("ascii") + b":" + zlib.compress(text.encode("utf-8"), STORED_LEVEL)


def _as_lists(column: Sequence[object]) -> list[object]:
    """An ID-list column with its tuples as lists (as the base's, read as JSON)."""
    if set(map(type, column)) <= _SEQUENCES:
        return list(map(list, cast("Sequence[Sequence[object]]", column)))
    return [list(v) if type(v) is tuple else v for v in column]


def _runs(refs: list[int]) -> list[list[int]]:
    """[start, count] runs of consecutive base positions, and of new tasks (start -1)."""
    order: list[list[int]] = []
    for j in refs:
        last = order[-1] if order else None
        if last is not None and ((j < 0 and last[0] < 0) or (j >= 0 and last[0] >= 0 and last[0] + last[1] == j)):
            last[1] += 1
        else:
            order.append([j, 1])
    return order


def _raw(base: Base, key: str) -> list[object]:
    return base.columns.get(key) or [None] * base.size


def _changed(column: Sequence[object], aligned: list[object]) -> list[list[object]]:
    """[position, value] where `column` (as encode stores it) would not read back as the base's value
    it is matched with (`aligned`: the base's values, and the new tasks' own, in column's order): same
    type and equal (lists: of text only), or it is stored."""
    column = list(column)
    kinds, was = list(map(type, column)), list(map(type, aligned))
    if (list in kinds or tuple in kinds) and not set(
            map(type, chain.from_iterable(compress(column, map(_SEQUENCES.__contains__, kinds))))) <= _TEXT:  # type: ignore[arg-type]
        return [[i, v] for i, v in enumerate(column)]
    if column == aligned and kinds == was:
        return []  # (a new task is aligned with itself: never a difference)
    return [[i, column[i]] for i in compress(range(len(column)), map(or_, map(ne, column, aligned), map(is_not, kinds, was)))]


def as_rows(tasks: Iterable[SnapshotTask]) -> list[dict[str, object]]:
    """Tasks as rows encode takes: encode(as_rows(tasks)) reads back as `tasks`."""
    return [dict(zip(FIELDS, _values(t), strict=True)) for t in tasks]


def load(data: bytes | str) -> Base:
    """A full snapshot's stored columns (id 0: the caller names it), for a delta to stand on."""
    by_key, count = _stored(json.loads(zlib.decompress(data) if isinstance(data, bytes) else data))
    return Base(0, by_key, count)


def base_id(data: bytes | str | None) -> int | None:
    """The id of the full snapshot `data` is a delta against; None for a full snapshot."""
    if not isinstance(data, bytes) or not data.startswith(DELTA):
        return None
    return int(data[len(DELTA):data.index(b":")])


def _columns(tasks: Tasks, dates: bool = True) -> tuple[list[str], list[Sequence[object]]]:
    """The keys and columns encode stores (`dates`: as ISO text)."""
    if isinstance(tasks, TaskColumns):
        return _stored_columns(*_known(tasks), dates) if count(tasks) else ([], [])
    first = tasks[0] if tasks else {}
    keys = [k for k in FIELDS if k in first]
    columns: list[Sequence[object]] | None
    try:  # every row has the keys of the first (always, from a merge): transposed in C
        columns = list(zip(*map(itemgetter(*keys), tasks), strict=True)) if len(keys) > 1 else None
    except KeyError:
        columns = None
    if columns is None:
        keys = [k for k in FIELDS if any(k in t for t in tasks)]
        columns = [[t.get(k) for t in tasks] for k in keys]
    return _stored_columns(keys, columns, dates)


def _known(tasks: TaskColumns) -> tuple[list[str], list[Sequence[object]]]:
    """The columns of SnapshotTask fields, in FIELDS' order (as rows with those keys give them)."""
    by_key = dict(zip(tasks.keys, tasks.columns, strict=True))
    keys = [k for k in FIELDS if k in by_key]
    return keys, [by_key[k] for k in keys]


def _stored_columns(keys: list[str], columns: list[Sequence[object]],
                    dates: bool) -> tuple[list[str], list[Sequence[object]]]:
    return keys, [_iso(c) if dates and k in _DATES else c for k, c in zip(keys, columns, strict=True)]


def _iso(column: Sequence[object]) -> list[object]:
    """Dates as ISO text, each day's made once (a plan's dates are a few hundred days); other values as they are."""
    try:
        text: dict[object, object] = {v: v.isoformat() for v in set(column) if isinstance(v, dt.date)}
    except TypeError:  # a value that cannot be a key (not from a merge): one by one
        return [v.isoformat() if isinstance(v, dt.date) else v for v in column]
    return list(map(text.get, column, column))


def _compress(keys: list[str], columns: list[Sequence[object]], before: bytes | str | None = None) -> bytes:
    """A full snapshot's bytes; `before`'s, when it is a full snapshot of the same text (no compressing again)."""
    text = json.dumps({"keys": keys, "columns": columns}, default=json_default, ensure_ascii=False,
                      separators=(",", ":"), check_circular=False).encode("utf-8")
    if isinstance(before, bytes) and not before.startswith(DELTA):
        try:
            if _holds(before, text):
                return before
        except zlib.error:
            pass  # damaged: written anew
    return zlib.compress(text, STORED_LEVEL)


_STEP = 1 << 16  # compressed bytes decompressed at a time by _holds (~600 KB of a snapshot's JSON)


def _holds(stored: bytes, text: bytes) -> bool:
    """Whether zlib bytes `stored` are exactly `text` compressed, decompressed step by step and
    compared in place as they come: the snapshot of a merge after a department's new version
    differs ~15 % in (in that department's task names) and is not decompressed to its end (2 ms instead
    of 13 at 50,000 tasks); the same snapshot costs what one decompression did."""
    reader, at = zlib.decompressobj(), 0
    for start in range(0, len(stored), _STEP):
        part = reader.decompress(stored[start:start + _STEP])
        if not text.startswith(part, at):
            return False
        at += len(part)
    return reader.eof and not reader.unused_data and at == len(text)


_SAME = frozenset({str, int, float, bool, type(None)})  # values JSON gives back as they are
_DAY = frozenset({dt.date, type(None)})  # a date column's values decode gives back as they are
_TEXT = frozenset({str})  # an ID list's values decode gives back as they are
_SEQUENCES = frozenset({list, tuple})


def _json(value: object) -> object:
    """`value` as stored and read back."""
    return json.loads(json.dumps(value, default=json_default))


def _as_read(key: str, values: Sequence[object] | None, count: int) -> Sequence[object]:
    """A column (dates not yet ISO text) as decode reads back what _compress stores of it."""
    if values is None:
        return [() if key in _LISTS else None] * count
    kinds = set(map(type, values))
    if key in _DATES:
        if kinds <= _DAY:
            return values
        return [v if type(v) in _DAY else _date(_json(v.isoformat() if isinstance(v, dt.date) else v)) for v in values]
    if key in _LISTS:
        if kinds == {tuple} and set(map(type, chain.from_iterable(values))) <= _TEXT:  # type: ignore[arg-type]
            return values  # a merge's: tuples of IDs, as decode reads them
        return [tuple(v) if isinstance(v, (list, tuple)) and type(v) in (list, tuple) and all(type(i) is str for i in v)
                else _ids(_json(v)) for v in values]
    return values if kinds <= _SAME else [v if type(v) in _SAME else _json(v) for v in values]


def decode(data: bytes | str, base: Base | None = None) -> tuple[SnapshotTask, ...]:
    """The one reader: compressed or plain JSON, columns or (databases written before) rows; a delta
    with its base (ValueError without it, or when it is not the base it was stored against)."""
    if not data:
        return ()  # superseded by a later merge of the same day
    if isinstance(data, bytes) and data.startswith(DELTA):
        by_key, count = _apply(data, base)
    else:
        by_key, count = _stored(json.loads(zlib.decompress(data) if isinstance(data, bytes) else data))
    columns = [_column(key, by_key.get(key), count) for key in FIELDS]
    return tuple(map(SnapshotTask, *columns))


def _stored(raw: Any) -> tuple[dict[str, list[object]], int]:
    """The stored columns and the task count: columns, or (databases written before) rows."""
    if isinstance(raw, dict):
        return dict(zip(raw["keys"], raw["columns"], strict=True)), len(raw["columns"][0]) if raw["columns"] else 0
    return {k: [row.get(k) for row in raw] for k in FIELDS if any(k in row for row in raw)}, len(raw)


def _apply(data: bytes, base: Base | None) -> tuple[dict[str, list[object]], int]:
    """A delta's columns as its full snapshot would have stored them."""
    raw = json.loads(zlib.decompress(data[data.index(b":") + 1:]))
    if base is None or raw["base_count"] != base.size:
        raise ValueError("a delta snapshot without its base")
    by_key = {}
    for key, new in zip(raw["keys"], raw["new"], strict=True):
        column: list[object] = []
        before, k = _raw(base, key), 0
        for start, count in raw["order"]:
            part = new[k:k + count] if start < 0 else before[start:start + count]
            if len(part) != count:
                raise ValueError("a delta snapshot that does not fit its base")
            k += count if start < 0 else 0
            column.extend(part)
        if k != len(new):
            raise ValueError("a delta snapshot that does not fit its base")
        for i, value in raw["patch"].get(key, ()):
            column[i] = value
        by_key[key] = column
    return by_key, sum(count for _, count in raw["order"])


def _column(key: str, values: list | None, count: int) -> Iterable[object]:
    if values is None:
        return [() if key in _LISTS else None] * count
    if key in _DATES:
        return [_date(v) for v in values]
    if key in _LISTS:
        return [_ids(v) for v in values]
    return values


def _ids(value: object) -> tuple[str, ...]:
    """Task IDs from a list of IDs or of {task_id, ...} objects, or from one comma-separated string."""
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.replace("，", ",").split(",") if v.strip())
    if isinstance(value, (list, tuple)):
        return tuple(str(v.get("task_id", "")) if isinstance(v, dict) else str(v) for v in value)
    return ()


def _date(value: object) -> object:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value

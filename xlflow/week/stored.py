"""The week's record beside each task snapshot: everything else a weekly brief shows.

A brief built again later must show what it showed then, so the merge stores, with its task
snapshot, the week as it computed it. Stored as compressed JSON in its own table, keyed by the
snapshot's id; the newest record of a day is the one a brief reads, like the snapshots.

Three versions: 3 (VERSION) is 2 with its large parts (the control's baselines, the scorecard's
traces...) each kept once for every record that holds it the same (week/pieces.py); 2 is the whole
WeekState of the merge (week/codec.py) but its task rows,
which are the snapshot's, stored beside it by the same merge; 1, written by xlflow before it, holds
parts — the open risks, the action items, the dependency problems, the RACI conflicts and, under
`extra`, later parts by name (week/parts.py) — that week/record.py reads, recomputing a missing one.
"""
from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias, cast

from ..errors import XlflowError
from ..i18n import LANGS, Phrase, msg
from ..store.db import Database, register
from ..store.jsonvalues import json_default
from . import pieces

if TYPE_CHECKING:
    from ..plan.model import MasterPlan, Record

JSONValue: TypeAlias = "str | int | float | bool | None | list[JSONValue] | dict[str, JSONValue]"
JSONObject: TypeAlias = "dict[str, JSONValue]"  # a record's body as json.loads reads it back
Row: TypeAlias = "Mapping[str, object]"  # a plain row: text, numbers, dates (ISO text once read back)

SCHEMA = """
CREATE TABLE IF NOT EXISTS week_records (
    snapshot_id INTEGER PRIMARY KEY,  -- snapshots.id of the merge that recorded it
    as_of TEXT NOT NULL,
    data BLOB NOT NULL  -- compressed JSON of WeekRecord's lists
);
CREATE INDEX IF NOT EXISTS week_records_as_of ON week_records (as_of);
"""
register("store.weekrecord", SCHEMA)
VERSION = 3  # of the record a merge writes now (3: its large parts kept once, week/pieces.py)


@dataclass(frozen=True)
class WeekRecord:
    """Plain rows (dicts of text, numbers and ISO dates), so that any later version can read them."""

    as_of: dt.date
    risks: tuple[Row, ...] = ()  # issue-log rows, each with its "department"
    actions: tuple[Row, ...] = ()  # action items with their meeting, "department" and "overdue"
    problems: tuple[Row, ...] = ()  # dependency problems: kind, department, task_id, other_*, detail {zh, en}
    raci_conflicts: tuple[Row, ...] = ()  # kind, item, departments, sources
    extra: Mapping[str, object] = field(default_factory=dict)  # other parts' plain rows, by name (week/parts.py)


def both_languages(value: object) -> object:
    """A problem's detail as stored: a Phrase told in each language, plain text as it is."""
    if isinstance(value, Phrase):
        return {lang: value.render(lang) for lang in LANGS}
    return value


def from_plan(plan: MasterPlan, extra: Mapping[str, object] | None = None) -> WeekRecord:
    """What the brief of the plan's week needs besides the tasks."""
    def rows(records: list[Record]) -> tuple[Row, ...]:
        return tuple({**r.values, "department": r.department, "overdue": r.overdue} for r in records)

    problems = tuple({"kind": p.kind, "department": p.department, "task_id": p.task_id,
                      "other_department": p.other_department, "other_task_id": p.other_task_id,
                      "detail": both_languages(p.detail)} for p in plan.problems)
    conflicts = tuple({"kind": c.kind, "item": c.item, "departments": list(c.departments),
                       "sources": list(c.sources)} for c in plan.raci_conflicts)
    return WeekRecord(plan.as_of, rows(plan.issues), rows(plan.actions), problems, conflicts, dict(extra or {}))


def save(db: Database, snapshot_id: int, record: WeekRecord) -> None:
    """Store a version-1 record of the merge `snapshot_id` (a merge of given files, which computes no
    plan control, writes this one), replacing the older records of the same day."""
    body = {"risks": record.risks, "actions": record.actions, "problems": record.problems,
            "raci_conflicts": record.raci_conflicts, "extra": record.extra}
    _write(db, snapshot_id, record.as_of, json.dumps(body, default=json_default, ensure_ascii=False))


def save_state(db: Database, snapshot_id: int, as_of: dt.date, state: JSONValue, sidecars: Iterable[Row],
               journal: int, score_past: JSONValue = None) -> None:
    """Store the merge's week (a WeekState as week/codec.py encodes it, without its task rows), the
    submission rows of accepted workbooks known only by their sidecars (for the weeks after), how
    many files the journal held up to the merge's day (week/pipeline.py: journal_mark) and, when its
    scorecard is stored without its finished weeks, where they are (features/scorecard/past.py)."""
    kept, parts = pieces.split(state) if isinstance(state, dict) else (state, {})
    body = {"version": VERSION, "state": kept, "sidecars": list(sidecars), "journal": journal}
    if score_past is not None:
        body["score_past"] = score_past
    _write(db, snapshot_id, as_of, json.dumps(body, ensure_ascii=False, separators=(",", ":"), check_circular=False),
           parts)


def _write(db: Database, snapshot_id: int, as_of: dt.date, text: str, parts: dict[str, str] | None = None) -> None:
    blob = zlib.compress(text.encode("utf-8"), 1)
    with db.transaction() as con:
        # like the snapshots, only the day's newest merge is kept: the brief compares days and weeks
        older = [r[0] for r in con.execute("SELECT snapshot_id FROM week_records WHERE as_of=? AND snapshot_id < ?",
                                           (as_of.isoformat(), snapshot_id))]
        con.execute("DELETE FROM week_records WHERE as_of=? AND snapshot_id < ?", (as_of.isoformat(), snapshot_id))
        con.execute("INSERT OR REPLACE INTO week_records (snapshot_id, as_of, data) VALUES (?,?,?)",
                    (snapshot_id, as_of.isoformat(), blob))
        pieces.keep(con, snapshot_id, parts or {}, older)  # the parts the older ones alone named go with them


def read(db: Database, as_of: dt.date) -> WeekRecord | JSONObject | None:
    """The newest record of the day `as_of` (the day of the snapshot a brief reads): a version-2
    record as its body (a dict: "state", encoded by week/codec.py, "sidecars", "journal", and
    "score_past" when the state's scorecard is stored without its finished weeks: read it with
    week/pipeline.py stored_week), a version-1 record as a WeekRecord, or None when the merge of that
    day was made by a version of xlflow that kept none."""
    with db.transaction() as con:
        row = con.execute("SELECT data FROM week_records WHERE as_of=? ORDER BY snapshot_id DESC LIMIT 1",
                          (as_of.isoformat(),)).fetchone()
        if row is None:
            return None
        body = cast(JSONObject, json.loads(zlib.decompress(row[0])))  # the JSON object _write stored
        version = body.get("version", 1)
        if isinstance(version, int) and version > VERSION:
            raise XlflowError("week-record-newer", day=as_of.isoformat(), found=version, known=VERSION)
        if isinstance(version, int) and version >= 2:
            try:
                return {**body, "state": pieces.join(con, body.get("state"))}
            except pieces.MissingPart:
                return None  # a part deleted by hand: as a day without a record (week/record.py recomputes)
    extra = body.get("extra", {})
    return WeekRecord(as_of, rows_of(body.get("risks")), rows_of(body.get("actions")), rows_of(body.get("problems")),
                      rows_of(body.get("raci_conflicts")), extra if isinstance(extra, dict) else {})


def rows_of(value: JSONValue) -> tuple[JSONObject, ...]:
    """A stored list of rows (none: no list)."""
    return tuple(r for r in value if isinstance(r, dict)) if isinstance(value, list) else ()


def load(db: Database, as_of: dt.date) -> WeekRecord | None:
    """The day's version-1 record (None: none, or a version-2 one)."""
    found = read(db, as_of)
    return found if isinstance(found, WeekRecord) else None


def detail_text(detail: object, lang: str) -> str:
    """A stored problem detail in `lang` (stored in both languages, or as plain text)."""
    if isinstance(detail, dict):
        return str(detail.get(lang) or next(iter(detail.values()), ""))
    return str(detail or "")


def problem_text(problem: Mapping[str, object], lang: str) -> str:
    return msg(f"merge-problem-{problem.get('kind')}", lang)

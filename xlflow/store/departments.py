"""Departments retired from the project (issue 18 item 10): kept in the state database with how
they were configured, so that their history stays readable and a past week is rendered with the
departments it had.

`xlflow department retire CODE` records the department here (its name, contacts and place in
xlflow.toml's order, and the day) and moves accepted/CODE.* to accepted/retired/; the coordinator
then removes its [[departments]] table from xlflow.toml. Nothing else is rewritten: its submissions,
versions, snapshots and week records stay as they are.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from ..config import Department, Workspace
from ..spec.catalog import Text
from .db import Database, now_iso, register
from .renames import before, with_renames

SCHEMA = """
CREATE TABLE IF NOT EXISTS retired_departments (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    email TEXT NOT NULL,
    contact TEXT NOT NULL,
    position INTEGER NOT NULL,  -- its place in xlflow.toml's [[departments]] when it was retired
    retired TEXT NOT NULL,  -- the day (local) from which it is no longer part of the project
    recorded TEXT NOT NULL
);
"""
register("store.departments", SCHEMA)


@dataclass(frozen=True)
class Retired:
    department: Department
    position: int
    retired: dt.date


def record_retired(db: Database, department: Department, position: int, day: dt.date) -> None:
    with db.transaction() as con:
        con.execute("INSERT OR REPLACE INTO retired_departments VALUES (?,?,?,?,?,?,?,?)",
                    (department.code, department.name.zh, department.name.en, department.email,
                     department.contact, position, day.isoformat(), now_iso()))


def retired(db: Database) -> list[Retired]:
    with db.transaction() as con:
        rows = con.execute("SELECT * FROM retired_departments ORDER BY position, code").fetchall()
    return [Retired(Department(r["code"], Text(r["name_zh"], r["name_en"]), r["email"], r["contact"]),
                    r["position"], dt.date.fromisoformat(r["retired"])) for r in rows]


def as_configured(ws: Workspace, db: Database, day: dt.date) -> Workspace:
    """The workspace with the departments it had on `day`: those retired after it put back in their
    place (a retired department still in xlflow.toml is kept as configured), and each one renamed after
    it under its old code and names."""
    ws = before(with_renames(ws, db), db, day)
    codes = {d.code for d in ws.departments}
    back = [r for r in retired(db) if r.retired > day and r.department.code not in codes]
    if not back:
        return ws
    departments = list(ws.departments)
    for r in back:
        departments.insert(min(r.position, len(departments)), r.department)
    return dataclasses.replace(ws, departments=tuple(departments))

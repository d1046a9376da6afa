"""Departments renamed mid-project (issue 18 item 10): `xlflow department rename OLD NEW` records here
which code became which, on which day, and how OLD was configured (names, contacts, whether it led).

Nothing received is rewritten: OLD's submissions, versions and snapshots stay under OLD. Readers
apply the record instead, in one place each:
- `with_renames`: the workspace as it is now, each department carrying the codes it had (`former`),
  so that a workbook stamped OLD is NEW's and its task IDs (OLD-001) stay valid; while xlflow.toml
  still names OLD (the command comes first, the edit after), OLD is shown as NEW already;
- `codes_of`: NEW's code and every code it had, for its version history (StateDB.versions);
- `before`: the workspace of a day before the rename, OLD as it was configured (past briefs).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from ..config import Department, Workspace
from ..spec.catalog import Text
from .db import Database, now_iso, register

SCHEMA = """
CREATE TABLE IF NOT EXISTS renamed_departments (
    old TEXT PRIMARY KEY,
    new TEXT NOT NULL,
    name_zh TEXT NOT NULL,  -- OLD as it was configured, for the weeks before the rename
    name_en TEXT NOT NULL,
    email TEXT NOT NULL,
    contact TEXT NOT NULL,
    lead INTEGER NOT NULL,  -- 1 if OLD was [project] lead_department
    renamed TEXT NOT NULL,  -- the day (local) from which it is NEW
    recorded TEXT NOT NULL
);
"""
register("store.renames", SCHEMA)


@dataclass(frozen=True)
class Renamed:
    old: Department  # as configured before the rename
    new: str
    lead: bool
    renamed: dt.date


def record_renamed(db: Database, old: Department, new: str, lead: bool, day: dt.date) -> None:
    """The rename, and the department's current version (and the ledger of its accepted workbook) as
    NEW's, in one transaction."""
    with db.transaction() as con:
        con.execute("INSERT INTO renamed_departments VALUES (?,?,?,?,?,?,?,?,?)",
                    (old.code, new, old.name.zh, old.name.en, old.email, old.contact, int(lead),
                     day.isoformat(), now_iso()))
        con.execute("UPDATE accepted SET department=? WHERE department=?", (new, old.code))
        con.execute("UPDATE accepted_files SET department=? WHERE department=?", (new, old.code))


def renames(db: Database) -> list[Renamed]:
    """Every rename, in the order they were made."""
    with db.transaction() as con:
        rows = con.execute("SELECT * FROM renamed_departments ORDER BY recorded, old").fetchall()
    return [Renamed(Department(r["old"], Text(r["name_zh"], r["name_en"]), r["email"], r["contact"]),
                    r["new"], bool(r["lead"]), dt.date.fromisoformat(r["renamed"])) for r in rows]


def codes_of(found: list[Renamed], code: str) -> tuple[str, ...]:
    """`code` and every code it had before, newest first (RD → RE → RX: RX, RE, RD)."""
    out = [code]
    for r in reversed(found):
        if r.new in out and r.old.code not in out:
            out.append(r.old.code)
    return tuple(out)


def with_renames(ws: Workspace, db: Database) -> Workspace:
    """The workspace with every rename applied: NEW carries OLD's codes, and a department xlflow.toml
    still names by its old code is shown under its new one (the config edit may come after)."""
    found = renames(db)
    if not found:
        return ws
    departments = list(ws.departments)
    lead = ws.project.lead_department
    for r in found:
        at = {d.code: i for i, d in enumerate(departments)}
        if r.new not in at and r.old.code in at:
            departments[at[r.old.code]] = dataclasses.replace(departments[at[r.old.code]], code=r.new)
        elif r.old.code in at:  # both named: OLD is NEW now
            del departments[at[r.old.code]]
        lead = r.new if lead == r.old.code else lead
    departments = [dataclasses.replace(d, former=codes_of(found, d.code)[1:]) for d in departments]
    project = dataclasses.replace(ws.project, lead_department=lead)
    return dataclasses.replace(ws, departments=tuple(departments), project=project)


def before(ws: Workspace, db: Database, day: dt.date) -> Workspace:
    """The workspace of `day`: each department renamed after it shown as it was then (code, names,
    contacts, lead), the newest rename undone first."""
    return undone(ws, [r for r in renames(db) if r.renamed > day])


def set_aside(db: Database) -> list[Renamed]:
    """Every rename, taken out of the record: the rebuild's replay records each again on its day
    (record_renamed), so that what was received before it is OLD's, as it was."""
    found = renames(db)
    with db.transaction() as con:
        con.execute("DELETE FROM renamed_departments")
    return found


def undone(ws: Workspace, later: list[Renamed]) -> Workspace:
    """The workspace with the renames `later` (in the order made) not made yet: NEW as OLD was."""
    if not later:
        return ws
    departments = list(ws.departments)
    lead = ws.project.lead_department
    for r in reversed(later):
        at = {d.code: i for i, d in enumerate(departments)}
        if r.new in at:
            departments[at[r.new]] = dataclasses.replace(r.old, former=departments[at[r.new]].former[1:])
        lead = r.old.code if r.lead else lead
    project = dataclasses.replace(ws.project, lead_department=lead)
    return dataclasses.replace(ws, departments=tuple(departments), project=project)

"""Departments leaving the project (issue 18 item 10): `xlflow department retire CODE`, and the merge's
note about a department whose versions were accepted but which xlflow.toml no longer names.

Retiring records the department in the state database (store/departments.py) as it is configured
(name, contacts, its place in the order) and moves accepted/CODE.xlsx and its sidecar to
accepted/retired/, so the next merge no longer includes it. The command does not edit xlflow.toml:
a TOML writer that keeps the coordinator's comments and layout would be a new dependency, and the
change is one table to delete, which the command names. Everything received stays: `xlflow history
CODE` still lists it, and a past week's brief is rendered with the departments it had.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from ..errors import UsageError
from ..i18n import msg
from ..store.accepted import workbook_path
from ..store.departments import record_retired, retired
from ..store.state import StateDB


@dataclass(frozen=True)
class RetireResult:
    code: str
    moved: tuple[Path, ...]  # accepted/CODE.* now in accepted/retired/
    versions: int  # accepted versions on record (kept)

    def lines(self, ws: Workspace, lang: str) -> list[str]:
        out = [msg("department-retired", lang, department=self.code, versions=self.versions)]
        out += [msg("department-retired-moved", lang, path=p) for p in self.moved]
        return out + [msg("department-retired-edit", lang, department=self.code, config=ws.root / "xlflow.toml")]


def retire(ws: Workspace, raw: str, day: dt.date | None = None) -> RetireResult:
    """Retire a department from `day` (today): recorded, its accepted workbook set aside, nothing deleted."""
    db = StateDB(ws.state_db)
    code = ws.find_department(raw) or raw.strip().upper()
    known = {r.department.code for r in retired(db)}
    versions = len(db.versions(code))
    if code in known:
        raise UsageError("department-already-retired", department=code)
    if code == ws.project.lead_department:
        raise UsageError("department-retire-lead", department=code)
    configured = ws.department(code)
    if configured is None and not versions:
        raise UsageError("department-unknown", department=raw,
                         departments=", ".join(d.code for d in ws.departments))
    if configured is None:  # its name and place are gone with its table: past briefs would change
        raise UsageError("department-retire-unconfigured", department=code, config=str(ws.root / "xlflow.toml"))
    position = next(i for i, d in enumerate(ws.departments) if d.code == code)
    record_retired(db, configured, position, day or dt.date.today())
    return RetireResult(code, _set_aside(ws, code), versions)


def _set_aside(ws: Workspace, code: str) -> tuple[Path, ...]:
    workbook = workbook_path(ws, code)
    folder = ws.folder("accepted") / "retired"
    moved = []
    for path in (workbook, workbook.with_suffix(".json")):
        if path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            os.replace(path, folder / path.name)
            moved.append(folder / path.name)
    return tuple(moved)


def is_retired(ws: Workspace, code: str) -> bool:
    return any(r.department.code == code for r in retired(StateDB(ws.state_db)))


def unconfigured(ws: Workspace, db: StateDB) -> list[tuple[str, int | None]]:
    """Each department with an accepted version that xlflow.toml no longer names and that was not
    retired (renamed or removed by editing the file), with its version: its tasks are not in the master."""
    configured = {d.code for d in ws.departments} | {r.department.code for r in retired(db)}
    return [(code, a.version) for code, a in db.accepted().items() if code not in configured]


def unconfigured_lines(ws: Workspace, found: list[tuple[str, int | None]], lang: str) -> list[str]:
    return [msg("department-unconfigured", lang, department=code, version=version, config=ws.root / "xlflow.toml")
            for code, version in found]

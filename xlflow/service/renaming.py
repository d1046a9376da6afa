"""`xlflow department rename OLD NEW` (issue 18 item 10): a reorganised department keeps working under
its new code without a break.

The command comes first and the edit of xlflow.toml after it (xlflow does not rewrite the file, as for
retiring): OLD must still be configured, so that its names are recorded for the weeks before the
rename. From the moment the command ran, xlflow treats OLD as NEW whether or not the file was edited yet
(store/renames.with_renames); the edit only makes the file say so. An edit made first (OLD gone from the
file) is refused with what to do, and nothing is changed.

What moves: accepted/OLD.xlsx and its sidecar become accepted/NEW.*, and the current version is NEW's
(its next version continues the numbers). What stays: OLD's submissions, archive, snapshots and week
records, read under NEW by StateDB.versions/history and under OLD by a past week's brief.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from ..errors import UsageError
from ..i18n import msg
from ..store.accepted import workbook_path
from ..store.atomic import atomic_path, write_bytes
from ..store.departments import retired
from ..store.renames import record_renamed, renames, with_renames
from ..store.state import StateDB

_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")  # as xlflow.toml's [[departments]] code


@dataclass(frozen=True)
class RenameResult:
    old: str
    new: str
    day: dt.date
    versions: int  # OLD's accepted versions, now NEW's history
    moved: tuple[Path, ...]  # accepted/NEW.* made from accepted/OLD.*
    new_configured: bool  # xlflow.toml already has a [[departments]] table for NEW
    lead: bool

    def lines(self, ws: Workspace, lang: str) -> list[str]:
        config = ws.root / "xlflow.toml"
        out = [msg("department-renamed", lang, old=self.old, new=self.new, day=self.day.isoformat(),
                   versions=self.versions)]
        out += [msg("department-renamed-moved", lang, path=p) for p in self.moved if p.suffix != ".json"]  # not its sidecar
        edit = "department-renamed-delete-old" if self.new_configured else "department-renamed-edit"
        out.append(msg(edit, lang, old=self.old, new=self.new, config=config))
        if self.lead:
            out.append(msg("department-renamed-lead", lang, old=self.old, new=self.new, config=config))
        return out + [msg("department-renamed-kept", lang, old=self.old, new=self.new)]


def rename(ws: Workspace, raw_old: str, raw_new: str, day: dt.date | None = None) -> RenameResult:
    """Rename department OLD to NEW from `day` (today): recorded, its current version moved, nothing
    received rewritten."""
    db = StateDB(ws.state_db)
    old, new = _checked(ws, db, raw_old, raw_new)
    configured = ws.department(old)
    assert configured is not None  # _checked
    day = day or dt.date.today()
    moved = move_current(ws, old, new)
    record_renamed(db, configured, new, ws.project.lead_department == old, day)
    remove_old(ws, old)
    return RenameResult(old, new, day, len(db.versions(new)), moved, ws.department(new) is not None,
                        ws.project.lead_department == old)


def _checked(ws: Workspace, db: StateDB, raw_old: str, raw_new: str) -> tuple[str, str]:
    """(OLD, NEW) when the rename can be made; else the UsageError saying why and what to do."""
    now = with_renames(ws, db)
    done = {r.old.code: r.new for r in renames(db)}
    if (typed := raw_old.strip().upper()) in done:
        raise UsageError("department-already-renamed", old=typed, new=done[typed])
    old = ws.find_department(raw_old) or typed
    new = raw_new.strip().upper()
    if any(r.department.code == old for r in retired(db)):
        raise UsageError("department-renamed-retired", department=old)
    if not _CODE_RE.match(new):
        raise UsageError("department-rename-bad-code", new=raw_new)
    if new == old:
        raise UsageError("department-rename-same", department=old)
    if ws.department(old) is None:
        if db.versions(old) or now.find_department(old):
            raise UsageError("department-rename-unconfigured", old=old, new=new, config=str(ws.root / "xlflow.toml"))
        raise UsageError("department-unknown", department=raw_old,
                         departments=", ".join(d.code for d in ws.departments))
    if new in done or new in done.values() or db.history(new) or any(r.department.code == new for r in retired(db)):
        raise UsageError("department-rename-taken", old=old, new=new)
    return old, new


def remove_old(ws: Workspace, old: str) -> None:
    """OLD's accepted/ workbook and sidecar, once the database says NEW."""
    for path in (workbook_path(ws, old), workbook_path(ws, old).with_suffix(".json")):
        path.unlink(missing_ok=True)


def move_current(ws: Workspace, old: str, new: str) -> tuple[Path, ...]:
    """accepted/NEW.xlsx and its sidecar (saying NEW) from OLD's; OLD's are removed once the database
    says NEW (a crash in between leaves OLD's files and no record: the command can be run again)."""
    source, target = workbook_path(ws, old), workbook_path(ws, new)
    if not source.is_file():
        return ()
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    moved = [target]
    sidecar = source.with_suffix(".json")
    if sidecar.is_file():
        data = json.loads(sidecar.read_text("utf-8"))
        data["department"] = new
        write_bytes(target.with_suffix(".json"), json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
        moved.append(target.with_suffix(".json"))
    return tuple(moved)

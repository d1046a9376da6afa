"""The accepted folder: accepted/<DEPT>.xlsx, each department's current valid workbook, and
its sidecar accepted/<DEPT>.json saying which submission it is. Written and read only here, and each
workbook written is recorded in the database's accepted_files table (what ledger.py verifies).

Sidecar: {"department", "file" (the name the submitter used), "received" (ISO time with
offset), "sha256", "version"}. The workbook is replaced first: a sidecar always describes a
workbook that is already in place. Then the state database records the file as written
(ledger.py), and the merge trusts only what matches that record.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from .atomic import atomic_path, write_bytes
from .db import Database, register

LEDGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS accepted_files (
    department TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    file_sha256 TEXT NOT NULL,  -- accepted/<DEPT>.xlsx as xlflow wrote it (a clean copy of the original)
    sha256 TEXT NOT NULL,  -- the submission's, as in its sidecar and the archive
    file_name TEXT NOT NULL,
    recorded TEXT NOT NULL
);
"""
register("store.accepted", LEDGER_SCHEMA)


@dataclass(frozen=True)
class AcceptedVersion:
    """A department's current accepted workbook. Fields its sidecar lacks (a workbook put in
    by hand) are None; `path` is None when the state database, not the folder, is the source."""

    department: str
    version: int | None
    received: dt.datetime | None
    file_name: str | None
    sha256: str | None
    path: Path | None = None


def workbook_path(ws: Workspace, department: str) -> Path:
    return ws.folder("accepted") / f"{department}.xlsx"


def write_accepted(ws: Workspace, source: Path, department: str, file_name: str, received: str,
                   sha256: str, version: int) -> AcceptedVersion:
    """Make `source` the department's accepted workbook, then write its sidecar; each atomically.
    A fixed feedback copy is stored without xlflow's marks (findings sheet, fills, comments), so
    next week's reminder attaches a clean workbook; the archive keeps the file as received."""
    from ..xlsx.bounded import clean  # openpyxl: imported when a file is accepted, not by `status`
    from ..xlsx.feedback import is_feedback_copy

    target = workbook_path(ws, department)
    with atomic_path(target) as tmp:
        if not is_feedback_copy(source) or clean(source, tmp).path is None:  # bounded: see xlsx/bounded.py
            shutil.copyfile(source, tmp)
    sidecar = {"department": department, "file": file_name, "received": received, "sha256": sha256,
               "version": version}
    write_bytes(target.with_suffix(".json"), json.dumps(sidecar, ensure_ascii=False, indent=2).encode("utf-8"))
    record_stored(Database(ws.state_db), department, version, sha256_file(target), sha256, file_name)
    return AcceptedVersion(department, version, _datetime(received), file_name, sha256, target)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def record_stored(db: Database, department: str, version: int, file_sha256: str, sha256: str,
                  file_name: str) -> None:
    """accepted/<DEPT>.xlsx was just written by xlflow: remember what it is."""
    with db.transaction() as con:
        con.execute("INSERT INTO accepted_files VALUES (?,?,?,?,?,?) ON CONFLICT (department) DO UPDATE SET"
                    " version=excluded.version, file_sha256=excluded.file_sha256, sha256=excluded.sha256,"
                    " file_name=excluded.file_name, recorded=excluded.recorded",
                    (department, version, file_sha256, sha256, file_name,
                     dt.datetime.now().astimezone().isoformat(timespec="seconds")))


def current(ws: Workspace, department: str) -> AcceptedVersion | None:
    """The department's accepted workbook and what its sidecar says; None if there is none."""
    path = workbook_path(ws, department)
    if not path.is_file():
        return None
    meta = _sidecar(path.with_suffix(".json"))
    version, file_name, sha = meta.get("version"), meta.get("file"), meta.get("sha256")
    return AcceptedVersion(department, version if isinstance(version, int) else None, _datetime(meta.get("received")),
                           file_name if isinstance(file_name, str) else None, sha if isinstance(sha, str) else None,
                           path)


def read_accepted(ws: Workspace, but: Container[str] = ()) -> list[AcceptedVersion]:
    """Every configured department's accepted workbook, in the configuration's order; those of the
    departments in `but` are not read (a caller that wants only the ones the database does not know)."""
    found = (current(ws, d.code) for d in ws.departments if d.code not in but)
    return [a for a in found if a is not None]


def _sidecar(path: Path) -> dict:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _datetime(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None

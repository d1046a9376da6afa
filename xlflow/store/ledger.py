"""accepted/ checked against the state database before the merge trusts it.

The merge used to take whatever lay in accepted/: a workbook copied there by hand merged a
department twice, and a forged sidecar put version 999 into the master. Now every workbook that
store/accepted.py writes is recorded, in the state database (its accepted_files table), with the hash of the file as
written, its version and the submission's hash and name. `verify_accepted` compares accepted/ with
that record; what does not match is reported (a Mismatch) and not merged, and the department's last
good version is taken from the archive instead (its original, checked against the recorded hash).

A workspace whose database predates this record (no row for a department yet) is trusted once when
the sidecar agrees with the database's accepted version, and its file hash is recorded from then on.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Workspace
from ..i18n import Phrase
from .accepted import AcceptedVersion, read_accepted, record_stored, sha256_file, workbook_path
from .departments import retired

if TYPE_CHECKING:
    from .state import StateDB


@dataclass(frozen=True)
class StoredFile:
    department: str
    version: int
    file_sha256: str
    sha256: str
    file_name: str


@dataclass(frozen=True)
class Mismatch:
    """A workbook in accepted/ that is not what the database recorded, and what the merge used instead."""

    department: str
    path: Path
    problem: Phrase
    version: int | None  # the version the database records as current (None: none)
    fallback: AcceptedVersion | None  # that version's archived original, when it is there and intact

    def line(self, lang: str) -> str:
        if self.fallback is not None:
            return Phrase("accepted-mismatch-used", department=self.department, problem=self.problem,
                          version=self.version, archive=self.fallback.path).render(lang)
        return Phrase("accepted-mismatch-left-out", department=self.department, problem=self.problem).render(lang)


def stored(db: StateDB) -> dict[str, StoredFile]:
    with db.transaction() as con:
        rows = con.execute("SELECT department, version, file_sha256, sha256, file_name FROM accepted_files").fetchall()
    return {r[0]: StoredFile(*r) for r in rows}


def _problem(a: AcceptedVersion, found: str, record: StoredFile | None) -> Phrase | None:
    path = str(a.path)
    if record is None:
        return Phrase("accepted-mismatch-not-recorded", path=path, department=a.department)
    if found != record.file_sha256:
        return Phrase("accepted-mismatch-file", path=path, version=record.version, found=found[:12],
                      recorded=record.file_sha256[:12])
    if a.version != record.version:
        return Phrase("accepted-mismatch-version", path=path, found=a.version if a.version is not None else "?",
                      version=record.version)
    if a.sha256 != record.sha256 or a.file_name != record.file_name:
        return Phrase("accepted-mismatch-sidecar", path=path)
    return None


def _last_good(db: StateDB, department: str, version: int | None) -> AcceptedVersion | None:
    """The archived original of the department's recorded version, if it is there and unchanged."""
    if version is None:
        return None
    for rec in reversed(db.versions(department)):
        if rec.version != version or not rec.archive_path:
            continue
        archived = Path(rec.archive_path)
        try:
            intact = archived.is_file() and sha256_file(archived) == rec.sha256
        except OSError:
            intact = False
        if intact:
            return AcceptedVersion(department, version, rec.received, rec.file_name, rec.sha256, archived)
    return None


def _missing(ws: Workspace, db: StateDB, present: set[str]) -> list[Mismatch]:
    """Configured departments with a current version on record whose accepted/ workbook is gone
    (deleted, moved away): merged from the archive like a changed one, and said. A retired one is
    not missing (until its table leaves xlflow.toml it is still configured)."""
    out = []
    gone = {r.department.code for r in retired(db)}  # `department retire` moved its workbook away on purpose
    for department, current in db.accepted().items():
        if department in present or department in gone or ws.department(department) is None:
            continue
        path = workbook_path(ws, department)
        problem = Phrase("accepted-mismatch-missing", path=str(path), version=current.version)
        out.append(Mismatch(department, path, problem, current.version, _last_good(db, department, current.version)))
    return out


def verify_accepted(ws: Workspace, db: StateDB, adopt: bool = True
                    ) -> tuple[list[tuple[AcceptedVersion, str]], list[Mismatch]]:
    """accepted/ against the database: ([(trusted workbook, its file hash)], [what does not match]).
    `adopt`: record the file hash of a workbook accepted before this record existed (False: read only)."""
    records, legacy = stored(db), None
    good: list[tuple[AcceptedVersion, str]] = []
    bad: list[Mismatch] = []
    found_in_folder = read_accepted(ws)
    bad += _missing(ws, db, {a.department for a in found_in_folder})
    for a in found_in_folder:
        if a.path is None:
            continue  # (never: read_accepted gives each its file)
        found = sha256_file(a.path)
        record = records.get(a.department)
        if record is None:
            legacy = db.accepted() if legacy is None else legacy
            old = legacy.get(a.department)
            if old is not None and old.version is not None and old.sha256 is not None:  # (always, from the table)
                if (old.version, old.sha256) == (a.version, a.sha256):  # recorded before this table
                    if adopt:
                        record_stored(db, a.department, old.version, found, old.sha256,
                                      a.file_name or old.file_name or "")
                    good.append((a, found))
                    continue
                # the file cannot be checked, its sidecar can
                record = StoredFile(a.department, old.version, found, old.sha256, a.file_name or "")
        problem = _problem(a, found, record)
        if problem is None:
            good.append((a, found))
            continue
        version = record.version if record else None
        bad.append(Mismatch(a.department, a.path, problem, version, _last_good(db, a.department, version)))
    return good, bad

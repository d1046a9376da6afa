"""The archive pack: one zip of everything the project leaves behind, with a SHA-256 manifest.

    MANIFEST.sha256          "<sha256>  <member>" lines (`sha256sum -c` reads them after unzipping)
    xlflow.toml
    xlflow.sqlite            a consistent copy, taken with SQLite's backup API while others may write
    accepted/…               each department's current version and its sidecar
    versions/<DEPT>/v<N>-…   every accepted version over the project's life, as received
    master/… reports/… slices/…  the masters, the briefs and reports, the department slices

`verify_archive` reads every member back and reports each one missing, altered or unlisted.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from ..store.atomic import atomic_path
from ..store.readonly import readonly_uri
from ..store.state import StateDB

MANIFEST = "MANIFEST.sha256"
FOLDERS = ("accepted", "master", "reports", "slices")


@dataclass(frozen=True)
class Problem:
    kind: str  # missing | altered | unlisted | unreadable | no-manifest
    member: str


def _files(folder: Path, prefix: str) -> Iterator[tuple[Path, str]]:
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith((".~xlflow-", "~$", ".~lock.")):
                yield path, f"{prefix}/{path.relative_to(folder).as_posix()}"


def _versions(ws: Workspace, db: StateDB) -> Iterator[tuple[Path, str]]:
    for s in db.submissions():
        if s.result == "accepted" and s.archive_path and Path(s.archive_path).is_file():
            yield Path(s.archive_path), f"versions/{s.department or '_'}/v{s.version or 0}-{Path(s.archive_path).name}"


def backup_database(source: Path, target: Path) -> None:
    """A consistent copy of the live database (sqlite3's online backup: pages copied under a read lock)."""
    src = sqlite3.connect(readonly_uri(source), uri=True, timeout=30.0)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def build_archive(ws: Workspace, target: Path) -> tuple[Path, int]:
    """Write the pack to `target` atomically; returns (target, number of members besides the manifest)."""
    db = StateDB(ws.state_db)
    members: list[tuple[Path, str]] = [(ws.root / "xlflow.toml", "xlflow.toml")]
    for name in FOLDERS:
        members += list(_files(ws.root / name if name == "slices" else ws.folder(name), name))
    members += list(_versions(ws, db))
    lines = []
    with tempfile.TemporaryDirectory(prefix="xlflow-pack-") as tmpdir, atomic_path(target) as tmp:
        copy = Path(tmpdir) / "xlflow.sqlite"
        backup_database(ws.state_db, copy)
        members.append((copy, "xlflow.sqlite"))
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for path, name in members:
                lines.append(f"{_sha256_file(path)}  {name}")
                zf.write(path, name)
            zf.writestr(MANIFEST, "\n".join(lines) + "\n")
    return target, len(members)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_archive(path: Path) -> tuple[int, list[Problem]]:
    """(members checked, problems); a zip that cannot be opened raises zipfile.BadZipFile / OSError."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        if MANIFEST not in names:
            return 0, [Problem("no-manifest", MANIFEST)]
        listed = {}
        for line in zf.read(MANIFEST).decode("utf-8").splitlines():
            digest, _, member = line.partition("  ")
            if member:
                listed[member] = digest.strip().lower()
        problems = [Problem("unlisted", n) for n in sorted(names - set(listed) - {MANIFEST})]
        for member, digest in listed.items():
            if member not in names:
                problems.append(Problem("missing", member))
                continue
            try:
                h = hashlib.sha256()
                with zf.open(member) as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError):
                problems.append(Problem("unreadable", member))
                continue
            if h.hexdigest() != digest:
                problems.append(Problem("altered", member))
    return len(listed), problems

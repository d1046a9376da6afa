"""The other sheets' digests of masters no longer kept are pruned (features/coordinator/strays.py
prune_digests) without reading every kept copy at every merge: a copy is hashed again only when
its size, modification time or file ID changed, and a copy changed behind xlflow's back is found.
Real files under a real .xlflow/written/ folder, a real state database."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from xlflow.features.coordinator import strays
from xlflow.store.db import Database


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _keep_digest(db: Database, key: str) -> None:
    with db.transaction() as con:
        con.execute("INSERT OR REPLACE INTO master_sheet_digests VALUES (?,?,?)", (key, "Dashboard", ""))


def _keys(db: Database) -> set[str]:
    with db.transaction() as con:
        return {r[0] for r in con.execute("SELECT DISTINCT written FROM master_sheet_digests")}


def _counting(monkeypatch) -> list[Path]:
    read: list[Path] = []
    real = strays.file_sha256

    def counted(path: Path) -> str:
        read.append(path)
        return real(path)

    monkeypatch.setattr(strays, "file_sha256", counted)
    return read


def test_a_copy_is_hashed_once_until_it_changes_and_a_change_behind_xlflows_back_is_found(tmp_path, monkeypatch):
    written = tmp_path / ".xlflow" / "written"
    (written / "generations").mkdir(parents=True)
    db = Database(tmp_path / "xlflow.sqlite")
    first, second = b"PK first master" * 100, b"PK other master" * 100  # the same size
    (written / "generations" / "1.xlsx").write_bytes(first)
    os.link(written / "generations" / "1.xlsx", written / "abc-master.xlsx")  # a generation's copy is a link
    (written / "generations" / "2.xlsx").write_bytes(second)
    for data in (first, second, b"a copy no longer kept"):
        _keep_digest(db, _sha(data))
    read = _counting(monkeypatch)

    assert strays.prune_digests(written, db) == 1  # the copy no longer kept: its rows go
    assert _keys(db) == {_sha(first), _sha(second)} and len(read) == 2  # the linked copy read once

    read.clear()
    assert strays.prune_digests(written, db) == 0 and read == []  # nothing changed: nothing read again

    changed = written / "generations" / "2.xlsx"  # typed over behind xlflow's back, same size
    stat = changed.stat()
    changed.write_bytes(first.replace(b"first", b"third"))
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # (a coarse clock: moved on)
    assert strays.prune_digests(written, db) == 1 and read == [changed]
    assert _keys(db) == {_sha(first)}

    (written / "generations" / "1.xlsx").unlink()
    read.clear()
    assert strays.prune_digests(written, db) == 0 and read == []  # still there as abc-master.xlsx
    (written / "abc-master.xlsx").unlink()
    assert strays.prune_digests(written, db) == 1 and _keys(db) == set()

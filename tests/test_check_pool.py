"""A cold merge checks its files on a process pool (check/pool.py): each worker's submission is the
one a check in the merge's own process gives, with the same findings in the same order, and the
cache entries the workers wrote read back equal."""
from __future__ import annotations

import datetime as dt
import pickle
import shutil

from validate_helpers import filled_workbook, task
from xlflow.check.cache import SubmissionCache, check_and_cache
from xlflow.check.model import Row
from xlflow.check.pool import check_on_pool
from xlflow.spec.catalog import load_catalog
from xlflow.store.state import StateDB


def test_the_pool_gives_what_a_check_in_process_gives(tmp_path):
    rows = [task(1), task(2, predecessors="RD-001, RD-009", status="已完成", percent=90),
            task(3, start=dt.date(2026, 10, 2), due=dt.date(2026, 9, 20)), task(4, task_id="XX")]
    ws, blank, filled = filled_workbook(tmp_path, rows)
    files = [filled, blank, shutil.copy(filled, tmp_path / "again.xlsx")]
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    files.append(tmp_path / "broken.xlsx")
    received = dt.datetime(2026, 11, 20, 9, 30).astimezone()
    todo = [(path, received) for path in files]
    alone = [check_and_cache(path, ws, received, SubmissionCache(ws, load_catalog()), lean=True)
             for path in files]
    shutil.rmtree(ws.root / ".cache")
    cache = SubmissionCache(ws, load_catalog())
    with StateDB(ws.state_db).kept_open():
        pooled = check_on_pool(todo, ws, cache, workers=2)
    assert pooled == alone
    assert [f.cell for f in pooled[0].report.findings] == [f.cell for f in alone[0].report.findings]
    assert pooled[0].report.findings and not pooled[3].valid
    reader = SubmissionCache(ws, load_catalog())  # the entries the workers wrote, with their digests
    for sub in pooled[:3]:
        back = reader.get(sub.sha256, sub.path, received)
        assert back is not None and back.report == sub.report and back.data == sub.data


def test_a_row_pickles_as_itself():
    row = Row(12, {"task_id": "RD-001", "predecessors": ("RD-002",), "due": dt.date(2026, 9, 1)}, {"task_id": "A12"})
    back = pickle.loads(pickle.dumps(row))
    assert back == row and back.cells == row.cells and isinstance(back, Row)

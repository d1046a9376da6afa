"""The parse cache stores and restores each value by its field type: what a merge reads back from
the cache equals what the check produced (dates stay dates, ID lists stay tuples)."""
from __future__ import annotations

import datetime as dt

from validate_helpers import filled_workbook, task
from xlflow.check.cache import SubmissionCache
from xlflow.check.validate import check_file
from xlflow.spec.catalog import load_catalog


def test_a_cached_submission_comes_back_equal(tmp_path):
    rows = [task(1), task(2, predecessors="RD-001, MK-003", status="已完成", percent=100,
                         actual_finish=dt.date(2026, 10, 1))]
    ws, _, path = filled_workbook(tmp_path, rows)
    sub = check_file(path, ws)
    assert sub.valid, sub.report.lines("en")
    cache = SubmissionCache(ws, load_catalog())
    cache.put(sub)
    back = cache.get(sub.sha256, path, None)
    assert back is not None and back.department == "RD"
    for form_id, form in sub.data.forms.items():
        restored = back.data.forms[form_id]
        assert restored.card == form.card
        for table_id, table in form.tables.items():
            assert [r.values for r in restored.tables[table_id]] == [r.values for r in table]
    tasks = back.data.rows("wbs", "tasks")
    assert tasks[1].values["predecessors"] == ("RD-001", "MK-003")
    assert tasks[1].values["due"] == dt.date(2026, 10, 30)
    assert back.data.forms["wbs"].card["update_date"] == dt.date(2026, 11, 20)


def test_the_cache_is_stored_compressed_and_reads_an_older_plain_entry(tmp_path):
    """Bounded disk (issue 21): an entry is a seventh of its JSON; one an earlier xlflow wrote as plain
    JSON still reads back the same, and a damaged entry is a miss (parsed again), not an error."""
    import hashlib
    import json
    import zlib

    from xlflow.store.cachedigest import record_digest
    from xlflow.store.db import Database

    ws, _, path = filled_workbook(tmp_path, [task(i) for i in range(1, 40)])
    sub = check_file(path, ws)
    cache = SubmissionCache(ws, load_catalog())
    cache.put(sub)
    entry = cache._path(sub.sha256)
    stored = entry.read_bytes()
    text = zlib.decompress(stored)
    assert stored[:1] != b"{" and len(stored) * 3 < len(text)
    plain = json.dumps(json.loads(text), ensure_ascii=False).encode("utf-8")
    entry.write_bytes(plain)  # as the release before wrote it, with its digest
    record_digest(Database(cache.state_db), entry.name, hashlib.sha256(plain).hexdigest())
    cache = SubmissionCache(ws, load_catalog())  # (the digests are read once per cache)
    old = cache.get(sub.sha256, path, None)
    assert old is not None and [r.values for r in old.data.rows("wbs", "tasks")] == [
        r.values for r in sub.data.rows("wbs", "tasks")]
    entry.write_bytes(stored[: len(stored) // 2])
    assert cache.get(sub.sha256, path, None) is None

"""One read-back of the coordinator's edits reads the master's bytes from disk once (under the size
limit) and passes them along: to the layer's sheets, the other sheets' digests and the sheets that
differ (it read the file three times, and a fourth for its hash). What xlflow wrote, the copy it is
compared with, is read once too. Real merges, a real master saved as Excel saves; the reads counted."""
from __future__ import annotations

import pathlib

import pytest

from test_master_misplaced import excel_save, merged, next_merge, ws  # noqa: F401 - fixtures


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = pathlib.Path.read_bytes

    def counted(self):
        seen.append(str(self))
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", counted)
    return seen


def test_the_master_is_read_once_in_a_read_back(ws, merged, reads):  # noqa: F811 - fixtures
    files, master = merged

    def change(sheet, cols, at, wb):
        wb["总览"]["H2"] = "老板要看这个"
        wb.create_sheet("我的笔记")["B3"] = "开会记录"

    excel_save(master, change)
    reads.clear()
    result, text = next_merge(ws, files)
    assert '"总览" is not a sheet the coordinator\'s typing is kept from, and 1 cells were changed on it (e.g. H2)' in text
    assert 'A sheet "我的笔记" was added to the master' in text
    history = result.layer.history
    assert history is not None and history.is_file()
    assert reads.count(str(master)) == 1, reads  # was 4: its hash, the layer's sheets, the digests, the sheets that differ
    generation = [r for r in reads if "/generations/" in r]
    assert len(generation) <= 2, generation  # what xlflow wrote, compared with: was 5 (one more for the retention)

"""Issue 18 item 12 (and 13's scorecard): a parse-cache entry changed after it was written is never
trusted. Each entry's digest is kept in the state database when it is written; an entry that does
not match (edited by hand, swapped with another) is discarded, said, and its file read again."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import zlib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from watch_helpers import make_ws, sample
from xlflow.cli import main
from xlflow.i18n import msg


@pytest.fixture
def ws(tmp_path):
    ws = make_ws(tmp_path / "ws")
    for dept in ("RD", "MK"):
        shutil.copyfile(sample(dept, 46), ws.folder("inbox") / f"{dept}.xlsx")
    out = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"])
    assert out.exit_code == 0, out.output
    return ws


def _entry(ws, task_id: str) -> Path:
    """The cache entry whose WBS holds `task_id`."""
    for path in (ws.root / ".cache" / "merge").glob("*.json"):
        if f'"{task_id}"' in _text(path):
            return path
    raise AssertionError(f"no cache entry holds {task_id}")


def _task(master: Path, task_id: str) -> dict:
    sheet = openpyxl.load_workbook(master, read_only=True)["Master WBS"]
    rows = sheet.iter_rows(min_row=4, values_only=True)
    headers = next(rows)
    return next(dict(zip(headers, r, strict=False)) for r in rows if r[1] == task_id)


def _text(entry) -> str:
    """A cache entry's JSON: stored compressed (plain when written so by hand, or by an older xlflow)."""
    data = entry.read_bytes()
    return (data if data[:1] == b"{" else zlib.decompress(data)).decode("utf-8")


def _merge(ws) -> str:
    out = CliRunner().invoke(main, ["merge", "-w", str(ws.root), "--lang", "en"])
    assert out.exit_code == 0, out.output
    assert "Traceback" not in out.output
    return out.output


def test_a_tampered_entry_is_not_trusted_the_done_task_stays_done_on_its_date(ws, caplog):
    _merge(ws)
    master = next(ws.folder("master").glob("*.xlsx"))
    before = _task(master, "RD-001")
    assert before["Status"] == "Done"
    entry = _entry(ws, "RD-001")
    raw = json.loads(_text(entry))
    table = raw["data"]["forms"]["wbs"]["tables"]["tasks"]
    keys = table["keys"]
    for _, values in table["rows"]:
        if values[keys.index("task_id")] == "RD-001":
            values[keys.index("status")] = "blocked"
            values[keys.index("due")] = "2027-03-31"
            values[keys.index("percent")] = 10.0
            values[keys.index("actual_finish")] = None
    entry.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")  # same name, other content

    _merge(ws)
    after = _task(master, "RD-001")
    assert after["Status"] == "Done" and after["Due date"] == before["Due date"] == dt.datetime(2026, 9, 18)
    said = msg("cache-entry-changed", "en", entry=str(entry), file=str(ws.folder("accepted") / "RD.xlsx"))
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [said]  # logged (stderr, watch.log)
    assert "blocked" not in _text(entry)  # written again from the file, with a new digest
    caplog.clear()
    _merge(ws)
    assert not [r for r in caplog.records if "parse-cache" in r.getMessage()]


def test_two_swapped_entries_are_both_read_again_and_the_scorecard_and_brief_work(ws, caplog):
    _merge(ws)
    rd, mk = _entry(ws, "RD-001"), _entry(ws, "MK-001")
    rd_bytes, mk_bytes = rd.read_bytes(), mk.read_bytes()
    rd.write_bytes(mk_bytes)
    mk.write_bytes(rd_bytes)
    _merge(ws)
    assert sum("was changed after it was written" in r.getMessage() for r in caplog.records) == 2
    master = next(ws.folder("master").glob("*.xlsx"))
    assert _task(master, "RD-001")["Department"] == "RD" and _task(master, "MK-001")["Department"] == "MK"
    for command in (["summary"], ["export", "tables"], ["status"]):
        out = CliRunner().invoke(main, [*command, "-w", str(ws.root), "--lang", "en"])
        assert out.exit_code == 0 and not isinstance(out.exception, KeyError), (command, out.output)


def test_the_portfolio_reads_a_workspace_without_writing_its_cache_and_distrusts_a_changed_entry(ws, tmp_path):
    from xlflow.check.cache import SubmissionCache, cache_read_only, file_sha256
    from xlflow.spec.catalog import load_catalog

    _merge(ws)
    accepted = ws.folder("accepted") / "RD.xlsx"
    entry = _entry(ws, "RD-001")
    entry.write_text(_text(entry).replace('"done"', '"blocked"'), "utf-8")
    with cache_read_only():
        cache = SubmissionCache(ws, load_catalog())
        assert cache.get(file_sha256(accepted), accepted, None) is None
    assert entry.is_file() and '"blocked"' in _text(entry)  # another's workspace: left as it is


def test_task_ids_kept_from_a_wrong_parse_do_not_break_the_scorecard(ws):
    """What two swapped entries left behind before digests were kept: the scorecard's recorded task
    IDs of a version are another department's. The figures come from the rows, without a KeyError."""
    import sqlite3

    _merge(ws)
    con = sqlite3.connect(ws.state_db)
    with con:
        kept = dict(con.execute("SELECT sha256, ids FROM score_version_tasks"))
        shas = sorted(kept)
        for sha, other in zip(shas, shas[1:] + shas[:1], strict=True):
            con.execute("UPDATE score_version_tasks SET ids=? WHERE sha256=?", (kept[other], sha))
        con.execute("DELETE FROM score_weeks")
        con.execute("DELETE FROM score_walks")
    con.close()
    for command in (["merge"], ["summary"], ["export", "tables"]):
        out = CliRunner().invoke(main, [*command, "-w", str(ws.root), "--lang", "en"])
        assert out.exit_code == 0 and not isinstance(out.exception, KeyError), (command, out.exception)


def test_entries_without_a_digest_are_read_again_once_then_trusted(ws):
    """A workspace whose cache was written by an xlflow that kept no digests: each file is parsed
    again once (quietly), then comes from the cache."""
    import sqlite3

    _merge(ws)
    con = sqlite3.connect(ws.state_db)
    with con:
        con.execute("DELETE FROM parse_cache")
    con.close()
    assert msg("merge-read-stats", "en", parsed=2, cached=0) in _merge(ws)
    assert msg("merge-read-stats", "en", parsed=0, cached=2) in _merge(ws)

"""Bounded disk, second round (issue 21): the parse cache keeps the current versions and those of
the last [watch] history_days only, a brief's page goes after history_weeks (its Markdown stays),
xlflow's copies of the masters it wrote follow master/history/'s rule, and the journal's diffs are
stored compressed. Real files through the real intake and merge, real folders; days are as-of days."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

from coord_helpers import mk_tasks, rd_tasks
from merge_helpers import make_ws
from xlflow.check.cache import SubmissionCache
from xlflow.check.cachekeep import stale_entries
from xlflow.features.coordinator import generations
from xlflow.output import reportkeep
from xlflow.output.department import generate_workbook
from xlflow.service.merge import merge_workspace
from xlflow.spec.catalog import load_catalog
from xlflow.store.cachedigest import cache_digests
from xlflow.store.db import Database
from xlflow.store.prune import remove_files, thinned
from xlflow.store.state import StateDB
from xlflow.watcher import process_inbox

MONDAY = dt.date(2026, 10, 5)


def _ws(tmp_path, days: int = 14, weeks: int = 8):
    ws = make_ws(tmp_path / "ws")
    return dataclasses.replace(ws, watch=dataclasses.replace(ws.watch, history_days=days, history_weeks=weeks))


def _week(ws, n: int) -> dt.date:
    """Week n's Thursday: RD and MK send their files (RD's percent moves, so each is a new version),
    the intake takes them in, the merge runs; the day."""
    day = MONDAY + dt.timedelta(weeks=n, days=3)
    for dept, tasks in (("RD", rd_tasks()), ("MK", mk_tasks())):
        rows = [dict(t, percent=min(90, (t.get("percent") or 0) + n)) for t in tasks]
        generate_workbook(ws, dept, ws.lang, ws.folder("inbox") / f"{dept}_w{n:02d}.xlsx",
                          data={"wbs": {"card": {"update_date": day}, "tables": {"tasks": rows}}})
    process_inbox(ws, day, received_at=dt.datetime.combine(day, dt.time(10)).astimezone())
    merge_workspace(ws, as_of=day)
    return day


def _entries(ws) -> set[str]:
    return {p.name.partition("-")[0] for p in (ws.root / ".cache" / "merge").glob("*.json")}


def _versions(ws, dept: str) -> list[str]:
    return [r.sha256 for r in StateDB(ws.state_db).versions(dept)]


def test_the_parse_cache_keeps_current_and_recent_versions_and_an_old_day_still_merges(tmp_path):
    ws = _ws(tmp_path)
    days = [_week(ws, n) for n in range(5)]
    rd, mk = _versions(ws, "RD"), _versions(ws, "MK")
    assert len(rd) == len(mk) == 5
    # as of the fifth Thursday: 14 days back keeps the third week's files on; the first two weeks' go
    assert _entries(ws) >= set(rd[2:] + mk[2:])
    assert not _entries(ws) & set(rd[:2] + mk[:2])
    names = set(cache_digests(Database(ws.state_db)))
    assert not any(n.startswith(tuple(rd[:2] + mk[:2])) for n in names)  # their digests went with them
    # a merge of an old day parses those versions again from archive/ (and caches them until the next merge)
    old = merge_workspace(ws, as_of=days[0], out=tmp_path / "old.xlsx")
    assert old.plan is not None and old.parsed >= 1 and old.master_path.is_file()
    assert _entries(ws) & set(rd[:1] + mk[:1])
    _week(ws, 5)
    assert not _entries(ws) & set(rd[:3] + mk[:3])  # the next merge removes them again, and week 3's


def test_an_entry_of_another_config_goes_and_zero_days_keeps_everything(tmp_path):
    ws = _ws(tmp_path)
    _week(ws, 0)
    folder = ws.root / ".cache" / "merge"
    salt = SubmissionCache(ws, load_catalog()).salt
    other = folder / f"{'a' * 64}-{'0' * 12}.json"  # an earlier config's entry: never read again
    other.write_bytes(b"{}")
    writing = folder / ".~xlflow-1234.json"  # an entry being written: left alone
    writing.write_bytes(b"x")
    assert salt != "0" * 12 and stale_entries(ws, Database(ws.state_db), MONDAY) == [other]
    keep_all = dataclasses.replace(ws, watch=dataclasses.replace(ws.watch, history_days=0))
    assert stale_entries(keep_all, Database(ws.state_db), MONDAY + dt.timedelta(weeks=52)) == []
    _week(ws, 1)
    assert not other.exists() and writing.exists()
    assert len(_entries(ws) - {".~xlflow"}) == 4  # both weeks' files: within 14 days


def test_brief_pages_past_history_weeks_go_and_their_markdown_stays(tmp_path):
    ws = _ws(tmp_path, weeks=2)
    folder = ws.folder("reports")
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for label in ("2026-W38", "2026-W39", "2026-W40", "2026-W41"):  # W39 ends Sep 27, W40 Oct 4
        for suffix in (".html", ".md"):
            made[label + suffix] = folder / f"brief-{label}-en{suffix}"
            made[label + suffix].write_text("<p>brief</p>", "utf-8")
    lone = folder / "brief-2026-W37-en.html"  # no Markdown beside it: kept
    lone.write_text("<p>only</p>", "utf-8")
    export = folder / "TP-1-2026-W38.xlsx"
    export.write_bytes(b"PK")
    as_of = dt.date(2026, 10, 8)  # two weeks back: Sep 24; W38 (ends Sep 20) goes, W39 (Sep 27) stays
    removed = reportkeep.prune_pages(ws, as_of)
    assert removed.count == 1 and not made["2026-W38.html"].exists()
    assert all(p.exists() for name, p in made.items() if name != "2026-W38.html") and lone.exists() and export.exists()
    assert reportkeep.prune_pages(ws, as_of + dt.timedelta(days=7)).count == 1 and not made["2026-W39.html"].exists()
    keep_all = dataclasses.replace(ws, watch=dataclasses.replace(ws.watch, history_weeks=0))
    assert reportkeep.old_pages(keep_all, as_of + dt.timedelta(weeks=10)) == []


def test_the_brief_removes_old_pages_and_summary_as_of_makes_one_again(tmp_path):
    from xlflow.service.weekly import send_weekly_brief

    ws = _ws(tmp_path, weeks=1)
    days = [_week(ws, n) for n in range(3)]
    pages = [send_weekly_brief(ws, day + dt.timedelta(days=1), send=False).html for day in days]
    assert [p.is_file() for p in pages] == [False, True, True]  # week 0's page: more than a week before
    assert all(p.with_suffix(".md").is_file() for p in pages)
    again = send_weekly_brief(ws, days[0] + dt.timedelta(days=1), send=False, preview=True).html
    assert again == pages[0] and again.is_file()


def test_generation_copies_follow_the_history_rule(tmp_path, monkeypatch):
    monkeypatch.setattr(generations, "KEEP", 1)
    ws = _ws(tmp_path, days=7, weeks=3)
    days = [MONDAY + dt.timedelta(days=d) for d in (0, 2, 7, 9, 14, 16, 21, 23, 28, 30)]  # two merges a week
    for day in days:
        _merge(ws, day)
    kept = sorted(int(p.stem) for p in generations.copy_path(ws, 1).parent.iterdir())
    # as of Nov 4: within 7 days (after Oct 28) generations 9 and 10; then each week's last for three weeks
    # (after Oct 14): 8 (Oct 28) and 6 (Oct 21); 7 is not its week's last, 4 (Oct 14) and older are too old
    assert kept == [6, 8, 9, 10]


def _merge(ws, day: dt.date) -> None:
    from coord_helpers import merge_files, workbooks

    merge_files(ws, workbooks(ws, ws.root.parent / "in"), day)


def test_thinned_keeps_recent_weekly_then_monthly_and_remove_files_skips_what_it_cannot(tmp_path):
    days = [dt.date(2026, 1, 5) + dt.timedelta(days=d) for d in range(0, 120, 3)]
    items = [(d, d.isoformat()) for d in days]
    as_of = days[-1]
    gone = set(thinned(items, as_of, 14, 4, 0))
    kept = [d for d in days if d.isoformat() not in gone]
    assert all(d in kept for d in days if d > as_of - dt.timedelta(days=14))
    older = [d for d in kept if d <= as_of - dt.timedelta(days=14)]
    D = dt.date  # as of May 2: the last of each week after Apr 4 (four weeks back), before that of each month
    assert older == [D(2026, 1, 29), D(2026, 2, 28), D(2026, 3, 30), D(2026, 4, 5), D(2026, 4, 11), D(2026, 4, 17)]
    assert thinned(items, as_of, 0, 4, 0) == [] and set(thinned(items, as_of, 14, 4, 0, months=None)) > gone
    here = tmp_path / "a.bin"
    here.write_bytes(b"x" * 10)
    removed = remove_files([tmp_path / "missing.bin", here])
    assert (removed.count, removed.size, removed.paths) == (1, 10, (here,)) and not here.exists()


def test_a_versions_diff_is_stored_compressed_and_read_back(tmp_path):
    ws = _ws(tmp_path)
    db = StateDB(ws.state_db)
    changes = {"added": [f"RD-{n:03d}" for n in range(200)], "removed": [], "changes": []}
    db.record_submission("RD", "RD.xlsx", "f" * 64, dt.datetime(2026, 10, 5, 9).astimezone(), "accepted",
                         version=1, changes=changes)
    db.record_submission("MK", "MK.xlsx", "e" * 64, dt.datetime(2026, 10, 5, 9).astimezone(), "accepted",
                         version=1, changes={"added": ["MK-001"], "removed": [], "changes": []})
    with Database(ws.state_db).transaction() as con:
        stored = dict(con.execute("SELECT department, changes FROM submissions"))
    assert isinstance(stored["RD"], bytes) and len(stored["RD"]) < len(json.dumps(changes)) / 4
    assert isinstance(stored["MK"], str)  # a short one as it is
    assert db.versions("RD")[0].changes == changes and db.versions("MK")[0].changes["added"] == ["MK-001"]


def test_monthly_master_copies_for_history_months_then_one_a_quarter(tmp_path):
    ws = _ws(tmp_path, days=7, weeks=1)
    ws = dataclasses.replace(ws, watch=dataclasses.replace(ws.watch, history_months=2))
    days = [dt.date(2026, m, 20) for m in range(7, 13)] + [dt.date(2027, 1, 20), dt.date(2027, 2, 20)]
    for day in days:
        _merge(ws, day)
    dated = sorted(p.name for p in (ws.folder("master") / "history").iterdir() if "-replaced-" not in p.name)
    # as of Feb 20: January within two months; before that each quarter's last (September, December)
    assert dated == [f"TP-1-master-{d}.xlsx" for d in ("2026-09-20", "2026-12-20", "2027-01-20", "2027-02-20")]
    forever = _ws(tmp_path / "all", days=7, weeks=1)
    forever = dataclasses.replace(forever, watch=dataclasses.replace(forever.watch, history_months=0))
    for day in days:
        _merge(forever, day)
    assert len([p for p in (forever.folder("master") / "history").iterdir() if "-replaced-" not in p.name]) == 8

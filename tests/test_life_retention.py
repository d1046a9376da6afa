"""Bounded disk over a project's life (issue 21): the digests of masters no longer kept are pruned,
old brief previews go and sent mails lose their attachments after [watch] history_days, and the
life replay (benchmarks/bench_life.py) keeps its plan the same size week after week.
Real merges into a real workspace, real .eml files; days are the as-of days."""
from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import shutil
import sys
from pathlib import Path

from coord_helpers import edit, merge_files, workbooks
from merge_helpers import make_ws
from xlflow.check.cache import file_sha256
from xlflow.features.coordinator import generations
from xlflow.features.coordinator.table import CoordinatorLayer
from xlflow.output import outboxkeep
from xlflow.output.mail import compose, deliver
from xlflow.output.outbox import PREVIEW, SENT, WITHDRAWN, already_sent, outbox_dir, write_preview
from xlflow.store.db import Database
from xlflow.store.state import StateDB

WBS, TASK, COMMENT = "Master WBS", "Task ID", "Coordinator's comment"
MONDAY = dt.date(2026, 10, 5)
ROOT = Path(__file__).resolve().parent.parent


def _ws(tmp_path, days: int = 7, weeks: int = 1):
    ws = make_ws(tmp_path / "ws")
    return dataclasses.replace(ws, watch=dataclasses.replace(ws.watch, history_days=days, history_weeks=weeks))


def digest_keys(ws) -> set[str]:
    with Database(ws.state_db).transaction() as con:
        return {r[0] for r in con.execute("SELECT DISTINCT written FROM master_sheet_digests")}


def test_digests_of_masters_no_longer_kept_are_pruned_and_the_typing_stays(tmp_path, monkeypatch):
    monkeypatch.setattr(generations, "KEEP", 2)
    ws = _ws(tmp_path)
    files = workbooks(ws, tmp_path / "in")
    first = merge_files(ws, files, MONDAY).master_path
    base = file_sha256(generations.copy_path(ws, generations.latest(StateDB(ws.state_db))))
    edit(first, WBS, TASK, {("RD-001", COMMENT): "first typing"})
    read = merge_files(ws, files, MONDAY + dt.timedelta(days=1))  # read back: the other sheets' digests kept
    assert read.layer.recorded == 1 and digest_keys(ws) == {base}
    for week in range(1, 5):  # a month of merges: generation 1 is neither recent nor among the last KEEP
        last = merge_files(ws, files, MONDAY + dt.timedelta(weeks=week))
    assert not generations.copy_path(ws, 1).exists()
    assert digest_keys(ws) == set()  # its rows went with its copy
    current = file_sha256(generations.copy_path(ws, generations.latest(StateDB(ws.state_db))))
    edit(last.master_path, WBS, TASK, {("RD-001", COMMENT): "second typing"})
    merge_files(ws, files, MONDAY + dt.timedelta(weeks=4, days=1))
    assert digest_keys(ws) == {current}  # a copy still kept keeps its rows
    values = CoordinatorLayer(StateDB(ws.state_db)).values("wbs")["RD-001"]
    assert values["comment"] == "second typing"  # what the coordinator typed is in the database, pruned or not


def _brief(ws, label: str, attachment: Path, to: str = "boss@example.com"):
    return compose(ws, f"Brief {label}", "the brief", "<p>the brief</p>", [to], [attachment], kind=f"brief-{label}")


def _read(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_old_previews_are_removed_and_old_sent_mails_keep_their_text_without_attachments(tmp_path):
    ws = _ws(tmp_path, days=14)
    master = tmp_path / "master.xlsx"
    master.write_bytes(b"PK" + bytes(range(256)) * 400)  # ~100 KB attached
    folder = outbox_dir(ws)
    labels = ["2026-W40", "2026-W41", "2026-W42", "2026-W43"]  # W40 ends Oct 4, W43 ends Oct 25
    previews = [write_preview(ws, _brief(ws, label, master)) for label in labels]
    kept = {}
    for sub, label in ((SENT, "2026-W40"), (WITHDRAWN, "2026-W41"), (SENT, "2026-W43")):
        path = deliver(ws, _brief(ws, label, master), send=False).eml  # no server: queued, then moved as sending does
        (folder / sub).mkdir(exist_ok=True)
        kept[(sub, label)] = path.replace(folder / sub / path.name)
    waiting = deliver(ws, _brief(ws, "2026-W39", master, "other@example.com"), send=False).eml  # still queued
    as_of = dt.date(2026, 10, 23)  # 14 days back: Oct 9; W40 ends Oct 4 (old), W41 Oct 11 (kept)
    result = outboxkeep.prune(ws, as_of)
    assert [p.exists() for p in previews] == [False, True, True, True]
    assert result.removed == 1 and result.stripped == 1 and result.freed > 100_000
    old = _read(kept[(SENT, "2026-W40")])
    assert list(old.iter_attachments()) == [] and old["X-Xlflow-Attachments-Removed"] == "master.xlsx"
    assert "the brief" in old.get_body(("plain",)).get_content() and old["Subject"] == "Brief 2026-W40"
    assert already_sent(ws, _brief(ws, "2026-W40", master))  # still not sent twice
    assert len(list(_read(kept[(WITHDRAWN, "2026-W41")]).iter_attachments())) == 1  # within 14 days
    assert len(list(_read(kept[(SENT, "2026-W43")]).iter_attachments())) == 1
    assert len(list(_read(waiting).iter_attachments())) == 1  # waiting mails are never touched
    again = outboxkeep.prune(ws, as_of + dt.timedelta(days=7))  # W41 now too; W40 was done already
    assert (again.removed, again.stripped) == (1, 1) and not previews[1].exists()
    assert outboxkeep.prune(_ws(tmp_path / "all", days=0), as_of) == outboxkeep.Kept()  # 0: keep everything


def test_a_preview_without_a_week_is_judged_by_its_date(tmp_path):
    ws = _ws(tmp_path, days=14)
    message = compose(ws, "Reminder", "send your file", None, ["rd@example.com"], kind="reminder-RD")
    path = write_preview(ws, message)
    composed = outboxkeep.message_day(path)
    assert composed is not None and path.parent.name == PREVIEW
    assert outboxkeep.prune(ws, composed + dt.timedelta(days=14)).removed == 0 and path.exists()
    assert outboxkeep.prune(ws, composed + dt.timedelta(days=15)).removed == 1 and not path.exists()


def test_the_life_replay_keeps_the_plan_the_same_size(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_life import START, Plans, plan_size
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    codes = ["D001", "D002", "D003"]
    plans = Plans(codes, 30, seed=3)
    sizes, ids = [plan_size(plans)], {r["task_id"] for rs in plans.tasks.values() for r in rs}
    for week in range(1, 20):
        plans.advance(START + dt.timedelta(weeks=week, days=3))
        sizes.append(plan_size(plans))
        ids |= {r["task_id"] for rs in plans.tasks.values() for r in rs}
    assert sizes == [90] * 20
    assert len(ids) > 90 + 19 * len(codes)  # tasks did come and go: the same size is not the same plan


def test_the_week_a_burst_merged_counts_its_last_file_so_the_brief_does_not_score_it_again(tmp_path, monkeypatch):
    """The last file of a burst merges inside its own intake: recorded first, the week the merge stores
    counts it, and the brief of that week takes the stored scorecard instead of computing every
    department's walk again (week/build.py: load_week)."""
    from watch_helpers import SAMPLE_DEPTS, make_ws as watch_ws, sample
    from xlflow.watcher import Watcher
    from xlflow.week import build, stored
    from xlflow.week.pipeline import journal_mark

    as_of = dt.date(2026, 11, 20)
    ws = watch_ws(tmp_path / "ws", settle_seconds=0.2)
    for dept in SAMPLE_DEPTS:
        shutil.copyfile(sample(dept, 46), ws.folder("inbox") / f"{dept}.xlsx")

    def clock() -> dt.datetime:  # received that day, as a replay does
        return dt.datetime.combine(as_of, dt.time(10)).astimezone()

    assert {o.result for o in Watcher(ws, today=lambda: as_of, clock=clock).run_once()} == {"accepted"}
    db = StateDB(ws.state_db)
    record = stored.read(db, as_of)
    assert isinstance(record, dict) and record["journal"] == journal_mark(ws, db, as_of) == len(SAMPLE_DEPTS)
    scored = []
    monkeypatch.setattr(build, "make_scorecard", lambda *a, **k: scored.append(a))
    week = build.load_week(ws, as_of + dt.timedelta(days=1), db)
    assert scored == [] and week.scorecard is not None


def test_lateness_is_judged_once_for_each_accepted_file_without_reading_the_judged_again(tmp_path):
    """The intake judges what is not judged yet after every file: accepted files of a department only,
    each once, a kept judgement never replaced (service/pastday.py: keep_lateness)."""
    from xlflow.service.pastday import keep_lateness
    from xlflow.store.lateness import judgements, unjudged

    ws = make_ws(tmp_path / "ws")
    db = StateDB(ws.state_db)

    def received(day: int, result: str, department: str | None, version: int | None) -> int:
        return db.record_submission(department, f"f{day}.xlsx", f"{day:064x}", f"2026-10-{day:02d}T09:00:00+08:00",
                                    result, 0, 0, None, version)

    first = [received(5, "accepted", "RD", 1), received(6, "rejected", "RD", None), received(6, "accepted", None, None)]
    assert [s.id for s in unjudged(db)] == [first[0]]
    keep_lateness(ws, db)
    kept = judgements(db)
    assert set(kept) == {first[0]} and unjudged(db) == []
    later = [received(12, "accepted", "MK", 1), received(13, "accepted", "RD", 2)]
    assert [s.id for s in unjudged(db)] == later
    keep_lateness(ws, db)
    assert set(judgements(db)) == {first[0], *later} and judgements(db)[first[0]] == kept[first[0]]

"""The brief's "what changed in the plan": each department's new versions of the week, read from
the state database's record of every version (the intake's PlanDiff and note), so a brief
rebuilt later for the same week shows the same section."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from brief_helpers import brief_of
from watch_helpers import SAMPLE_DEPTS, make_ws, sample
from xlflow.i18n import msg
from xlflow.plan.diff import Change, PlanDiff
from xlflow.service.merge import merge_workspace
from xlflow.service.versions import revert
from xlflow.service.weekly import make_brief
from xlflow.store.state import StateDB
from xlflow.watcher import process_inbox
from xlflow.week.brief import PlanVersion, render_brief
from xlflow.week.build import plan_versions

W46, W47 = dt.date(2026, 11, 13), dt.date(2026, 11, 20)  # the sample's Fridays


def _drop(ws, week: int, day: dt.date, depts=SAMPLE_DEPTS) -> None:
    """The departments' sample files of `week`, received at 15:00 local that day, then merged."""
    for dept in depts:
        shutil.copy2(sample(dept, week), ws.folder("inbox") / sample(dept, week).name)
    process_inbox(ws, day, "en", received_at=dt.datetime.combine(day, dt.time(15, 0)).astimezone())
    merge_workspace(ws, as_of=day, lang="en")


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory):
    """Week 46 and week 47 of the sample (week 47's CS file is rejected); RD then reverted in week 47."""
    ws = make_ws(tmp_path_factory.mktemp("changes") / "ws")
    _drop(ws, 46, W46)
    _drop(ws, 47, W47)
    return ws


def by_code(brief) -> dict:
    return {d.code: d for d in brief.plan_changes}


def test_week_47_lists_each_new_version_with_its_changes(two_weeks):
    brief = make_brief(two_weeks, W47, "en")
    changes = by_code(brief)
    assert "CS" not in changes  # its week-47 file was rejected: no new version (it is under "did not submit")
    assert [d.code for d in brief.plan_changes] == [c for c in SAMPLE_DEPTS if c in changes]
    sa = changes["SA"].versions
    assert [(v.version, v.received, v.coordinator) for v in sa] == [(2, "2026-11-20 15:00", "")]
    assert sa[0].file_name == sample("SA", 47).name
    assert "SA-004 due 11-13 → 11-20 (+5 working days)" in sa[0].summary
    assert [(n.kind, n.text) for n in sa[0].notable] == [("later", "Due dates moved later: SA-004 (+5 working days)")]
    assert changes["RD"].versions[0].summary.startswith("3 tasks updated")
    assert changes["PMO"].versions[0].summary == msg("plan-diff-none", "en")


def test_week_46_shows_the_first_versions_only(two_weeks):
    """Rebuilt after week 47 came in: only the versions received in week 46 up to its as_of."""
    brief = make_brief(two_weeks, W46, "en")
    assert {d.code for d in brief.plan_changes} == set(SAMPLE_DEPTS)
    for d in brief.plan_changes:
        assert [(v.version, v.summary, v.notable) for v in d.versions] == [(1, msg("brief-changes-first", "en"), ())]
    assert all(v.received.startswith("2026-11-13") for d in brief.plan_changes for v in d.versions)


def test_a_week_is_read_up_to_as_of_only(two_weeks):
    db = StateDB(two_weeks.state_db)
    assert plan_versions(two_weeks, db, W47 - dt.timedelta(days=1)) == ()  # Thursday: nothing yet this week
    assert {v.department for v in plan_versions(two_weeks, db, W47)} == set(SAMPLE_DEPTS) - {"CS"}


def test_a_revert_is_shown_as_the_coordinators(tmp_path):
    ws = make_ws(tmp_path / "ws")
    _drop(ws, 46, W46, ("RD",))
    _drop(ws, 47, W47, ("RD",))
    revert(ws, "RD", None, W47, now=dt.datetime.combine(W47, dt.time(16, 30)).astimezone(), lang="en")
    for lang in ("en", "zh"):
        versions = by_code(make_brief(ws, W47, lang))["RD"].versions
        assert [(v.version, v.coordinator) for v in versions] == [
            (2, ""), (3, msg("history-note-restored", lang, version=1))]
        assert ("reopened", msg("brief-changes-reopened", lang, ids="RD-003")) in [
            (n.kind, n.text) for n in versions[1].notable]  # done in v2, back to in progress in v1
    html, text = render_brief(ws, make_brief(ws, W47, "en"))
    assert "restored by the coordinator from version 1" in html and "restored by the coordinator from version 1" in text


def test_every_notable_kind_and_a_forced_accept(sample_ws):
    diff = PlanDiff(("RD-009",), ("RD-007",), (
        Change("RD-001", "status", "done", "in_progress"), Change("RD-002", "due", dt.date(2026, 12, 1),
                                                                   dt.date(2026, 12, 4), 3),
        Change("RD-003", "due", dt.date(2026, 12, 4), dt.date(2026, 12, 1), -3),
        Change("RD-004", "percent", 60, 40), Change("RD-005", "percent", 40, 60)))
    version = PlanVersion("RD", 4, dt.datetime(2026, 11, 19, 9, 5), "RD <b>plan</b>.xlsx", diff,
                          "accepted-by-coordinator: plan-task-removed")
    brief = brief_of(sample_ws, W47, (W47, []), lang="en", versions=[version])
    (rd,) = brief.plan_changes
    v = rd.versions[0]
    assert v.coordinator == "accepted by the coordinator despite: plan-task-removed"
    assert [(n.kind, n.text) for n in v.notable] == [
        ("removed", "Tasks removed: RD-007"), ("reopened", "Done tasks reopened: RD-001"),
        ("later", "Due dates moved later: RD-002 (+3 working days)"),
        ("percent_down", "Percent complete went down: RD-004")]
    html, text = render_brief(sample_ws, brief)
    assert "RD &lt;b&gt;plan&lt;/b&gt;.xlsx" in html and "<b>plan</b>" not in html
    assert "Version 4 · 2026-11-19 09:05 · RD <b>plan</b>.xlsx" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_both_languages_render_without_placeholders(two_weeks, lang):
    brief = make_brief(two_weeks, W47, lang)
    html, text = render_brief(two_weeks, brief)
    for part in (html, text):
        assert msg("brief-changes", lang) in part
        assert "{" not in part.replace("{{", "")  # no message placeholder left unfilled
    assert msg("brief-changes-later", lang, ids=msg("brief-changes-later-item", lang, task="SA-004", days=5)) in text

"""Department scorecards checked by hand: the small project of scorecard_helpers (three
departments, four weeks, real workbooks through the real intake at controlled times). Every
expected number below was worked out on paper from the story in scorecard_helpers' docstring;
the comments show the arithmetic. Working days: weekends only (china = false).

Baselines are the due dates of each task's first accepted version:
  PMO-001 11-06, PMO-002 11-20, PMO-003 12-04; RD-001 11-13, RD-002 11-20, RD-003 11-27;
  MK-001 11-12, MK-002 12-11.
"""
from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from scorecard_helpers import AS_OF, D, play
from xlflow.config import load_workspace
from xlflow.features.scorecard import Ratio
from xlflow.features.scorecard.text import definitions
from xlflow.features.scorecard.week import make_scorecard
from xlflow.service.merge import merge_workspace
from xlflow.service.weekly import make_brief
from xlflow.week.brief import render_brief


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return play(tmp_path_factory.mktemp("scorecard") / "ws")


@pytest.fixture(scope="module")
def card(ws):
    return make_scorecard(ws, AS_OF)


def test_the_weeks_scored_run_from_the_first_submission_to_the_week_of_as_of(card):
    assert [w.label for w in card.weeks] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]


def test_pmo_the_punctual_department(card):
    pmo = card.department("PMO")
    now = pmo.current
    # on time: PMO-001 finished 11-06 (actual finish) <= 11-06; PMO-002 done in the 11-20 version <= 11-20;
    # PMO-003 is due 12-04, after as_of, so not counted -> 2 / 2
    assert now.on_time == Ratio(2, 2)
    assert (now.slip_days, now.slipped, pmo.slip_change) == (0, 0, 0)
    assert now.punctuality == Ratio(4, 4)  # 10:00, 15:00, 15:00, 15:00 on the four Fridays, all before 16:00
    assert now.first_time == Ratio(4, 4)  # no file of PMO was ever rejected
    assert (now.blocked, now.blocked_oldest, now.stale) == (0, 0, 0)
    # PMO-R01 raised 11-05, answer by the end of 11-06; v1 with its response arrived 11-06 10:00 -> 1 / 1
    assert now.answered == Ratio(1, 1)


def test_rd_the_department_in_trouble(card):
    rd = card.department("RD")
    now = rd.current
    # on time: RD-001 baseline 11-13, finished 11-19 -> late; RD-002 (11-20) blocked, not done;
    # RD-003 (11-27, due on as_of) not started -> 0 / 3
    assert now.on_time == Ratio(0, 3)
    # slip: RD-001 finished 11-19 vs 11-13 = 4 working days (16, 17, 18, 19); RD-002 not done, due 11-20 is past,
    # so expected as_of 11-27: 5 (23 … 27); RD-003 due 11-27 = baseline: 0 -> 4 + 5 = 9 over 2 tasks
    assert (now.slip_days, now.slipped) == (9, 2)
    # change: at the end of W47 (11-22) the plan was v2: RD-001 due 11-18 passed -> 11-13..11-22 = 5; RD-002 due 11-20,
    # 11-20..11-22 = 0 (weekend) -> 5; now 9: +4
    assert rd.slip_change == 4
    # punctuality: W45 11-06 11:00 on time (the rejected 11-05 file does not count); W46 11-13 17:00 after the
    # 16:00 deadline; W47 nothing; W48 Monday 11-23 09:00 on time -> 2 / 4
    assert now.punctuality == Ratio(2, 4)
    # first time: v1 had the 11-05 rejection before it; v2 and v3 none; v4 the 11-26 rejection -> 2 / 4
    assert now.first_time == Ratio(2, 4)
    # blocked: RD-002 blocked since v3 (11-23); 11-23 -> 11-27 is 4 working days (24, 25, 26, 27)
    assert (now.blocked, now.blocked_oldest) == (1, 4)
    # RD-R01 raised 11-06, answer by the end of 11-07; its response first came in v2, 11-13 17:00 -> 0 / 1
    assert now.answered == Ratio(0, 1)
    # stale: RD-003 (started 11-09, not done) is the same row in all four versions: last change 11-06,
    # 21 days before 11-27 >= 14 -> 1; RD-002 changed on 11-23, RD-001 is done
    assert now.stale == 1


def test_mk_the_department_that_went_quiet(card):
    mk = card.department("MK")
    now = mk.current
    # MK-001 baseline 11-12, done in the 11-13 version without a finish date -> finished 11-13: late;
    # MK-002 baseline 12-11 is after as_of -> 0 / 1
    assert now.on_time == Ratio(0, 1)
    # slip: MK-001 11-12 -> 11-13 = 1 working day; MK-002 due 12-11 = baseline -> 1 over 1 task, unchanged since W47
    assert (now.slip_days, now.slipped, mk.slip_change) == (1, 1, 0)
    assert now.punctuality == Ratio(2, 4)  # 11-06 14:00 and 11-13 12:00 on time; W47 and W48 nothing
    assert now.first_time == Ratio(2, 2)
    # MK-R01 raised 11-05, closed with a response in v1 (11-06 14:00, before the end of 11-06): answered;
    # MK-R03 raised 11-13, answer by the end of 11-14, never answered -> 1 / 2
    assert now.answered == Ratio(1, 2)
    # MK-002 started 11-16, unchanged since v1 (11-06): 21 days -> stale
    assert (now.blocked, now.stale) == (0, 1)


def test_the_trend_by_week(card):
    def trend(code, get):
        return [get(f) for f in card.department(code).weeks]

    # RD slip at each week's end: W45 (11-08) nothing past due: 0; W46 (11-15) RD-001 moved to 11-18:
    # 11-13 -> 11-18 = 3; W47 (11-22) 5; W48 9
    assert trend("RD", lambda f: f.slip_days) == [0, 3, 5, 9]
    # RD punctuality: 1/1, 1/2, 1/3, 2/4
    assert trend("RD", lambda f: f.punctuality.percent) == [100.0, 50.0, 33.3, 50.0]
    assert trend("MK", lambda f: f.punctuality.percent) == [100.0, 100.0, 66.7, 50.0]  # 1/1, 2/2, 2/3, 2/4
    assert trend("MK", lambda f: f.slip_days) == [0, 1, 1, 1]
    # RD first time: v1 after a rejection (0/1), v2 (1/2), no version in W47 (1/2), v3 and v4 (2/4)
    assert trend("RD", lambda f: f.first_time.percent) == [0.0, 50.0, 50.0, 50.0]
    # blocked appears in W48 only. Stale at 11-22 (W47, plan v2): RD-002 and RD-003 unchanged since 11-06,
    # 16 days; RD-001 changed 11-13 -> 2. At 11-27 RD-002 has changed (blocked, 11-23) -> 1
    assert trend("RD", lambda f: f.blocked) == [0, 0, 0, 1]
    assert trend("RD", lambda f: f.stale) == [0, 0, 2, 1]
    # MK-002 starts 11-16 and was last changed 11-06: 16 days at 11-22
    assert trend("MK", lambda f: f.stale) == [0, 0, 1, 1]


def test_a_past_week_keeps_its_figures_when_later_versions_arrive(ws, card):
    """The scorecard made on Sunday 11-22 (before anything of W48 arrived) shows what the
    full scorecard shows for W47."""
    then = make_scorecard(ws, D(2026, 11, 22))
    for code in ("PMO", "RD", "MK"):
        assert then.department(code).current == card.department(code).weeks[2], code


def test_every_figure_is_the_count_of_its_traces(card):
    for dept in card.departments:
        now, code = dept.current, dept.department
        for measure in ("on_time", "punctuality", "first_time", "answered"):
            traces = card.traces_of(measure, code)
            assert getattr(now, measure) == Ratio(sum(t.hit for t in traces), len(traces)), (code, measure)
        assert now.slip_days == sum(t.days for t in card.traces_of("slip", code))
        assert now.blocked == len(card.traces_of("blocked", code))
        assert now.stale == len(card.traces_of("stale", code))
    rd = {(t.measure, t.item): (t.target, t.actual, t.days, t.result) for t in card.traces if t.department == "RD"}
    assert rd[("slip", "RD-002")] == ("2026-11-20", "2026-11-27", 5, "slip_overdue")
    assert rd[("punctuality", "2026-W46")] == ("2026-11-13 16:00", "2026-11-13 17:00", None, "late")
    assert rd[("answered", "RD-R01")] == ("2026-11-07 24:00", "2026-11-13 17:00", None, "answered_late")
    assert rd[("stale", "RD-003")] == ("", "2026-11-06", 21, "stale")


def _rows(sheet) -> list[tuple]:
    return [r for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("lang, sheet_name, header", [("en", "Scorecard", "On-time delivery"),
                                                      ("zh", "部门评分卡", "按期交付率")])
def test_the_master_has_the_scorecard_sheet_with_definitions_drill_down_and_line_charts(ws, tmp_path, lang,
                                                                                      sheet_name, header):
    out = tmp_path / f"master-{lang}.xlsx"
    merge_workspace(load_workspace(ws.root), as_of=AS_OF, out=None, lang=lang)
    master = next(ws.folder("master").glob("*-master.xlsx"))
    out.write_bytes(master.read_bytes())
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = _rows(wb[sheet_name])
    top = next(i for i, r in enumerate(rows) if r and header in r)
    cols = rows[top]
    by_dept = {r[0]: dict(zip(cols, r, strict=True)) for r in rows[top + 1:top + 4]}
    assert list(by_dept) == ["PMO", "RD", "MK"]
    rd = [by_dept["RD"][c] for c in cols[2:]]
    # on time 0 % (0/3), slip 9 (+4, 2 tasks), punctuality 50 % (2/4), first time 50 % (2/4), 1 blocked for 4 days,
    # answered 0 % (0/1), 1 stale
    assert rd == [0, 0, 3, 9, 4, 2, 50, 2, 4, 50, 2, 4, 1, 4, 0, 0, 1, 1]
    texts = [c for r in rows for c in r if isinstance(c, str)]
    wanted = definitions(ws, lang)
    assert len(wanted) == 7 and all(name in texts and text in texts for name, text in wanted)
    drill = next(i for i, r in enumerate(rows) if r and "RD-003" in r and 21 in r)
    assert rows[drill][1:4] == ("R&D task 3", "RD", "RD-003")
    with zipfile.ZipFile(out) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        line = [n for n in charts if b"<c:lineChart>" in z.read(n)]
    assert len(line) == 4
    with zipfile.ZipFile(out) as z:
        chart = z.read(line[0]).decode()
    assert chart.count("<c:ser>") == 3  # a line per department


def test_the_brief_has_the_scorecard_section_in_both_languages(ws):
    brief = make_brief(load_workspace(ws.root), AS_OF, "en")
    html, text = render_brief(ws, brief)
    assert "| R&amp;D |" not in text
    assert "| R&D | 0% (0/3) | 9 (+4) | 50% (2/4) | 50% (2/4) | 1 (4) | 0% (0/1) | 1 |" in text
    assert "| PMO | 100% (2/2) | 0 | 100% (4/4) | 100% (4/4) | 0 | 100% (1/1) | 0 |" in text
    assert "| Marketing | 0% (0/1) | 1 | 50% (2/4) | 100% (2/2) | 0 | 50% (1/2) | 1 |" in text  # slip unchanged: no (+0)
    assert "Department scorecards" in html and "R&amp;D" in html and "50% (2/4)" in html
    assert "weekly deadline (Friday 16:00)" in text
    zh_html, zh_text = render_brief(ws, make_brief(load_workspace(ws.root), AS_OF, "zh"))
    assert "部门评分卡" in zh_html and "| 研发部 | 0%（0/3） | 9 (+4) |" in zh_text
    assert "每周截止时间（周五 16:00）" in zh_text


def test_an_approved_rebaseline_counts_from_the_moment_it_was_set(ws, tmp_path):
    """RD-002 re-baselined to 11-30 on Tuesday 11-24 (as an approved change request does through
    store.baselines): from then on its baseline is 11-30; the weeks before keep 11-20."""
    import shutil

    from xlflow.features.control.baselines import Baselines
    from xlflow.store.state import StateDB

    root = tmp_path / "copy"
    shutil.copytree(ws.root, root)
    copy = load_workspace(root)
    db = StateDB(copy.state_db)
    assert Baselines(db).current()["RD-002"].due == D(2026, 11, 20)  # recorded by the intake as first accepted
    Baselines(db).rebaseline("RD-002", "RD", D(2026, 11, 2), D(2026, 11, 30), "Wang", "CR-007",
                             dt.datetime(2026, 11, 24, 10).astimezone())
    rd = make_scorecard(copy, AS_OF, db).department("RD")
    # on time: RD-002's baseline 11-30 is after as_of -> only RD-001 (late) and RD-003 (not done): 0 / 2
    assert rd.current.on_time == Ratio(0, 2)
    # slip: RD-001 4; RD-002 expected 11-27 is before its baseline 11-30 -> 0; total 4 over 1 task
    assert (rd.current.slip_days, rd.current.slipped) == (4, 1)
    assert [f.slip_days for f in rd.weeks] == [0, 3, 5, 4]  # W47 (11-22) still against 11-20


def test_every_measure_and_result_has_its_words_in_both_languages():
    from xlflow.features.scorecard import MEASURES, RESULTS
    from xlflow.i18n import msg

    for lang in ("zh", "en"):
        for m in MEASURES:
            assert msg(f"score-measure-{m}", lang) and "{" not in msg(f"score-def-{m}", lang, deadline="x")
        assert len({msg(f"score-result-{r}", lang) for r in RESULTS}) == len(RESULTS)


def test_a_coordinators_revert_is_the_plan_in_force_but_not_a_submission(ws, tmp_path):
    """The coordinator restores R&D's v3 on Friday 11-27 at 12:00 (xlflow revert): v5 is in force, but
    it is neither a version R&D sent (first-time-valid stays 2 / 4) nor an update of R&D's (punctuality
    stays 2 / 4)."""
    import shutil

    from xlflow.service.versions import revert

    root = tmp_path / "copy"
    shutil.copytree(ws.root, root)
    copy = load_workspace(root)
    result = revert(copy, "RD", 3, AS_OF, now=dt.datetime(2026, 11, 27, 12).astimezone(), lang="en")
    assert result.version == 5
    rd = make_scorecard(copy, AS_OF).department("RD").current
    assert (rd.first_time, rd.punctuality) == (Ratio(2, 4), Ratio(2, 4))
    assert (rd.on_time, rd.slip_days, rd.blocked, rd.stale) == (Ratio(0, 3), 9, 1, 1)  # v3's plan: the same tasks


def test_a_scorecard_chart_keeps_to_excels_series_limit_and_says_so(ws, monkeypatch):
    """Excel draws at most 255 series in a chart (xlsxwriter drops the rest with a warning): past it,
    the chart shows the first departments and its title says how many of how many. Here the limit is 2."""
    from xlflow.features.scorecard import sheet

    monkeypatch.setattr(sheet, "CHART_SERIES_MAX", 2)
    merge_workspace(load_workspace(ws.root), as_of=AS_OF, lang="en")
    master = next(ws.folder("master").glob("*-master.xlsx"))
    with zipfile.ZipFile(master) as z:
        line = [z.read(n).decode() for n in z.namelist()
                if n.startswith("xl/charts/chart") and b"<c:lineChart>" in z.read(n)]
    assert len(line) == 4
    assert all(chart.count("<c:ser>") == 2 for chart in line)
    assert all("(first 2 of 3 departments" in chart for chart in line)

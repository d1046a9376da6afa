"""Week-over-week content of the brief, on snapshots with known differences (brief_helpers)."""
from __future__ import annotations

import datetime as dt

import pytest

from brief_helpers import AS_OF, D, brief_of, risks, submissions, task, week45, week46, week47
from xlflow.week.brief import SECTION_LIMIT


def ids(section) -> list[str]:
    return [i.task_id for i in section.items]


@pytest.fixture
def brief(sample_ws):
    return brief_of(sample_ws, AS_OF, (AS_OF, week47()), (D(2026, 11, 13), week46()),
                       (D(2026, 11, 6), week45()), submissions(), risks(), "zh")


def test_headline_counts_and_change_since_last_week(brief):
    h = brief.headline
    assert {s.code: (s.count, s.delta) for s in h.statuses} == {
        "not_started": (2, 0), "in_progress": (4, -2), "done": (2, 1), "delayed": (2, 1), "blocked": (1, 1)}
    assert (h.total, h.total_delta, h.overdue) == (11, 1, 2)  # MK-001 and SA-001 are past due
    assert h.percent == round(sum(t["percent"] for t in week47()) / 11, 1)
    assert h.percent_delta == round(h.percent - round(sum(t["percent"] for t in week46()) / 10, 1), 1)
    assert [s.colour for s in h.statuses] == ["#D9D9D9", "#BDD7EE", "#C6EFCE", "#FFEB9C", "#FFC7CE"]  # enums.toml
    assert brief.subject == "【智能水壶X1新品上市】第47周进度简报 2026-11-16 ~ 2026-11-22"
    assert (brief.snapshot_date, brief.previous_date, brief.notes) == (AS_OF, D(2026, 11, 13), ())


def test_the_headline_counts_every_status_of_the_catalog_in_its_order(sample_ws):
    """A status added to enums.toml is counted, not dropped: the codes come from the catalog."""
    from dataclasses import replace

    from xlflow.spec.catalog import Choice, Text, load_catalog

    status = load_catalog().enums["status"]
    on_hold = Choice("on_hold", Text("暂停", "On hold"), "#EEEEEE")
    statuses = replace(status, values=(*status.values[:2], on_hold, *status.values[2:]))
    tasks = [task("RD-001", "on_hold", D(2026, 12, 1)), task("RD-002", "done", D(2026, 11, 1), percent=100)]
    h = brief_of(sample_ws, AS_OF, (AS_OF, tasks), lang="en", statuses=statuses).headline
    assert [(s.code, s.label, s.count) for s in h.statuses] == [
        ("not_started", "Not started", 0), ("in_progress", "In progress", 0), ("on_hold", "On hold", 1),
        ("done", "Done", 1), ("delayed", "Delayed", 0), ("blocked", "Blocked", 0)]
    default = brief_of(sample_ws, AS_OF, (AS_OF, tasks), lang="en").headline
    assert [s.code for s in default.statuses] == [c.code for c in status.values]


def test_each_section_finds_exactly_its_tasks(brief):
    assert ids(brief.section("finished")) == ["RD-001"]  # PMO-001 was already done last week
    assert ids(brief.section("newly")) == ["RD-002"]
    assert ids(brief.section("still")) == ["MK-001"]
    assert ids(brief.section("overdue")) == ["SA-001"]  # past due, still reported in progress
    assert ids(brief.section("due_soon")) == ["MF-001"]  # RD-002 (11-30) is 6 working days out
    assert ids(brief.section("slips")) == ["RD-003"]
    # MK-001 is delayed and untouched for two weeks; FN-001 is unchanged too, but not started yet
    assert ids(brief.section("stale")) == ["MK-001", "CS-001"]
    assert ids(brief.section("held_up")) == ["RD-002"]


def test_items_name_department_owner_reason_and_lateness(brief):
    (mk,) = brief.section("still").items
    assert (mk.department_name, mk.owner, mk.reason, mk.days_late) == ("市场部", "负责人MK", "设计资源不足", 8)
    assert (mk.status_label, mk.colour) == ("滞后", "#FFEB9C")
    (sa,) = brief.section("overdue").items
    assert (sa.days_late, sa.status_label) == (2, "进行中")  # as reported: the section is "overdue, not reported as delayed"
    (rd,) = brief.section("newly").items
    assert (rd.status_label, rd.colour, rd.days_late) == ("阻塞", "#FFC7CE", 0)
    assert rd.reason.startswith("需求变更未确认")
    assert brief.section("slips").items[0].note == "截止日期 2026-11-30 → 2026-12-07（推迟 5 个工作日）"
    assert brief.section("due_soon").items[0].note == "2 个工作日后到期"
    assert brief.section("stale").items[0].note == "自 2026-11-06 起无变化"
    assert brief.section("held_up").items[0].note == "影响：MK-002 (市场部)"


def test_missing_departments_and_decisions(brief):
    assert [(m.code, m.last_received, m.rejected_this_week) for m in brief.missing] == [
        ("MK", "2026-11-10", 1), ("CS", "2026-11-02", 0), ("FN", "", 0)]
    assert brief.missing[0].contact == "李娜"
    assert [(d.kind, d.ref, d.department_name, d.owner) for d in brief.decisions] == [
        ("blocked", "RD-002", "研发部", "负责人RD"), ("risk", "RD-R01", "研发部", "负责人RD")]
    assert brief.decisions[1].note == "已开放 2 天；应对：未填写"  # MK-R01 was raised today: not yet 24 h


def test_per_department_table(brief):
    rows = {r.code: r for r in brief.departments}
    assert [r.code for r in brief.departments] == ["PMO", "RD", "MK", "SA", "MF", "CS", "FN"]
    rd = rows["RD"]
    assert (rd.tasks, rd.done, rd.trouble, rd.overdue, rd.submitted, rd.last_received) == (
        4, 1, 1, 0, True, "2026-11-18")
    assert rd.percent == round((100 + 50 + 50 + 10) / 4, 1)
    assert (rows["SA"].overdue, rows["MK"].submitted, rows["FN"].last_received) == (1, False, "")


def test_first_brief_without_earlier_snapshots(sample_ws):
    tasks = [task("RD-001", "done", D(2026, 11, 19), percent=100, actual_finish=D(2026, 11, 18)),
             task("RD-002", "done", D(2026, 11, 5), percent=100, actual_finish=D(2026, 11, 4)),
             task("MK-001", "delayed", D(2026, 11, 10), reason="r")]
    b = brief_of(sample_ws, AS_OF, (AS_OF, tasks), lang="en")
    assert ids(b.section("finished")) == ["RD-001"]  # finished this week by its actual finish date
    assert ids(b.section("newly")) == ["MK-001"] and ids(b.section("stale")) == []
    assert b.headline.total_delta is None and all(s.delta is None for s in b.headline.statuses)
    assert b.notes == ("This is the first brief: there is no earlier data to compare with.",)
    assert b.subject == "[Smart Kettle X1 Launch] Week 47 progress brief 2026-11-16 – 2026-11-22"
    assert [m.code for m in b.missing] == [d.code for d in sample_ws.departments]  # nobody submitted


def test_no_merge_this_week_is_said(sample_ws):
    b = brief_of(sample_ws, D(2026, 11, 27), (AS_OF, week47()), (D(2026, 11, 13), week46()))
    assert b.notes == ("⚠ 注意：本简报的数据来自 2026-11-20 的合并，距今已 5 个工作日；此后收到的更新未计入。"
                       "请先运行 xlflow merge 再发送简报。", "本周尚无新的合并，以下数据来自 2026-11-20。")
    assert b.headline.overdue == 3  # as of 11-27 RD-002's due date (11-30) is still ahead; MF-001's passed
    gap = brief_of(sample_ws, AS_OF, (AS_OF, week47()), (D(2026, 11, 6), week45()))
    assert gap.notes == ("上周没有合并记录，与 2026-11-06 的数据比较。",)


def test_long_sections_are_cut_and_counted(sample_ws):
    many = [task(f"RD-{n:03d}", "delayed", D(2026, 11, 2 + n % 10), reason="x") for n in range(SECTION_LIMIT + 5)]
    b = brief_of(sample_ws, AS_OF, (AS_OF, many), (D(2026, 11, 13), []))
    section = b.section("newly")
    assert (len(section.items), section.more, section.count) == (SECTION_LIMIT, 5, SECTION_LIMIT + 5)
    assert section.items[0].days_late >= section.items[-1].days_late  # the latest first
    assert [i.days_late for i in section.items] == sorted((i.days_late for i in section.items), reverse=True)
    blocked = [task(f"MK-{n:03d}", "blocked", D(2026, 12, 1), reason="x") for n in range(SECTION_LIMIT + 3)]
    b = brief_of(sample_ws, AS_OF, (AS_OF, blocked))
    assert (len(b.decisions), b.decisions_more) == (SECTION_LIMIT, 3)


def test_holidays_count_as_non_working_days(sample_ws):
    # 2026-10-01..07 is China's National Day holiday; 10-10 (Saturday) is a make-up working day
    b = brief_of(sample_ws, D(2026, 10, 9), (D(2026, 10, 9), [task("RD-001", "delayed", D(2026, 9, 30), reason="r")]))
    assert b.section("newly").items[0].days_late == 2  # 10-08 and 10-09 only
    assert dt.date(2026, 10, 10).weekday() == 5


def test_brief_sent_after_the_merge_judges_overdue_on_its_own_day(sample_ws):
    """Run on Saturday after Friday's merge: the brief counts on its own day (issue 19), not the merge's."""
    from xlflow.service.weekly import make_brief
    from xlflow.store.state import StateDB

    db = StateDB(sample_ws.state_db)
    db.record_merge(AS_OF, "master.xlsx", [task("RD-001", "in_progress", AS_OF, percent=80)])
    saturday = make_brief(sample_ws, AS_OF + dt.timedelta(days=1), lang="en", db=db, risks=[])
    assert saturday.headline.overdue == 1  # due Friday, not done: overdue on Saturday
    assert not any("⚠" in n for n in saturday.notes)  # Friday's data, no working day old: no warning
    next_week = make_brief(sample_ws, AS_OF + dt.timedelta(days=3), lang="en", db=db, risks=[])
    assert next_week.headline.overdue == 1  # a new week without a merge: judged on the day asked


def test_building_a_brief_reads_nothing_from_the_workspace(sample_ws):
    """build_brief is pure: with the workspace folder gone it still gives the same brief."""
    import shutil

    args = (AS_OF, (AS_OF, week47()), (D(2026, 11, 13), week46()), (D(2026, 11, 6), week45()), submissions(), risks())
    before = brief_of(sample_ws, *args, "zh")
    shutil.rmtree(sample_ws.root)
    assert brief_of(sample_ws, *args, "zh") == before

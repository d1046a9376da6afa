"""`xlflow export mspdi`: the sample's week as MS Project XML, read back by MPXJ (an independent
reader) and compared with the week's state field by field; MPXJ's own CPM scheduler finds the
same critical path as xlflow; every element in the order of the schema's sequences."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from export_helpers import AS_OF, sample_week, sample_workspace
from mpxj_helpers import critical_by_mpxj, read_back, schema_order
from xlflow.export.mspdi import NAMESPACE, task_dates, write_mspdi
from xlflow.workdays import WorkCalendar

NS = {"p": NAMESPACE}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("mspdi")
    ws = sample_workspace(root / "ws")
    state, plan = sample_week(ws)
    cal = WorkCalendar.from_settings(ws.calendar)
    path = write_mspdi(state, ws, cal, ws.lang, root / "plan.xml")
    return ws, state, cal, path, plan


def test_every_task_reads_back_field_by_field(sample):
    ws, state, _, path, _ = sample
    got = read_back(path)["tasks"]
    by_id = {t.task_id: t for t in state.tasks}
    milestones = [m for m in state.milestones if m.planned]
    assert len(got) == len(state.tasks) + len(state.departments) + (len(milestones) + 1 if milestones else 0)
    for i, m in enumerate(milestones, start=1):
        r = got[f"MS-{i}"]
        assert (r["name"], r["milestone"], r["parent"], r["finish"]) == (m.name, True, "MS",
                                                                         dt.datetime.combine(m.planned, dt.time(17)))
    for t in state.tasks:
        r = got[t.task_id]
        start, finish = task_dates(t)
        assert (r["name"], r["outline_level"], r["parent"], r["summary"], r["manual"]) == (
            t.name, 2, t.department, False, True), t.task_id
        assert (r["start"], r["finish"]) == (dt.datetime.combine(start, dt.time(8)),
                                             dt.datetime.combine(finish, dt.time(17))), t.task_id
        assert r["percent"] == (100.0 if t.done else float(round(t.percent or 0))), t.task_id
        assert r["predecessors"] == sorted((p, "FS") for p in t.predecessors if p in by_id), t.task_id
        assert r["resources"] == ([t.owner] if t.owner else []), t.task_id
        assert (r["baseline_start"], r["baseline_finish"]) == (
            dt.datetime.combine(t.baseline_start, dt.time(8)) if t.baseline_start else None,
            dt.datetime.combine(t.baseline_due, dt.time(17)) if t.baseline_due else None), t.task_id
    for n, d in enumerate(state.departments, start=1):
        r = got[d.code]
        assert (r["name"], r["outline_level"], r["outline_number"], r["summary"]) == (
            ws.department(d.code).name(ws.lang), 1, str(n), True)


def test_the_sample_has_what_the_comparison_needs(sample):
    """The field-by-field test proves something only if the sample has links across departments,
    baselines, owners and done tasks."""
    _, state, _, _, _ = sample
    depts = {t.task_id: t.department for t in state.tasks}
    cross = [(t, p) for t in state.tasks for p in t.predecessors if p in depts and depts[p] != t.department]
    assert cross and any(t.baseline_due for t in state.tasks) and any(t.done for t in state.tasks)
    assert len({t.owner for t in state.tasks}) > 5 and len(state.critical_path) > 3


def test_calendar_exceptions_are_the_workspace_calendar(sample):
    ws, state, cal, path, _ = sample
    read = read_back(path)
    days = {}
    for first, last, working in read["exceptions"]:
        day = first
        while day <= last:
            days[day] = working
            day += dt.timedelta(days=1)
    span = [ws.project.start + dt.timedelta(days=i) for i in range((ws.project.end - ws.project.start).days + 1)]
    expected = {d: cal.is_workday(d) for d in span if cal.is_workday(d) == (d.weekday() >= 5)}
    assert {d: w for d, w in days.items() if d in set(span)} == expected
    assert days[dt.date(2026, 10, 1)] is False  # National Day, a Thursday
    assert days[dt.date(2026, 9, 20)] is True  # a Sunday worked for the Mid-Autumn break (调休)
    assert days[dt.date(2027, 1, 1)] is False  # from [calendar] holidays in xlflow.toml


def test_mpxj_scheduler_finds_xlflows_critical_path(sample):
    ws, state, _, path, plan = sample
    critical, finish = critical_by_mpxj(read_back(path), AS_OF, ws.project.start)
    assert critical == {t.task_id for t in plan.critical_path} == set(state.critical_path)
    assert finish == plan.end_date == state.projected_end


def _check_order(element: ET.Element, sequences: dict[str, list[str]]) -> list[str]:
    """Children out of their type's sequence, anywhere in the tree."""
    problems = []
    for parent in element.iter():
        tag = parent.tag.split("}")[1]
        order = sequences.get(tag)
        children = [c.tag.split("}")[1] for c in parent]
        if order is None:
            continue
        unknown = [c for c in children if c not in order]
        positions = [order.index(c) for c in children if c in order]
        if unknown or positions != sorted(positions):
            problems.append(f"{tag}: {children}")
    return problems


def test_elements_follow_the_schema_sequences(sample):
    *_, path, _ = sample
    s = "Project$Calendars$Calendar"
    sequences = {
        "Project": schema_order("Project"), "Calendar": schema_order(s),
        "WeekDay": schema_order(s + "$WeekDays$WeekDay"), "Exception": schema_order(s + "$Exceptions$Exception"),
        "TimePeriod": schema_order(s + "$Exceptions$Exception$TimePeriod"),
        "WorkingTime": schema_order(s + "$WeekDays$WeekDay$WorkingTimes$WorkingTime"),
        "Task": schema_order("Project$Tasks$Task"), "PredecessorLink": schema_order("Project$Tasks$Task$PredecessorLink"),
        "Baseline": schema_order("Project$Tasks$Task$Baseline"), "Resource": schema_order("Project$Resources$Resource"),
        "Assignment": schema_order("Project$Assignments$Assignment"),
    }
    assert "ManualStart" in sequences["Task"] and sequences["Task"].index("UID") == 0
    root = ET.parse(path).getroot()
    assert root.tag == f"{{{NAMESPACE}}}Project"
    assert _check_order(root, sequences) == []
    # the check can fail: a swapped pair is caught
    task = root.find("p:Tasks/p:Task", NS)
    first, second = task[0], task[1]
    task.remove(first)
    task.insert(1, first)
    assert second.tag.endswith("ID") and _check_order(root, sequences)


def test_a_hand_built_week_with_hostile_text(tmp_path):
    """Control characters dropped (XML 1.0 forbids them), formula-looking and markup text kept
    literally, a dangling predecessor left out, a task without dates written without them."""
    from export_helpers import hand_week
    from merge_helpers import make_ws

    ws = make_ws(tmp_path / "ws")
    state = hand_week()
    path = write_mspdi(state, ws, WorkCalendar.from_settings(ws.calendar), "en", tmp_path / "p.xml")
    root = ET.parse(path).getroot()  # well-formed despite the \x07 in an owner's name
    names = [t.findtext("p:Name", None, NS) for t in root.iterfind("p:Tasks/p:Task", NS)]
    assert names == ["R&D", "设计", "=HYPERLINK(\"http://x\",\"点我\")", "Marketing", "+发布会 & <预热>", "无日期任务",
                     "Milestones", "样机评审"]
    got = read_back(path)["tasks"]
    assert got["MK-001"]["predecessors"] == [("RD-002", "FS")]  # XX-404 names no task
    assert got["RD-002"]["resources"] == ["李娜"]
    assert got["MK-001"]["start"] == dt.datetime(2026, 12, 4, 8) and got["MK-001"]["resources"] == []
    assert got["MK-002"]["start"] is None and got["MK-002"]["finish"] is None
    assert [t.findtext("p:Critical", None, NS) for t in root.iterfind("p:Tasks/p:Task", NS)] == [
        "0", "0", "1", "0", "1", "0", "0", "0"]
    assert (got["MS-1"]["milestone"], got["MS-1"]["parent"], got["MS-1"]["start"], got["MS-1"]["finish"]) == (
        True, "MS", dt.datetime(2026, 12, 11, 17), dt.datetime(2026, 12, 11, 17))

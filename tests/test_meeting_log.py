"""The meeting log: many meetings per workbook, action items with their meeting ID that
accumulate until done, the old one-meeting layout still read, overdue action items in the brief
and in the owner department's reminder. Real workbooks, filled by label with openpyxl, through
the real intake, merge, brief and reminders."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import openpyxl

from guard_e2e_helpers import blank, body, label, last_mail, run, task
from validate_helpers import fill
from watch_helpers import make_ws
from xlflow.check.cache import file_sha256
from xlflow.check.validate import check_file
from xlflow.output.department import workbook_name
from xlflow.service.merge import merge_workspace
from xlflow.service.weekly import make_brief, send_reminders
from xlflow.store.accepted import write_accepted
from xlflow.store.state import StateDB

D = dt.date
FIXTURE = Path(__file__).parent / "fixtures" / "minutes-one-meeting-PMO.xlsx"  # made by the 1.0 generator


def meeting(mid: str, day: dt.date) -> dict:
    return {"meeting_id": mid, "meeting_name": f"Weekly {mid}", "meeting_type": "Weekly progress", "date": day,
            "chair": "Zhou"}


def action(mid: str, item: str, dept: str, owner: str, due: dt.date, status: str = "not_started") -> dict:
    return {"meeting_id": mid, "item": item, "owner_department": dept, "owner": owner, "due": due,
            "status": label(status)}


# Three weekly meetings of R&D, each typed below the last; the action items stay until done.
M1, M2, M3 = D(2026, 11, 13), D(2026, 11, 20), D(2026, 11, 27)
WEEKS = [
    (M1, [meeting("M1", M1)],
     [action("M1", "Order parts", "R&D", "Sun", D(2026, 11, 18)),
      action("M1", "Send specs", "Marketing", "Li", D(2026, 11, 30), "in_progress")]),
    (M2, [meeting("M1", M1), meeting("M2", M2)],
     [action("M1", "Order parts", "R&D", "Sun", D(2026, 11, 18)),
      action("M1", "Send specs", "Marketing", "Li", D(2026, 11, 30), "done"),
      action("M2", "Book the test lab", "R&D", "Qian", D(2026, 11, 25))]),
    (M3, [meeting("M1", M1), meeting("M2", M2), meeting("M3", M3)],
     [action("M1", "Order parts", "R&D", "Sun", D(2026, 11, 18)),
      action("M1", "Send specs", "Marketing", "Li", D(2026, 11, 30), "done"),
      action("M2", "Book the test lab", "R&D", "Qian", D(2026, 11, 25)),
      action("M3", "Review costs", "Finance", "Yang", D(2026, 12, 10))]),
]


def _submit_week(ws, day, meetings, actions):
    rows = [task("RD", 1, due=D(2026, 12, 18)), task("RD", 2, due=M3, name="Prototype")]
    fill(ws, blank(ws, "RD"), ws.folder("inbox") / workbook_name(ws, "RD", "en"),
         {"wbs": {"card": {"update_date": day}, "tables": {"tasks": rows}},
          "minutes": {"tables": {"meetings": meetings, "actions": actions}}})
    (outcome,) = run(ws, day)
    assert outcome.result == "accepted", outcome.line("en")


def _master_actions(ws) -> list[dict]:
    path = next(ws.folder("master").glob("*-master.xlsx"))
    rows = list(openpyxl.load_workbook(path, read_only=True)["Action items"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and "Item" in r)
    cols = rows[header]
    return [dict(zip(cols, r, strict=True)) for r in rows[header + 1:] if r and r[cols.index("Item")]]


def test_three_meetings_accumulate_action_items_until_done(tmp_path):
    ws = make_ws(tmp_path / "ws")
    seen = []
    for day, meetings, actions in WEEKS:
        _submit_week(ws, day, meetings, actions)
        seen.append([(a["Meeting ID"], a["Item"], a["Status"], a["Overdue"]) for a in _master_actions(ws)])
    # week 1: two items of M1; week 2: M1's items kept (one done), M2's added; week 3: M3's added
    assert seen[0] == [("M1", "Order parts", "Not started", "No"), ("M1", "Send specs", "In progress", "No")]
    assert seen[1] == [("M1", "Order parts", "Not started", "Yes"), ("M1", "Send specs", "Done", "No"),
                       ("M2", "Book the test lab", "Not started", "No")]
    assert seen[2] == [("M1", "Order parts", "Not started", "Yes"), ("M1", "Send specs", "Done", "No"),
                       ("M2", "Book the test lab", "Not started", "Yes"), ("M3", "Review costs", "Not started", "No")]
    last = _master_actions(ws)
    assert [(a["Meeting name"], a["Meeting date"].date()) for a in last] == \
        [("Weekly M1", M1), ("Weekly M1", M1), ("Weekly M2", M2), ("Weekly M3", M3)]

    # the brief of week 48: who, what, since when, which meeting
    brief = make_brief(ws, M3, "en")
    lines = [(n.text, n.detail) for n in brief.notice("actions_overdue").lines]
    assert lines == [
        ("Order parts — R&D · owner Sun", "due 2026-11-18, 7 working days overdue · meeting M1 (2026-11-13, R&D)"),
        ("Book the test lab — R&D · owner Qian",
         "due 2026-11-25, 2 working days overdue · meeting M2 (2026-11-20, R&D)")]
    # week 47's brief, made again now, still shows only what was overdue then
    again = make_brief(ws, M2, "en")
    assert [n.text for n in again.notice("actions_overdue").lines] == ["Order parts — R&D · owner Sun"]

    # R&D submitted this week but owes overdue action items: its reminder lists them and its tasks
    results, skipped = send_reminders(ws, M3, send=False, lang="en")
    messages = [email.message_from_bytes(r.eml.read_bytes(), policy=email.policy.default) for r in results]
    by_to = {m["To"].addresses[0].addr_spec: m for m in messages}
    rd = body(by_to["rd@example.com"])
    assert "2 overdue action items" in rd and not list(by_to["rd@example.com"].iter_attachments())
    assert "Order parts (owner Sun, due 2026-11-18, meeting M1) — overdue" in rd
    assert "Book the test lab (owner Qian, due 2026-11-25, meeting M2) — overdue" in rd
    assert "RD-002 Prototype (owner Wang, due 2026-11-27)" in rd and "RD-001" not in rd  # due this week only
    fn = body(by_to["finance@example.com"])  # has not submitted: the usual reminder, with its open item
    assert "no task update from Finance" in fn and "Review costs (owner Yang, due 2026-12-10, meeting M3)" in fn
    assert "Send specs" not in "".join(body(m) for m in by_to.values())  # done: nobody is reminded


def test_an_action_item_names_a_meeting_of_the_log(tmp_path):
    ws = make_ws(tmp_path / "ws")
    bad = fill(ws, blank(ws, "RD"), tmp_path / "bad.xlsx",
               {"minutes": {"tables": {"meetings": [meeting("M1", M1), meeting("M2", M2)],
                                       "actions": [action("M9", "Order parts", "R&D", "Sun", M2),
                                                   {**action("M1", "Send specs", "R&D", "Li", M2), "meeting_id": None},
                                                   action("m2", "Book lab", "R&D", "Qian", M2)]}}})
    sub = check_file(bad, ws)
    # the first row names no meeting of the log, the second none at all; "m2" is M2 (case is folded)
    assert sorted(f.code for f in sub.report.errors) == ["action-meeting-missing", "action-meeting-unknown"]
    cells = {f.code: f.cell for f in sub.report.errors}
    assert int(cells["action-meeting-missing"][1:]) == int(cells["action-meeting-unknown"][1:]) + 1
    unknown = next(f for f in sub.report.findings if f.code == "action-meeting-unknown")
    assert "M9" in unknown.message("en") and "M1, M2" in unknown.message("en")
    twice = fill(ws, blank(ws, "RD"), tmp_path / "twice.xlsx",
                 {"minutes": {"tables": {"meetings": [meeting("M1", M1), meeting("m1", M2)]}}})
    assert [f.code for f in check_file(twice, ws).report.errors] == ["duplicate-id"]


def test_an_old_one_meeting_workbook_is_still_read_and_merged(sample_ws):
    """The fixture was written by the generator of form version 1.0 (meeting as a card above the
    action items, no meeting IDs)."""
    wb = openpyxl.load_workbook(FIXTURE, read_only=True)
    assert {p.name: p.value for p in wb.custom_doc_props}["xlflow_spec_version"] == "1.0"
    sub = check_file(FIXTURE, sample_ws)
    assert sub.valid, [f.message("en") for f in sub.report.findings]
    (only,) = sub.data.rows("minutes", "meetings")
    assert (only.values["meeting_id"], only.values["meeting_name"], only.values["date"]) == \
        ("M20261113", "第46周进度例会", D(2026, 11, 13))
    assert [r.values["meeting_id"] for r in sub.data.rows("minutes", "actions")] == ["M20261113"] * 3
    write_accepted(sample_ws, FIXTURE, "PMO", FIXTURE.name, "2026-11-13T15:00:00+08:00",
                   file_sha256(FIXTURE), 1)  # as the intake stores it: accepted/ is checked against the record
    merge_workspace(sample_ws, as_of=D(2026, 11, 20))
    path = next(sample_ws.folder("master").glob("*-master.xlsx"))
    rows = list(openpyxl.load_workbook(path, read_only=True)["行动项"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and "事项" in r)
    items = [dict(zip(rows[header], r, strict=True)) for r in rows[header + 1:] if r and r[1]]
    assert [(a["会议编号"], a["事项"]) for a in items] == [
        ("M20261113", "确认温控功能需求"), ("M20261113", "完成营销费用审批"), ("M20261113", "提供产能数据给销售部")]
    assert StateDB(sample_ws.state_db).last_merge() is not None


def test_an_open_action_item_that_disappears_is_reported(tmp_path):
    ws = make_ws(tmp_path / "ws")
    day, meetings, actions = WEEKS[0]
    _submit_week(ws, day, meetings, actions)
    # week 2 types the log again without "Order parts", still open: accepted, with a warning
    _, meetings2, _ = WEEKS[1]
    rows = [task("RD", 1, due=D(2026, 12, 18)), task("RD", 2, due=M3, name="Prototype")]
    fill(ws, blank(ws, "RD"), ws.folder("inbox") / workbook_name(ws, "RD", "en"),
         {"wbs": {"card": {"update_date": M2}, "tables": {"tasks": rows}},
          "minutes": {"tables": {"meetings": meetings2,
                                 "actions": [action("M1", "Send specs", "Marketing", "Li", D(2026, 11, 30), "done")]}}})
    (outcome,) = run(ws, M2)
    assert outcome.result == "accepted" and outcome.warnings >= 1
    mail = body(last_mail(ws))
    assert "Open action items of the current version are gone (1): Order parts." in mail
    # done items may leave the log: no warning the week after
    fill(ws, blank(ws, "RD"), ws.folder("inbox") / workbook_name(ws, "RD", "en"),
         {"wbs": {"card": {"update_date": M3}, "tables": {"tasks": rows}},
          "minutes": {"tables": {"meetings": meetings2, "actions": []}}})
    (outcome,) = run(ws, M3)
    assert outcome.result == "accepted" and "action item" not in body(last_mail(ws))

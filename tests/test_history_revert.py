"""A department's plan history: every version numbered, the coordinator's revert and forced
accept recorded as new versions with what they changed; nothing is rewritten or lost."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import shutil

from click.testing import CliRunner

from watch_helpers import make_ws, sample
from xlflow.cli import main
from xlflow.service.versions import current_submission, department_history, task_map
from xlflow.store.state import StateDB, submitted_departments
from xlflow.watcher import process_inbox

AS_OF = dt.date(2026, 11, 20)


def drop(ws, dept: str, week: int, day: int) -> str:
    shutil.copyfile(sample(dept, week), ws.folder("inbox") / sample(dept, week).name)
    received = dt.datetime(2026, 11, day, 10).astimezone()
    (outcome,) = process_inbox(ws, AS_OF, "en", received_at=received)
    return outcome.result


def cli(ws, *args: str):
    return CliRunner().invoke(main, [*args[:1], "-w", str(ws.root), *args[1:], "--lang", "en"])


def test_history_lists_every_version_and_revert_restores_one_as_a_new_version(tmp_path):
    ws = make_ws(tmp_path / "ws")
    assert drop(ws, "RD", 46, 13) == "accepted"
    week46 = task_map(current_submission(ws, "RD"))
    assert drop(ws, "RD", 47, 18) == "accepted"
    assert task_map(current_submission(ws, "RD")) != week46

    listed = json.loads(cli(ws, "history", "RD", "--json").output)
    assert [(e["version"], e["result"], e["current"]) for e in listed] == [(1, "accepted", False), (2, "accepted", True)]
    assert listed[0]["update_date"] and listed[1]["changes"]  # the second version says what it changed

    result = cli(ws, "revert", "RD")
    assert result.exit_code == 0, result.output
    assert "version 3" in result.output and "v1" in result.output
    assert task_map(current_submission(ws, "RD")) == week46  # the plan of version 1 is current again
    history = department_history(ws, "RD", "en")
    assert [h.version for h in history] == [1, 2, 3] and history[-1].current
    assert "restored by the coordinator from version 1" in history[-1].note
    assert history[-1].changes  # what going back changed, recorded with it
    # A revert is the coordinator's act, not the department submitting this week.
    assert submitted_departments(ws, dt.date(2026, 11, 16), until=AS_OF) == frozenset({"RD"})
    assert any("revert" not in p.name and "version-RD-3" in p.name for p in ws.folder("outbox").glob("*.eml"))
    master = StateDB(ws.state_db).last_merge()
    assert master is not None

    assert cli(ws, "revert", "RD", "--to", "3").exit_code == 2  # already current: a usage error
    assert cli(ws, "revert", "RD", "--to", "9").exit_code == 2
    assert cli(ws, "history", "XX").exit_code == 2


def test_accept_takes_a_file_in_as_a_new_version_and_refuses_an_invalid_one(tmp_path):
    ws = make_ws(tmp_path / "ws")
    assert drop(ws, "RD", 47, 18) == "accepted"
    older = tmp_path / "older.xlsx"
    shutil.copyfile(sample("RD", 46), older)
    result = cli(ws, "accept", str(older), "--department", "RD")
    assert result.exit_code == 0, result.output
    (v1, v2) = StateDB(ws.state_db).versions("RD")
    assert v2.version == 2 and v2.note == "accepted-by-coordinator: older-version"  # the guard it overruled
    assert any(p.name.endswith("older.xlsx") for p in ws.folder("archive").iterdir())  # archived first

    broken = tmp_path / "cs.xlsx"
    shutil.copyfile(sample("CS", 47), broken)  # week 47's CS has mistakes
    refused = cli(ws, "accept", str(broken), "--department", "CS")
    assert refused.exit_code == 1 and "cannot become the current version" in refused.output
    assert "Traceback" not in refused.output
    wrong = cli(ws, "accept", str(older), "--department", "MK")
    assert wrong.exit_code == 2 and "not Marketing" not in wrong.output and "RD" in wrong.output


def test_a_copy_of_the_current_version_is_no_change_and_of_an_older_one_an_older_version(tmp_path):
    ws = make_ws(tmp_path / "ws")
    assert drop(ws, "RD", 46, 13) == "accepted"
    assert drop(ws, "RD", 47, 18) == "accepted"
    assert drop(ws, "RD", 47, 19) == "duplicate"  # the current version again: nothing to do
    mail = max(ws.folder("outbox").glob("*-duplicate-*.eml"), key=lambda p: p.stat().st_mtime)
    body = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default).get_body(("plain",))
    assert "identical to your department's current version: nothing to do" in body.get_content()
    assert drop(ws, "RD", 46, 20) == "rejected"  # last week's file again would bring an old plan back
    last = StateDB(ws.state_db).history("RD")[-1]
    assert (last.result, last.errors) == ("rejected", 1)
    report = next(ws.folder("rejected").glob("*.txt")).read_text("utf-8")
    assert "older-version" in report and "version 2" in report
    assert StateDB(ws.state_db).accepted_version("RD") == 2


def test_a_revert_names_statuses_as_the_workbook_shows_them(tmp_path):
    from guard_e2e_helpers import label, run_one, submit, task

    ws = make_ws(tmp_path / "ws", lang="zh")
    submit(ws, "RD", [task("RD", 1)], dt.date(2026, 11, 13))
    run_one(ws, dt.date(2026, 11, 13))
    submit(ws, "RD", [task("RD", 1, status=label("done"), percent=100)], dt.date(2026, 11, 20))
    run_one(ws, dt.date(2026, 11, 20))
    back = CliRunner().invoke(main, ["revert", "-w", str(ws.root), "RD", "--to", "1"]).output
    assert "RD-001 状态由已完成退回为进行中" in back and "in_progress" not in back, back
    forward = CliRunner().invoke(main, ["revert", "-w", str(ws.root), "RD", "--to", "2", "--lang", "en"]).output
    assert "RD-001 status In progress → Done" in forward and "in_progress" not in forward, forward

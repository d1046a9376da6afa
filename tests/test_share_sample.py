"""The leak test on the sample project: every department's slice and calendar, after the real merge,
holds its scope and nothing of anyone else's plan — in no part of the package."""
from __future__ import annotations

import datetime as dt
import os
import shutil

import icalendar
import openpyxl
import pytest

from export_helpers import AS_OF, WEEKS, sample_workspace
from share_helpers import hits, parts, read_xml_parts
from xlflow.resources import samples_dir
from xlflow.service.merge import merge_workspace
from xlflow.service.scaffold import init_workspace
from xlflow.share.scope import department_slice
from xlflow.share.sharing import sharing_list
from xlflow.watcher import process_inbox
from xlflow.week.build import load_week


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample project run as `xlflow demo` runs it; the merge writes the slices."""
    ws = sample_workspace(tmp_path_factory.mktemp("share") / "ws")
    merge_workspace(ws, as_of=AS_OF, lang="zh")
    return ws, load_week(ws, AS_OF)


def _scope(ws, state, code):
    dept = ws.department(code)
    return department_slice(state, code, sharing_list(ws).contents(code), (dept.name.zh, dept.name.en))


def _out_of_scope(state, piece) -> set[str]:
    """Every other department's task IDs, names and owners that the slice may not show."""
    shown = {t.task_id for t in piece.tasks} | {x.task_id for x in piece.linked}
    own_owners = {t.owner for t in piece.tasks} | {str(a.values.get("owner") or "") for a in piece.actions} \
        | {str(r.values.get("owner") or "") for r in piece.risks}
    needles = set()
    for t in state.tasks:
        if t.task_id not in shown:
            needles |= {t.task_id, t.name}
        if t.department != piece.department and t.owner not in own_owners:
            needles.add(t.owner)
    # text in scope by another route may contain a short name ("试产" in the milestone "试产完成")
    shown_text = ({t.name for t in piece.tasks} | {x.name for x in piece.linked} | {m.name for m in piece.milestones}
                  | {str(i.values.get(k) or "") for i in piece.risks + piece.actions
                     for k in ("description", "response", "item")}
                  | {c.content for c in piece.decisions} | {c.comment for c in piece.decisions})
    return {n for n in needles if n and not any(n in s for s in shown_text)}


def test_the_merge_writes_a_slice_and_a_calendar_per_department(sample):
    ws, state = sample
    for d in ws.departments:
        assert (ws.root / "slices" / d.code / f"NPL-2026-{d.code}-2026-W47.xlsx").is_file()
        assert (ws.root / "slices" / f"{d.code}.ics").is_file()
    assert (ws.root / "slices" / "coordinator.ics").is_file()


@pytest.mark.parametrize("code", ["PMO", "RD", "MK", "SA", "MF", "CS", "FN"])
def test_no_slice_holds_anything_of_another_departments_plan(sample, code):
    ws, state = sample
    piece = _scope(ws, state, code)
    needles = _out_of_scope(state, piece)
    assert len(needles) > 20
    book = ws.root / "slices" / code / f"NPL-2026-{code}-2026-W47.xlsx"
    assert hits(book, needles) == []
    ics = (ws.root / "slices" / f"{code}.ics").read_bytes().decode("utf-8")
    assert [n for n in needles if n in ics] == []
    read_xml_parts(book)
    wb = openpyxl.load_workbook(book)
    tasks = wb.worksheets[1]
    ids = [r[0] for r in tasks.iter_rows(min_row=5, values_only=True) if r[0]]
    assert ids == [t.task_id for t in state.tasks if t.department == code]
    links = [r[2] for r in wb.worksheets[2].iter_rows(min_row=5, values_only=True) if r[2]]
    assert sorted(set(links)) == sorted({x.task_id for x in piece.linked})
    assert all(wb.worksheets[2].cell(4, c).value != "负责人" for c in range(1, 9))
    events = icalendar.Calendar.from_ical(ics.encode("utf-8")).walk("VEVENT")
    days = [e.decoded("DTSTART") for e in events if "里程碑" not in str(e["SUMMARY"])]
    expected = {t.task_id: t.due for t in piece.tasks if t.due} | {x.task_id: x.due for x in piece.linked if x.due}
    assert sorted(days) == sorted(expected.values())  # each in-scope due date once


def test_the_sample_links_cross_departments(sample):
    """MK waits for RD-006 and FN's tasks; its slice shows them without their owners."""
    ws, state = sample
    piece = _scope(ws, state, "MK")
    assert {"RD-006", "FN-002", "FN-004", "SA-001", "SA-005"} <= {x.task_id for x in piece.linked}
    book = ws.root / "slices" / "MK" / "NPL-2026-MK-2026-W47.xlsx"
    assert hits(book, ["王磊", "杨帆", "许诺", "张强"]) == []
    assert hits(book, ["产品功能确认（供市场宣传）"])  # RD-006's name: linked, so shown
    assert not any(name.startswith(("xl/comments", "xl/pivot", "xl/charts", "xl/drawings")) for name in parts(book))


def test_the_weekly_job_mails_each_department_its_own(sample):
    """The schedule's brief is each department's one mail: its own brief (its own numbers) with its
    slice and calendar; the lead department's contact has the coordinators' (issue: two mails a week)."""
    from email import message_from_bytes, policy

    from xlflow.service.weekly import run_schedule

    ws, state = sample
    assert run_schedule(ws, dt.datetime(2026, 11, 20, 16, 30), send=False) == ["reminders", "brief"]
    mails = {}
    for eml in ws.folder("outbox").glob("*.eml"):
        message = message_from_bytes(eml.read_bytes(), policy=policy.default)
        kind = str(message.get("X-Xlflow-Kind", ""))
        assert not kind.startswith("share-")
        if kind.startswith("brief-"):
            mails[message["To"].addresses[0].addr_spec] = message
    assert sorted(mails) == sorted(d.email for d in ws.departments)
    mk = mails["marketing@example.com"]
    assert sorted(a.get_filename() for a in mk.iter_attachments()) == ["MK.ics", "NPL-2026-MK-2026-W47.xlsx"]
    week = state.department("MK")
    body = mk.get_body(("plain",)).get_content()
    assert f"- 任务总数: {week.tasks} " in body and f"- 已完成: {week.done} " in body
    assert f"- 任务总数: {len(state.tasks)} " not in body  # not the project's numbers


def test_share_commands(sample):
    from click.testing import CliRunner

    from xlflow.cli import main

    ws, _ = sample
    out = CliRunner().invoke(main, ["share", "publish", "-w", str(ws.root), "--as-of", "2026-11-20"])
    assert out.exit_code == 0 and "15" in out.output, out.output
    out = CliRunner().invoke(main, ["share", "list", "-w", str(ws.root), "--department", "rd", "--lang", "en"])
    assert out.exit_code == 0 and out.output.startswith("PMO, Marketing, Sales"), out.output
    out = CliRunner().invoke(main, ["share", "send", "-w", str(ws.root), "--as-of", "2026-11-20", "--no-send",
                                    "--lang", "en"])
    # the lead's contact has the coordinators' brief; each other department's mail is its brief
    assert out.exit_code == 0 and out.output.startswith("Department mails: 6 written to the outbox\n"), out.output
    assert "not a second mail: PMO, RD, MK, SA, MF, CS, FN" in out.output
    out = CliRunner().invoke(main, ["share", "log", "-w", str(ws.root), "--audience", "RD"])
    assert out.exit_code == 0 and "NPL-2026-RD-2026-W47.xlsx" in out.output


def test_a_wrong_sharing_list_is_a_line_of_the_merge_not_a_failed_merge(sample, tmp_path):
    from xlflow.config import load_workspace

    ws, _ = sample
    root = tmp_path / "copy"
    shutil.copytree(ws.root, root)
    shutil.rmtree(root / "slices")
    config = root / "xlflow.toml"
    config.write_text(config.read_text("utf-8") + '\n[[sharing.rows]]\ncontent = "gossip"\naudience = "RD"\n'
                      'format = "xlsx"\nfrequency = "merge"\n', "utf-8")
    result = merge_workspace(load_workspace(root), as_of=AS_OF, lang="en")
    assert result.master_path.is_file() and not (root / "slices").exists()
    line = next(x for x in result.summary("en") if x.startswith("The department slices and calendars were not written"))
    assert "sharing.rows.content" in line and "own_tasks" in line


def test_a_merge_rewrites_only_the_files_whose_inputs_changed(tmp_path):
    """Slices and calendars whose week part is the same are not written again: a re-merge of an
    unchanged plan writes nothing, and a changed config rewrites everything."""
    ws = init_workspace(tmp_path / "ws", "zh", sample=True)
    for path in sorted((samples_dir() / "submissions" / "week46").glob("*.xlsx")):
        shutil.copy2(path, ws.folder("inbox") / path.name)
    day = WEEKS["week46"]
    process_inbox(ws, day, "zh", received_at=dt.datetime.combine(day, dt.time(15, 0)).astimezone())
    merge_workspace(ws, as_of=day, lang="zh")
    files = sorted(p for p in (ws.root / "slices").rglob("*") if p.is_file() and p.name != ".written.json")
    assert files and any(p.suffix == ".ics" for p in files) and any(p.suffix == ".xlsx" for p in files)
    before = {p: p.stat().st_mtime_ns for p in files}
    for p in files:  # set back a second, so a rewrite shows even on a coarse clock
        os.utime(p, ns=(before[p] - 10**9, before[p] - 10**9))
    stamped = {p: p.stat().st_mtime_ns for p in files}
    merge_workspace(ws, as_of=day, lang="zh")
    assert {p: p.stat().st_mtime_ns for p in files} == stamped  # nothing written again
    config = ws.root / "xlflow.toml"
    config.write_text(config.read_text("utf-8") + "\n# edited\n", "utf-8")
    merge_workspace(ws, as_of=day, lang="zh")
    assert all(p.stat().st_mtime_ns != stamped[p] for p in files)


def test_a_slice_is_judged_changed_by_its_own_parts_and_the_week_header_only(sample):
    """Issue 21: each audience's digest took the repr of the whole week (every week's scorecard,
    every version), which cost more than writing the slice and grew with the project's age."""
    import dataclasses

    from xlflow.share.publish import _inputs

    ws, state = sample
    piece = _scope(ws, state, "RD")
    elsewhere = dataclasses.replace(state, scorecard=None, versions=(), critical_path=("MK-999",))
    assert _inputs(dataclasses.replace(piece, state=elsewhere)) == _inputs(piece)
    for header in ({"data_date": state.data_date - dt.timedelta(days=1)}, {"previous_tasks": None}):
        assert _inputs(dataclasses.replace(piece, state=dataclasses.replace(state, **header))) != _inputs(piece)


def test_a_slice_digest_is_the_same_in_every_process(sample):
    """The digest must not follow the process's string hashing: a frozenset's repr did (the slice's
    contents), so every merge, each in its own process, rewrote every slice and calendar."""
    import subprocess
    import sys

    ws, _ = sample
    script = (
        "import sys, hashlib, datetime as dt\n"
        "from xlflow.config import load_workspace\n"
        "from xlflow.share.publish import _inputs\n"
        "from xlflow.share.scope import department_slice\n"
        "from xlflow.share.sharing import sharing_list\n"
        "from xlflow.week.build import load_week\n"
        "ws = load_workspace(sys.argv[1])\n"
        "state = load_week(ws, dt.date.fromisoformat(sys.argv[2]))\n"
        "piece = department_slice(state, 'RD', sharing_list(ws).contents('RD'))\n"
        "print(hashlib.sha256(repr(_inputs(piece)).encode()).hexdigest())\n"
    )
    digests = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", script, str(ws.root), AS_OF.isoformat()], env=env,
                             capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1

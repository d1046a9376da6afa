"""Per-department drop folders ([paths] per_department_folders): made by init, generate and the watcher,
watched recursively by a real observer; a file's folder is its department; a file at the top of the
inbox is left where it is with a clear message; with the option off nothing changes. Also the files
that are not for this project: another project's workbook (left in place), the master dropped back,
a workbook of an unknown department — each with its own message, none "unreadable"."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from watch_helpers import SAMPLE_DEPTS, inbox_names, make_ws, results, running, sample, wait_until
from xlflow.cli import main
from xlflow.config import load_workspace
from xlflow.errors import ConfigError
from xlflow.output.department import generate_workbook
from xlflow.service.merge import merge_workspace
from xlflow.store.journal import JournalState
from xlflow.store.state import StateDB
from xlflow.watcher import Watcher

AS_OF = dt.date(2026, 11, 20)


def folders_ws(root: Path, lang: str = "en", **watch):
    make_ws(root, lang, **watch)
    config = root / "xlflow.toml"
    config.write_text(re.sub(r'(?m)^(inbox = .*)$', r'\1\nper_department_folders = true',
                             config.read_text("utf-8"), count=1), "utf-8")
    return load_workspace(root)


def mails(ws) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(ws.folder("outbox").glob("*.eml"))]


def addresses(message, header: str) -> list[str]:
    return sorted(a.addr_spec for a in message[header].addresses) if message[header] else []


def run_once(ws) -> list:
    return Watcher(ws, today=lambda: AS_OF).run_once()


def test_the_key_is_read_and_checked(tmp_path):
    ws = make_ws(tmp_path / "off")
    assert ws.paths.per_department_folders is False and ws.drop_folder("RD") == ws.folder("inbox")
    on = folders_ws(tmp_path / "on")
    assert on.paths.per_department_folders is True and on.drop_folder("RD") == on.folder("inbox") / "RD"
    config = tmp_path / "on" / "xlflow.toml"
    text = config.read_text("utf-8").replace("per_department_folders = true", 'per_department_folders = "yes"')
    config.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as err:
        load_workspace(tmp_path / "on")
    line = text.splitlines().index('per_department_folders = "yes"') + 1
    for lang in ("zh", "en"):
        assert "paths.per_department_folders" in err.value.message(lang) and str(line) in err.value.message(lang)
    assert "bool" in err.value.message("en")


def test_init_and_generate_make_the_folders_and_say_where_to_drop(tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["init", str(tmp_path / "w"), "--sample", "--lang", "en", "--department-folders"])
    assert r.exit_code == 0, r.output
    ws = load_workspace(tmp_path / "w")
    assert sorted(p.name for p in ws.folder("inbox").iterdir() if p.is_dir()) == sorted(SAMPLE_DEPTS)
    assert f"{ws.folder('inbox') / 'RD'}/" in r.output
    shutil.rmtree(ws.folder("inbox") / "MK")  # gone: generate makes it again
    r = runner.invoke(main, ["generate", "-w", str(ws.root), "--all"])
    assert r.exit_code == 0, r.output
    assert (ws.folder("inbox") / "MK").is_dir()
    assert f"Filled in, it goes into: {ws.folder('inbox') / 'MK'}/" in r.output
    # the closing line must not send every department to the top of the inbox, where nothing is taken
    last = r.output.strip().splitlines()[-1]
    assert not last.rstrip().endswith(str(ws.folder("inbox"))), last
    assert f"{ws.folder('inbox')}/<CODE>/" in last, last
    book = openpyxl.load_workbook(next((ws.root / "workbooks").glob("*_MK_*.xlsx")))
    steps = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(str(ws.folder("inbox") / "MK") in s for s in steps)  # the department's instructions name its folder
    # off (the default): no folders, the instructions name the inbox itself
    r = runner.invoke(main, ["init", str(tmp_path / "flat"), "--lang", "en"])
    assert r.exit_code == 0 and not [p for p in (tmp_path / "flat" / "inbox").iterdir() if p.is_dir()]


def test_a_files_folder_is_its_department(tmp_path):
    ws = folders_ws(tmp_path / "ws")
    run_once(ws)  # the first watch makes the folders
    shutil.copyfile(sample("RD", 46), ws.folder("inbox") / "RD" / "rd.xlsx")
    shutil.copyfile(sample("MK", 46), ws.folder("inbox") / "RD" / "marketing-plan.xlsx")  # RD drops MK's plan
    outcomes = {o.path.name: o for o in run_once(ws)}
    assert (outcomes["rd.xlsx"].result, outcomes["rd.xlsx"].department) == ("accepted", "RD")
    wrong = outcomes["marketing-plan.xlsx"]
    assert (wrong.result, wrong.department) == ("rejected", "RD")
    db = StateDB(ws.state_db)
    assert db.accepted_version("MK") == 0 and db.accepted_version("RD") == 1  # MK's plan was not replaced
    assert ("marketing-plan.xlsx", "RD", "rejected") in results(ws)
    report = next(ws.folder("rejected").glob("*_RD_*marketing-plan.txt")).read_text("utf-8")
    assert "stamped for department \"MK\"" in report and f"{ws.folder('inbox') / 'RD'}/" in report
    (answer,) = [m for m in mails(ws) if "marketing-plan.xlsx" in m["Subject"]]
    assert addresses(answer, "To") == ["rd@example.com"] and addresses(answer, "Cc") == ["pmo@example.com"]
    assert not any(ws.folder("archive").glob("*_MK_*"))  # archived under the folder's department
    assert len(list(ws.folder("archive").glob("*_RD_*"))) == 2
    assert inbox_names(ws) == sorted(SAMPLE_DEPTS) and not any((ws.folder("inbox") / "RD").iterdir())


def test_a_copy_of_another_departments_file_is_no_duplicate_in_the_wrong_folder(tmp_path):
    ws = folders_ws(tmp_path / "ws")
    run_once(ws)
    shutil.copyfile(sample("MK", 46), ws.folder("inbox") / "MK" / "mk.xlsx")
    run_once(ws)
    shutil.copyfile(sample("MK", 46), ws.folder("inbox") / "RD" / "mk-copy.xlsx")  # the same bytes, RD's folder
    (outcome,) = run_once(ws)
    assert (outcome.result, outcome.department) == ("rejected", "RD")  # not "no change" to MK
    assert "intake-wrong-folder" in next(ws.folder("rejected").glob("*mk-copy.txt")).read_text("utf-8")
    assert StateDB(ws.state_db).accepted_version("MK") == 1


def test_a_file_at_the_top_of_the_inbox_is_left_there_with_a_clear_message(tmp_path):
    ws = folders_ws(tmp_path / "ws", lang="zh")
    run_once(ws)
    shutil.copyfile(sample("SA", 46), ws.folder("inbox") / "sales.xlsx")
    (outcome,) = run_once(ws)
    assert outcome.result == "left" and "放在收件夹最上层" in outcome.line("zh")
    assert (ws.folder("inbox") / "sales.xlsx").exists() and not list(ws.folder("archive").iterdir())
    (told,) = mails(ws)
    assert addresses(told, "To") == ["pmo@example.com"]  # nobody knows who dropped it: the coordinators
    body = told.get_body(("plain",)).get_content()
    assert "sales.xlsx 放在了收件夹的最上层" in body and str(ws.folder("inbox") / "SA") in body
    # written to the coordinators about a file of no known department: no "your department" in it
    assert "贵部门" not in body and "无法判断是哪个部门" in body, body
    assert run_once(ws) == [] and len(mails(ws)) == 1  # told once, until the file changes
    entry = StateDB(ws.state_db).inbox_entry(ws.folder("inbox") / "sales.xlsx")
    assert entry.state is JournalState.FAILED
    shutil.move(ws.folder("inbox") / "sales.xlsx", ws.folder("inbox") / "SA" / "sales.xlsx")  # moved by hand
    (outcome,) = run_once(ws)
    assert (outcome.result, outcome.department) == ("accepted", "SA")


def test_the_watcher_sees_files_in_the_department_folders(tmp_path):
    """A real observer, recursive: a file written into a department's folder arrives as an event."""
    ws = folders_ws(tmp_path / "ws", rescan_seconds=600)  # no rescan: only events can bring it
    with running(ws, today=lambda: AS_OF) as watcher:
        wait_until(lambda: watcher.probed)
        shutil.copyfile(sample("FN", 46), ws.folder("inbox") / "FN" / "fn.xlsx")
        wait_until(lambda: any(o.result == "accepted" for o in watcher.outcomes), timeout=30)
    assert [(o.path.name, o.department) for o in watcher.outcomes] == [("fn.xlsx", "FN")]


def test_with_the_option_off_nothing_changes(tmp_path):
    ws = make_ws(tmp_path / "ws")
    (ws.folder("inbox") / "RD").mkdir()
    shutil.copyfile(sample("RD", 46), ws.folder("inbox") / "RD" / "rd.xlsx")  # not a drop folder: not looked at
    shutil.copyfile(sample("MK", 46), ws.folder("inbox") / "mk.xlsx")
    assert [(o.path.name, o.result, o.department) for o in run_once(ws)] == [("mk.xlsx", "accepted", "MK")]
    assert (ws.folder("inbox") / "RD" / "rd.xlsx").exists()


# --- files that are not for this project ---------------------------------------------------------

def other_project_ws(root: Path, code: str = "OTHER-1", rename: dict[str, str] | None = None):
    make_ws(root)
    config = root / "xlflow.toml"
    text = config.read_text("utf-8").replace('code = "NPL-2026"', f'code = "{code}"')
    for old, new in (rename or {}).items():
        text = text.replace(f'code = "{old}"', f'code = "{new}"')
    config.write_text(text, "utf-8")
    return load_workspace(root)


@pytest.mark.parametrize("folders", [False, True])
def test_another_projects_workbook_is_left_in_place(tmp_path, folders):
    ws = folders_ws(tmp_path / "ws") if folders else make_ws(tmp_path / "ws")
    run_once(ws)
    other = other_project_ws(tmp_path / "other")
    drop = ws.folder("inbox") / ("RD" if folders else "") / "kettle-plan.xlsx"
    generate_workbook(other, "RD", "en", drop)
    original = drop.read_bytes()
    (outcome,) = run_once(ws)
    assert outcome.result == "left" and "another project's workbook" in outcome.line("en")
    assert drop.read_bytes() == original  # never moved, archived or removed from a shared folder
    assert not list(ws.folder("archive").iterdir()) and not list(ws.folder("accepted").glob("*.xlsx"))
    (told,) = mails(ws)
    body = told.get_body(("plain",)).get_content()
    assert 'workbook of project "OTHER-1", not of this project "NPL-2026"' in body
    assert "left in the inbox" in body and "unreadable" not in body.lower()
    # in RD's folder, RD's contact hears too; at the top only the coordinators can be told
    assert addresses(told, "To") == (["rd@example.com"] if folders else ["pmo@example.com"])
    record = StateDB(ws.state_db).submissions()[-1]
    assert (record.result, record.note, record.sha256) == ("rejected", "other-project:OTHER-1", "")
    assert run_once(ws) == [] and len(mails(ws)) == 1  # once, until it changes


def test_the_master_dropped_back_and_an_unknown_department_get_their_own_messages(tmp_path):
    ws = make_ws(tmp_path / "ws")
    shutil.copyfile(sample("RD", 46), ws.folder("inbox") / "rd.xlsx")
    run_once(ws)
    master = merge_workspace(ws, as_of=AS_OF).master_path
    shutil.copyfile(master, ws.folder("inbox") / "master-with-my-notes.xlsx")
    stranger = other_project_ws(tmp_path / "same", code="NPL-2026", rename={"FN": "QA"})
    generate_workbook(stranger, "QA", "en", ws.folder("inbox") / "qa.xlsx")
    outcomes = {o.path.name: o for o in run_once(ws)}
    assert {n: o.result for n, o in outcomes.items()} == {"master-with-my-notes.xlsx": "rejected", "qa.xlsx": "rejected"}
    master_mail = next(m for m in mails(ws) if "master-with-my-notes.xlsx" in m["Subject"])
    body = master_mail.get_body(("plain",)).get_content()
    assert "is the project's master workbook" in body and addresses(master_mail, "To") == ["pmo@example.com"]
    qa_mail = next(m for m in mails(ws) if "qa.xlsx" in m["Subject"])
    body = qa_mail.get_body(("plain",)).get_content()
    assert 'stamped for department "QA", which is not a department of this project' in body
    assert addresses(qa_mail, "To") == ["pmo@example.com"]
    assert inbox_names(ws) == []  # this project's own files: archived and rejected as usual
    assert StateDB(ws.state_db).accepted_version("RD") == 1
    r = CliRunner().invoke(main, ["validate", "-w", str(ws.root), str(master), "--lang", "zh"])
    assert r.exit_code == 1 and "是项目总表" in r.output and "[master-workbook]" in r.output


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_rejection_and_a_reminder_send_the_department_back_to_its_own_folder(tmp_path, lang):
    from guard_e2e_helpers import task, workbook
    from xlflow.output.notify import reminder_message

    ws = folders_ws(tmp_path / "ws", lang)
    run_once(ws)
    workbook(ws, "RD", [task("RD", 1, status="Finished")], AS_OF, ws.folder("inbox") / "RD" / "rd.xlsx")
    (outcome,) = run_once(ws)
    assert outcome.result == "rejected"
    (answer,) = [m for m in mails(ws) if "rd.xlsx" in m["Subject"]]
    text = answer.get_body(("plain",)).get_content()
    folder = str(ws.folder("inbox") / "RD")
    assert folder in text, text  # not "the shared inbox folder": a file at its top is not taken
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(b"PK")
    reminder = reminder_message(ws, "MK", blank, lang, AS_OF).get_body(("plain",)).get_content()
    assert str(ws.folder("inbox") / "MK") in reminder, reminder

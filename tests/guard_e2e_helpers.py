"""Helpers for the end-to-end plan guard tests: departments filling their generated workbooks
(openpyxl, by labels) and dropping them into the inbox, the intake run on a given day, and the
mails it wrote read back with the email package."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import openpyxl

from validate_helpers import fill
from xlflow.config import Workspace
from xlflow.output.department import generate_workbook, workbook_name
from xlflow.spec.catalog import load_catalog
from xlflow.store.state import StateDB
from xlflow.watcher import process_inbox

EN_DEPT = {"PMO": "PMO", "RD": "R&D", "MK": "Marketing", "SA": "Sales", "MF": "Manufacturing",
           "CS": "Customer Service", "FN": "Finance"}


def label(code: str, lang: str = "en") -> str:
    """A status as the workbook's dropdown shows it ("done" -> "Done")."""
    return load_catalog().enums["status"].label_of(code, lang)


def task(dept: str, n: int, **values: object) -> dict:
    """A WBS row as a department types it in an English workbook."""
    row = {"task_id": f"{dept}-{n:03d}", "name": f"{dept} task {n}", "owner_department": EN_DEPT.get(dept, dept),
           "owner": "Wang", "start": dt.date(2026, 11, 2), "due": dt.date(2026, 12, 4),
           "status": label("in_progress"), "percent": 50}
    row.update(values)
    return row


def blank(ws: Workspace, dept: str, lang: str = "en") -> Path:
    folder = ws.root.parent / "blank"
    folder.mkdir(exist_ok=True)
    return generate_workbook(ws, dept, lang, folder / workbook_name(ws, dept, lang))


def workbook(ws: Workspace, dept: str, rows: list[dict], update: dt.date | None, dst: Path,
             src: Path | None = None, lang: str = "en") -> Path:
    """The department's workbook (its blank one, or `src`) filled with these rows, saved as `dst`."""
    card = {"update_date": update}
    dst.parent.mkdir(parents=True, exist_ok=True)
    return fill(ws, src or blank(ws, dept, lang), dst, {"wbs": {"card": card, "tables": {"tasks": rows}}})


def submit(ws: Workspace, dept: str, rows: list[dict], update: dt.date | None, name: str | None = None,
           src: Path | None = None) -> Path:
    """Fill the workbook and drop it into the inbox under its usual name (or `name`)."""
    return workbook(ws, dept, rows, update, ws.folder("inbox") / (name or workbook_name(ws, dept, "en")), src)


def received(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour)).astimezone()


def run(ws: Workspace, day: dt.date, hour: int = 9, lang: str | None = None) -> list:
    """`xlflow watch --once` on that day: every file in the inbox, received at `hour`."""
    return process_inbox(ws, day, lang=lang, received_at=received(day, hour))


def run_one(ws: Workspace, day: dt.date, hour: int = 9, lang: str | None = None):
    outcomes = run(ws, day, hour, lang)
    assert len(outcomes) == 1, [o.line("en") for o in outcomes]
    return outcomes[0]


def mails(ws: Workspace) -> list[EmailMessage]:
    """Every mail in outbox/, oldest first (names start with a timestamp, and a counter breaks ties)."""
    paths = sorted(ws.folder("outbox").glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]


def last_mail(ws: Workspace) -> EmailMessage:
    found = mails(ws)
    assert found, "no mail in outbox/"
    return found[-1]


def body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def addresses(message: EmailMessage, header: str) -> list[str]:
    value = message[header]
    return sorted(a.addr_spec for a in value.addresses) if value is not None else []


def last_report(ws: Workspace) -> str:
    """The newest plain-text report in rejected/."""
    found = sorted(ws.folder("rejected").glob("*.txt"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    assert found, "no report in rejected/"
    return found[-1].read_text("utf-8")


def master_tasks(ws: Workspace) -> dict[str, str]:
    """Task ID -> status label, from the master's Master WBS sheet."""
    path = next(ws.folder("master").glob("*-master.xlsx"))
    sheet = openpyxl.load_workbook(path, read_only=True)["Master WBS"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and "Task ID" in r)
    cols = rows[header]
    tid, status = cols.index("Task ID"), cols.index("Status")
    return {r[tid]: r[status] for r in rows[header + 1:] if r and r[tid]}


def dashboard_submitted(ws: Workspace) -> dict[str, str]:
    """Department code -> the dashboard's "Update accepted this week" (Yes/No)."""
    path = next(ws.folder("master").glob("*-master.xlsx"))
    sheet = openpyxl.load_workbook(path, read_only=True)["Dashboard"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and "Update accepted this week" in r)
    col = rows[header].index("Update accepted this week")
    out = {}
    for r in rows[header + 1:]:
        if not r or not r[0]:
            break
        out[r[0]] = r[col]
    return out


def history(ws: Workspace, dept: str) -> list[tuple[int | None, str, str]]:
    return [(s.version, s.file_name, s.result) for s in StateDB(ws.state_db).history(dept)]

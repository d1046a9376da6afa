"""Helpers for the sharing tests: a three-department workspace and a hand-built week."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from xlflow.config import Workspace, load_workspace
from xlflow.week.state import DepartmentWeek, Item, Milestone, Task, WeekState
from xlflow.workdays import week_of

CONFIG = """
[project]
name = {{ zh = "测试项目🚀", en = "Test project 🚀" }}
code = "TP-1"
lead_department = "PMO"
start = 2026-09-01
end = 2026-12-31
language = "{lang}"
timezone = "Asia/Shanghai"

[[departments]]
code = "PMO"
name = {{ zh = "项目办", en = "PMO" }}
email = "pmo@example.com"

[[departments]]
code = "RD"
name = {{ zh = "研发部", en = "R&D" }}
email = "rd@example.com"
contact = "王磊"

[[departments]]
code = "MK"
name = {{ zh = "市场部", en = "Marketing" }}
email = "mk@example.com"

[email]
to = ["pmo@example.com"]

[calendar]
china = true
{sharing}
"""

AS_OF = dt.date(2026, 11, 20)


def make_ws(root: Path, lang: str = "zh", sharing: str = "") -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    (root / "xlflow.toml").write_text(CONFIG.format(lang=lang, sharing=sharing), "utf-8")
    return load_workspace(root)


def T(task_id: str, due: dt.date | None, name: str = "", owner: str = "", status: str = "in_progress",
      preds: tuple[str, ...] = (), **kw) -> Task:
    return Task(task_id.split("-")[0], task_id, name or f"任务 {task_id}", owner, task_id.split("-")[0],
                due - dt.timedelta(days=10) if due else None, due, status, status, 50.0, predecessors=preds, **kw)


def week_state(tasks: tuple[Task, ...], previous: tuple[Task, ...] | None = None, as_of: dt.date = AS_OF,
               **kw) -> WeekState:
    depts = tuple(DepartmentWeek(c, sum(t.department == c for t in tasks), 0, 0, 0, 50.0, True, None, 1)
                  for c in ("PMO", "RD", "MK"))
    return WeekState("TP-1", week_of(as_of, 0), as_of, as_of, tasks, depts, previous_tasks=previous,
                     previous_date=as_of - dt.timedelta(days=7) if previous is not None else None, **kw)


def sample_week() -> WeekState:
    """RD's own work, MK waiting for RD-002 (linked), MK-009 with nothing to do with RD (out of
    scope), risks and actions of both, a milestone."""
    tasks = (
        T("RD-001", dt.date(2026, 11, 18), "样机评审 🔧", "王磊", "done"),
        T("RD-002", dt.date(2026, 11, 27), "=SUM(A1) 量产设计冻结", "王磊", reason="供应商延迟"),
        T("MK-003", dt.date(2026, 12, 4), "上市物料设计", "李娜", preds=("RD-002",)),
        T("MK-009", dt.date(2026, 12, 11), "秘密渠道谈判", "赵秘", "blocked", reason="预算保密"),
        T("PMO-001", dt.date(2026, 12, 30), "项目验收", "周敏", preds=("MK-009",)),
    )
    previous = (T("RD-001", dt.date(2026, 11, 18), "样机评审 🔧", "王磊"),
                T("RD-002", dt.date(2026, 11, 25), "=SUM(A1) 量产设计冻结", "王磊"))
    risks = (Item("RD", {"issue_id": "RD-R01", "kind": "risk", "description": "芯片供货风险", "impact": "high",
                         "owner": "王磊", "status": "open"}),
             Item("MK", {"issue_id": "MK-R07", "kind": "risk", "description": "等待研发部样机", "impact": "medium",
                         "owner": "李娜", "status": "open"}),
             Item("MK", {"issue_id": "MK-R08", "kind": "risk", "description": "渠道价格泄露", "impact": "high",
                         "owner": "赵秘", "status": "open"}))
    actions = (Item("PMO", {"item": "补充测试报告", "owner_department": "RD", "owner": "王磊", "due": dt.date(2026, 11, 19),
                            "status": "in_progress"}, overdue=True),
               Item("PMO", {"item": "渠道合同审阅", "owner_department": "MK", "owner": "赵秘", "due": dt.date(2026, 11, 30),
                            "status": "in_progress"}))
    milestones = (Milestone("新品发布会", dt.date(2026, 12, 15), "", "PMO"),)
    return week_state(tasks, previous, risks=risks, actions=actions, milestones=milestones)


SECRETS = ("MK-009", "秘密渠道谈判", "赵秘", "预算保密", "PMO-001", "项目验收", "周敏", "李娜", "渠道价格泄露",
           "渠道合同审阅", "MK-R08")


def parts(path: Path) -> dict[str, bytes]:
    """Every part of a zip package, whole."""
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def hits(path: Path, needles) -> list[tuple[str, str]]:
    """(part, needle) for each needle found in any part, raw or XML-escaped."""
    found = []
    for name, data in parts(path).items():
        text = data.decode("utf-8", "replace")
        for n in needles:
            escaped = n.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            if n in text or escaped in text:
                found.append((name, n))
    return found


def ics_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    assert re.search(rb"(?<!\r)\n", data) is None, "a bare LF"
    return data[:-2].split(b"\r\n")


def read_xml_parts(path: Path) -> None:
    """Every XML part parses."""
    import xml.etree.ElementTree as ET

    for name, data in parts(path).items():
        if name.endswith((".xml", ".rels")):
            ET.parse(io.BytesIO(data))

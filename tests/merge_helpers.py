"""Helpers for the merge tests: a small workspace and Submissions built in memory.

Submissions are built directly (as validate would produce them) so the merge model is
tested on its own; the workspace tests pass real files through the cache.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from xlflow.check.model import FormData, Row, Submission, WorkbookData
from xlflow.config import Workspace, load_workspace
from xlflow.findings import Finding, Report

CONFIG = """
[project]
name = {{ zh = "测试项目", en = "Test project" }}
code = "TP-1"
lead_department = "PMO"
start = 2026-09-01
end = 2026-12-31
language = "{lang}"
week_start = "monday"

[[departments]]
code = "PMO"
name = {{ zh = "项目办", en = "PMO" }}

[[departments]]
code = "RD"
name = {{ zh = "研发部", en = "R&D" }}

[[departments]]
code = "MK"
name = {{ zh = "市场部", en = "Marketing" }}

[calendar]
china = true

[summary]
due_soon_days = 5
"""

RECEIVED = dt.datetime(2026, 11, 17, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def make_ws(root: Path, lang: str = "en") -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    (root / "xlflow.toml").write_text(CONFIG.format(lang=lang), "utf-8")
    return load_workspace(root)


def task(task_id: str, start: dt.date, due: dt.date, status: str = "in_progress", preds: tuple[str, ...] = (),
         percent: float = 0.0, **extra: object) -> dict:
    dept = task_id.split("-")[0]
    return {"task_id": task_id, "name": f"Task {task_id}", "owner_department": dept, "owner": "Wang",
            "start": start, "due": due, "predecessors": tuple(preds), "status": status,
            "percent": 100.0 if status == "done" else percent, **extra}


def submission(dept: str, tasks: list[dict], *, received: dt.datetime | None = RECEIVED, errors: int = 0,
               path: Path | None = None, raci: list[dict] = (), issues: list[dict] = (),
               actions: list[dict] = (), meeting: dict | None = None,
               meetings: list[dict] = ()) -> Submission:
    forms = {"wbs": FormData("wbs", "WBS", {"update_date": dt.date(2026, 11, 16)}, {},
                             {"tasks": tuple(Row(10 + i, dict(t)) for i, t in enumerate(tasks))})}
    if raci:
        forms["raci"] = FormData("raci", "RACI", {}, {}, {"matrix": tuple(Row(6 + i, r) for i, r in enumerate(raci))})
    if issues:
        forms["issues"] = FormData("issues", "Issues", {}, {}, {"log": tuple(Row(6 + i, r) for i, r in enumerate(issues))})
    if actions or meeting or meetings:
        # the meeting log: `meeting` is one meeting (ID M1, which action items without an ID belong to)
        log = list(meetings) or ([{"meeting_id": "M1", **meeting}] if meeting else [])
        rows = [{"meeting_id": "M1", **r} for r in actions]
        forms["minutes"] = FormData("minutes", "Minutes", {}, {},
                                    {"meetings": tuple(Row(6 + i, r) for i, r in enumerate(log)),
                                     "actions": tuple(Row(30 + i, r) for i, r in enumerate(rows))})
    report = Report([Finding("required", sheet="WBS", cell="B12", field="Owner") for _ in range(errors)])
    return Submission(path or Path(f"/in/{dept}.xlsx"), f"{dept:0<64}"[:64], report, dept,
                      WorkbookData(dept, "TP-1", "1.0", forms), received)


D = dt.date


def catalog_with_status(folder: Path, code: str = "on_hold", zh: str = "暂停", en: str = "On hold",
                        colour: str = "#E4DFEC"):
    """The installed spec copied to `folder` with one more task status at the end of enums.toml `status`."""
    import shutil

    from xlflow.resources import data_dir
    from xlflow.spec.catalog import load_catalog

    shutil.copytree(data_dir(), folder)
    enums = folder / "enums.toml"
    text = enums.read_text("utf-8")
    head, tail = text.split("[health]", 1)
    extra = f'  {{ code = "{code}", zh = "{zh}", en = "{en}", colour = "{colour}" }},\n]\n\n'
    enums.write_text(head.rstrip().removesuffix("]") + extra + "[health]" + tail, "utf-8")
    return load_catalog(folder)

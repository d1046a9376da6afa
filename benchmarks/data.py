"""Realistic department workbooks for the benchmarks, made with xlflow's own generator.

Each department gets M tasks with Chinese names, owners, dates spread over the project,
a status mix like a real week (most in progress or not started, some done, a few delayed
or blocked with a reason), chains of predecessors inside the department and about one
task in ten waiting on another department.
"""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from xlflow.config import Workspace, load_workspace
from xlflow.output.department import generate_workbook

VERBS = ["设计", "评审", "开发", "测试", "采购", "编写", "确认", "培训", "上线", "验收"]
OBJECTS = ["电源模块", "外观方案", "宣传物料", "渠道政策", "产线工装", "客服话术", "成本预算", "说明书", "包装", "样机"]
OWNERS = ["王磊", "李娜", "张强", "刘洋", "陈静", "杨帆", "周敏", "赵丽", "孙伟", "吴昊"]
REASONS = ["设计资源不足", "需求变更未确认", "供应商交期延误", "等待前置任务完成", "测试环境不可用"]
STATUS_MIX = [("in_progress", 35), ("not_started", 35), ("done", 18), ("delayed", 8), ("blocked", 4)]


def make_workspace(root: Path, departments: int, lang: str = "zh") -> Workspace:
    """A workspace with `departments` departments D001, D002, ... and the Chinese calendar."""
    root.mkdir(parents=True, exist_ok=True)
    depts = "\n".join(f'[[departments]]\ncode = "D{i:03d}"\nname = {{ zh = "部门{i:03d}", en = "Dept {i:03d}" }}\n'
                      for i in range(1, departments + 1))
    (root / "xlflow.toml").write_text(f"""
[project]
name = {{ zh = "基准项目", en = "Benchmark project" }}
code = "BENCH"
lead_department = "D001"
start = 2026-03-02
end = 2026-12-31
language = "{lang}"

{depts}
[calendar]
china = true
""", "utf-8")
    return load_workspace(root)


def tasks_for(dept: str, count: int, codes: list[str], rng: random.Random) -> list[dict]:
    statuses = [s for s, w in STATUS_MIX for _ in range(w)]
    rows = []
    project_start = dt.date(2026, 3, 2)
    for i in range(1, count + 1):
        start = project_start + dt.timedelta(days=rng.randint(0, 220))
        due = start + dt.timedelta(days=rng.randint(3, 45))
        status = rng.choice(statuses)
        preds = []
        if i > 1 and rng.random() < 0.4:
            preds.append(f"{dept}-{rng.randint(max(1, i - 5), i - 1):03d}")
        if rng.random() < 0.1:
            other = rng.choice(codes)
            if other != dept:
                preds.append(f"{other}-{rng.randint(1, count):03d}")
        percent = 100 if status == "done" else (0 if status == "not_started" else rng.choice([10, 20, 40, 60, 80]))
        rows.append({
            "task_id": f"{dept}-{i:03d}", "name": f"{rng.choice(VERBS)}{rng.choice(OBJECTS)}（第{i}项）",
            "owner_department": dept, "owner": rng.choice(OWNERS), "start": start, "due": due,
            "predecessors": ", ".join(preds), "status": status, "percent": percent,
            "reason": rng.choice(REASONS) if status in ("delayed", "blocked") else None,
            "deliverable": f"{rng.choice(OBJECTS)}文档", "notes": "=1+1 写成文本" if i % 97 == 0 else None,
            "priority": rng.choice(["high", "medium", "low"]),
            "actual_finish": due if status == "done" else None,
        })
    return rows


def department_workbook(ws: Workspace, code: str, path: Path, tasks: int, rng: random.Random,
                        rows: list[dict] | None = None) -> Path:
    """One department's generated workbook with `tasks` prefilled tasks (random ones, or `rows`),
    valid as a department would send it."""
    codes = [d.code for d in ws.departments]
    data = {"wbs": {"card": {"update_date": dt.date(2026, 6, 12)},
                    "tables": {"tasks": rows if rows is not None else tasks_for(code, tasks, codes, rng)}}}
    return generate_workbook(ws, code, ws.lang, path, data=data)


def department_rows(ws: Workspace, tasks: int, seed: int = 47) -> dict[str, list[dict]]:
    """Each department's task rows exactly as make_department_files(ws, _, tasks, seed) writes them."""
    rng = random.Random(seed)
    codes = [d.code for d in ws.departments]
    return {code: tasks_for(code, tasks, codes, rng) for code in codes}


def make_department_files(ws: Workspace, folder: Path, tasks: int, seed: int = 47) -> list[Path]:
    """One generated workbook per department of `ws`, each with `tasks` prefilled tasks."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = department_rows(ws, tasks, seed)
    return [department_workbook(ws, code, folder / f"{code}.xlsx", tasks, random.Random(), rows[code])
            for code in rows]


def a_week_later(rows: list[dict], rng: random.Random, today: dt.date = dt.date(2026, 6, 12)) -> list[dict]:
    """The same tasks after what a week usually brings: a few statuses progressed (not started →
    in progress, in progress → done), a few percentages raised, one or two due dates moved a week.
    Names, owners, starts and links (predecessors) are kept."""
    new = [dict(r) for r in rows]
    started = [r for r in new if r["status"] == "not_started"]
    going = [r for r in new if r["status"] == "in_progress"]
    for r in rng.sample(started, min(3, len(started))):
        r.update(status="in_progress", percent=10)
    finishing = rng.sample(going, min(5, len(going)))
    for r in finishing[:2]:
        r.update(status="done", percent=100, actual_finish=today)
    for r in finishing[2:]:
        r["percent"] = min(90, r["percent"] + 20)
    for r in rng.sample(new, 2):
        r["due"] = r["due"] + dt.timedelta(days=7)
    return new

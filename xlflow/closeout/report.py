"""The final report workbook: what the project delivered against its baseline, the change log,
each department's scorecard over the whole life, the retrospectives merged, and the readiness
items (with --force, the BLOCK items the project closed with). Rendered from the closing day's
WeekState and the retrospectives; written through xlsx/plainbook.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..config import Workspace
from ..i18n import msg
from ..spec.catalog import load_catalog
from ..store.atomic import atomic_path
from ..week.state import Task, WeekState
from ..xlsx.plainbook import Table, write_tables
from .readiness import Readiness
from .retro import Retro


class _Words:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **params: object) -> str:
        return msg(f"close-{key}", self.lang, **params)

    def cols(self, *keys: str) -> list[str]:
        return [self(f"col-{k}") for k in keys]


def write_final_report(
    ws: Workspace,
    state: WeekState,
    readiness: Readiness,
    retros: dict[str, Retro],
    closed_on: dt.date,
    forced: bool,
    path: Path,
    lang: str,
) -> Path:
    w = _Words(lang)
    tables = [
        _summary(ws, state, readiness, closed_on, forced, w),
        _readiness(readiness, w),
        _departments(ws, state, w),
        _milestones(state, w),
        _moves(state, w),
        _changes(state, w),
        _scorecard(state, w),
        _retros(retros, w),
    ]
    with atomic_path(path) as tmp:
        write_tables(tmp, tables)
    return path


def _end(tasks: list[Task], pick) -> dt.date | None:
    days = [d for d in (pick(t) for t in tasks) if d is not None]
    return max(days) if days else None


def _actual(t: Task) -> dt.date | None:
    return t.actual_finish or t.due


def _baselines(state: WeekState) -> dict[tuple[str, str], dt.date | None]:
    """Each task's baseline due date: the week's, else the old date of its due move, else (a
    baseline being in force and the task neither moved nor added) its due date."""
    moved = {(m.department, m.task_id): m.old for m in state.moves if m.kind == "due"}
    added = {(m.department, m.task_id) for m in state.moves if m.kind == "added"}
    out: dict[tuple[str, str], dt.date | None] = {}
    for t in state.tasks:
        key = (t.department, t.task_id)
        if t.baseline_due is not None:
            out[key] = t.baseline_due
        elif key in moved:
            out[key] = moved[key]
        else:
            out[key] = t.due if state.baseline_end is not None and key not in added else None
    return out


def _summary(
    ws: Workspace, state: WeekState, readiness: Readiness, closed_on: dt.date, forced: bool, w: _Words
) -> Table:
    tasks = list(state.tasks)
    base = _baselines(state)
    moves = [m for m in state.moves if m.kind == "due" and (m.days or 0) > 0]
    rows = [
        (w("col-project"), f"{ws.project.code} — {ws.project.name(w.lang)}"),
        (w("col-closed-on"), closed_on),
        (w("col-data-date"), state.data_date),
        (w("col-forced"), w("yes") if forced else w("no")),
        (w("col-blocks"), len(readiness.blocks)),
        (w("col-warnings"), len(readiness.warnings)),
        (w("col-tasks"), len(tasks)),
        (w("col-done"), sum(t.done for t in tasks)),
        (w("col-baseline-end"), state.baseline_end or _end(tasks, lambda t: base[(t.department, t.task_id)])),
        (w("col-actual-end"), _end(tasks, _actual)),
        (w("col-slipped"), sum(1 for t in tasks if (t.slip or 0) > 0)),
        *((w(f"col-slips-{s}"), sum(1 for m in moves if m.status == s)) for s in ("approved", "pending", "unapproved")),
    ]
    return Table(
        w("sheet-summary"),
        [w("col-item"), w("col-value")],
        rows,
        title=w("title", project=ws.project.name(w.lang)),
        widths=(34, 40),
    )


def _readiness(readiness: Readiness, w: _Words) -> Table:
    rows = [(i.level, w(f"kind-{i.kind}"), i.department, i.ref, i.text.render(w.lang)) for i in readiness.items]
    return Table(
        w("sheet-readiness"),
        w.cols("level", "kind", "department", "ref", "text"),
        rows,
        note=w("no-cancelled") if readiness.no_cancelled else "",
        widths=(8, 14, 12, 12, 80),
    )


def _departments(ws: Workspace, state: WeekState, w: _Words) -> Table:
    rows = []
    base = _baselines(state)
    for d in state.departments:
        mine = [t for t in state.tasks if t.department == d.code]
        moves = [m for m in state.moves if m.department == d.code and m.kind == "due" and (m.days or 0) > 0]
        dept = ws.department(d.code)
        rows.append(
            (
                d.code,
                dept.name(w.lang) if dept else d.code,
                len(mine),
                sum(t.done for t in mine),
                _end(mine, lambda t: base[(t.department, t.task_id)]),
                _end(mine, _actual),
                max((t.slip or 0 for t in mine), default=0),
                sum(1 for t in mine if (t.slip or 0) > 0),
                sum(1 for m in moves if m.status == "approved"),
                sum(1 for m in moves if m.status != "approved"),
            )
        )
    return Table(
        w("sheet-departments"),
        w.cols(
            "department",
            "name",
            "tasks",
            "done",
            "baseline-end",
            "actual-end",
            "slip-days",
            "slipped",
            "slips-approved",
            "slips-other",
        ),
        rows,
    )


def _milestones(state: WeekState, w: _Words) -> Table:
    by_name = {t.name.strip(): t for t in state.tasks if t.name.strip()}
    rows = []
    for m in state.milestones:
        task = by_name.get(m.name.strip())
        actual = _actual(task) if task else None
        rows.append(
            (
                m.name,
                m.owner_department or "—",
                m.planned,
                actual,
                (actual - m.planned).days if actual and m.planned else None,
                task.task_id if task else "",
            )
        )
    return Table(
        w("sheet-milestones"),
        w.cols("milestone", "department", "planned", "actual", "days", "task"),
        rows,
        note=w("milestone-note"),
    )


def _moves(state: WeekState, w: _Words) -> Table:
    rows = [
        (
            m.department,
            m.task_id,
            w(f"move-{m.kind}") if m.kind in ("start", "due", "added", "removed") else m.kind,
            m.old,
            m.new,
            m.days,
            msg(f"control-status-{m.status}", w.lang),
            ", ".join(m.change_ids),
        )
        for m in state.moves
    ]
    return Table(
        w("sheet-moves"), w.cols("department", "task", "move", "old", "new", "days", "status", "changes"), rows
    )


def _changes(state: WeekState, w: _Words) -> Table:
    types = load_catalog().enums["change_type"]
    rows = [
        (
            c.change_id,
            c.department,
            c.date,
            types.label_of(c.change_type, w.lang) if c.change_type else "",
            c.content,
            c.reason,
            ", ".join(c.tasks),
            w(f"decision-{c.status}") if c.status in ("pending", "approved", "rejected") else c.status,
            c.decided_by,
            c.decided_on,
            c.comment,
        )
        for c in state.changes
    ]
    return Table(
        w("sheet-changes"),
        w.cols(
            "change",
            "department",
            "date",
            "type",
            "content",
            "reason",
            "affected",
            "decision",
            "decided-by",
            "decided-on",
            "comment",
        ),
        rows,
    )


def _scorecard(state: WeekState, w: _Words) -> Table:
    card = state.scorecard
    rows = []
    for d in getattr(card, "departments", ()):
        f = d.current
        rows.append(
            (
                d.department,
                f.on_time.percent,
                f.slip_days,
                f.slipped,
                f.punctuality.percent,
                f.first_time.percent,
                f.blocked,
                f.answered.percent,
                f.stale,
            )
        )
    return Table(
        w("sheet-scorecard"),
        w.cols(
            "department", "on-time", "slip-sum", "slipped", "punctuality", "first-time", "blocked", "answered", "stale"
        ),
        rows,
        note=w("scorecard-note", weeks=len(getattr(card, "weeks", ()))),
    )


def _retros(retros: dict[str, Retro], w: _Words) -> Table:
    rows: list[tuple[object, ...]] = []
    for code, r in retros.items():
        rows += [(code, w("retro-well"), h.get("description"), h.get("root_cause"), "", "", None) for h in r.highlights]
        rows += [
            (code, w("retro-not-well"), p.get("description"), p.get("root_cause"), "", "", None) for p in r.problems
        ]
        rows += [
            (code, w("retro-change"), "", "", i.get("measure"), i.get("owner"), i.get("deadline"))
            for i in r.improvements
        ]
        rows += [
            (
                code,
                w("retro-goal"),
                f"{a.get('criterion')}: {a.get('target')} → {a.get('actual')}",
                "",
                "",
                "",
                a.get("met"),
            )
            for a in r.attainment
        ]
    return Table(
        w("sheet-retros"),
        w.cols("department", "category", "what", "why", "measure", "owner", "deadline"),
        rows,
        widths=(12, 16, 50, 40, 40, 12, 12),
    )

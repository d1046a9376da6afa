"""The brief's notices: what the week (xlflow.week.state.WeekState) holds besides tasks — its action
items, dependency problems, RACI conflicts and late submissions — as short lines in the brief's
language. Pure.

- actions_overdue: open action items past their due date — who, what, since when, which meeting;
- dependencies: the master's dependency problems (a successor started or scheduled before its
  predecessor, broken links, cycles, an ID used twice);
- raci: RACI conflicts across departments (plan/raci.py defines them);
- late: submissions that arrived after their data week's deadline — the data's week and the arrival.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ...config import Workspace
from ...i18n import msg
from ...workdays import WorkCalendar, as_date, day_text
from ..state import Item, WeekState
from ..stored import detail_text, problem_text
from .model import SECTION_LIMIT, Notice, NoticeLine


def _dept(ws: Workspace, code: object, lang: str) -> str:
    d = ws.department(str(code or "")) if code else None
    return d.name(lang) if d else str(code or "—")


def overdue_actions(actions: Iterable[Item], as_of: dt.date) -> list[dict[str, object]]:
    """Open action items (the week's Items) due before `as_of`, the longest overdue first, as rows."""
    rows = [{**a.values, "department": a.department} for a in actions]
    rows = [a for a in rows if a.get("status") != "done" and (as_date(a.get("due")) or dt.date.max) < as_of]
    return sorted(rows, key=lambda a: (as_date(a.get("due")), str(a.get("owner_department") or "")))


def build_notices(ws: Workspace, week: WeekState, lang: str, calendar: WorkCalendar) -> tuple[Notice, ...]:
    """The notices of `week`, in the brief's language."""
    as_of = week.as_of

    def t(key: str, **params: object) -> str:
        return msg(key, lang, **params)

    actions = [NoticeLine(
        t("brief-action-line", item=a.get("item") or "", department=_dept(ws, a.get("owner_department"), lang),
          owner=a.get("owner") or "—"),
        t("brief-action-detail", due=day_text(as_date(a.get("due"))),
          days=calendar.between(as_date(a.get("due")) or as_of, as_of), meeting=a.get("meeting_id") or "—",
          meeting_date=str(a.get("meeting_date") or "—")[:10], source=_dept(ws, a.get("department"), lang)))
        for a in overdue_actions(week.actions, as_of)]
    problems = [NoticeLine(
        t("brief-problem-line", problem=problem_text({"kind": p.kind}, lang), department=p.department or "",
          task=p.task_id or "", other=" ".join(str(x) for x in (p.other_department, p.other_task_id) if x) or "—"),
        detail_text(dict(p.detail), lang)) for p in week.problems]
    conflicts = [NoticeLine(
        t(f"raci-conflict-{c.kind}"),
        t("brief-raci-detail", item=c.item or "", named=", ".join(c.departments or ()),
          sources=", ".join(c.sources or ()))) for c in week.raci_conflicts]
    lates = [NoticeLine(
        t("brief-late-line", department=_dept(ws, s.department, lang), week=s.data_week.label,
          received=s.received.strftime("%Y-%m-%d %H:%M")),
        t("brief-late-detail", file=s.file_name, update=s.update_date.isoformat() if s.update_date else "—",
          deadline=s.deadline.strftime("%Y-%m-%d %H:%M"))) for s in week.late_submissions]
    changes = [NoticeLine(t(k, **dict(p))) for req in week.changes for k, p in getattr(req, "checks", ())]
    out = []
    for key, lines in (("actions_overdue", actions), ("dependencies", problems), ("raci", conflicts),
                       ("late", lates), ("changes", changes)):
        if lines:
            out.append(Notice(key, t(f"brief-notice-{key}"), t(f"brief-notice-hint-{key}"),
                              tuple(lines[:SECTION_LIMIT]), max(0, len(lines) - SECTION_LIMIT)))
    return tuple(out)

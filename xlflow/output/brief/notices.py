"""The brief's notices: what the week's record holds besides tasks (store/weekrecord.py) and the
late submissions (plan/lateness.py), as short lines in the brief's language. Pure.

- actions_overdue: open action items past their due date — who, what, since when, which meeting;
- dependencies: the master's dependency problems (a successor started or scheduled before its
  predecessor, broken links, cycles, an ID used twice);
- raci: RACI conflicts across departments (plan/raci.py defines them);
- late: submissions that arrived after their data week's deadline — the data's week and the arrival.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Mapping

from ...config import Workspace
from ...i18n import msg
from ...plan.lateness import LateSubmission
from ...store.weekrecord import WeekRecord, detail_text, problem_text
from ...workdays import WorkCalendar, as_date
from .model import SECTION_LIMIT, Notice, NoticeLine


def _dept(ws: Workspace, code: object, lang: str) -> str:
    d = ws.department(str(code or "")) if code else None
    return d.name(lang) if d else str(code or "—")


def overdue_actions(record: WeekRecord | None, as_of: dt.date) -> list[Mapping]:
    """Open action items due before `as_of`, the longest overdue first."""
    rows = [a for a in (record.actions if record else ())
            if a.get("status") != "done" and (as_date(a.get("due")) or dt.date.max) < as_of]
    return sorted(rows, key=lambda a: (as_date(a.get("due")), str(a.get("owner_department") or "")))


def build_notices(ws: Workspace, record: WeekRecord | None, late: Iterable[LateSubmission], as_of: dt.date,
                  lang: str, calendar: WorkCalendar) -> tuple[Notice, ...]:
    def t(key: str, **params: object) -> str:
        return msg(key, lang, **params)

    actions = [NoticeLine(
        t("brief-action-line", item=a.get("item") or "", department=_dept(ws, a.get("owner_department"), lang),
          owner=a.get("owner") or "—"),
        t("brief-action-detail", due=as_date(a.get("due")).isoformat(),
          days=calendar.between(as_date(a.get("due")), as_of), meeting=a.get("meeting_id") or "—",
          meeting_date=str(a.get("meeting_date") or "—")[:10], source=_dept(ws, a.get("department"), lang)))
        for a in overdue_actions(record, as_of)]
    problems = [NoticeLine(
        t("brief-problem-line", problem=problem_text(p, lang), department=p.get("department") or "",
          task=p.get("task_id") or "", other=" ".join(str(x) for x in (p.get("other_department"),
                                                                       p.get("other_task_id")) if x) or "—"),
        detail_text(p.get("detail"), lang)) for p in (record.problems if record else ())]
    conflicts = [NoticeLine(
        t(f"raci-conflict-{c.get('kind')}"),
        t("brief-raci-detail", item=c.get("item") or "", named=", ".join(c.get("departments") or ()),
          sources=", ".join(c.get("sources") or ()))) for c in (record.raci_conflicts if record else ())]
    lates = [NoticeLine(
        t("brief-late-line", department=_dept(ws, s.department, lang), week=s.data_week.label,
          received=s.received.strftime("%Y-%m-%d %H:%M")),
        t("brief-late-detail", file=s.file_name, update=s.update_date.isoformat() if s.update_date else "—",
          deadline=s.deadline.strftime("%Y-%m-%d %H:%M"))) for s in late]
    out = []
    for key, lines in (("actions_overdue", actions), ("dependencies", problems), ("raci", conflicts),
                       ("late", lates)):
        if lines:
            out.append(Notice(key, t(f"brief-notice-{key}"), t(f"brief-notice-hint-{key}"),
                              tuple(lines[:SECTION_LIMIT]), max(0, len(lines) - SECTION_LIMIT)))
    return tuple(out)

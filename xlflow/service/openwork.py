"""What a department still owes, for its reminder: its open action items (from every meeting of
the logs, overdue ones marked) and its open tasks due by the end of this week (late ones too).

Read from the week loaded for the reminder's day (xlflow/week: load_week), so the reminder names
exactly what the master and the brief show.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..config import Workspace
from ..i18n import msg
from ..week.state import WeekState
from ..workdays import as_date, week_of


@dataclass(frozen=True)
class OpenWork:
    actions: tuple[str, ...]  # lines in the reminder's language
    tasks: tuple[str, ...]
    overdue_actions: int

    def __bool__(self) -> bool:
        return bool(self.actions or self.tasks)


def open_work(ws: Workspace, week: WeekState | None, code: str, as_of: dt.date, lang: str) -> OpenWork:
    """`week`: the week loaded for the reminder's day (None: no merge yet, nothing owed)."""
    if week is None:
        return OpenWork((), (), 0)
    end = week_of(as_of, ws.project.week_start).end
    actions, overdue = [], 0
    for item in week.actions:
        a = item.values
        if a.get("owner_department") != code or a.get("status") == "done":
            continue
        due = as_date(a.get("due"))
        late = due is not None and due < as_of
        overdue += late
        actions.append(msg("reminder-action-line", lang, item=a.get("item") or "", owner=a.get("owner") or "—",
                           due=due.isoformat() if due else "—", meeting=a.get("meeting_id") or "—",
                           late=msg("reminder-overdue", lang) if late else ""))
    tasks = [msg("reminder-task-line", lang, task=t.task_id, name=t.name or "", owner=t.owner or "—",
                 due=t.due.isoformat(), late=msg("reminder-overdue", lang) if t.due < as_of else "")
             for t in sorted(week.tasks, key=lambda t: (t.due or dt.date.max, t.task_id))
             if t.department == code and t.status != "done" and t.due is not None and t.due <= end]
    return OpenWork(tuple(actions), tuple(tasks), overdue)

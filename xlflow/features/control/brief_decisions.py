"""The brief's decisions needed from the change register: each pending change request, with the
tasks it affects and the dates it proposes, and who decides. Pure: the register comes in as values."""
from __future__ import annotations

from collections.abc import Iterable

from ...config import Workspace
from ...i18n import msg
from ...output.brief.decision import Decision
from .requests import ChangeRequest, proposed_summary


def change_decisions(ws: Workspace, changes: Iterable[ChangeRequest], lang: str,
                     reader: str | None = None) -> tuple[Decision, ...]:
    """Pending requests in the register's order (departments as configured, then the workbook's).
    In department `reader`'s brief, another department's request goes without its contact (a person
    of that department, left out as a linked task's owner is)."""
    lead = ws.department(ws.project.lead_department)
    out = []
    for req in changes:
        if not req.pending:
            continue
        dept = ws.department(req.department)
        tasks = ", ".join(req.tasks) or "—"
        note = msg("brief-note-change", lang, tasks=tasks, proposed=proposed_summary(req, lang) or "—",
                   lead=lead.name(lang) if lead else ws.project.lead_department)
        out.append(Decision("change", req.change_id, req.content, dept.name(lang) if dept else req.department,
                            dept.contact if dept and reader in (None, req.department) else "", req.date, note))
    return tuple(out)

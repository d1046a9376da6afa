"""The brief's "what changed in the plan": each department's new versions of the week, from the
same record the intake keeps with every version (plan.diff.PlanDiff), so the brief, the
acceptance mail and `xlflow history` tell one story. Pure: the versions come in as values.
"""
from __future__ import annotations

from collections.abc import Iterable

from ...config import Workspace
from ...i18n import msg
from ...plan.diff import PlanDiff
from ...plan.guard import status_label
from ...store.records import coordinator_note
from ..state import PlanVersion
from .model import DepartmentChanges, Notable, VersionChange


def plan_changes(ws: Workspace, versions: Iterable[PlanVersion], lang: str) -> tuple[DepartmentChanges, ...]:
    """Departments in the workspace's order, each with its versions in order; a department with
    no version here is left out (the brief lists who did not submit elsewhere)."""
    by_dept: dict[str, list[PlanVersion]] = {}
    for v in versions:
        by_dept.setdefault(v.department, []).append(v)
    out = []
    for d in ws.departments:
        mine = sorted(by_dept.get(d.code, ()), key=lambda v: v.version)
        if mine:
            out.append(DepartmentChanges(d.code, d.name(lang), tuple(_version(v, lang) for v in mine)))
    return tuple(out)


def _version(v: PlanVersion, lang: str) -> VersionChange:
    summary = v.diff.summary(lang, status_label) if v.diff is not None else msg("brief-changes-first", lang)
    return VersionChange(v.version, v.received.strftime("%Y-%m-%d %H:%M"), v.file_name, summary,
                         coordinator_note(v.note, lang), notable(v.diff, lang) if v.diff else ())


def notable(diff: PlanDiff, lang: str) -> tuple[Notable, ...]:
    """Removed tasks, done tasks reopened, due dates moved later (working days), percent down."""
    later = [msg("brief-changes-later-item", lang, task=c.task_id, days=c.days)
             for c in diff.of("due") if c.days is not None and c.days > 0]
    kinds = (("removed", list(diff.removed)), ("reopened", [c.task_id for c in diff.reversals]),
             ("later", later), ("percent_down", [c.task_id for c in diff.percent_down]))
    sep = "，" if lang == "zh" else ", "
    return tuple(Notable(kind, msg(f"brief-changes-{kind.replace('_', '-')}", lang, ids=sep.join(ids)))
                 for kind, ids in kinds if ids)

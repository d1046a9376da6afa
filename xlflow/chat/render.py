"""The five chat events rendered in the workspace's language, from the week's state (a digest
is a rendering of WeekState, never a new assembly of the week) and from the intake's outcome."""

from __future__ import annotations

import datetime as dt

from ..config import Workspace
from ..i18n import msg
from ..plan.guard import status_label
from ..week.state import Escalation, Task, WeekState
from .message import Message, clip

LIST_MAX = 5  # tasks named per section of the digest (one screen); the rest are counted


def _dept(ws: Workspace, code: str, lang: str) -> str:
    d = ws.department(code)
    return (d.name.zh if lang == "zh" else d.name.en) if d else code


def _task_line(t: Task, lang: str) -> str:
    due = t.due.strftime("%m-%d") if t.due else "—"
    reason = f" — {clip(t.reason, 80)}" if t.reason else ""
    return f"- {t.task_id} {clip(t.name, 60)} ({status_label(t.status, lang)}, {due}){reason}"


def _section(lang: str, key: str, items: list[str]) -> list[str]:
    if not items:
        return []
    shown = items[:LIST_MAX]
    more = [msg("chat-and-more", lang, count=len(items) - LIST_MAX)] if len(items) > LIST_MAX else []
    return [msg(key, lang, count=len(items)), *shown, *more]


def newly_troubled(state: WeekState) -> list[Task]:
    """Tasks delayed or blocked now that were not at the end of the week before."""
    before = {t.task_id: t.status for t in state.previous_tasks or ()}
    return [t for t in state.tasks if t.status in ("delayed", "blocked") and before.get(t.task_id) != t.status]


def digest(ws: Workspace, state: WeekState, lang: str, where: str) -> Message:
    """One screen: health, newly delayed/blocked, overdue, unapproved date moves, decisions
    needed, who has not submitted (@-mentioned), where the full brief is."""
    done = sum(t.done for t in state.tasks)
    end = state.projected_end.isoformat() if state.projected_end else "—"
    lines = [
        msg(
            "chat-brief-health",
            lang,
            tasks=len(state.tasks),
            done=done,
            trouble=sum(d.trouble for d in state.departments),
            overdue=sum(t.health == "overdue" for t in state.tasks),
            end=end,
        )
    ]
    lines += _section(lang, "chat-brief-new-trouble", [_task_line(t, lang) for t in newly_troubled(state)])
    lines += _section(lang, "chat-brief-overdue", [_task_line(t, lang) for t in state.tasks if t.health == "overdue"])
    unapproved = [m for m in state.moves if getattr(m, "status", "") == "unapproved"]
    lines += _section(
        lang, "chat-brief-moves", [f"- {m.task_id} {m.kind}: {m.old or '—'} → {m.new or '—'}" for m in unapproved]
    )
    pending = [c for c in state.changes if getattr(c, "status", "") == "pending"]
    lines += _section(
        lang, "chat-brief-decisions", [f"- {c.change_id} ({c.department}) {clip(c.content, 80)}" for c in pending]
    )
    missing = state.not_submitted
    if missing:
        lines.append(msg("chat-brief-missing", lang, departments="、".join(_dept(ws, c, lang) for c in missing)))
    lines.append(where)
    title = msg(
        "chat-brief-title",
        lang,
        project=ws.project.name.zh if lang == "zh" else ws.project.name.en,
        week=state.week.label,
    )
    return Message(title, tuple(lines), where, tuple(missing), lang)


def intake_line(
    ws: Workspace,
    lang: str,
    department: str | None,
    file_name: str,
    result: str,
    version: int | None,
    errors: int,
    warnings: int,
) -> Message:
    who = _dept(ws, department, lang) if department else msg("chat-unknown-department", lang)
    line = msg(
        f"chat-intake-{'accepted' if result == 'accepted' else 'rejected'}",
        lang,
        department=who,
        file=clip(file_name, 80),
        version=version or "—",
        errors=errors,
        warnings=warnings,
    )
    return Message(msg("chat-intake-title", lang, department=who), (line,), msg("chat-more-in-mail", lang), (), lang)


def reminder(ws: Workspace, state: WeekState, lang: str) -> Message | None:
    """@-mentions of the departments that have not submitted, with their open tasks due this week."""
    missing = state.not_submitted
    if not missing:
        return None
    lines = []
    for code in missing:
        due = [t for t in state.tasks if t.department == code and not t.done and t.due and state.week.contains(t.due)]
        lines.append(msg("chat-reminder-dept", lang, department=_dept(ws, code, lang), count=len(due)))
        lines += [_task_line(t, lang) for t in due[:LIST_MAX]]
    deadline = ws.summary.deadline_weekday
    title = msg(
        "chat-reminder-title",
        lang,
        week=state.week.label,
        deadline=msg(f"chat-weekday-{deadline}", lang) if deadline is not None else "—",
    )
    return Message(title, tuple(lines), msg("chat-more-in-mail", lang), tuple(missing), lang)


def decision(ws: Workspace, change, lang: str) -> Message:
    """A change request approved or rejected: who decided, the tasks it moves."""
    verdict = msg(f"chat-decision-{change.status}", lang)
    lines = [
        msg(
            "chat-decision-line",
            lang,
            id=change.change_id,
            department=_dept(ws, change.department, lang),
            verdict=verdict,
            who=change.decided_by or "—",
            content=clip(change.content, 120),
        )
    ]
    for task_id in change.tasks[: LIST_MAX * 2]:
        start, due = change.proposed.get(task_id, (None, None))
        lines.append(f"- {task_id}: {_day(start)} / {_day(due)}")
    return Message(
        msg("chat-decision-title", lang, id=change.change_id, verdict=verdict),
        tuple(lines),
        msg("chat-more-in-mail", lang),
        (change.department,),
        lang,
    )


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def escalation(ws: Workspace, state: WeekState, esc: Escalation, lang: str) -> Message:
    task = state.task(esc.task_id)
    name = clip(task.name, 80) if task else ""
    line = msg(
        "chat-escalation-line",
        lang,
        department=_dept(ws, esc.department, lang),
        task=esc.task_id,
        name=name,
        comment=clip(esc.comment, 200) or "—",
    )
    lines = (line, _task_line(task, lang)) if task else (line,)
    return Message(
        msg("chat-escalation-title", lang, task=esc.task_id),
        lines,
        msg("chat-more-in-mail", lang),
        (esc.department,),
        lang,
    )

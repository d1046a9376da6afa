"""portfolio.xlsx: the projects, the milestone calendar, the department × project lateness
matrix and the cross-project links, as plain tables (xlsx/plainbook)."""

from __future__ import annotations

from pathlib import Path

from ..i18n import msg
from ..store.atomic import atomic_path
from ..xlsx.plainbook import Fill, Table, write_tables
from .build import Entry, Portfolio

COLOURS = {"red": "#FFC7CE", "amber": "#FFEB9C", "green": "#C6EFCE", "done": "#BDD7EE", "unreadable": "#D9D9D9"}
ROW_KEYS = (
    "project",
    "name",
    "health",
    "percent",
    "tasks",
    "done",
    "overdue",
    "trouble",
    "slipped",
    "slip-days",
    "slip-max",
    "unapproved",
    "pending",
    "blockers",
    "not-submitted",
    "next-milestone",
    "next-date",
    "last-merge",
    "merge-age",
    "projected-end",
    "baseline-end",
    "note",
    "workspace",
)


def t(key: str, lang: str, **params: object) -> str:
    return msg(f"pf-{key}", lang, **params)


def write_portfolio(p: Portfolio, path: Path, lang: str) -> Path:
    tables = [_projects(p, lang), _calendar(p, lang), _matrix(p, lang), _links(p, lang)]
    with atomic_path(path) as tmp:
        write_tables(tmp, tables)
    return path


def entry_note(e: Entry, lang: str) -> str:
    notes = []
    if e.read.problem is not None:
        notes.append(e.read.problem.render(lang))
    if e.read.stale:
        notes.append(t("note-stale", lang))
    if e.read.closed is not None:
        notes.append(t("note-closed", lang, date=e.read.closed.closed_on.isoformat()))
    return "; ".join(notes)


def _project_line(e: Entry, lang: str) -> list:
    r = e.row
    if r is None:
        return (
            [e.code, e.name(lang), Fill(t("health-unreadable", lang), COLOURS["unreadable"])]
            + [None] * 18
            + [entry_note(e, lang), str(e.read.root)]
        )
    m = r.next_milestone
    return [
        e.code,
        e.name(lang),
        Fill(t(f"health-{r.health}", lang), COLOURS[r.health]),
        r.percent,
        r.tasks,
        r.done,
        r.overdue,
        r.trouble,
        r.slipped,
        r.slip_days,
        r.slip_max,
        r.unapproved,
        r.pending_changes,
        r.old_blockers,
        ", ".join(r.not_submitted),
        m.name if m else "",
        m.planned if m else None,
        r.last_merge,
        r.merge_age,
        r.projected_end,
        r.baseline_end,
        entry_note(e, lang),
        str(e.read.root),
    ]


def _projects(p: Portfolio, lang: str) -> Table:
    headers = [t(f"col-{k}", lang, days=p.blocker_days) for k in ROW_KEYS]
    return Table(
        t("sheet-projects", lang),
        headers,
        [_project_line(e, lang) for e in p.entries],
        title=t("title", lang, date=p.as_of.isoformat(), count=len(p.entries)),
        widths=(10, 24, 10) + (8,) * 11 + (16, 20, 11, 11, 8, 11, 11, 40, 30),
    )


def _calendar(p: Portfolio, lang: str) -> Table:
    rows = [
        (
            c.day,
            c.project,
            c.milestone.name,
            c.milestone.owner_department or "—",
            (c.day - p.as_of).days,
            t("cal-past" if c.day < p.as_of else "cal-next", lang),
        )
        for c in p.calendar
    ]
    return Table(
        t("sheet-calendar", lang),
        [t(f"col-cal-{k}", lang) for k in ("date", "project", "milestone", "department", "days", "when")],
        rows,
    )


def _matrix(p: Portfolio, lang: str) -> Table:
    projects = [e.code for e in p.entries if e.row is not None]
    rows = []
    for d in p.departments:
        cells = [p.lateness.get((d, code)) for code in projects]
        late_in = sum(1 for c in cells if c)
        rows.append([d, *(Fill(c, COLOURS["red"]) if c else c for c in cells), late_in])
    return Table(
        t("sheet-matrix", lang),
        [t("col-department", lang), *projects, t("col-late-in", lang)],
        rows,
        note=t("matrix-note", lang),
    )


def _links(p: Portfolio, lang: str) -> Table:
    rows = [
        (
            link.project,
            link.department,
            link.task_id,
            link.start,
            f"{link.other_project}:{link.other_task}",
            link.other_due,
            Fill(t(f"link-{link.status}", lang), COLOURS["green" if link.status == "ok" else "red"]),
        )
        for link in p.links
    ]
    return Table(
        t("sheet-links", lang),
        [t(f"col-link-{k}", lang) for k in ("project", "department", "task", "start", "waits-for", "due", "status")],
        rows,
    )

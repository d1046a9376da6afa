"""A department's slice as a workbook: the sheets of its Slice, in the workspace's language.

Every cell comes from the Slice (share/scope.py); the writer (xlsx/tables.py) adds nothing, so
what is not in the slice is not in the file — not in a hidden sheet, a comment, a validation, a
defined name or the document properties.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Workspace
from ..features.control.requests import proposed_summary
from ..i18n import msg
from ..spec.catalog import Catalog, load_catalog
from ..store.atomic import atomic_path
from ..xlsx.report import Column, TableSheet, write_tables
from .scope import UPSTREAM, Slice
from .sharing import CONTENTS


class _Book:
    def __init__(self, ws: Workspace, piece: Slice, lang: str, catalog: Catalog) -> None:
        self.ws, self.s, self.lang, self.enums = ws, piece, lang, catalog.enums
        st = piece.state
        dept = ws.department(piece.department or "")
        self.dept_name = dept.name(lang) if dept else (piece.department or "")
        self.subtitle = msg(
            "share-slice-subtitle",
            lang,
            code=ws.project.code,
            week=st.week.label,
            start=st.week.start.isoformat(),
            end=st.week.end.isoformat(),
            data_date=st.data_date.isoformat(),
        )
        self.none = msg("share-slice-none", lang)

    def t(self, key: str, **kw) -> str:
        return msg(key, self.lang, **kw)

    def label(self, enum: str, code: object) -> str:
        return self.enums[enum].label_of(str(code or ""), self.lang) if code else ""

    def colour(self, enum: str, code: object) -> str | None:
        return self.enums[enum].colour_of(str(code or "")) if code else None

    def dept(self, code: str) -> str:
        d = self.ws.department(code)
        return d.name(self.lang) if d else code

    def title(self) -> str:
        project = self.ws.project.name(self.lang)
        return (
            self.t("share-slice-title", project=project, department=self.dept_name)
            if self.s.department
            else self.t("share-slice-title-project", project=project)
        )

    def sheet(
        self,
        key: str,
        columns: list[Column],
        rows: list[tuple],
        fills: list[tuple] | None = None,
        notes: tuple[str, ...] = (),
    ) -> TableSheet:
        name = self.t(f"share-sheet-{key}")
        return TableSheet(
            name,
            f"{self.title()} · {name}",
            self.subtitle,
            tuple(columns),
            tuple(rows),
            tuple(fills or ()),
            self.none,
            notes,
        )

    # -- sheets -------------------------------------------------------------------------------
    def about(self) -> TableSheet:
        s, st = self.s, self.s.state
        week = st.department(s.department or "")
        rows = [(self.t("share-about-project"), f"{self.ws.project.name(self.lang)} ({self.ws.project.code})")]
        rows += [(self.t("share-about-department"), f"{self.dept_name} ({s.department})")] if s.department else []
        rows += [
            (self.t("share-about-week"), f"{st.week.label} ({st.week.start.isoformat()} – {st.week.end.isoformat()})")
        ]
        if week is not None and "own_tasks" in s.contents:
            rows += [
                (self.t("share-about-counts"), f"{week.tasks} / {week.done} / {week.trouble} / {week.overdue}"),
                (self.t("share-about-percent"), f"{week.percent:.0f}%"),
                (self.t("share-about-submitted"), self.t("share-about-yes" if week.submitted else "share-about-no")),
            ]
        if "linked_tasks" in s.contents:
            up = [x for x in s.linked if x.direction == UPSTREAM and x.status != "done"]
            late = [x for x in up if x.due is not None and x.due < st.as_of]
            rows.append((self.t("share-about-upstream-late"), f"{len(up)} / {len(late)}"))
        f = s.scorecard
        if f is not None:

            def pct(r):
                return "—" if r.percent is None else f"{r.percent:g}%"

            rows.append(
                (
                    self.t("share-about-scorecard"),
                    f"{pct(f.on_time)} / {f.slip_days} / {pct(f.punctuality)} / {pct(f.first_time)} / {f.blocked}",
                )
            )
        shown = [self.t(f"share-content-{c}") for c in CONTENTS if c in s.contents]
        rows.append((self.t("share-about-contents"), "；".join(shown) if self.lang == "zh" else "; ".join(shown)))
        return self.sheet(
            "about",
            [Column(self.t("share-about-label"), 40, wrap=True), Column(self.t("share-about-value"), 90, wrap=True)],
            rows,
        )

    def tasks(self) -> TableSheet:
        cols = [
            Column(self.t("share-col-task-id"), 11),
            Column(self.t("share-col-name"), 30, wrap=True),
            Column(self.t("share-col-owner"), 10),
            Column(self.t("share-col-start"), 11, "date"),
            Column(self.t("share-col-due"), 11, "date"),
            Column(self.t("share-col-status"), 9),
            Column(self.t("share-col-health"), 9),
            Column(self.t("share-col-percent"), 8, "percent"),
            Column(self.t("share-col-baseline-due"), 11, "date"),
            Column(self.t("share-col-slip"), 9, "number"),
            Column(self.t("share-col-reason"), 28, wrap=True),
        ]
        rows, fills = [], []
        for t in self.s.tasks:
            rows.append(
                (
                    t.task_id,
                    t.name,
                    t.owner,
                    t.start,
                    t.due,
                    self.label("status", t.status),
                    self.label("health", t.health),
                    t.percent,
                    t.baseline_due,
                    t.slip,
                    t.reason,
                )
            )
            fills.append((None,) * 5 + (self.colour("status", t.status), self.colour("health", t.health)))
        return self.sheet("tasks", cols, rows, fills)

    def links(self) -> TableSheet:
        cols = [
            Column(self.t("share-col-our-task"), 11),
            Column(self.t("share-col-direction"), 26),
            Column(self.t("share-col-task-id"), 11),
            Column(self.t("share-col-name"), 30, wrap=True),
            Column(self.t("share-col-department"), 14),
            Column(self.t("share-col-due"), 11, "date"),
            Column(self.t("share-col-status"), 9),
        ]
        rows, fills = [], []
        for x in self.s.linked:
            rows.append(
                (
                    x.own_task_id,
                    self.t(f"share-direction-{x.direction}"),
                    x.task_id,
                    x.name,
                    self.dept(x.department),
                    x.due,
                    self.label("status", x.status),
                )
            )
            fills.append((None,) * 6 + (self.colour("status", x.status),))
        return self.sheet("links", cols, rows, fills)

    def milestones(self) -> TableSheet:
        cols = [
            Column(self.t("share-col-milestone"), 40, wrap=True),
            Column(self.t("share-col-planned"), 12, "date"),
            Column(self.t("share-col-department"), 16),
        ]
        rows = [
            (m.name, m.planned, self.dept(m.owner_department) if m.owner_department else "")
            for m in sorted(self.s.milestones, key=lambda m: (m.planned is None, m.planned, m.name))
        ]
        return self.sheet("milestones", cols, rows)

    def actions(self) -> TableSheet:
        cols = [
            Column(self.t("share-col-item"), 40, wrap=True),
            Column(self.t("share-col-owner"), 10),
            Column(self.t("share-col-due"), 11, "date"),
            Column(self.t("share-col-status"), 9),
        ]
        rows, fills = [], []
        for a in self.s.actions:
            v = a.values
            rows.append((v.get("item"), v.get("owner"), v.get("due"), self.label("status", v.get("status"))))
            fills.append((None, None, "#FFC7CE" if a.overdue else None, self.colour("status", v.get("status"))))
        return self.sheet("actions", cols, rows, fills)

    def risks(self) -> TableSheet:
        cols = [
            Column(self.t("share-col-id"), 10),
            Column(self.t("share-col-kind"), 7),
            Column(self.t("share-col-department"), 14),
            Column(self.t("share-col-description"), 40, wrap=True),
            Column(self.t("share-col-impact"), 7),
            Column(self.t("share-col-response"), 30, wrap=True),
            Column(self.t("share-col-owner"), 10),
            Column(self.t("share-col-due"), 11, "date"),
            Column(self.t("share-col-status"), 8),
        ]
        rows, fills = [], []
        for r in self.s.risks:
            v = r.values
            rows.append(
                (
                    v.get("issue_id"),
                    self.label("issue_kind", v.get("kind")),
                    self.dept(r.department),
                    v.get("description"),
                    self.label("impact", v.get("impact")),
                    v.get("response"),
                    v.get("owner", ""),
                    v.get("deadline"),
                    self.label("issue_status", v.get("status")),
                )
            )
            fills.append(
                (None,) * 4
                + (self.colour("impact", v.get("impact")),)
                + (None,) * 3
                + (self.colour("issue_status", v.get("status")),)
            )
        return self.sheet("risks", cols, rows, fills)

    def decisions(self) -> TableSheet:
        cols = [
            Column(self.t("share-col-change-id"), 11),
            Column(self.t("share-col-filed-by"), 12),
            Column(self.t("share-col-content"), 40, wrap=True),
            Column(self.t("share-col-proposed"), 30, wrap=True),
            Column(self.t("share-col-decision"), 10),
            Column(self.t("share-col-decided-on"), 11, "date"),
            Column(self.t("share-col-comment"), 30, wrap=True),
        ]
        rows, fills = [], []
        for c in self.s.decisions:  # its own requests, and others' naming its tasks: those tasks' dates only
            dept = self.ws.department(c.department)
            filed = dept.name(self.lang) if dept else c.department
            proposed = proposed_summary(c, self.lang)
            rows.append((c.ref, filed, c.content, proposed, self.label("decision", c.status), c.decided_on, c.comment))
            fills.append((None,) * 4 + (self.colour("decision", c.status),))
        return self.sheet("decisions", cols, rows, fills)

    def changes(self) -> TableSheet:
        cols = [
            Column(self.t("share-col-task-id"), 11),
            Column(self.t("share-col-change"), 16),
            Column(self.t("share-col-before"), 14),
            Column(self.t("share-col-after"), 14),
        ]
        rows = []
        for c in self.s.changes:
            old, new = (
                (self.label("status", c.old), self.label("status", c.new)) if c.kind == "status" else (c.old, c.new)
            )
            rows.append((c.task_id, self.t(f"share-change-{c.kind}"), old, new))
        notes = (self.t("share-changes-first-week"),) if self.s.state.previous_tasks is None else ()
        return self.sheet("changes", cols, rows, notes=notes)

    def sheets(self) -> list[TableSheet]:
        c = self.s.contents
        out = [self.about()]
        out += [self.tasks()] if "own_tasks" in c else []
        out += [self.links()] if "linked_tasks" in c else []
        out += [self.milestones()] if "milestones" in c else []
        out += [self.actions()] if "actions" in c else []
        out += [self.risks()] if "risks" in c else []
        out += [self.decisions()] if "decisions" in c else []
        out += [self.changes()] if c & {"own_tasks", "linked_tasks"} else []
        return out


def slice_name(ws: Workspace, code: str, week_label: str) -> str:
    return f"{ws.project.code}-{code}-{week_label}.xlsx"


def write_slice(
    ws: Workspace, piece: Slice, path: Path, lang: str | None = None, catalog: Catalog | None = None
) -> Path:
    """The slice's workbook at `path`, written atomically."""
    lang = lang or ws.lang
    book = _Book(ws, piece, lang, catalog or load_catalog())
    with atomic_path(path) as tmp:
        write_tables(tmp, book.sheets(), title=book.title(), subject=ws.project.code)
    return Path(path)

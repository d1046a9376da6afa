"""Dependencies: the link problems, the critical path, and every link between departments."""
from __future__ import annotations

from operator import attrgetter

from ...i18n import Phrase
from ...output.master.core import HEADER_ROW, MasterWriter, column, label_of
from ...xlsx.fastsheet import Col, FastSheet, Lookup, as_date, as_text


def write(w: MasterWriter) -> None:
    sheet = w.sheet("dependencies")
    w.heading(sheet, w.t("master-sheet-dependencies"), w.subtitle())
    last = _problems(w, sheet, HEADER_ROW - 1)
    last = _raci(w, sheet, last + 2)
    last = _critical(w, sheet, last + 2)
    _links(w, sheet, last + 2)


def _problems(w: MasterWriter, sheet: FastSheet, row: int) -> int:
    problems = w.plan.problems
    w.block(sheet, row, "master-block-problems", count=len(problems))
    kinds = {kind: w.t(f"merge-problem-{kind}") for kind in {p.kind for p in problems}}  # told once per kind
    cols = [Col(w.t("master-col-problem"), 44, Lookup(kinds, attrgetter("kind")), key="problem"),
            Col(w.t("master-col-department"), 10, attrgetter("department"), key="department"),
            Col(w.t("master-col-task"), 12, attrgetter("task_id"), key="task_id"),
            Col(w.t("master-col-other-department"), 10, attrgetter("other_department"), key="other_department"),
            Col(w.t("master-col-other-task"), 12, attrgetter("other_task_id"), key="other_task_id"),
            Col(w.t("master-col-detail"), 40,
                lambda p: (p.detail.render(w.lang) if isinstance(p.detail, Phrase) else p.detail) or None,
                key="detail")]
    return w.table(sheet, row + 1, cols, problems, freeze=(row + 2, 0), print_rows=False)


def _raci(w: MasterWriter, sheet: FastSheet, row: int) -> int:
    """RACI problems across departments (plan/raci.py says what counts as one)."""
    conflicts = w.plan.raci_conflicts
    w.block(sheet, row, "master-block-raci", count=len(conflicts))
    cols = [Col(w.t("master-col-problem"), 44, lambda c: w.t(f"raci-conflict-{c.kind}"), key="problem"),
            Col(w.t("master-col-raci-item"), 30, lambda c: c.item, show=as_text, key="item"),
            Col(w.t("master-col-raci-named"), 16, lambda c: ", ".join(c.departments), key="named"),
            Col(w.t("master-col-raci-sources"), 16, lambda c: ", ".join(c.sources), key="sources")]
    return w.table(sheet, row + 1, cols, conflicts, print_rows=False)


def _critical(w: MasterWriter, sheet: FastSheet, row: int) -> int:
    plan = w.plan
    w.block(sheet, row, "master-block-critical", end=plan.end_date.isoformat() if plan.end_date else "—")
    st = {c.code: c.label(w.lang) for c in w.status.values}
    cols = [Col(w.t("master-col-department"), 10, lambda t: t.department, key="department"),
            Col(w.t("master-col-task"), 12, lambda t: t.task_id, key="task_id"),
            Col(w.t("master-col-name"), 30, lambda t: as_text(t.values.get("name")), key="name"),
            Col(w.t("master-col-effective-status"), 11, lambda t: label_of(st, t.effective_status),
                key="effective_status"),
            Col(w.t("master-col-start"), 11, lambda t: as_date(t.start), key="start"),
            Col(w.t("master-col-due"), 11, lambda t: as_date(t.due), key="due"),
            Col(w.t("master-col-projected"), 12, lambda t: t.projected_finish, key="projected_finish")]
    last = w.table(sheet, row + 1, cols, plan.critical_path, print_rows=False)
    w.colour_by(sheet, row + 2, last, column(cols, "effective_status"), "status")
    return last


def _links(w: MasterWriter, sheet: FastSheet, row: int) -> None:
    links = w.plan.cross_links
    status = w.shows("status")
    w.block(sheet, row, "master-block-links", count=len(links))
    cols = [Col(w.t("master-col-pred-department"), 10, lambda link: link[0].department, key="pred_department"),
            Col(w.t("master-col-pred-task"), 12, lambda link: link[0].task_id, key="pred_task_id"),
            Col(w.t("master-col-pred-name"), 26, lambda link: link[0].values.get("name"), show=as_text, key="pred_name"),
            Col(w.t("master-col-pred-status"), 11, lambda link: link[0].effective_status, show=status, key="pred_status"),
            Col(w.t("master-col-pred-due"), 11, lambda link: link[0].due, show=as_date, key="pred_due"),
            Col(w.t("master-col-succ-department"), 10, lambda link: link[1].department, key="succ_department"),
            Col(w.t("master-col-succ-task"), 12, lambda link: link[1].task_id, key="succ_task_id"),
            Col(w.t("master-col-succ-name"), 26, lambda link: link[1].values.get("name"), show=as_text, key="succ_name"),
            Col(w.t("master-col-succ-status"), 11, lambda link: link[1].effective_status, show=status, key="succ_status"),
            Col(w.t("master-col-succ-start"), 11, lambda link: link[1].start, show=as_date, key="succ_start")]
    last = w.table(sheet, row + 1, cols, links)
    for key in ("pred_status", "succ_status"):
        w.colour_by(sheet, row + 2, last, column(cols, key), "status")

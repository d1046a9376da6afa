"""Changes: every department's change requests (the change register, features/control/register.py) with
the tasks they affect, the proposed dates, and the decision that counts; pending ones are the
coordinator's "decisions needed". Labels of the request's own columns come from the form spec; the
coordinator's columns (decision, decided by/on, comment…: master.toml) follow, read back by the merge."""
from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

from ...output.master.core import HEADER_ROW, MasterWriter, column
from ...xlsx.fastsheet import Col, as_date, as_text
from ..coordinator.columns import coordinator_cols, mark_coordinator
from .requests import LEAD, MASTER, ChangeRequest, proposed_summary


def decided_by(w: MasterWriter, req: ChangeRequest) -> str | None:
    """Who decided: the name given, else where it was decided (the master, the lead department)."""
    if req.decided_by or req.pending:
        return req.decided_by or None
    if req.decided_in == MASTER:
        return w.t("changes-by-master")
    lead = w.ws.department(w.ws.project.lead_department)
    return lead.name(w.lang) if req.decided_in == LEAD and lead else None


def change_cols(w: MasterWriter) -> list[Col]:
    spec = {f.key: f for f in w.catalog.form("change").table("requests").fields}

    def field(key: str, width: float, show: Callable[[object], object] = as_text) -> Col:
        return Col(spec[key].label(w.lang), width, attrgetter(key), show=show, key=key)

    return [Col(spec["change_id"].label(w.lang), 11, attrgetter("ref"), show=as_text, key="change_id"),
            Col(w.t("master-col-department"), 10, attrgetter("department"), key="department"),
            field("date", 11, as_date),
            field("change_type", 10, w.shows("change_type")),
            field("content", 32), field("reason", 24), field("impact", 28),
            Col(spec["tasks_affected"].label(w.lang), 16, attrgetter("tasks"), show=as_text, key="tasks"),
            Col(w.t("changes-col-proposed"), 30, lambda r: proposed_summary(r, w.lang) or None, key="proposed"),
            Col(w.t("changes-col-status"), 10, attrgetter("status"), show=w.shows("decision"), key="status"),
            Col(w.t("changes-col-decided-by"), 14, lambda r: decided_by(w, r), key="decided_by_shown"),
            Col(w.t("changes-col-decided-on"), 11, attrgetter("decided_on"), show=as_date, key="decided_on_shown"),
            field("lead_assessment", 24)]


def write(w: MasterWriter) -> None:
    sheet = w.sheet("changes")
    pending = sum(1 for r in w.changes if r.pending)
    w.heading(sheet, w.t("master-sheet-changes"), f"{w.subtitle()}  {w.t('changes-subtitle', pending=pending)}")
    cols = change_cols(w) + coordinator_cols(w, "changes", attrgetter("ref"))
    last = w.table(sheet, HEADER_ROW, cols, list(w.changes), freeze=(HEADER_ROW + 1, 2))
    mark_coordinator(w, sheet, cols, HEADER_ROW + 1, last)
    w.colour_by(sheet, HEADER_ROW + 1, last, column(cols, "status"), "decision")

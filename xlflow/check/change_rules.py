"""The change-request form's cross-field rules (workbook_templates/07_change.toml).

- change-ref: a row of "tasks affected" names a change ID of the requests table above it;
- proposed-dates: a proposed due date is not before the proposed start;
- decision-by-lead: a decision counts only in the lead department's workbook (config
  `project.lead_department`) or in the master; typed anywhere else it is ignored, with a warning
  that says who decides. Task IDs unknown to the project are the intake's to warn about
  (features/control/guard.py): the check sees one file.
"""
from __future__ import annotations

from ..findings import WARNING
from .context import CheckContext
from .rules import TableRows, rule

DECIDED = ("approved", "rejected")


def _norm(value: object) -> str:
    return str(value).strip().upper() if value is not None else ""


@rule("change-ref")
def change_ref(ctx: CheckContext, t: TableRows) -> None:
    known = {_norm(r.values.get("change_id")) for r in t.tables.get("requests", ()) if r.values.get("change_id")}
    for row in t.rows:
        cid = row.values.get("change_ref")
        if cid and _norm(cid) not in known:
            t.add(ctx, "change-ref-unknown", row, "change_ref", value=cid)


@rule("proposed-dates")
def proposed_dates(ctx: CheckContext, t: TableRows) -> None:
    for row in t.rows:
        start, due = row.day("proposed_start"), row.day("proposed_due")
        if start and due and due < start:
            t.add(ctx, "proposed-due-before-start", row, "proposed_due", value=due.isoformat(),
                  start=start.isoformat())


@rule("decision-by-lead")
def decision_by_lead(ctx: CheckContext, t: TableRows) -> None:
    """The requests table's "Decision" column and the decisions table, outside the lead's workbook."""
    lead = ctx.ws.project.lead_department
    if ctx.department is None or ctx.department == lead:
        return
    dept = ctx.ws.department(lead)
    name = dept.name(ctx.lang) if dept else lead
    label = ctx.catalog.enums["decision"]
    for row in t.rows:
        code = row.values.get("decision")
        if code in DECIDED:
            t.add(ctx, "change-decision-ignored", row, "decision", WARNING, value=label.label_of(code, ctx.lang),
                  change=row.values.get("change_id") or row.values.get("change_ref") or "", lead=name)

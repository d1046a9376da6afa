"""Cross-field rules: small, named, one finding per offending row.

A table's spec names the rules that apply to its rows (`rules = [...]` in its [[tables]]
entry, run in that order); unique IDs are checked in every table. Each rule gets the
context and one `TableRows`; a name the registry does not know is a broken spec.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import SpecError
from ..findings import ERROR, WARNING
from ..i18n import Phrase
from ..spec.catalog import Field, Form
from ..spec.fields import TASK_ID_RE, plain
from .context import CheckContext
from .model import Row

ID_FIELDS = ("task_id", "issue_id", "change_id")  # must be unique within their table
STARTED = ("in_progress", "not_started")


@dataclass(frozen=True)
class TableRows:
    """One checked table, as the rules see it."""

    sheet: str
    rows: tuple[Row, ...]
    fields: dict[str, Field]
    received: dt.datetime | None  # when the file came in: "overdue" is relative to it
    tables: dict[str, tuple[Row, ...]] = field(default_factory=dict, hash=False)  # the form's tables, for cross-table rules

    def add(self, ctx: CheckContext, code: str, row: Row, key: str, severity: str | None = None,
            **params: object) -> None:
        """A finding on `row`'s cell for `key`."""
        ctx.add(code, ERROR if severity is None else severity, sheet=self.sheet, cell=row.cells.get(key),
                fld=self.fields.get(key), **params)


Rule = Callable[[CheckContext, TableRows], None]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn
    return register


def run_rules(ctx: CheckContext, form: Form, sheet: str, tables: dict[str, tuple[Row, ...]],
              received: dt.datetime | None) -> None:
    """Unique IDs in every table, then each table's named rules."""
    for table in form.tables:
        rows = TableRows(sheet, tables.get(table.id, ()), {f.key: f for f in table.fields}, received, tables)
        unique_ids(ctx, rows)
        for name in table.rules:
            if name not in RULES:
                raise SpecError("spec-error", file=f"form {form.id}", key=f"{table.id}.rules",
                                problem=Phrase("spec-problem-rule", rule=name, rules=", ".join(sorted(RULES))))
            RULES[name](ctx, rows)


def unique_ids(ctx: CheckContext, t: TableRows) -> None:
    """IDs (task, issue, change) appear once per table."""
    for key in ID_FIELDS:
        first: dict[str, str | None] = {}  # ID -> the cell it is first in
        for row in t.rows:
            value = row.values.get(key)
            if value is None:
                continue
            norm = str(value).upper()
            if norm in first:
                t.add(ctx, "duplicate-id", row, key, value=value, first=first[norm])
            else:
                first[norm] = row.cells.get(key)


@rule("task-prefix")
def task_prefix(ctx: CheckContext, t: TableRows) -> None:
    """A task ID carries the workbook's department prefix: RD-001 in R&D's workbook (or a code the
    department had before a rename: its tasks keep their IDs)."""
    dept = ctx.ws.department(ctx.department or "")
    own = {ctx.department, *(dept.former if dept else ())}
    for row in t.rows:
        tid = row.text("task_id")
        match = TASK_ID_RE.match(tid) if tid else None
        if match and match.group(1) not in own:
            t.add(ctx, "wrong-prefix", row, "task_id", value=tid, prefix=ctx.department)


@rule("due-before-start")
def due_before_start(ctx: CheckContext, t: TableRows) -> None:
    for row in t.rows:
        start, due = row.day("start"), row.day("due")
        if start and due and due < start:
            t.add(ctx, "due-before-start", row, "due", value=due.isoformat(), start=start.isoformat())


@rule("done-is-100")
def done_is_100(ctx: CheckContext, t: TableRows) -> None:
    for row in t.rows:
        pct = row.values.get("percent")
        if row.values.get("status") == "done" and isinstance(pct, (int, float)) and pct != 100:
            t.add(ctx, "done-not-100", row, "percent", value=plain(pct))


@rule("100-is-done")
def hundred_is_done(ctx: CheckContext, t: TableRows) -> None:
    """Only a warning: the department may still be checking the deliverable."""
    status = ctx.catalog.enums["status"]
    for row in t.rows:
        code = row.text("status")
        if row.values.get("percent") == 100 and code is not None and code != "done":
            t.add(ctx, "100-not-done", row, "status", WARNING, value=status.label_of(code, ctx.lang))


@rule("reason-required")
def reason_required(ctx: CheckContext, t: TableRows) -> None:
    status = ctx.catalog.enums["status"]
    for row in t.rows:
        code = row.text("status")
        if code in ("delayed", "blocked") and not row.values.get("reason") and "reason" in row.cells:
            t.add(ctx, "reason-required", row, "reason", status=status.label_of(code, ctx.lang))  # value: the empty reason


@rule("predecessors")
def predecessors(ctx: CheckContext, t: TableRows) -> None:
    """Same-department predecessors must exist here; other departments' are checked at the merge."""
    own = {row.values.get("task_id") for row in t.rows if row.values.get("task_id")}
    known = {code for d in ctx.ws.departments for code in (d.prefix, *d.former)}
    dept = ctx.ws.department(ctx.department or "")
    mine = {ctx.department, *(dept.former if dept else ())}
    for row in t.rows:
        tid = row.values.get("task_id")
        for pred in row.ids("predecessors"):
            match = TASK_ID_RE.match(pred)
            prefix = match.group(1) if match else None
            if pred == tid:
                t.add(ctx, "self-predecessor", row, "predecessors", value=pred)
            elif prefix not in known:
                t.add(ctx, "predecessor-department", row, "predecessors", value=pred)
            elif prefix in mine and pred not in own:
                t.add(ctx, "unknown-predecessor", row, "predecessors", value=pred)


@rule("overdue")
def overdue(ctx: CheckContext, t: TableRows) -> None:
    """Not an input error: the master computes health from dates. A hint to update the status."""
    if t.received is None:
        return
    today = t.received.date()
    for row in t.rows:
        due = row.day("due")
        if due and due < today and row.values.get("status") in STARTED:
            t.add(ctx, "overdue", row, "due", WARNING, value=due.isoformat())


@rule("raci")
def raci(ctx: CheckContext, t: TableRows) -> None:
    """Exactly one A and at least one R per row; a combined "A/R" (spec/fields.py) counts as both."""
    for row in t.rows:
        marks = [m for k, v in row.values.items() if k.startswith("raci:") and isinstance(v, str) and v
                 for m in v.split("/")]
        if not marks and row.values.get("item") is None:
            continue
        cell = row.cells.get("item") or next(iter(row.cells.values()), None)
        fld = t.fields.get("item")
        if marks.count("A") != 1:
            ctx.add("raci-one-a", sheet=t.sheet, cell=cell, fld=fld, row=row.excel_row, count=marks.count("A"))
        if "R" not in marks:
            ctx.add("raci-no-r", sheet=t.sheet, cell=cell, fld=fld, row=row.excel_row)

"""The change register's values: each department's change requests and the decisions on them.

Pure: the requests come from checked submissions (the change-request form, 07_change.toml), the
decisions from the lead department's workbook and from the coordinator's values in the master
(text, as features/coordinator/table.py keeps them). features/control/register.py gathers both and calls `register`.

Which decision counts, first found wins:
1. the master's Changes sheet (the coordinator's "decision" column), when it says approved or rejected;
2. the lead department's workbook: its "Decisions" table (any department's change ID), then the
   "Decision" column of the lead's own requests;
3. otherwise the request is pending. A decision typed by any other department is ignored (the
   check warns about it: check/change_rules.py).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from ...check.model import Row, Submission
from ...i18n import msg
from ...spec.catalog import Enum, load_catalog
from ...spec.fields import serial_to_date
from .words import decision_code

FORM, REQUESTS, AFFECTED, DECISIONS = "change", "requests", "affected", "decisions"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
MASTER, LEAD = "master", "lead"  # where a decision was taken
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


@dataclass(frozen=True)
class ChangeRequest:
    """One change request of one department, with the decision that counts (CONTRACTS "Change register")."""

    change_id: str
    department: str  # the department whose workbook holds the request
    date: dt.date | None
    change_type: str  # enum code (change_type), "" when not given
    content: str
    reason: str
    impact: str
    tasks: tuple[str, ...]  # the tasks affected: the request's column, then the rows of "tasks affected"
    proposed: dict[str, tuple[dt.date | None, dt.date | None]] = field(default_factory=dict, hash=False)
    status: str = PENDING  # pending | approved | rejected (enum "decision")
    decided_by: str = ""
    decided_on: dt.date | None = None
    decided_in: str = ""  # "master" | "lead" | "" (pending)
    lead_assessment: str = ""
    comment: str = ""  # the decision's comment, when the lead gave one
    row_key: str = ""  # its key in the register (the Changes sheet's ID): "RD:C01" when another department has C01 too
    checks: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # what the register found wrong: (message key, params)

    @property
    def pending(self) -> bool:
        return self.status == PENDING

    @property
    def ref(self) -> str:
        """The request's ID as the register shows it (unique across departments)."""
        return self.row_key or self.change_id

    def flagged(self, key: str, **params: object) -> ChangeRequest:
        found = (key, tuple(sorted((k, str(v)) for k, v in params.items())))
        return self if found in self.checks else replace(self, checks=(*self.checks, found))


@dataclass(frozen=True)
class Decision:
    """A decision on a change request, wherever it was typed."""

    change_id: str
    status: str
    decided_by: str = ""
    decided_on: dt.date | None = None
    source: str = LEAD
    comment: str = ""


def key(change_id: object) -> str:
    """How change IDs are compared: full-width folded, trimmed, upper case."""
    return unicodedata.normalize("NFKC", str(change_id or "")).strip().upper()


def _text(value: object) -> str:
    return "" if value is None else str(value)


def requests_of(sub: Submission) -> list[ChangeRequest]:
    """A checked submission's change requests, pending, in the workbook's order."""
    if sub.data is None or not sub.department:
        return []
    proposed = _proposed(sub.data.rows(FORM, AFFECTED))
    out = []
    for row in sub.data.rows(FORM, REQUESTS):
        v = row.values
        if not v.get("change_id"):
            continue
        cid = key(v["change_id"])
        dates = proposed.get(cid, {})
        tasks = tuple(dict.fromkeys([*row.ids("tasks_affected"), *dates]))
        out.append(ChangeRequest(
            change_id=str(v["change_id"]).strip(), department=sub.department,
            date=row.day("date"),
            change_type=_text(v.get("change_type")), content=_text(v.get("content")), reason=_text(v.get("reason")),
            impact=_text(v.get("impact")), tasks=tasks, proposed=dict(dates),
            lead_assessment=_text(v.get("lead_assessment"))))
    return out


def _proposed(rows: Iterable[Row]) -> dict[str, dict[str, tuple[dt.date | None, dt.date | None]]]:
    """change ID -> task ID -> (proposed start, proposed due); a later row fills what an earlier left blank."""
    out: dict[str, dict[str, tuple[dt.date | None, dt.date | None]]] = {}
    for row in rows:
        cid, start, due = row.values.get("change_ref"), row.day("proposed_start"), row.day("proposed_due")
        for tid in row.ids("task_id"):
            mine = out.setdefault(key(cid), {})
            old_start, old_due = mine.get(tid, (None, None))
            mine[tid] = (start or old_start, due or old_due)
    return out


def lead_decisions(sub: Submission | None) -> dict[str, Decision]:
    """Decisions in the lead department's workbook: its own requests' "Decision" column, overridden by
    its "Decisions" table (which may name any department's request). Undated ones take the date the
    workbook was received (the decision was there by then)."""
    if sub is None or sub.data is None:
        return {}
    received = sub.received.date() if sub.received else None
    out: dict[str, Decision] = {}
    for row in sub.data.rows(FORM, REQUESTS):
        code = row.values.get("decision")
        if row.values.get("change_id") and code in (APPROVED, REJECTED):
            out[key(row.values["change_id"])] = Decision(str(row.values["change_id"]), code, "", received, LEAD)
    for row in sub.data.rows(FORM, DECISIONS):
        v = row.values
        if v.get("change_ref") and v.get("decision"):
            on = row.day("decided_on") or received
            out[key(v["change_ref"])] = Decision(str(v["change_ref"]), str(v["decision"]), _text(v.get("decided_by")),
                                                on, LEAD, _text(v.get("comment")))
    return out


def master_decisions(values: Mapping[str, Mapping[str, str]], enum: Enum | None = None) -> dict[str, Decision]:
    """The coordinator's columns of the master's Changes sheet (row key = change ID; "decision",
    "decided_by", "decided_on" as text): only rows whose decision is a value of the enum."""
    enum = enum or load_catalog().enums["decision"]
    out = {}
    for change_id, cols in values.items():
        code = decision_code(cols.get("decision"), enum) if cols.get("decision") else None
        if not code:
            continue
        out[key(change_id)] = Decision(str(change_id), code, _text(cols.get("decided_by")).strip(),
                                       parse_date(cols.get("decided_on")), MASTER)
    return out


def unknown_decisions(values: Mapping[str, Mapping[str, str]], enum: Enum | None = None) -> dict[str, str]:
    """Row key -> the text typed in a decision cell of the master's Changes sheet that is no decision."""
    enum = enum or load_catalog().enums["decision"]
    return {key(k): str(cols["decision"]) for k, cols in values.items()
            if str(cols.get("decision") or "").strip() and decision_code(cols.get("decision"), enum) is None}


def parse_date(text: object) -> dt.date | None:
    """A date as the master's reader hands it over: ISO text, "2026/11/20", or an Excel serial."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    raw = unicodedata.normalize("NFKC", _text(text)).strip()
    m = _DATE_RE.match(raw)
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if re.fullmatch(r"\d{4,5}(\.\d+)?", raw):
            return serial_to_date(float(raw))
    except ValueError:
        return None
    return None


def proposed_summary(req: ChangeRequest, lang: str) -> str:
    """"RD-006: due → 2026-11-27; MK-003: start → 2026-11-30, due → 2026-12-18", tasks in the request's order."""
    parts = []
    for tid in req.tasks:
        start, due = req.proposed.get(tid, (None, None))
        dates = [msg("changes-proposed-start", lang, date=start.isoformat())] if start else []
        dates += [msg("changes-proposed-due", lang, date=due.isoformat())] if due else []
        if dates:
            parts.append(f"{tid}: {msg('changes-list-sep', lang).join(dates)}")
    return msg("changes-task-sep", lang).join(parts)


def per_department(requests: Iterable[ChangeRequest]) -> list[ChangeRequest]:
    """One change ID in two departments is two requests: each is known as "DEPT:ID" then."""
    requests = list(requests)
    owners: dict[str, set[str]] = {}
    for req in requests:
        owners.setdefault(key(req.change_id), set()).add(req.department)
    return [replace(req, row_key=f"{req.department}:{req.change_id}")
            if len(owners[key(req.change_id)]) > 1 and not req.row_key else req for req in requests]


def register(requests: Iterable[ChangeRequest], master: Mapping[str, Decision],
             lead: Mapping[str, Decision], unknown: Mapping[str, str] | None = None,
             lead_code: str = "") -> list[ChangeRequest]:
    """The requests with the decision that counts (module doc), in the order given; a decision
    applies to the request whose register row it was typed on (its `ref`)."""
    out = []
    for req in per_department(requests):
        ref = key(req.ref)
        in_lead = lead.get(ref) or (lead.get(key(req.change_id)) if not req.row_key or req.department == lead_code
                                    else None)
        found = master.get(ref)
        if found is None or found.status == PENDING and in_lead is not None:
            found = in_lead or found
        if in_lead is None and ":" in req.row_key and key(req.change_id) in lead:
            req = req.flagged("changes-check-decision-ambiguous", change=req.change_id, ref=req.ref)
        if unknown and ref in unknown:
            req = req.flagged("changes-check-decision-unknown", change=req.ref, text=unknown[ref])
        if found is None:
            out.append(req)
            continue
        out.append(replace(req, status=found.status, decided_by=found.decided_by, decided_on=found.decided_on,
                           decided_in=found.source if found.status != PENDING else "", comment=found.comment))
    return out

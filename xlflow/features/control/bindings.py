"""A decision binds to what was proposed when it was decided (issue 18 item 5).

When a request is first decided, its tasks and proposed dates are kept as its revision 1. If the
department later changes what the request says, the decision still covers only what was decided:
the register shows the decided revision (its tasks and dates, its decision) and, beside it, the
request as it is now as a new revision awaiting a decision ("RD-C01 r2"), with its own row in the
master's Changes sheet. Moves only the new revision would cover stay flagged until it is decided.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from ...store.db import Database, now_iso, register
from ...workdays import as_date
from .requests import APPROVED, REJECTED, ChangeRequest

SCHEMA = """
CREATE TABLE IF NOT EXISTS change_revisions (
    department TEXT NOT NULL,
    change_id TEXT NOT NULL,  -- the request's ID as the department typed it (folded: requests.key)
    revision INTEGER NOT NULL,
    digest TEXT NOT NULL,  -- of the tasks and proposed dates below
    content TEXT NOT NULL,  -- JSON: {"tasks": [...], "proposed": {task: [start, due]}}
    status TEXT NOT NULL,  -- the decision it was first decided with
    recorded TEXT NOT NULL,
    PRIMARY KEY (department, change_id, revision)
);
"""
register("control.revisions", SCHEMA)


@dataclass(frozen=True)
class Revision:
    number: int
    digest: str
    tasks: tuple[str, ...]
    proposed: dict[str, tuple[dt.date | None, dt.date | None]]


def _content(req: ChangeRequest) -> tuple[str, str]:
    data = {"tasks": list(req.tasks),
            "proposed": {t: [d.isoformat() if d else None for d in dates] for t, dates in sorted(req.proposed.items())}}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), text


def ref_of(base: str, number: int) -> str:
    return base if number <= 1 else f"{base} r{number}"


def _latest(db: Database, department: str, change_id: str) -> Revision | None:
    with db.transaction() as con:
        row = con.execute("SELECT revision, digest, content FROM change_revisions WHERE department=? AND change_id=?"
                          " ORDER BY revision DESC LIMIT 1", (department, change_id)).fetchone()
    if row is None:
        return None
    data = json.loads(row[2])
    proposed = {t: (as_date(s), as_date(d)) for t, (s, d) in data["proposed"].items()}
    return Revision(row[0], row[1], tuple(data["tasks"]), proposed)


def revisions(db: Database | None, requests: Iterable[ChangeRequest],
              fold: Callable[[str], str]) -> list[ChangeRequest]:
    """Each request as its decided revision and, when it changed since, its new revision too."""
    out = []
    for req in requests:
        last = _latest(db, req.department, fold(req.change_id)) if db is not None else None
        if last is None:
            out.append(req)
            continue
        base = req.ref
        if _content(req)[0] == last.digest:
            out.append(replace(req, row_key=ref_of(base, last.number)) if last.number > 1 else req)
            continue
        new = ref_of(base, last.number + 1)
        bound = replace(req, row_key=ref_of(base, last.number) if last.number > 1 else req.row_key,
                        tasks=last.tasks, proposed=dict(last.proposed))
        out.append(bound.flagged("changes-check-revised", change=bound.ref, revision=new))
        out.append(replace(req, row_key=new))
    return out


def bind(db: Database | None, requests: Iterable[ChangeRequest], fold: Callable[[str], str]) -> bool:
    """Keep what each decided request said, as its revision, the first time it is seen decided.
    True when a new revision was decided (the revision it replaces is no longer shown)."""
    if db is None:
        return False
    revised = False
    for req in requests:
        if req.status not in (APPROVED, REJECTED):
            continue
        digest, text = _content(req)
        cid = fold(req.change_id)
        last = _latest(db, req.department, cid)
        if last is not None and (last.digest == digest or not _is_new_revision(req, last)):
            continue
        with db.transaction() as con:
            con.execute("INSERT OR IGNORE INTO change_revisions VALUES (?,?,?,?,?,?,?)",
                        (req.department, cid, (last.number + 1) if last else 1, digest, text, req.status, now_iso()))
        revised = revised or last is not None
    return revised


def _is_new_revision(req: ChangeRequest, last: Revision) -> bool:
    """The decided entry is the new revision's row (its ref ends with its number), not the old one's."""
    return req.ref.endswith(f" r{last.number + 1}")

"""What the change register checks in each request (issue 18): a task no plan has, another
department's task (that department is told), proposed dates before the project's start (refused:
the date is dropped, so an approval cannot make it a baseline). Each finding stays on its request
(ChangeRequest.checks): the merge prints it, the Changes sheet and the brief show it."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace

from ...check.model import Submission
from ...i18n import msg
from ...plan.guard import task_ids
from .requests import ChangeRequest

OTHER_DEPARTMENT = "changes-check-other-department"  # a request names another department's task: it is told


def task_owners(subs: Iterable[Submission]) -> dict[str, str]:
    """Task ID -> the department whose plan has it."""
    return {tid: sub.department or "" for sub in subs for tid in task_ids(sub)}


def check_requests(requests: Iterable[ChangeRequest], owners: dict[str, str],
                   start: dt.date | None) -> list[ChangeRequest]:
    out = []
    for req in requests:
        for tid in req.tasks:
            owner = owners.get(tid)
            if owner is None:
                req = req.flagged("changes-check-unknown-task", change=req.ref, department=req.department, task=tid)
            elif owner != req.department:
                req = req.flagged(OTHER_DEPARTMENT, change=req.ref, department=req.department,
                                  task=tid, owner=owner)
        out.append(_refuse_early(req, start) if start else req)
    return out


def _refuse_early(req: ChangeRequest, start: dt.date) -> ChangeRequest:
    proposed = dict(req.proposed)
    for tid, dates in req.proposed.items():
        early = [d for d in dates if d is not None and d < start]
        if early:
            req = req.flagged("changes-check-before-start", change=req.ref, task=tid, date=min(early).isoformat(),
                              start=start.isoformat())
            proposed[tid] = tuple(None if d is not None and d < start else d for d in dates)  # type: ignore[assignment]
    return replace(req, proposed=proposed) if proposed != req.proposed else req


def check_lines(requests: Iterable[ChangeRequest], lang: str) -> list[str]:
    """One sentence per finding on the register's requests, in `lang`."""
    return [msg(key, lang, **dict(params)) for req in requests for key, params in req.checks]

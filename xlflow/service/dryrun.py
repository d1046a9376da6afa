"""`xlflow validate -w WS FILE` as the intake's dry run: the findings the department would get from
the intake's guard (against its current version and the whole project's plan: an owner department
naming another department, tasks removed that others depend on, an older update date, unknown
predecessors, an identical copy of an older version), and nothing recorded."""
from __future__ import annotations

import datetime as dt

from ..check.model import Submission
from ..config import Workspace
from ..store.state import StateDB
from .versions import guard_new_version, older_version_finding, placed


def intake_findings(ws: Workspace, sub: Submission, today: dt.date, lang: str) -> Submission:
    """`sub` with the intake's guard findings added, as they would be on a drop today. Read only: the
    state database is opened only when the workspace has one, and nothing is written to it."""
    if ws.state_db.is_file() and sub.sha256:
        older = older_version_finding(StateDB(ws.state_db), sub.sha256)
        if older is not None:
            sub.report.add(placed(older, sub, lang))
    if sub.valid and sub.department:
        for finding in guard_new_version(ws, sub.department, sub, today, lang).findings:
            sub.report.add(finding)
    return sub

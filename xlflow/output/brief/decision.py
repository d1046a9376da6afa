"""A decision the brief asks of its reader: a blocked task, a risk, or a pending change request
(xlflow/features/control/brief_decisions.py). Shared by the week's brief and the features' parts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    kind: str  # "blocked" | "risk" | "change" (a pending change request)
    ref: str
    text: str
    department_name: str
    owner: str
    since: dt.date | None
    note: str

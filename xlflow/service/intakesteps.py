"""The steps the intake's parts call on each other through `self` (OddFiles and Triage are mixed into
Intake): declared here so that a type checker sees them, defined in intake.py."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..findings import Report
from .mailing import Mailing
from .outcome import Outcome


class IntakeSteps(Mailing):
    if TYPE_CHECKING:
        def _write_report(self, name: str, department: str | None, received: str, sha: str,
                          report: Report) -> Path: ...

        def _not_ready(self, path: Path, st: os.stat_result, code: str, now: dt.datetime, as_of: dt.date,
                       error: str = "") -> Outcome: ...

        def _duplicate(self, path: Path, staged: Path | None, sha: str, st: os.stat_result,
                       now: dt.datetime) -> Outcome: ...

        def _clean_inbox(self, path: Path, size: int | None, mtime: float | None) -> str: ...

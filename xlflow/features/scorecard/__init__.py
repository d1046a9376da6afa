"""The department scorecards, one folder: per department and week, on-time delivery against the
baseline, slip, update punctuality, first-time-valid rate, blockers, high-impact items answered
within 24 h and staleness, each with the traces behind it.

model.py holds the values and measures.py computes them (pure); week.py gathers their inputs from the
record (the week's scorecard part); table.py keeps the finished weeks' figures for the next
computation, past.py for the week records (stored once, named by each record); sheet.py writes the master's
Scorecard sheet, brief.py the brief's part, text.py the words both use."""

from __future__ import annotations

from .measures import compute_scorecard, cutoff, score_weeks
from .model import (
    MEASURES,
    RESULTS,
    STALE_DAYS,
    BaselineDue,
    Deadline,
    DepartmentScore,
    Figures,
    FileIn,
    Ratio,
    Scorecard,
    Trace,
    VersionIn,
    WeekMemo,
)

__all__ = [
    "MEASURES",
    "RESULTS",
    "STALE_DAYS",
    "BaselineDue",
    "Deadline",
    "DepartmentScore",
    "FileIn",
    "Figures",
    "Ratio",
    "Scorecard",
    "Trace",
    "VersionIn",
    "WeekMemo",
    "compute_scorecard",
    "cutoff",
    "score_weeks",
]

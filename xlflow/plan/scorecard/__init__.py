"""Department scorecards: per department and week, on-time delivery against the
baseline, slip, update punctuality, first-time-valid rate, blockers, high-impact items answered
within 24 h and staleness, each with the traces behind it. Pure: model.py holds the values,
measures.py computes them; service/scorecard.py reads the record, the master's Scorecard sheet
and the brief lay them out."""
from __future__ import annotations

from .measures import compute_scorecard, cutoff, score_weeks
from .model import (
    MEASURES,
    RESULTS,
    STALE_DAYS,
    BaselineDue,
    Deadline,
    DepartmentScore,
    FileIn,
    Figures,
    Ratio,
    Scorecard,
    Trace,
    VersionIn,
    WeekMemo,
)

__all__ = ["MEASURES", "RESULTS", "STALE_DAYS", "BaselineDue", "Deadline", "DepartmentScore", "FileIn", "Figures", "Ratio",
           "Scorecard", "Trace", "VersionIn", "WeekMemo", "compute_scorecard", "cutoff", "score_weeks"]

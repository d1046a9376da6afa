"""The department scorecards: computed in the week package (xlflow/week/scorecard.py); kept here for
the service layer's callers."""
from __future__ import annotations

from ..week.scorecard import baseline_dates, local, make_scorecard, read_files, read_versions

__all__ = ["baseline_dates", "local", "make_scorecard", "read_files", "read_versions"]

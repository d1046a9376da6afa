"""The weekly progress brief (进度简报): what a department head reads in two
minutes on a phone.

model.py holds what a brief is, build.py computes one from the week (xlflow/week: load_week) and
changes.py its "what changed in the plan" from the recorded versions (both pure), render.py lays it
out as HTML and text. Loading the week is xlflow/week's; writing reports/, mailing it and the weekly
schedule are the service layer's (xlflow/service/weekly.py).
"""
from __future__ import annotations

from ...features.scorecard.brief import ScorecardPart, ScoreRow, scorecard_part
from ...features.scorecard.model import STALE_DAYS
from ..state import PlanVersion
from .build import build_brief
from .model import (
    SECTION_LIMIT,
    TROUBLE,
    Brief,
    Decision,
    DepartmentChanges,
    DepartmentRow,
    Headline,
    Item,
    MissingDepartment,
    Notable,
    Notice,
    NoticeLine,
    Scope,
    Section,
    StatusCount,
    VersionChange,
)
from .render import render_brief

__all__ = [
    "SECTION_LIMIT", "STALE_DAYS", "TROUBLE", "Brief", "Decision", "DepartmentChanges", "DepartmentRow",
    "Headline", "Item", "MissingDepartment", "Notable", "Notice", "NoticeLine", "PlanVersion", "Scope", "Section", "StatusCount",
    "VersionChange", "build_brief", "render_brief", "ScorecardPart", "ScoreRow", "scorecard_part",
]

"""The weekly progress brief (进度简报, FORMS.md form 9): what a department head reads in two
minutes on a phone.

model.py holds what a brief is, build.py computes one from snapshots (pure, `as_of` is a
parameter), render.py lays it out as HTML and text. Reading the workspace, writing reports/,
mailing it and the weekly schedule are the service layer's (xlflow/service/weekly.py).
"""
from __future__ import annotations

from .build import build_brief
from .model import (
    SECTION_LIMIT,
    STALE_DAYS,
    TROUBLE,
    Brief,
    Decision,
    DepartmentRow,
    Headline,
    Item,
    MissingDepartment,
    Section,
    StatusCount,
)
from .render import render_brief

__all__ = [
    "SECTION_LIMIT", "STALE_DAYS", "TROUBLE", "Brief", "Decision", "DepartmentRow", "Headline", "Item",
    "MissingDepartment", "Section", "StatusCount", "build_brief", "render_brief",
]

"""Bounded disk in reports/ (issue 21): the brief of every week is written there twice, as a page
(brief-2026-W47-zh.html, ~140 KB at 12 × 150) and as text (brief-2026-W47-zh.md, the same brief
in Markdown, a quarter of it).

The page of a brief whose week ended more than `[watch] history_weeks` weeks before the brief being
written is removed; its Markdown stays, for good, and `xlflow summary --as-of <a day of that week>`
(without --send) makes the page again from the stored week. Nothing else in reports/ is touched (the
exports, the close-out reports, a file put there by hand). With `history_weeks` or `history_days`
0 (keep everything) nothing is removed.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..config import Workspace
from ..errors import UsageError
from ..store.prune import Removed, remove_files
from ..workdays import parse_week

_PAGE = re.compile(r"^brief-(\d{4}-W\d{2})-([A-Za-z-]+)\.html$")


def old_pages(ws: Workspace, as_of: dt.date, folder: Path | None = None) -> list[Path]:
    """The brief pages the rule removes as of `as_of`: only those whose Markdown is beside them."""
    weeks, days = ws.watch.history_weeks, ws.watch.history_days
    folder = folder or ws.folder("reports")
    if weeks <= 0 or days <= 0 or not folder.is_dir():
        return []
    before = as_of - dt.timedelta(weeks=weeks)
    out = []
    for page in folder.glob("brief-*.html"):
        found = _PAGE.match(page.name)
        if found is None or not page.with_suffix(".md").is_file():
            continue
        try:
            end = parse_week(found.group(1), ws.project.week_start).end
        except UsageError:  # a name it cannot read as a week: not one of its pages
            continue
        if end < before:
            out.append(page)
    return sorted(out)


def prune_pages(ws: Workspace, as_of: dt.date, folder: Path | None = None) -> Removed:
    return remove_files(old_pages(ws, as_of, folder))

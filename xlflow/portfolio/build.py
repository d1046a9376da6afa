"""The portfolio as one value: every workspace read (or why not), its row, the milestone
calendar, the department × project lateness matrix and the cross-project links.

Each week is reduced to its row and its Digest as soon as it is read, and dropped: memory stays
that of one week, not fifty.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..week.state import Milestone
from .links import CrossLink, Digest, cross_links, digest_of
from .read import LoadWeek, ProjectRead, read_project
from .row import ProjectRow, project_row
from .settings import PortfolioSettings


@dataclass(frozen=True)
class Entry:
    read: ProjectRead  # its state dropped once the row and the digest are made
    row: ProjectRow | None  # None: not readable (read.problem says why)
    digest: Digest | None = None
    label: str = ""  # set when two workspaces carry the same project code: "CODE (folder)"

    @property
    def code(self) -> str:
        if self.label:
            return self.label
        if self.read.ws is not None:
            return self.read.ws.project.code
        return self.read.root.name

    def name(self, lang: str) -> str:
        return self.read.ws.project.name(lang) if self.read.ws is not None else str(self.read.root)


@dataclass(frozen=True)
class CalendarLine:
    day: dt.date
    project: str
    milestone: Milestone


@dataclass(frozen=True)
class Portfolio:
    as_of: dt.date
    entries: tuple[Entry, ...]
    calendar: tuple[CalendarLine, ...]
    departments: tuple[str, ...]  # the matrix's rows, portfolio names
    lateness: dict[tuple[str, str], int]  # (department, project) -> late tasks; absent: not in the project
    links: tuple[CrossLink, ...]
    blocker_days: int


def build_portfolio(
    roots: Iterable[Path], settings: PortfolioSettings, as_of: dt.date, load: LoadWeek | None = None
) -> Portfolio:
    from . import read as reader  # the default looked up now (tests replace it)

    load = load or reader.default_loader
    entries = []
    for root in roots:
        read = read_project(Path(root), as_of, load)
        if read.state is None:
            entries.append(Entry(read, None))
            continue
        row, digest = project_row(read.state, settings.blocker_days), digest_of(read.state)
        entries.append(Entry(dataclasses.replace(read, state=None), row, digest))
    entries = _unique(entries)
    digests = {e.code: e.digest for e in entries if e.digest is not None}
    unreadable = {e.code for e in entries if e.digest is None}
    calendar = sorted(
        (
            CalendarLine(m.planned, e.code, m)
            for e in entries
            if e.digest is not None
            for m in e.digest.milestones
            if m.planned is not None
        ),
        key=lambda c: (c.day, c.project, c.milestone.name),
    )
    departments, lateness = _lateness(entries, settings)
    return Portfolio(
        as_of,
        tuple(entries),
        tuple(calendar),
        departments,
        lateness,
        tuple(cross_links(digests, unreadable)),
        settings.blocker_days,
    )


def _lateness(entries: list[Entry], settings: PortfolioSettings) -> tuple[tuple[str, ...], dict]:
    """Late tasks (overdue, or reported delayed or blocked) per department and project."""
    out: dict[tuple[str, str], int] = {}
    order: list[str] = []
    for e in entries:
        if e.digest is None:
            continue
        for code, late in e.digest.late.items():
            name = settings.department_name(e.code, e.read.ws, code)
            if name not in order:
                order.append(name)
            out[(name, e.code)] = out.get((name, e.code), 0) + late
    return tuple(order), out


def _unique(entries: list[Entry]) -> list[Entry]:
    """Two workspaces with one project code (a copy, a restored backup) stay two rows, told apart
    by their folder."""
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.code] = counts.get(e.code, 0) + 1
    return [
        dataclasses.replace(e, label=f"{e.code} ({e.read.root.name})") if counts[e.code] > 1 else e for e in entries
    ]

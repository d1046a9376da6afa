"""`xlflow close` and `xlflow reopen`: the readiness report, then (when nothing blocks, or with
--force) the final report, the lessons, the freeze and the archive pack, in that order.

The freeze comes before the pack, so a file dropped while the pack is written is already
answered "the project closed on …" and the pack holds the project as it was closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from ..errors import XlflowError
from ..plan.model import status_codes
from ..store.closure import Closure, closure, mark_closed, mark_open
from ..week.build import load_week
from ..week.state import WeekState
from .archive import build_archive
from .lessons import append_register, lessons_of, lessons_settings, write_lessons
from .readiness import Readiness, assess
from .report import write_final_report
from .retro import read_retros

LoadWeek = Callable[[Workspace, dt.date], WeekState]


class CloseRefused(XlflowError):
    """The project is already closed, or not closed (reopen)."""


@dataclass(frozen=True)
class CloseResult:
    readiness: Readiness
    closed: bool
    closure: Closure | None = None
    report: Path | None = None
    lessons: Path | None = None
    lesson_count: int = 0
    register: Path | None = None
    archive: Path | None = None
    members: int = 0


def _load_week(ws: Workspace, as_of: dt.date) -> WeekState:
    return load_week(ws, as_of)  # with the scorecard: the final report shows it over the whole life


def readiness_of(ws: Workspace, as_of: dt.date, load: LoadWeek = _load_week) -> tuple[WeekState, dict, Readiness]:
    state = load(ws, as_of)
    retros = read_retros(ws)
    return state, retros, assess(state, status_codes(), retros)


def close_project(
    ws: Workspace, as_of: dt.date, force: bool, lang: str, load: LoadWeek = _load_week, now: dt.datetime | None = None
) -> CloseResult:
    before = closure(ws)
    if before is not None:
        raise CloseRefused("close-already", date=before.closed_on.isoformat())
    settings = lessons_settings(ws)  # a wrong [lessons] table stops before anything is written
    state, retros, readiness = readiness_of(ws, as_of, load)
    if readiness.blocks and not force:
        return CloseResult(readiness, closed=False)
    stem = f"{ws.project.code}-{as_of.isoformat()}"
    report = write_final_report(
        ws,
        state,
        readiness,
        retros,
        as_of,
        bool(readiness.blocks),
        ws.folder("reports") / f"final-report-{stem}-{lang}.xlsx",
        lang,
    )
    lessons = lessons_of(ws.project.code, as_of, retros)
    lessons_path = write_lessons(ws.folder("reports") / f"lessons-{stem}.xlsx", lessons, lang)
    if settings.register is not None:
        append_register(settings.register, lessons, lang)
    pack = ws.root / "closeout" / f"archive-{stem}.zip"
    stamp = (now or dt.datetime.now().astimezone()).isoformat(timespec="seconds")
    done = Closure(
        as_of, stamp, forced=bool(readiness.blocks), blocks=len(readiness.blocks), report=str(report), archive=str(pack)
    )
    mark_closed(ws, done)
    pack, members = build_archive(ws, pack)
    return CloseResult(readiness, True, done, report, lessons_path, len(lessons), settings.register, pack, members)


def reopen_project(ws: Workspace, reason: str = "") -> Closure:
    undone = mark_open(ws, reason)
    if undone is None:
        raise CloseRefused("reopen-not-closed")
    return undone

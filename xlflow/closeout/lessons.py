"""The lessons register: the retrospectives' rows as lessons (project, department, category, what
happened, why, recommendation, owner, status), written as the project's lessons.xlsx and
appended to the organisation's register that `[lessons] register` in xlflow.toml names.

    [lessons]
    register = "//pmo/share/lessons.xlsx"   # relative paths are from the workspace
    show = 3                                # projects whose lessons `xlflow init --lessons` prints

`similar()` picks the lessons a new project should read at its kick-off: the last projects that
share the most department codes with it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace, config_reader
from ..errors import XlflowError
from ..i18n import Phrase, msg
from ..store.atomic import atomic_path
from ..xlsx.plainbook import Table, read_table, write_tables
from .retro import Retro

SECTION = "lessons"
COLUMNS = ("project", "closed_on", "department", "category", "what", "why", "recommendation", "owner", "status")
CATEGORIES = ("highlight", "problem", "improvement")


@dataclass(frozen=True)
class LessonsSettings:
    register: Path | None
    show: int = 3


def lessons_settings(ws: Workspace) -> LessonsSettings:
    table = ws.extra.get(SECTION)
    if table is None:
        return LessonsSettings(None)
    r = config_reader(ws)
    if not isinstance(table, dict):
        raise r.fail(SECTION, Phrase("close-config-table"))
    unknown = sorted(set(table) - {"register", "show"})
    if unknown:
        raise r.fail(unknown[0], Phrase("close-config-unknown", known="register, show"), SECTION)
    register = r.get(table, "register", str, SECTION, "").strip()
    show = r.get(table, "show", int, SECTION, 3)
    if show < 0:
        raise r.fail("show", Phrase("config-not-negative"), SECTION)
    path = (ws.root / register).resolve() if register else None
    return LessonsSettings(path, show)


@dataclass(frozen=True)
class Lesson:
    project: str
    closed_on: dt.date | None
    department: str
    category: str  # highlight | problem | improvement (a register may hold others' words)
    what: str
    why: str
    recommendation: str
    owner: str
    status: str  # open | closed

    def row(self, lang: str) -> tuple:
        category = msg(f"close-cat-{self.category}", lang) if self.category in CATEGORIES else self.category
        return (
            self.project,
            self.closed_on,
            self.department,
            category,
            self.what,
            self.why,
            self.recommendation,
            self.owner,
            self.status,
        )


def lessons_of(project: str, closed_on: dt.date, retros: dict[str, Retro]) -> list[Lesson]:
    out = []
    for code, r in retros.items():
        for f in r.findings:
            kind = "highlight" if f.get("kind") == "highlight" else "problem"
            out.append(
                Lesson(
                    project,
                    closed_on,
                    code,
                    kind,
                    _s(f.get("description")),
                    _s(f.get("root_cause")),
                    "",
                    "",
                    "closed" if kind == "highlight" else "open",
                )
            )
        for i in r.improvements:
            deadline = i.get("deadline")
            out.append(
                Lesson(
                    project,
                    closed_on,
                    code,
                    "improvement",
                    "",
                    "",
                    _s(i.get("measure")),
                    _s(i.get("owner")) + (f" ({deadline})" if deadline else ""),
                    "open",
                )
            )
    return out


def _s(value: object) -> str:
    return "" if value is None else str(value)


def _table(lessons: list[Lesson], lang: str) -> Table:
    return Table(
        msg("close-sheet-lessons", lang),
        [msg(f"close-lesson-{c}", lang) for c in COLUMNS],
        [lesson.row(lang) for lesson in lessons],
        widths=(12, 12, 10, 12, 50, 40, 50, 16, 8),
    )


def write_lessons(path: Path, lessons: list[Lesson], lang: str) -> Path:
    with atomic_path(path) as tmp:
        write_tables(tmp, [_table(lessons, lang)])
    return path


def read_register(path: Path) -> list[Lesson]:
    """The register's rows (any language it was written in); [] when there is none yet."""
    if not path.is_file():
        return []
    codes = {msg(f"close-cat-{c}", lang): c for c in CATEGORIES for lang in ("zh", "en")}
    out = []
    for row in read_table(path):
        row = (list(row) + [None] * len(COLUMNS))[: len(COLUMNS)]
        closed = row[1].date() if isinstance(row[1], dt.datetime) else row[1] if isinstance(row[1], dt.date) else None
        category = codes.get(_s(row[3]), _s(row[3]))
        out.append(Lesson(_s(row[0]), closed, _s(row[2]), category, *(_s(v) for v in row[4:])))
    return out


def append_register(path: Path, lessons: list[Lesson], lang: str) -> int:
    """The register with this project's lessons added (a project closed again replaces its rows).
    Two coordinators closing at once on the same share: each holds `<register>.lock` in turn."""
    projects = {lesson.project for lesson in lessons}
    with _register_lock(path):
        kept = [lesson for lesson in read_register(path) if lesson.project not in projects]
        write_lessons(path, kept + lessons, lang)
    return len(lessons)


@contextmanager
def _register_lock(path: Path, wait: float = 30.0, stale: float = 600.0) -> Iterator[None]:
    """A lock file created exclusively (works on SMB shares, where OS locks may not); one left by a
    crashed run is taken over after `stale` seconds."""
    lock = path.with_name(path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            break
        except FileExistsError:
            try:
                if time.time() - lock.stat().st_mtime > stale:
                    lock.unlink(missing_ok=True)
                    continue
            except FileNotFoundError:
                continue
            if time.monotonic() > deadline:
                raise RegisterBusy("close-register-busy", lock=str(lock)) from None
            time.sleep(0.2)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


class RegisterBusy(XlflowError):
    """Another close holds the organisation's lessons register."""


def similar(register: list[Lesson], departments: set[str], projects: int) -> list[Lesson]:
    """The lessons of the `projects` last closed projects sharing most departments with a new one
    (projects sharing none are left out, unless no project shares any)."""
    by_project: dict[str, list[Lesson]] = {}
    for lesson in register:
        by_project.setdefault(lesson.project, []).append(lesson)

    def rank(name: str) -> tuple:
        rows = by_project[name]
        shared = len({r.department for r in rows} & departments)
        return (shared, max((r.closed_on or dt.date.min for r in rows), default=dt.date.min))

    ranked = sorted(by_project, key=rank, reverse=True)
    if ranked and rank(ranked[0])[0] > 0:  # some share departments: the others are not similar
        ranked = [name for name in ranked if rank(name)[0] > 0]
    chosen = ranked[:projects]
    return [lesson for name in chosen for lesson in by_project[name]]


def kickoff_lessons(ws: Workspace, register: Path | None = None) -> tuple[Path | None, list[Lesson]]:
    """For a new workspace: the register (given, or its [lessons] register) and the lessons of the
    last similar projects in it, problems and improvements first."""
    settings = lessons_settings(ws)
    path = register or settings.register
    if path is None:
        return None, []
    found = similar(read_register(path), {d.code for d in ws.departments}, settings.show)
    order = {"problem": 0, "improvement": 1}
    return path, sorted(found, key=lambda lesson: order.get(lesson.category, 2))

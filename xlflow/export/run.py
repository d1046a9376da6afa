"""What the export commands do: load the week as of a day, render it, say what was written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from ..week.state import WeekState
from ..workdays import WorkCalendar
from .mspdi import NAMESPACE, write_mspdi


@dataclass(frozen=True)
class MspdiResult:
    path: Path
    departments: int
    tasks: int
    links: int
    resources: int
    exceptions: int


def load(ws: Workspace, as_of: dt.date) -> WeekState:
    from ..week.build import load_week

    return load_week(ws, as_of, scorecard=True)


def default_name(ws: Workspace, state: WeekState, suffix: str) -> Path:
    return ws.folder("reports") / f"{ws.project.code}-{state.week.label}{suffix}"


def export_mspdi(ws: Workspace, state: WeekState, out: Path | None, lang: str) -> MspdiResult:
    path = out or default_name(ws, state, ".xml")
    write_mspdi(state, ws, WorkCalendar.from_settings(ws.calendar), lang, path)
    return _counted(path)


def _counted(path: Path) -> MspdiResult:
    """The figures the command prints, counted in the file written (what a reader will find)."""
    from xml.etree.ElementTree import parse

    root = parse(path).getroot()
    ns = {"p": NAMESPACE}
    tasks = root.findall("p:Tasks/p:Task", ns)
    departments = [t for t in tasks if t.findtext("p:Summary", "0", ns) == "1" and t.findtext("p:WBS", "", ns) != "MS"]
    plain = [t for t in tasks if t.findtext("p:Summary", "0", ns) == "0" and t.findtext("p:Milestone", "0", ns) == "0"]
    return MspdiResult(
        path,
        len(departments),
        len(plain),
        len(root.findall("p:Tasks/p:Task/p:PredecessorLink", ns)),
        len(root.findall("p:Resources/p:Resource", ns)),
        len(root.findall("p:Calendars/p:Calendar/p:Exceptions/p:Exception", ns)),
    )


def export_tables(
    ws: Workspace, state: WeekState, out: Path | None, fmt: str
) -> tuple[Path, dict[str, tuple[Path, int]]]:
    """csv: one file per table in the folder; xlsx: one workbook with a sheet per table in it."""
    folder = out or default_name(ws, state, "-tables")
    if fmt == "xlsx":
        from .tables import write_xlsx

        path = folder / f"{ws.project.code}-{state.week.label}-tables.xlsx"
        return folder, {name: (path, rows) for name, rows in write_xlsx(state, path).items()}
    from .frames import write_csv

    return folder, write_csv(state, folder)

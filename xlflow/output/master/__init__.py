"""MasterPlan → the master workbook (xlsxwriter): dashboard, master WBS, timeline, delays,
dependencies, RACI, issues, action items, changes, submissions.

core.py holds the writer every sheet uses; each sheet is written by its own module, in the
order of `_sheets()`. write_master() writes the file atomically (store.atomic).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ...config import Workspace
from ...errors import OutputLocked
from ...plan.model import MasterPlan
from ...spec.catalog import Catalog
from ...store.atomic import atomic_path
from . import changes, dashboard, delays, dependencies, records, submissions, timeline, wbs
from .core import MasterWriter

__all__ = ["MasterWriter", "WriteResult", "write_master"]


@dataclass(frozen=True)
class WriteResult:
    path: Path  # where the master actually is
    locked: bool = False  # the target was open elsewhere; `path` is a timestamped file beside it
    target: Path | None = None


def _sheets() -> list[Callable[[MasterWriter], None]]:
    """The sheets in workbook order (looked up on each call, so a test can replace one)."""
    return [dashboard.write, wbs.write, timeline.write, delays.write, dependencies.write,
            records.write_raci, records.write_issues, records.write_actions, changes.write, submissions.write]


def write_master(plan: MasterPlan, ws: Workspace, out_path: Path | str, lang: str | None = None, *,
                 catalog: Catalog | None = None) -> WriteResult:
    """Write the master atomically: complete at `out_path`, or not at all.

    If the target cannot be replaced (open in Excel on a share: PermissionError), the master is
    written again beside it under a timestamped name and the result says so. If that cannot be
    written either, OutputLocked: there is no master to point to.
    """
    target = Path(out_path)
    lang = lang or ws.lang

    def write(path: Path) -> None:
        with atomic_path(path) as tmp:
            MasterWriter(plan, ws, tmp, lang, catalog).write(_sheets())

    try:
        write(target)
        return WriteResult(target, False, target)
    except PermissionError:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        beside = target.with_name(f"{target.stem}-{stamp}{target.suffix}")
    try:
        write(beside)
    except OSError as error:
        raise OutputLocked("output-locked", target=target, path=beside, reason=error.strerror or error) from error
    return WriteResult(beside, True, target)

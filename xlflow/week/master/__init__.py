"""MasterPlan → the master workbook (xlsxwriter): dashboard, scorecard, master WBS, timeline, delays,
plan changes, dependencies, RACI, issues, action items, the change register, submissions, removed.

xlflow/output/master/core.py holds the writer every sheet uses; each sheet is written by its own
module, in the order of `_sheets()`: the week's general sheets here, each feature's sheet in its
folder under xlflow/features/. write_master() writes the file atomically (store.atomic).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from ...config import Workspace
from ...errors import OutputLocked
from ...features.control import sheet_moves, sheet_register
from ...features.control.moves import Control
from ...features.control.requests import ChangeRequest
from ...features.coordinator import sheet_removed
from ...features.coordinator.columns import coordinator_cols, mark_coordinator
from ...features.scorecard import Scorecard, sheet as scorecard_sheet
from ...output.master.core import LayerData, MasterWriter, WriteResult
from ...plan.model import MasterPlan
from ...spec.catalog import Catalog
from ...store.atomic import Fingerprint, TargetChanged, atomic_path, owner_files
from . import dashboard, delays, dependencies, records, submissions, timeline, wbs

__all__ = ["MasterWriter", "WriteResult", "write_master", "coordinator_cols", "mark_coordinator"]


def _sheets() -> list[Callable[[MasterWriter], None]]:
    """The sheets in workbook order (looked up on each call, so a test can replace one)."""
    return [dashboard.write, scorecard_sheet.write, wbs.write, timeline.write, delays.write, sheet_moves.write,
            dependencies.write, records.write_raci, records.write_issues, records.write_actions,
            sheet_register.write, submissions.write, sheet_removed.write]


def write_master(plan: MasterPlan, ws: Workspace, out_path: Path | str, lang: str | None = None, *,
                 catalog: Catalog | None = None, scorecard: Scorecard | None = None,
                 layer: LayerData | None = None, control: Control | None = None,
                 changes: Iterable[ChangeRequest] = (), expect: Fingerprint | None = None,
                 beside_if_changed: bool = False, copy_to: Callable[[Path], Path] | None = None,
                 generation: int | None = None) -> WriteResult:
    """Write the master atomically: complete at `out_path`, or not at all.

    If the target is open (an Excel/WPS owner file `~$name` or a LibreOffice `.~lock.name#` beside
    it, on any system) or cannot be replaced (Windows: PermissionError), the master is written
    beside it under a timestamped name and the result says so: the person's open copy, with what
    they typed, is never pulled from under them. If that cannot be written either, OutputLocked.
    With `expect` (the file read back), the target is replaced only if it is still that file:
    otherwise TargetChanged, or with `beside_if_changed` the master is written beside it. `copy_to`
    (the path written -> a path) gets a copy of exactly what was written there. `generation` is
    stamped into the workbook (which merge wrote it: the read-back compares a copy with its own).
    """
    target = Path(out_path)
    lang = lang or ws.lang
    headers: dict[str, list[str]] = {}
    removed_count = [0]

    def write(path: Path) -> None:
        with atomic_path(path, expect if path == target else None, copy_to(path) if copy_to else None) as tmp:
            writer = MasterWriter(plan, ws, tmp, lang, catalog, layer)
            writer.scorecard, writer.control, writer.changes = scorecard, control, tuple(changes)
            writer.generation = generation
            writer.write(_sheets())
            headers.update(writer.headers)
            removed_count[0] = writer.removed

    open_by, changed = tuple(owner_files(target)), False
    if not open_by:
        try:
            write(target)
            return WriteResult(target, False, target, headers, removed=removed_count[0])
        except PermissionError:
            pass
        except TargetChanged:
            if not beside_if_changed:
                raise
            changed = True
    beside = _beside(target)
    try:
        write(beside)
    except OSError as error:
        raise OutputLocked("output-locked", target=target, path=beside, reason=error.strerror or error) from error
    return WriteResult(beside, True, target, headers, open_by, removed_count[0], changed)


def _beside(target: Path) -> Path:
    """A timestamped name beside the target that no earlier master has."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    beside = target.with_name(f"{target.stem}-{stamp}{target.suffix}")
    n = 2
    while beside.exists():
        beside, n = target.with_name(f"{target.stem}-{stamp}-{n}{target.suffix}"), n + 1
    return beside

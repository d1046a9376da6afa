"""The workspace merge: find the submissions (the accepted workbooks or the files given), reuse
parsed ones from the cache, build the plan (plan.py), have master.py write the workbook and
record a task snapshot for the weekly brief.
"""
from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache as once
from pathlib import Path

from ..check.cache import SubmissionCache, check_and_cache, file_sha256
from ..check.model import Submission
from ..check.pool import check_on_pool
from ..config import Workspace
from ..errors import NothingToMerge, UsageError
from ..features.control.backfill import backfill
from ..features.control.baselines import Baselines, PlanEnd, TaskBaselines
from ..features.control.checks import check_lines
from ..features.control.commands import record_plan
from ..features.control.intake import plan_control, plan_dates
from ..features.control.moves import Control
from ..features.control.register import change_register
from ..features.control.requests import ChangeRequest
from ..features.coordinator import generations, notices
from ..features.coordinator.brief import edit_lines
from ..features.coordinator.edits import department_edits
from ..features.coordinator.readback import (
    ReadBack,
    layer_data,
    read_back,
    remember_written,
    retire_beside,
    written_copy,
)
from ..features.coordinator.week import escalation_rows
from ..features.scorecard.model import Scorecard
from ..features.scorecard.week import make_scorecard
from ..i18n import msg
from ..plan.build import build_plan
from ..plan.model import MasterPlan
from ..share.publish import ShareOutcome, after_merge, slices_folder
from ..spec.catalog import load_catalog
from ..store import snapchain, snapshots
from ..store.accepted import AcceptedVersion
from ..store.atomic import TargetChanged, atomic_path
from ..store.ledger import Mismatch, verify_accepted
from ..store.renames import with_renames
from ..store.state import StateDB, submitted_departments
from ..week import parts as weekparts, stored as weekrecord
from ..week.master import write_master
from ..week.pipeline import merge_parts, merge_week, with_history
from ..week.state import WeekState
from ..workdays import week_start
from . import departments, pastday, retention
from .rebuildsteps import unrecorded_before


@dataclass
class MergeResult:
    plan: MasterPlan
    master_path: Path  # where the master is (beside the target when it was locked)
    history_path: Path | None  # the dated copy kept for history
    locked: bool  # the target was in use; master_path is a timestamped file beside it
    target: Path
    left_out: list[Submission]  # given files with errors, not merged
    parsed: int  # files read and checked in this run
    cached: int  # submissions taken from the cache
    layer: ReadBack | None = None  # what the read-back of the replaced master found (features/coordinator/readback.py)
    removed: int = 0  # coordinator values on rows no longer shown: on the Removed sheet
    open_by: tuple[Path, ...] = ()  # owner/lock files that kept the target from being replaced
    mismatches: list[Mismatch] = field(default_factory=list)  # accepted/ files not merged (store/ledger.py)
    retired: list[Path] = field(default_factory=list)  # masters once written beside an open one, now in history/
    shared: ShareOutcome | None = None  # the department slices and calendars written after the merge
    week: Callable[[], WeekState] | None = field(default=None, repr=False)  # the week the merge stored (week/pipeline.py)
    saved_during: list[Path | None] = field(default_factory=list)  # saves of the master during the merge (read again)
    changes: list[ChangeRequest] = field(default_factory=list)  # the change register, with what its checks found
    pruned: retention.Pruned | None = None  # old copies master/history/'s retention rule removed
    kept: pastday.Recording | None = None  # whether the week was recorded, and why not (service/pastday.py)
    unconfigured: list[tuple[str, int | None]] = field(default_factory=list)  # accepted, no longer in xlflow.toml
    history_skipped: tuple[Path, str] | None = None  # the dated copy not written, and why (no space left...)

    def summary(self, lang: str) -> list[str]:
        """The lines the CLI prints."""
        plan, total = self.plan, self.plan.totals()
        lines = [msg("merge-summary", lang, path=self.master_path, as_of=plan.as_of.isoformat(),
                     departments=sum(1 for i in plan.submissions if i.included), tasks=total.tasks,
                     overdue=total.by_health["overdue"], blocked=total.blocked,
                     due_soon=total.by_health["due_soon"], problems=len(plan.problems))]
        lines += self.layer_lines(lang)
        if self.history_path:
            lines.append(msg("merge-history", lang, path=self.history_path))
        if self.pruned and self.pruned.count:
            lines.append(msg("history-pruned", lang, count=self.pruned.count, size=f"{self.pruned.size / 2**20:.1f} MiB"))
        for sub in self.left_out:
            first = sub.report.errors[0].message(lang) if sub.report.errors else ""
            lines.append(msg("merge-left-out", lang, file=sub.path.name, errors=len(sub.report.errors), first=first))
        if plan.not_submitted:
            lines.append(msg("merge-not-submitted", lang, departments=", ".join(plan.not_submitted)))
        if plan.critical_path:
            lines.append(msg("merge-critical", lang, path=" → ".join(t.task_id for t in plan.critical_path),
                             end=plan.end_date.isoformat() if plan.end_date else ""))
        lines.append(msg("merge-read-stats", lang, parsed=self.parsed, cached=self.cached))
        lines += self.kept.lines(lang) if self.kept else []
        lines += departments.unconfigured_lines(plan.ws, self.unconfigured, lang)
        return lines + (self.shared.lines(lang, slices_folder(plan.ws)) if self.shared else [])

    def layer_lines(self, lang: str) -> list[str]:
        """The coordinator's side: the master open elsewhere, what was read back and carried, the
        department cells changed in the master, accepted/ files not as recorded (also the watcher's log note)."""
        lines = [msg("coord-saved-during", lang, path=self.target) for _ in self.saved_during[:1]]
        lines += [msg("coord-saved-kept", lang, path=kept) for kept in self.saved_during if kept]
        if self.locked and not self.open_by and self.saved_during:
            lines.append(msg("coord-saved-beside", lang, target=self.target, path=self.master_path))
        elif self.locked:
            lines.append(msg("coord-open", lang, target=self.target, path=self.master_path,
                             owner=", ".join(p.name for p in self.open_by)) if self.open_by else
                         msg("merge-locked", lang, target=self.target, path=self.master_path))
        found = self.layer
        if found is not None:
            lines += [p.render(lang) for p in found.problems]
            if found.recorded:
                lines.append(msg("coord-recorded", lang, count=found.recorded))
            lines += [msg("coord-carried", lang, sheet=sheet, header=h)
                      for sheet, headers in found.carried.items() for h in headers]
            lines += edit_lines(found.edits, lang)
            if found.history and found.edited:
                lines.append(msg("coord-replaced", lang, path=found.history))
        if self.removed:
            lines.append(msg("coord-removed", lang, count=self.removed))
        if self.retired:
            lines.append(msg("coord-retired", lang, count=len(self.retired), folder=self.retired[0].parent))
        lines += check_lines(self.changes, lang)  # change requests and decisions: what is wrong where
        if self.history_skipped:
            lines.append(msg("merge-history-skipped", lang, path=self.history_skipped[0], error=self.history_skipped[1]))
        lines += [m.line(lang) for m in self.mismatches]  # accepted/ not as recorded: not merged
        if self.mismatches:
            lines.append(msg("accepted-mismatch-advice", lang))
        return lines


def master_paths(ws: Workspace, as_of: dt.date) -> tuple[Path, Path]:
    """The master's default place, and its dated copy kept for history."""
    folder = ws.folder("master")
    name = f"{ws.project.code}-master"
    return folder / f"{name}.xlsx", folder / "history" / f"{name}-{as_of.isoformat()}.xlsx"


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A merge allocates millions of small acyclic objects; the cyclic collector would rescan them
    all several times over (~0.4 s of a 3 s merge at 50,000 tasks). Refcounting still frees them.

    What is still alive at the end (the plan, the week, the parsed submissions) goes to the oldest
    generation unscanned (freeze, then unfreeze: the lists are moved, nothing is traversed): left in
    the youngest, the first allocation after the merge would scan all of them only to move them on
    (0.17 s at 100 × 500). The merge's cyclic garbage (the master writer's objects) moves with them,
    so the next merge begins with a full collection (~0.01 s in a new process): a process that merges
    again and again (the watcher, a rebuild) holds at most one merge's garbage, and no longer grows
    between full collections. (A one-shot `xlflow merge` pays that garbage at the interpreter's exit.)"""
    enabled = gc.isenabled()
    if enabled:
        gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def merge_workspace(ws: Workspace, files: list[Path] | None = None, as_of: dt.date | None = None,
                    out: Path | None = None, lang: str | None = None, day_versions: bool = False) -> MergeResult:
    """Merge the accepted workbooks (or exactly `files`), write the master and record a task snapshot.
    `day_versions` (`xlflow merge --as-of` a day before today): each department's version received by
    the end of `as_of`, not one accepted since.

    A submission whose sha256 was parsed before under the same config and spec comes
    from the cache: after one department's new submission only that file is read.
    """
    ws = with_renames(ws, StateDB(ws.state_db))  # departments renamed, whether or not xlflow.toml says so yet
    if files is None:
        pastday.keep_lateness(ws, StateDB(ws.state_db))  # each file's lateness judged once, when it is first merged
    saved: list[Path | None] = []
    with _gc_paused(), StateDB(ws.state_db).kept_open():
        while True:  # the master saved by someone while merging: read it again, build again
            try:
                result = _merge_workspace(ws, files, as_of, out, lang, last=len(saved) + 1 >= MERGE_TRIES,
                                          day_versions=day_versions)
                break
            except TargetChanged as changed:
                saved.append(changed.kept)
    result.saved_during = saved
    result.unconfigured = departments.unconfigured(ws, StateDB(ws.state_db))  # their tasks are not in the master
    if result.week is not None and "chat" in ws.extra:  # the channels' modules load only where chat is set up
        from . import chatting

        chatting.after_merge(ws, as_of or dt.date.today(), week=result.week)  # new decisions and escalations
    return result


MERGE_TRIES = 3  # then the master is written beside the coordinator's newer save
PARALLEL_FROM = 8  # files to check before a process pool pays for its start-up


def _check_files(todo: list[tuple[Path, dt.datetime]], ws: Workspace, cache: SubmissionCache) -> list[Submission]:
    """Check and cache the files the cache does not know, on every core when there are many (a cold merge)."""
    workers = min(os.cpu_count() or 1, len(todo) // PARALLEL_FROM, 8)
    if workers < 2:
        return [check_and_cache(path, ws, received, cache) for path, received in todo]
    return check_on_pool(todo, ws, cache, workers)


Job = tuple[Path, "AcceptedVersion | None", "str | None"]  # file, what its sidecar says, its hash if known


def _jobs(ws: Workspace, files: list[Path] | None, db: StateDB,
          past: dt.date | None = None) -> tuple[list[Job], list[Mismatch]]:
    """The files to merge: the accepted workbooks that match the state database (with what their
    sidecars say; for one that does not match, its department's last good version from the archive),
    the versions received by the end of `past` (a merge behind the record), or exactly `files`."""
    if files is None and past is not None:
        return [(a.path, a, a.sha256) for a in pastday.versions_by(ws, db, past) if a.path is not None], []
    if files is None:
        if lost := unrecorded_before(ws, db):  # merging now would drop the coordinator's layer: rebuild first
            raise NothingToMerge("merge-db-lost", count=lost, archive=str(ws.folder("archive")), db=str(ws.state_db))
        good, bad = verify_accepted(ws, db)
        jobs: list[Job] = [(a.path, a, sha) for a, sha in good if a.path is not None]
        jobs += [(m.fallback.path, m.fallback, m.fallback.sha256) for m in bad if m.fallback and m.fallback.path]
        if not jobs and not bad:
            raise NothingToMerge("merge-missing-accepted", folder=str(ws.folder("accepted")))
        if not jobs:
            raise NothingToMerge("merge-nothing-trusted", problems="\n".join(m.line(ws.lang) for m in bad))
        return jobs, bad
    for path in files:
        if not Path(path).is_file():
            raise UsageError("merge-file-not-found", path=str(path))
    return [(Path(path), None, None) for path in files], []


def _merge_workspace(ws: Workspace, files: list[Path] | None, as_of: dt.date | None, out: Path | None,
                     lang: str | None, last: bool = True, day_versions: bool = False) -> MergeResult:
    as_of = as_of or dt.date.today()
    catalog = load_catalog()
    cache = SubmissionCache(ws, catalog)
    db = StateDB(ws.state_db)
    kept = pastday.recording(db, as_of, files, out)
    jobs, mismatches = _jobs(ws, files, db, as_of if kept.behind and out else None)
    if files is None and day_versions and pastday.received_after(ws, [a for _, a, _ in jobs], as_of):
        jobs, mismatches = _jobs(ws, files, db, as_of)  # the versions at the end of that day, as the rebuild replays it
    from_cache: list[Submission | None] = []
    todo: list[tuple[Path, dt.datetime]] = []
    for path, accepted, sha in jobs:
        received = (accepted and accepted.received) or dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        from_cache.append(cache.get(sha or file_sha256(path), path, received))
        if from_cache[-1] is None:
            todo.append((path, received))
    fresh = iter(_check_files(todo, ws, cache))  # merge never parses cells itself: the validator does
    submissions = [sub if sub is not None else next(fresh) for sub in from_cache]
    versions: dict[str, int] = {}
    names: dict[str, str] = {}
    for sub, (_, accepted, _) in zip(submissions, jobs, strict=True):
        if sub.department and accepted:
            if accepted.version is not None:
                versions[sub.department] = accepted.version
            if accepted.file_name is not None:
                names[sub.department] = accepted.file_name
    parsed, cached = len(todo), len(jobs) - len(todo)
    # Who submitted this week is the journal's answer for the workspace; given files only know their dates.
    submitted = (submitted_departments(ws, week_start(as_of, ws.project.week_start), db, until=as_of)
                 if files is None else None)
    target, dated = (Path(out), None) if out else master_paths(ws, as_of)
    found = read_back(ws, target, db, catalog=catalog)  # the coordinator's layer, before anything uses it
    plan = build_plan(submissions, ws, as_of, versions=versions, file_names=names, catalog=catalog,
                      submitted=submitted)
    changes = change_register(ws, db, submissions)  # after the read-back: the master's decisions count
    base, control = _control(ws, db, plan, changes, as_of, kept.record) if files is None else (None, None)
    _layer_found(found, plan, ws, db, lang or ws.lang)
    # the department scorecards from every version on record; the merge's parsed files are not read again
    card = (make_scorecard(ws, as_of, db, {s.sha256: s for s in submissions if s.valid}, base)
            if files is None else None)
    generation = generations.begin(db, as_of)
    written = write_master(plan, ws, target, lang or ws.lang, scorecard=card, layer=layer_data(db),
                           control=control, changes=changes, expect=found.seen, beside_if_changed=last,
                           copy_to=lambda path: written_copy(ws, path), generation=generation)
    remember_written(ws, written, db, copied=True, generation=generation)
    retired = retire_beside(ws, target) if not written.locked else []
    week = _record(ws, db, plan, written.path, submissions, changes, control, card) if kept.record else None
    history, skipped = _keep_history(written.path, dated) if dated is not None and kept.record else (None, None)
    pruned = (retention.after_merge(ws, db, as_of, written.path, [history, found.history, *retired])
              if dated is not None and kept.record else None)  # master/history/ stays bounded (service/retention.py)
    left_out = [s for s in submissions if not s.valid]
    shared = after_merge(ws, as_of, db, lang or ws.lang, week) if week is not None else None  # each department its slice
    return MergeResult(plan, written.path, history, written.locked, target, left_out, parsed, cached,
                       found, written.removed, written.open_by, mismatches, retired, shared, week, changes=changes,
                       pruned=pruned, kept=kept,
                       history_skipped=(dated, skipped) if dated is not None and skipped else None)


def _control(ws: Workspace, db: StateDB, plan: MasterPlan, changes: list[ChangeRequest], as_of: dt.date,
             record: bool) -> tuple[TaskBaselines, Control]:
    """The baselines and the plan control of a workspace merge (against `changes`, the merge's change
    register); one that records nothing (behind the record) leaves the baselines and the plan end as they are."""
    backfill(db)
    base = Baselines(db).read()  # once, for recording, change control and the scorecard
    if record:
        record_plan(db, plan.tasks, base)  # tasks accepted before baselines were recorded get theirs now
    control = plan_control(ws, db, plan_dates(plan), [i.department for i in plan.submissions
                                                      if i.included and i.department], base=base, as_of=as_of,
                           requests=changes)
    if record:
        Baselines(db).record_end(PlanEnd(as_of, plan.end_date, control.baseline_end, control.slipped))
    return base, control


def _layer_found(found: ReadBack, plan: MasterPlan, ws: Workspace, db: StateDB, lang: str) -> None:
    """Department cells changed in the master, recorded; what the read-back said, kept for the week's brief."""
    department_edits(found, plan, ws, db, lang)
    notices.record(db, plan.as_of, found.problems)


def _record(ws: Workspace, db: StateDB, plan: MasterPlan, master: Path, submissions: list[Submission],
            changes: list[ChangeRequest], control: Control | None, card: Scorecard | None) -> Callable[[], WeekState] | None:
    """The task snapshot (the weekly brief compares these) and the week's record: the week, stored whole
    and returned for the channels to render (with the plans it is compared with, read when asked for);
    a merge of given files leaves the baselines alone and stores the parts it has (the brief computes its control)."""
    tasks = plan.snapshot_columns()
    with db.transaction() as con:
        kept = snapchain.stored_on(con, plan.as_of)  # the day's snapshot: its bytes again for the same tasks
    blob, columns = snapshots.encoded_columns(tasks, db.snapshot_base(plan.as_of), kept)  # a delta; read back whole
    snapshot_id = db.record_merge(plan.as_of, str(master), tasks, blob)
    if control is None:
        weekrecord.save(db, snapshot_id, weekrecord.from_plan(plan, _week_parts(ws, db, plan, submissions, changes)))
        return None
    week = merge_week(ws, db, snapshot_id, plan.as_of, columns,
                      merge_parts(ws, db, plan, submissions, changes, control), card)
    return once(lambda: with_history(db, week()))


def _week_parts(ws: Workspace, db: StateDB, plan: MasterPlan, submissions: list[Submission],
                changes: list[ChangeRequest]) -> dict:
    """A merge of given files' record (version 1, week/record.py): the parts it has; the plan control
    is computed by the brief."""
    return {weekparts.CHANGES: weekparts.changes_rows(changes),
            weekparts.SIDECARS: weekparts.sidecar_rows(ws, db),
            weekparts.MILESTONES: weekparts.milestone_rows(s for s in submissions if s.valid),
            weekparts.ESCALATIONS: escalation_rows(db, weekparts.row_departments(plan.tasks, changes)),
            weekparts.CRITICAL: [t.task_id for t in plan.critical_path]}


def _keep_history(master: Path, dated: Path) -> tuple[Path | None, str | None]:
    """The dated copy of the master; a failure to write it is not the merge's failure, but is said
    (-> (None, why), e.g. no space left)."""
    try:
        with atomic_path(dated) as tmp:
            shutil.copyfile(master, tmp)
    except OSError as exc:
        return None, exc.strerror or type(exc).__name__
    return dated, None

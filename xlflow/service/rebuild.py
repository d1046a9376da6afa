"""`xlflow rebuild`: the state database made again from what the workspace's folders keep.

The archive holds every file ever received and master/history/ the master as each merge day's last
merge wrote it (with what the coordinator had typed by then); master/ holds the current master.
The rebuild replays the project's life in a scratch workspace beside the database (nothing in
inbox/, accepted/, master/ or outbox/ is touched while it runs, and no mail or chat message leaves):

1. every archived file, in the order received, through the intake, received at the time its
   archive name carries (so versions, lateness and rejections come out as they did);
2. on each day that accepted a file or has a dated master, one merge as of that day, after the
   day's dated master is put where the merge reads the coordinator's layer back (every value in a
   coordinator column or an added column is the coordinator's): the day's week record is stored
   as that day's last merge stored it, so a past week's brief is rebuilt as it was;
3. the current master read back the same way: the coordinator's layer as it is now;
4. the scratch's paths pointed at the workspace, and the masters' generations taken from the
   workspace (its kept copies and the current master's stamp), not from the scratch's numbering.

The new database is built in the scratch folder and renamed into place at the end; a database
that was there is moved aside, never deleted: `xlflow.sqlite.damaged-<time>`, `.incomplete-<time>`
(one made anew after the loss by a later command: it records none of the archive's older files), or
`.old-<time>` (a healthy one, with --force). What the rebuild cannot know is in docs/administrator.md ("Rebuilding the state
database").
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config import Workspace
from ..errors import UsageError, XlflowError
from ..features.coordinator.readback import read_back, written_copy
from ..features.coordinator.table import CoordinatorLayer
from ..i18n import LANGS, msg
from ..store import cachedigest
from ..store.atomic import atomic_path, link_or_copy
from ..store.lock import workspace_lock
from ..store.renames import Renamed, record_renamed, set_aside, undone, with_renames
from ..store.state import StateDB
from ..workdays import week_of
from . import renaming
from .intake import Intake
from .merge import master_paths, merge_workspace
from .outcome import Outcome
from .rebuildsteps import (
    Arrival,
    adopt_generations,
    arrivals,
    carry_decisions,
    dated_masters,
    db_state,
    fix_paths,
    move_aside,
    retired_codes,
    unrecorded_before,
)


@dataclass
class RebuildResult:
    path: Path  # the database rebuilt
    moved: Path | None = None  # where the database that was there went
    files: int = 0  # archived files replayed
    versions: int = 0  # versions accepted
    merges: int = 0  # merge days replayed
    weeks: int = 0  # weeks with a record
    cells: int = 0  # coordinator cells with a value, as the current master and its history gave them
    notes: list[str] = field(default_factory=list)  # what could not be replayed as it was

    def lines(self, lang: str) -> list[str]:
        out = list(self.notes)
        if self.moved is not None:
            out.append(msg("rebuild-moved", lang, path=self.moved))
        out.append(msg("rebuild-summary", lang, path=self.path, files=self.files, versions=self.versions,
                       merges=self.merges, weeks=self.weeks, cells=self.cells))
        out.append(msg("rebuild-next", lang))
        return out


Say = Callable[[str], None]


def rebuild(ws: Workspace, force: bool = False, lang: str | None = None, say: Say | None = None) -> RebuildResult:
    """Rebuild ws.state_db from the archive and the masters (see the module's text). A database that
    is there and healthy is refused without `force`. Holds the workspace lock: no watcher meanwhile."""
    lang = lang or ws.lang
    say = say or (lambda _line: None)
    state = db_state(ws.state_db)
    if state == "healthy" and unrecorded_before(ws, StateDB(ws.state_db)):
        state = "incomplete"  # made anew after the loss by a command or the watcher: rebuilt without --force
    if state == "healthy" and not force:
        raise UsageError("rebuild-healthy", path=str(ws.state_db))
    if not arrivals(ws):
        raise XlflowError("rebuild-empty-archive", folder=str(ws.folder("archive")))
    with workspace_lock(ws):
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        scratch = ws.root / ".xlflow" / f"rebuild-{stamp}"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        try:
            carried = carry_decisions(ws.state_db, scratch / ws.state_db.name)  # before the replay: its intake
            result = _replay(ws, scratch, lang, say)  # takes a renamed department's older stamps as its own
            fix_paths(scratch / ws.state_db.name, scratch, ws.root)
            adopt_generations(scratch / ws.state_db.name, ws, master_paths(ws, dt.date.today())[0])
            cachedigest.forget_all(StateDB(scratch / ws.state_db.name))  # the scratch's parse cache stays behind
            if carried:
                result.notes.append(msg("rebuild-decisions-carried", lang, codes=", ".join(carried)))
            result.notes += _sync_accepted(ws, scratch, lang, retired_codes(scratch / ws.state_db.name))
            if state != "missing":
                result.moved = move_aside(ws.state_db, "old" if state == "healthy" else state, stamp)
            os.replace(scratch / ws.state_db.name, ws.state_db)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return result


def scratch_workspace(ws: Workspace, scratch: Path) -> Workspace:
    """The workspace with its root in `scratch`: its own inbox, archive, accepted/, master/ and outbox/;
    no SMTP server and no chat robots (the replay's mails stay in its outbox/, which goes with it)."""
    for name in ("xlflow.toml",):
        shutil.copyfile(ws.root / name, scratch / name)
    if (ws.root / "templates").is_dir():
        shutil.copytree(ws.root / "templates", scratch / "templates")
    return replace(ws, root=scratch, inbox_path=None, email=replace(ws.email, host=""),
                   watch=replace(ws.watch, settle_seconds=0.0),
                   extra={k: v for k, v in ws.extra.items() if k != "chat"})


def _replay(ws: Workspace, scratch: Path, lang: str, say: Say) -> RebuildResult:
    base = scratch_workspace(ws, scratch)
    db = StateDB(base.state_db)
    pending = set_aside(db)  # carried from the old database (carry_decisions): each made again on its day
    files, dated = arrivals(ws), dated_masters(ws)
    say(msg("rebuild-start", lang, path=ws.state_db, files=len(files), masters=len(dated)))
    result = RebuildResult(ws.state_db)
    by_day: dict[dt.date, list[Arrival]] = {}
    for arrival in files:
        by_day.setdefault(arrival.day, []).append(arrival)
    for day in sorted(set(by_day) | set(dated)):
        tmp = _renamed_by(base, db, pending, day)
        intake = Intake(tmp, db, tmp.lang)  # as the watcher takes files in; `lang` is what the rebuild prints
        accepted = 0
        for arrival in by_day.get(day, []):
            outcome = _replay_file(tmp, intake, arrival)
            result.files += 1
            accepted += outcome.result == "accepted"
            if not outcome.final:
                result.notes.append(msg("rebuild-not-replayed", lang, file=arrival.path.name, result=outcome.result))
        merged = False
        if db.merge_due() or day in dated:
            problem = _merge_day(tmp, db, day, dated.get(day), lang)
            merged = not problem
            result.merges += merged
            result.notes += [problem] if problem else []
        say(msg("rebuild-day", lang, day=day.isoformat(), files=len(by_day.get(day, [])), accepted=accepted,
                merged=msg("rebuild-merged" if merged else "rebuild-not-merged", lang)))
    tmp = _renamed_by(base, db, pending, dt.date.max)
    current = master_paths(ws, dt.date.today())[0]
    if current.is_file():
        _place(tmp, current, master_paths(tmp, dt.date.today())[0])
        read_back(tmp, master_paths(tmp, dt.date.today())[0], db, read_all=True)
        say(msg("rebuild-current-master", lang, path=current))
    _count(ws, db, result)
    return result


def _renamed_by(base: Workspace, db: StateDB, pending: list[Renamed], day: dt.date) -> Workspace:
    """The scratch workspace on `day`: each rename made by then recorded again, as the command made it
    (OLD's current version becomes NEW's), those made later not yet (what OLD sent before is OLD's,
    so the weeks before the rename are rebuilt as they were)."""
    while pending and pending[0].renamed <= day:
        r = pending.pop(0)
        renaming.move_current(base, r.old.code, r.new)
        record_renamed(db, r.old, r.new, r.lead, r.renamed)
        renaming.remove_old(base, r.old.code)
    return undone(with_renames(base, db), pending)


def _replay_file(tmp: Workspace, intake: Intake, arrival: Arrival) -> Outcome:
    """One archived file into the scratch inbox (its department's drop folder when there are such),
    taken in at its received time; the scratch archive already holds it, under the same name."""
    known = arrival.department and tmp.department(arrival.department) is not None
    folder = tmp.drop_folder(arrival.department) if known and arrival.department else tmp.folder("inbox")
    folder.mkdir(parents=True, exist_ok=True)
    kept = tmp.folder("archive") / arrival.path.name
    if not kept.exists():
        link_or_copy(arrival.path, kept)
    path = folder / arrival.name
    shutil.copyfile(arrival.path, path)
    return intake.process_file(path, arrival.day, now=arrival.received, merge=False)


def _place(tmp: Workspace, source: Path, target: Path) -> None:
    """A master of the workspace where the scratch merge reads the coordinator's layer back (read as a
    whole: every coordinator cell in it is typed, whatever generation it says it is)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as out:
        shutil.copyfile(source, out)
    written_copy(tmp, target).unlink(missing_ok=True)


def _merge_day(tmp: Workspace, db: StateDB, day: dt.date, master: Path | None, lang: str) -> str:
    """The day's merge, with the day's dated master read back first; "" or why it was not made. Before
    the first master is read, the scratch writes one in each language: the headers xlflow writes are
    then known, and a column the coordinator added is told from them."""
    if master is not None and not CoordinatorLayer(db).own_headers("wbs"):
        for language in LANGS:  # a master may have been written in either language (merge --lang)
            with suppress(XlflowError):  # said by the merge below
                merge_workspace(tmp, as_of=day, lang=language)
    if master is not None:
        _place(tmp, master, master_paths(tmp, day)[0])
        read_back(tmp, master_paths(tmp, day)[0], db, read_all=True)  # the merge finds it read: not again
    try:
        merge_workspace(tmp, as_of=day, lang=tmp.lang)  # as the watcher merges: in the workspace's language
    except XlflowError as exc:
        return msg("rebuild-merge-failed", lang, day=day.isoformat(), problem=exc.message(lang))
    finally:
        db.clear_merge_due()
    return ""


def _count(ws: Workspace, db: StateDB, result: RebuildResult) -> None:
    with db.transaction() as con:
        result.versions = con.execute("SELECT count(*) FROM submissions WHERE result='accepted'").fetchone()[0]
        days = [dt.date.fromisoformat(r[0]) for r in con.execute("SELECT DISTINCT as_of FROM week_records")]
        result.cells = con.execute(
            "SELECT count(*) FROM coordinator_layer WHERE value != '' AND id IN"
            " (SELECT max(id) FROM coordinator_layer GROUP BY sheet, row_key, col)").fetchone()[0]
    result.weeks = len({week_of(d, ws.project.week_start).start for d in days})


def _sync_accepted(ws: Workspace, scratch: Path, lang: str, retired: frozenset[str] = frozenset()) -> list[str]:
    """accepted/ as the rebuilt database records it. A department whose accepted/ file is the version
    the replay accepted gets the replay's copy (so that it matches the new record); one whose file is
    another version (taken in with `accept` or restored with `revert`: only the database knew) is left
    as it is and named, with what to do."""
    notes = []
    ours, theirs = scratch / "accepted", ws.folder("accepted")
    for sidecar in sorted(ours.glob("*.json")) if ours.is_dir() else []:
        if sidecar.stem in retired:
            continue  # its workbook stays in accepted/retired/, where `department retire` put it
        mine = json.loads(sidecar.read_text("utf-8"))
        found = theirs / sidecar.name
        try:
            there = json.loads(found.read_text("utf-8")) if found.is_file() else None
        except (OSError, ValueError):
            there = None
        if there is not None and there.get("sha256") != mine.get("sha256"):
            notes.append(msg("rebuild-accepted-differs", lang, department=sidecar.stem, file=there.get("file", "?"),
                             version=mine.get("version"), rebuilt=mine.get("file", "?")))
            continue
        for part in (sidecar.with_suffix(".xlsx"), sidecar):  # the workbook first, as store/accepted.py does
            target = theirs / part.name
            if part.is_file() and (not target.is_file() or target.read_bytes() != part.read_bytes()):
                with atomic_path(target) as out:
                    shutil.copyfile(part, out)
    return notes

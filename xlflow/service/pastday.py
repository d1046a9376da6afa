"""The past stays past (issue 18 item 9): a merge never rewrites a recorded week.

- A merge for a day before the last recorded merge ("behind the record") records nothing: no task
  snapshot, no week record, no dated copy in master/history/, no baseline or plan end. With `--out`
  it takes each department's newest version received by the end of that day (local time) from the
  archive, and refuses when the archive does not hold one intact; without `--out` (the clock went
  back, or the watcher's or a revert's merge with an older day) it writes the workspace master from
  the current versions and says that the record was kept.
- A merge of given files records nothing either: it writes only its master (the command line
  requires `--out` for it, see cli/merge.py).

And lateness is judged once (item 10): the intake, as it records a file, and each merge judge the
files accepted since and keep the judgement (store/lateness.py), which the brief and `xlflow status`
read back.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from ..errors import NothingToMerge, UsageError, XlflowError
from ..i18n import msg
from ..plan.lateness import judge
from ..store.accepted import AcceptedVersion, sha256_file
from ..store.lateness import keep, unjudged
from ..store.state import StateDB


@dataclass(frozen=True)
class Recording:
    """Whether this merge stores the week (snapshot, record, dated copy), and why not."""

    record: bool
    behind: dt.date | None = None  # the last recorded merge's day, when it is after the merge's day
    as_of: dt.date | None = None
    to_out: bool = False  # the master went only where --out said

    def lines(self, lang: str) -> list[str]:
        if self.behind is None or self.as_of is None:
            return []
        key = "past-merge-not-recorded" if self.to_out else "past-clock-behind"
        return [msg(key, lang, day=self.as_of.isoformat(), last=self.behind.isoformat())]


def recording(db: StateDB, as_of: dt.date, files: list[Path] | None, out: Path | None) -> Recording:
    """What this merge may store: nothing for given files written to `--out`, nothing behind the record."""
    last = db.last_recorded_day()
    if last is not None and last > as_of:
        return Recording(False, last, as_of, out is not None)
    return Recording(not (files is not None and out is not None))


def behind_record(db: StateDB, day: dt.date) -> dt.date | None:
    """The last recorded merge's day when it is after `day` (None: `day` is not in the recorded past)."""
    last = db.last_recorded_day()
    return last if last is not None and last > day else None


def received_after(ws: Workspace, accepted: list[AcceptedVersion | None], day: dt.date) -> bool:
    """Whether a current version was received after the end of `day` (local time): a merge as of
    `day` then uses each department's version as it was at the end of that day (versions_by)."""
    return any(a is not None and a.received is not None and ws.local(a.received).date() > day for a in accepted)


def versions_by(ws: Workspace, db: StateDB, day: dt.date) -> list[AcceptedVersion]:
    """Each configured department's newest accepted version received by the end of `day` (local time),
    its archived original checked against the recorded hash. A department with none had not sent a
    version yet and is left out; a version whose original is missing or changed is refused."""
    out = []
    for d in ws.departments:
        known = [r for r in db.versions(d.code) if r.version is not None and ws.local(r.received).date() <= day]
        if not known:
            continue
        rec = max(known, key=lambda r: (r.version or 0, r.id))
        path = Path(rec.archive_path) if rec.archive_path else None
        try:
            intact = path is not None and path.is_file() and sha256_file(path) == rec.sha256
        except OSError:
            intact = False
        if not intact:
            raise XlflowError("past-version-missing", department=d.code, version=rec.version, day=day.isoformat(),
                              path=str(path or "—"))
        out.append(AcceptedVersion(d.code, rec.version, rec.received, rec.file_name, rec.sha256, path))
    if not out:
        raise NothingToMerge("past-nothing-received", day=day.isoformat())
    return out


def check_command(ws: Workspace, day: dt.date | None, files: list[Path] | None, out: Path | None) -> None:
    """`xlflow merge`'s refusals: given files need `--out` (they are no week of the workspace), and so
    does a day before the last recorded merge (that week stays as recorded)."""
    if files and out is None:
        raise UsageError("past-files-need-out")
    last = behind_record(StateDB(ws.state_db), day) if day is not None and out is None else None
    if last is not None and day is not None:
        raise UsageError("past-needs-out", day=day.isoformat(), last=last.isoformat())


def keep_lateness(ws: Workspace, db: StateDB) -> None:
    """Judge each accepted file not judged yet (just recorded by the intake, or accepted or restored by
    the coordinator since the last merge) under the configuration of now, and keep that judgement: a
    later change of time zone or deadline re-judges nothing."""
    new = {s.id: judge(ws, s.received, s.update_date) for s in unjudged(db)}
    if new:
        keep(db, new)

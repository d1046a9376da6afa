"""The rows the state database returns, as frozen values: a received file, a merge, an inbox entry."""
from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3
from dataclasses import dataclass, field

from ..i18n import msg
from .journal import JournalState
from .jsonvalues import unpacked

RESULTS = ("accepted", "rejected", "duplicate", "unreadable")
RESTORED = "restored-from:"  # note of a version the coordinator restored ("restored-from:3"): not a submission
FORCED = "accepted-by-coordinator"  # note of a file accepted despite the guards, then ": <finding codes>"


@dataclass(frozen=True)
class SubmissionRecord:
    """One received file and what became of it (result: one of RESULTS)."""

    id: int
    department: str | None
    file_name: str
    sha256: str
    received: dt.datetime
    result: str
    errors: int
    warnings: int
    archive_path: str | None
    version: int | None
    recorded: str
    update_date: dt.date | None = None  # the workbook's own "update date" (accepted versions)
    changes_json: str | bytes | None = field(default=None, repr=False)  # as stored (jsonvalues.packed): read by `changes`
    note: str | None = None

    @functools.cached_property
    def changes(self) -> dict | None:
        """PlanDiff JSON: what this version changed (plan.diff). Decoded when first read: the journal
        is read whole by several steps of a merge, which need only its dates and results, and this
        is most of a row (a merge late in a project read every version's changes several times)."""
        return json.loads(unpacked(self.changes_json)) if self.changes_json else None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> SubmissionRecord:
        values = dict(row)
        values["changes_json"] = values.pop("changes", None)
        update = values.get("update_date")
        return cls(**{**values, "received": dt.datetime.fromisoformat(row["received"]),
                      "update_date": dt.date.fromisoformat(update) if update else None})


@dataclass(frozen=True)
class MergeRecord:
    """A merge: its snapshot's id, the day it describes, the master it wrote, when, how many tasks."""

    id: int
    as_of: dt.date
    master_path: str
    created: str
    task_count: int


@dataclass(frozen=True)
class InboxEntry:
    """One file the watcher has seen in the inbox, and how far its processing got (the crash journal)."""

    path: str
    size: int | None
    mtime: float | None
    sha256: str | None
    state: JournalState
    attempts: int
    first_seen: str
    received: str | None
    archive_path: str | None
    note: str | None
    changed: float | None  # wall-clock time (time.time()) when size or mtime was last seen to change
    updated: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> InboxEntry:
        return cls(**{**dict(row), "state": JournalState(row["state"])})


def coordinator_note(note: str | None, lang: str) -> str:
    """A revert or a forced accept in the history's words; "" for a department's own version."""
    note = note or ""
    if note.startswith(RESTORED):
        return msg("history-note-restored", lang, version=note[len(RESTORED):])
    if note.startswith(FORCED):
        return msg("history-note-forced", lang, codes=note[len(FORCED):].strip(": ") or "—")
    return ""

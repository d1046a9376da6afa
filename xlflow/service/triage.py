"""Is a dropped file for this project, and whose is it? Decided before it is archived and judged.

- A workbook generated for another project (its stamps name another project code) is not ours: it is left in
  the inbox, never archived, moved or deleted (the folder may be shared, and the file may be the only
  copy of someone's work); the coordinators are told once, until the file changes.
- With per-department folders, a file at the top of the inbox is left there the same way: nobody
  can tell whose it is (the share lets departments write only into their own folders).
- With per-department folders, the file's folder IS its department: a workbook whose stamp names
  another department is rejected (finding "intake-wrong-folder"); the folder's department contact
  and the coordinators are told.
The master dropped back into the inbox and a workbook of an unknown department are this project's
files: they are rejected by the check with their own findings (check/workbook.py).
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ..check.identity import Identity
from ..check.model import Submission
from ..config import Workspace
from ..findings import Finding, Report
from ..i18n import msg
from ..store.journal import JournalState as J
from ..store.records import InboxEntry
from ..store.state import StateDB
from . import dropfolders
from .intakesteps import IntakeSteps
from .outcome import Outcome
from .staging import clean_name, guess_department, unstage

OTHER_PROJECT = "other-project:"  # note of a recorded file that belongs to another project


def other_project(ident: Identity, ws: Workspace) -> str | None:
    """The other project's code when the workbook was generated for another project: its stamps (the
    document property or the defined name, consistent with everything else) name another project.
    A header line alone (values pasted from an old project's workbook) is this project's mistaken
    submission: the check rejects it as "wrong-project" to its sender, as before."""
    if ident.trusted and ident.source in ("property", "defined-name") and ident.project \
            and ident.project != ws.project.code:
        return ident.project
    return None


class Triage(IntakeSteps):
    """Mixed into Intake (uses its ws, db, lang, _write_report, _notify_once)."""

    ws: Workspace
    db: StateDB
    lang: str

    def _leave(self, path: Path, st: os.stat_result, now: dt.datetime, finding: Finding, note_key: str,
               department: str | None = None, record_note: str | None = None) -> Outcome:
        """Not ours to take: the file stays where it is. The coordinators (and the department, when
        known) get one report; the journal then says "failed" until the file changes."""
        entry: InboxEntry | None = self.db.inbox_entry(path)
        resumed = entry.received if entry is not None and entry.state is J.MAILING else None
        received = resumed or now.isoformat(timespec="seconds")
        name = clean_name(path.name)
        report = Report([finding])
        self.db.mark_inbox(path, size=st.st_size, mtime=st.st_mtime, sha256=None, received=received,
                           note=finding.code, state=J.MAILING if resumed else J.SEEN)
        outputs = [self._write_report(name, department, received, "", report)]
        dept = self.ws.department(department) if department else None
        to = [dept.email] if dept and dept.email else list(self.ws.email.to)
        cc = list(self.ws.email.to) if dept and dept.email else []
        note = self._notify_once(path, "", received, name, department, "rejected", report, [], to=to, cc=cc)
        self.db.record_submission(department, name, "", received, "rejected", 1, 0, None, None, inbox_path=path,
                                  inbox_state=J.FAILED, note=record_note or finding.code)
        left = msg(note_key, self.lang)
        return Outcome(path, "left", department, 1, 0, note=f"{left}; {note}" if note else left, outputs=outputs)

    def _top_of_inbox(self, path: Path, st: os.stat_result, now: dt.datetime) -> Outcome:
        """Per-department folders are on and this file lies at the top of the inbox."""
        name = clean_name(path.name)
        folders = ", ".join(dropfolders.shown_label(self.ws, d.code) for d in self.ws.departments)
        finding = Finding("intake-top-of-inbox", value=name, params={"file": name, "folders": folders})
        return self._leave(path, st, now, finding, "watch-left-top")

    def _other_project(self, path: Path, st: os.stat_result, staged: Path, ident: Identity,
                       now: dt.datetime) -> Outcome | None:
        """None for this project's files; else the file is left in place and reported (see the module doc)."""
        code = other_project(ident, self.ws)
        if code is None:
            return None
        unstage(staged)
        name = clean_name(path.name)
        finding = Finding("intake-other-project", value=code,
                          params={"file": name, "project": code, "ours": self.ws.project.code})
        return self._leave(path, st, now, finding, "watch-left-other-project",
                           department=dropfolders.folder_department(self.ws, path),
                           record_note=OTHER_PROJECT + code)

    def _copy_in_wrong_folder(self, path: Path, sha: str) -> bool:
        """A copy of another department's file dropped into this folder: checked in full (and rejected
        for the folder), not answered as a duplicate of the other department's file."""
        folder = dropfolders.folder_department(self.ws, path)
        first = self.db.submission_for_hash(sha) if folder else None
        return first is not None and first.department is not None and first.department != folder

    def _archive_department(self, path: Path, staged: Path, ident: Identity) -> str | None:
        """The department in the archive name: the folder's, else identity.py's rule."""
        folder = dropfolders.folder_department(self.ws, path)
        if folder:
            return folder
        return guess_department(staged, path.name, self.ws, ident)

    def _whose(self, path: Path, staged: Path, name: str, sub: Submission) -> tuple[str | None, list[str] | None, list[str]]:
        """(department, to, cc) of a checked file. Without folders: the stamp's department, or none and
        the coordinators as recipients when the stamps disagree. In a department's folder: that
        department; a stamp naming another one is an error, and the coordinators get a copy."""
        untrusted = sub.identity is not None and not sub.identity.trusted
        folder = dropfolders.folder_department(self.ws, path)
        if folder is None:
            if untrusted:
                return None, list(self.ws.email.to), []
            return sub.department or guess_department(staged, name, self.ws), None, []
        stamped = sub.department or (sub.identity.department if sub.identity else None)
        if stamped and stamped != folder:
            sub.report.add(Finding("intake-wrong-folder", value=stamped, params={
                "file": name, "folder": dropfolders.shown_label(self.ws, folder), "department": folder,
                "stamped": stamped}))
        cc = list(self.ws.email.to) if untrusted or (stamped and stamped != folder) else []
        return folder, None, cc

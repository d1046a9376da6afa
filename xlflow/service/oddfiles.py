"""Files the intake takes no normal way: links and special files, never opened, reported once to
the coordinators and left alone; and files over the reader's size limit, archived by streaming
(bounded memory, never staged or read whole) and rejected with a report only, no second copy."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ..config import Workspace
from ..findings import Finding, Report
from ..i18n import Phrase, msg
from ..store.journal import JournalState as J
from ..store.records import InboxEntry
from ..store.state import StateDB
from .dropfolders import unread_department
from .intakesteps import IntakeSteps
from .outcome import Outcome
from .staging import (
    MAX_FILE_BYTES,
    archive_name,
    clean_name,
    fit_bytes,
    keep_as,
    stream_copy,
)


def too_large(name: str, size: int) -> Finding:
    return Finding("too-large", value=name, params={"file": name,
                                                    "detail": f"{size / 2**20:,.0f} MB > {MAX_FILE_BYTES // 2**20} MB"})


def refused_finding(path: Path, name: str, kind: str) -> Finding:
    if kind == "link":
        try:
            target = clean_name(fit_bytes(os.readlink(path), 200))
        except OSError:
            target = "?"
        return Finding("intake-link", value=name, params={"file": name, "target": target})
    return Finding("intake-special", value=name, params={"file": name, "kind": Phrase(f"intake-kind-{kind}")})


class OddFiles(IntakeSteps):
    """Mixed into Intake (uses its ws, db, lang, _write_report, _notify_once, _duplicate, _not_ready, _clean_inbox)."""

    ws: Workspace
    db: StateDB
    lang: str

    def _refuse(self, path: Path, st: os.stat_result, kind: str, entry: InboxEntry | None,
                now: dt.datetime) -> Outcome:
        """A link or a FIFO, socket or device: never opened, copied or followed. The coordinators get one
        report (rejected/ and a mail); the entry then stays "failed" until the thing in the inbox changes."""
        if entry and entry.state is J.FAILED and (entry.size, entry.mtime) == (st.st_size, st.st_mtime):
            return Outcome(path, "gone", note="refused before; left alone")
        resumed = entry.received if entry is not None and entry.state is J.MAILING else None
        received = resumed or now.isoformat(timespec="seconds")
        name = clean_name(path.name)
        report = Report([refused_finding(path, name, kind)])
        self.db.mark_inbox(path, size=st.st_size, mtime=st.st_mtime, sha256=None, received=received,
                           note=report.findings[0].code, state=J.MAILING if resumed else J.SEEN)
        outputs = [self._write_report(name, None, received, "", report)]
        note = self._notify_once(path, "", received, name, None, "unreadable", report, [], to=list(self.ws.email.to))
        self.db.record_submission(None, name, "", received, "unreadable", 1, 0, None, None, inbox_path=path,
                                  inbox_state=J.FAILED)
        left = msg("watch-refused", self.lang)
        return Outcome(path, "unreadable", None, 1, 0, note=f"{left}; {note}" if note else left, outputs=outputs)

    def _take_oversize(self, path: Path, st: os.stat_result, now: dt.datetime, as_of: dt.date) -> Outcome:
        """Over the reader's limit: streamed straight into archive/, hashed on the way; then rejected."""
        entry = self.db.inbox_entry(path)
        same = entry is not None and (entry.size, entry.mtime) == (st.st_size, st.st_mtime)
        again = entry.received if entry is not None and same and entry.state is J.STAGED else None
        received = again or now.isoformat(timespec="seconds")
        self.db.mark_inbox(path, size=st.st_size, mtime=st.st_mtime, state=J.STAGED, received=received)
        try:
            tmp, sha = stream_copy(path, self.ws.folder("archive"))
            after = os.lstat(path)
        except OSError as exc:
            return self._not_ready(path, st, "intake-locked", now, as_of, error=str(exc))
        if (after.st_size, after.st_mtime) != (st.st_size, st.st_mtime):
            tmp.unlink(missing_ok=True)
            return Outcome(path, "retry", note="changed while copied", retry_in=self.ws.watch.settle_seconds)
        if self.db.seen_hash(sha):
            tmp.unlink(missing_ok=True)
            return self._duplicate(path, None, sha, st, now)
        department = unread_department(self.ws, path)
        archived = keep_as(tmp, self.ws.folder("archive") / archive_name(department, received, sha, path.name))
        self.db.mark_inbox(path, sha256=sha, state=J.ARCHIVED, archive_path=str(archived))
        outcome = self._finish_oversize(path, sha, received, archived)
        outcome.warning = self._clean_inbox(path, st.st_size, st.st_mtime)
        return outcome

    def _finish_oversize(self, path: Path, sha: str, received: str, archived: Path) -> Outcome:
        """The steps after archiving an oversize file (also after a crash): a report, no copy in rejected/."""
        name = clean_name(path.name)
        department = unread_department(self.ws, path)
        report = Report([too_large(name, archived.stat().st_size)])
        outputs = [self._write_report(name, department, received, sha, report)]
        note = self._notify_once(path, sha, received, name, department, "unreadable", report, [])
        self.db.record_submission(department, name, sha, received, "unreadable", 1, 0, str(archived), None,
                                  inbox_path=path)
        return Outcome(path, "unreadable", department, 1, 0, sha256=sha, note=note, outputs=outputs)

"""Intake of one file from the inbox, end to end: stage, hash, archive, validate,
accept or reject, re-merge, tell the submitter, clean the inbox.

Idempotent and safe to re-run after a crash: the state database's inbox table is
a journal of how far each file got. The file leaves the inbox only after its
submission is recorded, so a kill at any point leaves it either in the inbox (and
it is finished on the next run) or recorded (and its leftover is just removed).
Nothing received is ever deleted: the untouched original goes to archive/ before
anything else changes. The shared folder is only read (one quick copy) and, at the
very end, the processed file removed; parsing happens on a local staged copy.
The file-level steps (names, the staged copy, the archive) are in staging.py; links, special
files and oversize files in oddfiles.py; the feedback mail, once per file, in mailing.py; the
accepted workbook and its sidecar are written by store/accepted.py.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

from ..check.cache import remember
from ..check.model import Submission
from ..check.validate import check_file, task_rows
from ..config import Workspace
from ..findings import Finding, Report
from ..i18n import msg
from ..output.notify import copy_note, make_feedback_copy
from ..plan.guard import GuardResult, acceptance_line
from ..store.accepted import workbook_path, write_accepted
from ..store.atomic import atomic_path, write_bytes
from ..store.closure import closure
from ..store.journal import NOT_REMOVED, JournalState as J
from ..store.renames import with_renames
from ..store.state import StateDB
from ..xlsx.bounded import CopyResult
from . import chatting, dropfolders
from .mailing import Mailing
from .oddfiles import OddFiles
from .outcome import Outcome, report_text
from .pastday import keep_lateness
from .remerge import Remerge
from .staging import (  # noqa: F401 - classify, owner_files, zip_complete: still importable here
    MAX_FILE_BYTES,
    archive,
    archive_name,
    classify,
    clean_name,
    department_from_name,
    file_kind,
    guess_department,
    identify_file,
    may_become_zip,
    output_stem,
    owner_files,
    shown_name,
    stage_copy,
    staging_dir,
    unstage,
    zip_complete,
)
from .triage import Triage
from .versions import accepted_version_control, guard_new_version, older_version_finding, placed, update_date_of


class Intake(OddFiles, Triage, Mailing, Remerge):
    """Processes inbox files for one workspace; the submitter's feedback goes out over SMTP when
    configured, else as an .eml in outbox/."""

    def __init__(self, ws: Workspace, db: StateDB | None = None, lang: str | None = None) -> None:
        self.ws = ws
        self.db = db or StateDB(ws.state_db)
        self.lang = lang or ws.lang
        self._merge_now = True

    def clean_leftovers(self) -> None:
        """Remove what a killed run left half-written: staged copies and the temp files of
        atomic writes in the folders only the intake writes. Call it holding the workspace lock."""
        shutil.rmtree(staging_dir(self.ws), ignore_errors=True)
        for name in ("accepted", "archive", "rejected"):
            folder = self.ws.folder(name)
            if folder.is_dir():
                for tmp in folder.glob(".~xlflow-*"):
                    tmp.unlink(missing_ok=True)

    # --- the entry point -------------------------------------------------------------------

    def process_file(self, path: Path, as_of: dt.date, now: dt.datetime | None = None,
                     merge: bool = True) -> Outcome:
        """Take one inbox file as far as it can go now. With merge=False an accepted file is not
        merged yet: the state database notes the merge as due, and merge_if_due() does it once
        for a whole burst of files (the watcher calls it when no other file is waiting)."""
        path = Path(path)
        started = time.perf_counter()
        self._merge_now = merge
        self.ws = with_renames(self.ws, self.db)  # a department renamed while the watcher runs: its new code
        with self.db.kept_open():  # many small writes: see Database.kept_open
            outcome = self._process(path, as_of, now or dt.datetime.now().astimezone())
            keep_lateness(self.ws, self.db)  # judged on arrival and kept: a later config change re-judges nothing
        outcome.seconds = time.perf_counter() - started
        chatting.after_intake(self.ws, outcome)  # a line to the group chats: queued, sent in the background
        return outcome

    def _process(self, path: Path, as_of: dt.date, now: dt.datetime) -> Outcome:
        entry = self.db.inbox_entry(path)
        if entry and entry.state.in_flight and entry.archive_path and Path(entry.archive_path).exists():
            return self._resume(path, entry, as_of)
        try:
            before = os.lstat(path)  # never follows a link: what is in the inbox is what is judged
        except FileNotFoundError:
            if entry:
                self.db.forget_inbox(path)  # gone before it was archived, or after it was done
            return Outcome(path, "gone")
        kind = classify(path.name)
        if kind == "ignore":
            return Outcome(path, "gone", note="ignored")
        odd = file_kind(before)
        if odd is not None:  # a link, FIFO, socket or device: never opened (open() on a FIFO blocks for good)
            return self._refuse(path, before, odd, entry, now)
        if entry and entry.state is J.DONE and (entry.size, entry.mtime) == (before.st_size, before.st_mtime):
            warning = self._clean_inbox(path, before.st_size, before.st_mtime)  # recorded, not yet removed
            return Outcome(path, "done", sha256=entry.sha256, warning=warning)
        waiting = self.check_ready(path)
        if waiting is not None:
            return waiting
        if dropfolders.at_top(self.ws, path):  # department folders are in use: whose is this?
            return self._top_of_inbox(path, before, now)
        if before.st_size == 0:
            return self._not_ready(path, before, "intake-empty", now, as_of)
        if before.st_size > MAX_FILE_BYTES:
            return self._take_oversize(path, before, now, as_of)
        try:
            staged, sha = stage_copy(path, staging_dir(self.ws), limit=MAX_FILE_BYTES)
            after = os.lstat(path)
        except OSError as exc:  # Windows: a sharing violation while Excel holds it; or it just vanished
            return self._not_ready(path, before, "intake-locked", now, as_of, error=str(exc))
        if (after.st_size, after.st_mtime) != (before.st_size, before.st_mtime):
            unstage(staged)
            return Outcome(path, "retry", note="changed while copied", retry_in=self.ws.watch.settle_seconds)
        if kind == "workbook" and not zip_complete(staged) and may_become_zip(staged):
            unstage(staged)
            return self._not_ready(path, before, "intake-incomplete", now, as_of)
        if self.db.seen_hash(sha):
            older = older_version_finding(self.db, sha)
            if older is None and not self._copy_in_wrong_folder(path, sha):
                return self._duplicate(path, staged, sha, before, now)
            return self._take(path, before, staged, sha, now, as_of, extra=[older] if older else None)
        return self._take(path, before, staged, sha, now, as_of)

    def _take(self, path: Path, st: os.stat_result, staged: Path, sha: str, now: dt.datetime, as_of: dt.date,
              extra: list[Finding] | None = None) -> Outcome:
        """Journal, archive the untouched original, then the remaining steps; finally clean the inbox.
        A re-run after a crash before "archived" takes the received time the journal has, so the archive
        name is the same and the copy made before is kept: one archive copy per file."""
        ident = identify_file(staged, self.ws, file_name=path.name)
        foreign = self._other_project(path, st, staged, ident, now)  # left in place, never archived here
        if foreign is not None:
            return foreign
        entry = self.db.inbox_entry(path)
        again = entry.received if entry is not None and entry.state is J.STAGED and entry.sha256 == sha else None
        received = again or now.isoformat(timespec="seconds")
        self.db.mark_inbox(path, size=st.st_size, mtime=st.st_mtime, sha256=sha, state=J.STAGED, received=received,
                           note=None)
        department = self._archive_department(path, staged, ident)
        archived = archive(self.ws, staged, archive_name(department, received, sha, path.name))
        self.db.mark_inbox(path, state=J.ARCHIVED, archive_path=str(archived))
        outcome = self._finish(path, staged, sha, received, str(archived), as_of, extra=extra)
        outcome.warning = self._clean_inbox(path, st.st_size, st.st_mtime)
        return outcome

    def _resume(self, path: Path, entry, as_of: dt.date) -> Outcome:
        """A crash left this one half done: finish it from the archived original."""
        original = Path(entry.archive_path)
        if original.stat().st_size > MAX_FILE_BYTES:
            outcome = self._finish_oversize(path, entry.sha256, entry.received, original)
        else:
            staged, sha = stage_copy(original, staging_dir(self.ws), path.name)
            outcome = self._finish(path, staged, sha, entry.received, entry.archive_path, as_of, entry.state)
        if outcome.final:
            outcome.warning = self._clean_inbox(path, entry.size, entry.mtime)
        return outcome

    # --- not ready: settle, locks, retries -------------------------------------------------

    def check_ready(self, path: Path, now_wall: float | None = None) -> Outcome | None:
        """None when `path` may be processed now; otherwise why not (retry or postponed).
        Ready means: size and mtime unchanged for ws.watch.settle_seconds (measured with our
        clock, as share clocks drift) and no owner file beside it (up to owner_file_max_wait)."""
        now_wall = time.time() if now_wall is None else now_wall
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return Outcome(path, "gone")
        entry = self.db.inbox_entry(path)
        if entry and (entry.state.in_flight or entry.state is J.DONE):
            return None
        if entry is None or (entry.size, entry.mtime) != (st.st_size, st.st_mtime) or entry.changed is None:
            fields: dict[str, object] = {"size": st.st_size, "mtime": st.st_mtime, "changed": now_wall}
            if entry and entry.changed is not None:
                fields.update(state=J.SEEN, attempts=0, note=None)  # still being written, or saved again: a new try
            entry = self.db.mark_inbox(path, **fields)
        if entry.state is J.FAILED:
            return Outcome(path, "gone", note="failed before; waiting for a new version")
        wait = self.ws.watch.settle_seconds - (now_wall - (entry.changed if entry.changed is not None else now_wall))
        if wait > 0:
            return Outcome(path, "retry", note=f"settling {wait:.1f}s", retry_in=wait)
        if owner_files(path):
            first = dt.datetime.fromisoformat(entry.first_seen).timestamp()
            if now_wall - first < self.ws.watch.owner_file_max_wait:
                return Outcome(path, "postponed", note=msg("watch-open-elsewhere", self.lang),
                               retry_in=min(5.0, max(0.5, self.ws.watch.settle_seconds)))
        return None

    def _not_ready(self, path: Path, st: os.stat_result, code: str, now: dt.datetime, as_of: dt.date,
                   error: str = "") -> Outcome:
        """Count a failed attempt; after ws.watch.max_attempts, reject the file with a clear finding."""
        entry = self.db.inbox_entry(path)
        attempts = (entry.attempts if entry else 0) + 1
        self.db.mark_inbox(path, attempts=attempts, note=code)
        if attempts < self.ws.watch.max_attempts:
            backoff = min(60.0, max(0.2, self.ws.watch.settle_seconds) * 2 ** (attempts - 1))
            return Outcome(path, "retry", note=f"{code} ({attempts}/{self.ws.watch.max_attempts})", retry_in=backoff)
        finding = Finding(code, params={"attempts": attempts, "error": error})
        try:
            staged, sha = stage_copy(path, staging_dir(self.ws), limit=MAX_FILE_BYTES)
        except OSError as exc:
            # Still locked: it can be neither copied nor moved. Say so, and wait for a new version of it.
            return self._reject_unreadable_in_place(path, finding, now, str(exc))
        return self._take(path, st, staged, sha, now, as_of, extra=[finding])

    def _reject_unreadable_in_place(self, path: Path, finding: Finding, now: dt.datetime, error: str) -> Outcome:
        received = now.isoformat(timespec="seconds")
        department, name = dropfolders.unread_department(self.ws, path), clean_name(path.name)
        report = Report([finding])
        outputs = [self._write_report(name, department, received, "", report)]
        self._notify(name, department, "unreadable", report, [], received=received)
        with_note = self.db.mark_inbox(path, state=J.FAILED, note=clean_name(error)[:200])
        self.db.record_submission(department, name, "", received, "unreadable", 1, 0, None, None)
        return Outcome(path, "unreadable", department, 1, 0, note=with_note.note or "", outputs=outputs)

    # --- the steps after archiving ------------------------------------------------------------

    def _finish(self, path: Path, staged: Path, sha: str, received: str, archive_path: str, as_of: dt.date,
                state: J = J.ARCHIVED, extra: list[Finding] | None = None) -> Outcome:
        """Validate, accept or reject, re-merge, notify, record. Each step is journalled, and a
        step already done before a crash is not done again (accepting is idempotent anyway)."""
        name = shown_name(clean_name(path.name))  # what the reports, the mail, the log and the records call it
        try:
            sub = check_file(staged, self.ws, dt.datetime.fromisoformat(received))
            if (closed := closure(self.ws)) is not None:  # archived as always; answered, never merged
                sub.report.add(Finding("project-closed", params={"date": closed.closed_on.isoformat()}))
            for finding in extra or ():
                sub.report.add(placed(finding, sub, self.lang))
            department, to, cc = self._whose(path, staged, name, sub)  # triage.py: the folder or the stamp
            report = sub.report
            outputs: list[Path] = []
            merged, annotated, made, note = None, None, None, ""  # the master re-merged, the feedback copy
            update_date, changes = update_date_of(sub), None
            guard = (guard_new_version(self.ws, department, sub, dt.datetime.fromisoformat(received).date(), self.lang)
                     if sub.valid and department else None)
            for finding in guard.findings if guard else ():
                report.add(finding)
            if (guard is not None and guard.errors) or any(f.code == "older-version" for f in extra or ()):
                cc = list(self.ws.email.to)  # the department's plan would be replaced by something less: the coordinator hears too
            if sub.valid and department and guard is not None and guard.accepted:
                result = "accepted"
                changes = guard.diff
                remember(self.ws, sub)  # the merge below takes it from the cache instead of reading it again
                version = self.db.accepted_version(department) + 1
                if state in (J.ARCHIVED, J.ACCEPTED):
                    outputs.append(self._accept(staged, department, name, received, sha, version))
                    for finding in accepted_version_control(self.ws, self.db, department, sub, guard, received, self.lang):
                        report.add(finding)
                    self.db.mark_inbox(path, state=J.ACCEPTED)
            else:
                result = "rejected" if sub.data is not None or sub.identity is not None else "unreadable"
                version = None
                if sub.valid and not department:  # valid, but whose? Not accepted without a department.
                    report.add(Finding("intake-no-department"))
                rejected, annotated, made = self._reject(staged, sub, department, name, received, sha)
                outputs += rejected
                if state is not J.MAILING:  # a re-run must still find "mailing": the .eml may be out already
                    self.db.mark_inbox(path, state=J.REJECTED)
            # Only an annotated copy is attached: the unreadable original is no help to its sender.
            attach = [annotated] if result != "accepted" and annotated else []
            note = " — ".join(filter(None, (note, self._notify_once(  # the merge's note (edits in the master) stays
                path, sha, received, name, department, result, report, attach,
                version=version, changes=self._change_line(guard, sub), cc=cc, to=to,
                copy_note=copy_note(made, self.lang)) or copy_note(made, self.lang, True))))
            self.db.record_submission(department, name, sha, received, result, len(report.errors),
                                      len(report.warnings), archive_path, version, inbox_path=path,
                                      merge_due=result == "accepted",  # in the same transaction: a kill now merges next run
                                      update_date=update_date, changes=changes.to_json() if changes else None)
            if result == "accepted" and self._merge_now:  # after it is recorded: the week the merge stores counts this file
                merged, merge_note = self._merge(as_of)  # (else every brief of the week scores it again: week/build.py)
                outputs += [merged] if merged else []
                note = " — ".join(filter(None, (merge_note, note)))
        finally:
            unstage(staged)
        return Outcome(path, result, department, len(report.errors), len(report.warnings), version,
                       sha256=sha, note=note, outputs=outputs, master=merged)

    def _change_line(self, guard: GuardResult | None, sub: Submission) -> str:
        if guard is None or not guard.accepted:
            return ""
        return acceptance_line(guard, self.lang, task_count=len(task_rows(sub)))

    def _accept(self, staged: Path, department: str, name: str, received: str, sha: str, version: int) -> Path:
        """accepted/<DEPT>.xlsx and its sidecar, each replaced atomically (workbook first: merge trusts the sidecar)."""
        return write_accepted(self.ws, staged, department, name, received, sha, version).path or workbook_path(self.ws, department)

    def _reject(self, staged: Path, sub: Submission, department: str | None, name: str, received: str,
                sha: str) -> tuple[list[Path], Path | None, CopyResult | None]:
        """rejected/: the annotated feedback copy (or the original, if it cannot be made) and a report;
        also returns the feedback copy, or None when there is none, and how making it went."""
        stem = output_stem(received, department, sha, name)
        folder = self.ws.folder("rejected")
        copy = folder / f"{stem}.xlsx"
        made = make_feedback_copy(sub, copy, self.lang) if sub.data is not None else None
        annotated: Path | None = made.path if made else None
        if annotated is None:
            copy = folder / f"{stem}{staged.suffix.lower()}"
            with atomic_path(copy) as tmp:
                shutil.copyfile(staged, tmp)
        return [copy, self._write_report(name, department, received, sha, sub.report)], annotated, made

    def _write_report(self, name: str, department: str | None, received: str, sha: str, report: Report) -> Path:
        target = self.ws.folder("rejected") / f"{output_stem(received, department, sha, name)}.txt"
        write_bytes(target, report_text(name, department, self.ws.show_time(received), report, self.lang).encode("utf-8"))
        return target

    def _duplicate(self, path: Path, staged: Path | None, sha: str, st: os.stat_result, now: dt.datetime) -> Outcome:
        """Same content as an earlier file: recorded and acknowledged, not processed again. A copy of
        the department's current version is "no change"; of a rejected file, its result stands."""
        if staged is not None:
            unstage(staged)
        first = self.db.submission_for_hash(sha)
        entry = self.db.inbox_entry(path)
        again = entry.received if entry is not None and entry.state is J.MAILING and entry.sha256 == sha else None
        received = again or now.isoformat(timespec="seconds")
        department = (first and first.department) or department_from_name(path.name, self.ws)
        self.db.mark_inbox(path, size=st.st_size, mtime=st.st_mtime, sha256=sha, received=received)
        name = shown_name(clean_name(path.name))
        no_change = first is not None and first.result == "accepted"
        self._notify_once(path, sha, received, name, department, "duplicate", Report(), [], no_change=no_change)
        note = msg("watch-duplicate-of", self.lang, file=first.file_name if first else "?",
                   received=self.ws.show_time(first.received) if first else "?",
                   result=msg(f"watch-result-{first.result if first else 'duplicate'}", self.lang))
        self.db.record_submission(department, name, sha, received, "duplicate", 0, 0,
                                  first.archive_path if first else None, first.version if first else None, inbox_path=path)
        warning = self._clean_inbox(path, st.st_size, st.st_mtime)
        return Outcome(path, "duplicate", department, sha256=sha, note=note, warning=warning)

    def _clean_inbox(self, path: Path, size: int | None, mtime: float | None) -> str:
        """Remove the processed file, unless someone saved a new version meanwhile (that one is new work).
        A file that cannot be removed (an inbox without write permission; on Windows, a file held open)
        stays "done" in the journal, so it is never processed again; the first time, the journal notes it
        and the warning for the coordinator is returned (else "")."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            self.db.forget_inbox(path)
            return ""
        if (st.st_size, st.st_mtime) != (size, mtime):
            self.db.forget_inbox(path)
            return ""
        try:
            path.unlink()
        except OSError as exc:
            entry = self.db.inbox_entry(path)
            if entry is None or (entry.note or "").startswith(NOT_REMOVED):
                return ""
            error = clean_name(exc.strerror or type(exc).__name__)
            self.db.mark_inbox(path, note=f"{NOT_REMOVED}{error}")
            return msg("watch-inbox-not-removed", self.lang, file=clean_name(path.name), error=error,
                       inbox=path.parent)
        self.db.forget_inbox(path)
        return ""

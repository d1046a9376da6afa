"""Watch the inbox and feed its files, one at a time and in arrival order, to the intake.

Events are only hints: observers die silently, network shares
send none, Windows drops them under load. So the observer's handler only enqueues paths, a single
worker processes them, and a periodic full rescan reconciled against the state database makes sure
every file is seen; if the rescan finds files that no event reported, the observer is restarted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Workspace
from ..errors import XlflowError
from ..i18n import msg
from ..output.mail import CircuitBreaker, use_breaker
from ..service import chatting, dropfolders, upkeep
from ..service.intake import Intake, Outcome
from ..service.staging import classify
from ..service.upkeep import LOGGER_NAME, setup_logging, stop_on_signals  # noqa: F401 - the watcher's API
from ..store.journal import JournalState
from ..store.lock import on_network_share, workspace_lock
from ..store.renames import with_renames
from ..store.state import StateDB
from .observer import ObserverMixin

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

REPORTED = ("accepted", "rejected", "unreadable", "duplicate", "left")


class Watcher(ObserverMixin):
    """The worker: pending paths in arrival order, each processed when due; the observer and
    the rescan only add to them. `today` gives the merge's as-of date and `clock` the time a file
    counts as received (parameters for tests and the demo)."""

    BUG_RETRY_SECONDS = 30.0  # an unexpected error on a file: try it again after this long

    def __init__(
        self,
        ws: Workspace,
        poll: float | None = None,
        lang: str | None = None,
        log: logging.Logger | None = None,
        db: StateDB | None = None,
        today: Callable[[], dt.date] = dt.date.today,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        ws = with_renames(ws, db or StateDB(ws.state_db))  # departments renamed: their old drop folders too
        self.ws = ws
        self.lang = lang or ws.lang
        self.inbox = ws.folder("inbox")
        self.folders = dropfolders.watched_folders(ws)  # the inbox, and inbox/<CODE>/ when folders are on
        if poll is None and (ws.watch.poll or on_network_share(self.inbox)):
            poll = 5.0
        self.poll = poll
        self.log = log or logging.getLogger(LOGGER_NAME)
        self.db = db or StateDB(ws.state_db)
        self.intake = Intake(ws, self.db, self.lang)
        self.today = today
        self.clock = clock  # when a file counts as received; None = the wall clock
        self.events: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.pending: dict[Path, float] = {}  # path -> when due (monotonic); insertion order = arrival order
        self.reported: set[Path] = set()  # paths an event named since the last rescan
        self.stop_event = threading.Event()
        self.observer: BaseObserver | None = None
        self.outcomes: list[Outcome] = []
        self.merge_owed = True  # check once at start: a crash may have left a merge undone
        self.owed_since: float | None = None  # when a burst's first file was accepted without merging
        self.on_processed: Callable[[Outcome], None] | None = None
        self.postponed: set[Path] = set()  # --once: files open elsewhere, left for the next run
        self.failed: dict[Path, str] = {}  # files whose last try failed (not: still being written)
        self.breaker = CircuitBreaker()  # one dead SMTP server costs one timeout, not one per file
        self.mail = upkeep.OutboxRetry(ws, self.breaker, self.log, self.lang)
        self.probe_name, self.probe_seen, self.probed = f".xlflow-probe-{os.getpid()}", threading.Event(), False

    # --- discovery ----------------------------------------------------------------------------

    def notify(self, path: str) -> None:
        """Called by the observer thread (and tests): just enqueue."""
        if os.path.basename(path) == self.probe_name:
            self.probe_seen.set()
        self.events.put(path)

    def _drain(self, timeout: float) -> None:
        try:
            item = self.events.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return
        while True:
            path = Path(item)
            if path.parent in self.folders and classify(path.name) != "ignore":
                self.reported.add(path)
                self.pending.setdefault(path, time.monotonic())
            try:
                item = self.events.get_nowait()
            except queue.Empty:
                return

    def inbox_files(self) -> list[Path]:
        return upkeep.inbox_files(self.folders, classify)

    def rescan(self) -> int:
        """Reconcile the inbox against the state database; enqueue everything not yet done.
        Returns how many files no event had reported (the observer may be deaf)."""
        try:
            files = self.inbox_files()
        except OSError as exc:
            self.log.warning(msg("watch-inbox-missing", self.lang, inbox=self.inbox, error=exc))
            return 0
        journal = {Path(e.path): e for e in self.db.inbox_entries()}
        for path, begun in journal.items():  # interrupted work first: a crash left these half done
            if begun.state.begun and path not in self.pending:
                self.pending[path] = time.monotonic()
        missed = 0
        horizon = time.time() - max(1.0, self.ws.watch.settle_seconds)
        for path in files:
            entry = journal.get(path)
            if entry and entry.state is JournalState.FAILED:
                try:
                    st = os.lstat(path)
                except FileNotFoundError:
                    continue
                if (entry.size, entry.mtime) == (st.st_size, st.st_mtime):
                    continue  # rejected in place (locked); waits for a new version
            if path not in self.pending:
                if path not in self.reported and self.observer is not None and upkeep.old_enough(path, horizon):
                    missed += 1
                self.pending[path] = time.monotonic()
        for path, entry in journal.items():  # files gone before they were processed
            if entry.state is JournalState.SEEN and path not in files and path not in self.pending:
                self.db.forget_inbox(path)
        self.reported.clear()
        return missed

    # --- processing ---------------------------------------------------------------------------

    def _next_due(self) -> Path | None:
        now = time.monotonic()
        return next((p for p, due in self.pending.items() if due <= now), None)

    def _work_due_soon(self) -> bool:
        """A file is settling or being retried shortly: the weekly jobs wait for it (not for postponed ones)."""
        return self._seconds_to_next() < 10.0

    def _seconds_to_next(self) -> float:
        if not self.pending:
            return 3600.0
        return max(0.0, min(self.pending.values()) - time.monotonic())

    BURST_MAX_SECONDS = 120.0  # a merge owed this long is done even while files keep arriving

    def _more_coming(self, path: Path | None = None) -> bool:
        """Another file is due now or within the settle time (the rest of a burst: a bulk copy's
        files become due milliseconds apart), not one that failed; the merge waits for it, but
        not longer than BURST_MAX_SECONDS."""
        now = time.monotonic()
        if self.owed_since is not None and now - self.owed_since > self.BURST_MAX_SECONDS:
            return False
        horizon = now + max(1.0, self.ws.watch.settle_seconds)
        return any(p != path and due <= horizon and p not in self.failed for p, due in self.pending.items())

    def process(self, path: Path) -> Outcome | None:
        burst = self._more_coming(path)
        try:
            outcome = self.intake.process_file(
                path, as_of=self.today(), now=self.clock() if self.clock else None, merge=not burst
            )
        except XlflowError as exc:
            return self._failed(path, exc.message(self.lang), max(5.0, self.ws.watch.settle_seconds))
        except OSError as exc:  # a full disk, a read-only folder: say so, and leave no staged copy behind
            self._clean_leftovers()
            return self._failed(path, upkeep.os_error_text(exc, self.lang), self.BUG_RETRY_SECONDS)
        except Exception as exc:  # noqa: BLE001 - a bug in one file must not stop the watcher
            return self._failed(path, repr(exc), self.BUG_RETRY_SECONDS, trace=True)
        self.failed.pop(path, None)
        if outcome.final:
            self.pending.pop(path, None)
            if burst and outcome.result == "accepted":
                self.merge_owed = True
                self.owed_since = self.owed_since or time.monotonic()
            if outcome.result in REPORTED:
                self.log.info(outcome.line(self.lang))
                self.outcomes.append(outcome)
            if outcome.master is not None:  # merged with this one file: say so, as after a burst
                self.log.info(msg("watch-merged-one", self.lang, master=outcome.master))
            if outcome.warning:
                self.log.warning(outcome.warning)
            if self.on_processed:
                self.on_processed(outcome)
        else:
            self.pending[path] = time.monotonic() + max(0.05, outcome.retry_in)
        return outcome

    def _failed(self, path: Path, error: str, retry_in: float, trace: bool = False) -> Outcome | None:
        line = msg("watch-failed", self.lang, file=path.name, error=error.rstrip("。."))
        self.log.exception(line) if trace else self.log.error(line)
        self.failed[path] = error
        self.pending[path] = time.monotonic() + retry_in
        return None

    def _clean_leftovers(self) -> None:
        with contextlib.suppress(OSError):
            self.intake.clean_leftovers()

    def merge_if_owed(self) -> None:
        """One merge after a burst of accepted files (they were accepted without merging each)."""
        if not self.merge_owed:
            return
        self.merge_owed, self.owed_since = False, None
        try:
            done = self.intake.merge_if_due(self.today())
        except Exception as exc:  # noqa: BLE001 - the flag stays set: the next start merges again
            self.log.exception(msg("watch-failed", self.lang, file="master", error=repr(exc)))
            return
        if done is not None:
            master, note = done
            self.log.info(msg("watch-merged", self.lang, master=master or "-") + (f" — {note}" if note else ""))

    def run_once(self, deadline_seconds: float | None = None) -> list[Outcome]:
        """Process what is in the inbox now and return. Files still being written or retried
        are waited for (bounded); files open in Excel are left for the next run. Afterwards
        `failed` names the files that failed (as opposed to waiting), and outbox/ was retried."""
        self._prepare()
        use_breaker(self.ws.root, self.breaker)
        try:
            if self._reachable():
                self._once_loop(deadline_seconds)
            else:
                self.failed[self.inbox] = msg(
                    "watch-inbox-missing", self.lang, inbox=self.inbox, error=self._inbox_error
                )
                self.log.error(self.failed[self.inbox])
            if self.mail.due() and not self.breaker.is_open:
                self.mail.retry()
        finally:
            use_breaker(self.ws.root, None)
        failed = sorted(p for p in self.failed if p in self.pending)
        waiting = sorted(p for p in set(self.pending) | self.postponed if p not in self.failed)
        if waiting:
            self.log.info(
                msg("watch-once-left", self.lang, count=len(waiting), files=", ".join(p.name for p in waiting))
            )
        if failed:
            self.log.error(
                msg("watch-once-failed", self.lang, count=len(failed), files=", ".join(p.name for p in failed))
            )
        self.log.info(msg("watch-once-done", self.lang, count=len(self.outcomes)))
        return self.outcomes

    def _once_loop(self, deadline_seconds: float | None) -> None:
        self.rescan()
        limit = (
            deadline_seconds
            if deadline_seconds is not None
            else max(30.0, 4 * self.ws.watch.settle_seconds * self.ws.watch.max_attempts)
        )
        deadline = time.monotonic() + limit
        while self.pending and not self.stop_event.is_set() and time.monotonic() < deadline:
            path = self._next_due()
            if path is None:
                self.stop_event.wait(min(0.5, self._seconds_to_next()))
                continue
            outcome = self.process(path)
            if not self._more_coming():
                self.merge_if_owed()
            if outcome is not None and outcome.result == "postponed":
                self.postponed.add(path)
                self.pending.pop(path, None)
            if path in self.failed and all(p in self.failed for p in self.pending):
                break  # only failures left: waiting for their retry tells nothing new
        self.merge_if_owed()

    # --- the long run ---------------------------------------------------------------------------

    SCHEDULE_MAX_WAIT = 60.0  # a due brief waits for files about to be ready at most this long

    def _prepare(self) -> None:
        upkeep.prepare_folders(self.ws)
        self.intake.clean_leftovers()

    def _reachable(self) -> bool:
        self._inbox_error = upkeep.inbox_error(self.inbox)
        return self._inbox_error is None and dropfolders.open_inbox(self.ws, self.log, self.lang)  # or InboxTaken

    def wait_for_inbox(self) -> bool:
        """An inbox that is not reachable (a share that is down): log once, look again with a
        growing pause. False if stop() came first."""
        return upkeep.wait_for_inbox(
            self.inbox, self.stop_event, self.log, self.lang, max(5.0, self.ws.watch.rescan_seconds)
        ) and dropfolders.open_inbox(self.ws, self.log, self.lang)

    def run(self, schedule: bool = False) -> None:
        """Watch until stop() (or Ctrl-C / SIGTERM when run in the main thread): the backlog first,
        then new files; rescan every ws.watch.rescan_seconds; outbox/ is retried with a backoff.
        With `schedule`, the weekly reminders and brief go out at their configured times (checked at
        start and at every rescan), waiting at most SCHEDULE_MAX_WAIT for files about to be ready."""
        self._prepare()
        if not self.wait_for_inbox():
            return
        use_breaker(self.ws.root, self.breaker)
        try:
            self.start_observer()
            mode = (
                msg("watch-mode-polling", self.lang, seconds=self.poll)
                if self.poll
                else msg("watch-mode-native", self.lang)
            )
            self.log.info(
                msg(
                    "watch-started",
                    self.lang,
                    inbox=self.inbox,
                    mode=mode,
                    settle=self.ws.watch.settle_seconds,
                    rescan=self.ws.watch.rescan_seconds,
                )
            )
            self.rescan()
            chatting.wake(self.ws, self.log.warning)  # group-chat messages a previous run left queued
            if self.pending:
                self.log.info(msg("watch-backlog", self.lang, count=len(self.pending)))
            self._loop(time.monotonic() if schedule else float("inf"))
        finally:
            use_breaker(self.ws.root, None)
            self.stop_observer()
            self.log.info(msg("watch-stopped", self.lang))

    def _loop(self, next_schedule: float) -> None:
        next_rescan = time.monotonic() + self.ws.watch.rescan_seconds
        while not self.stop_event.is_set():
            self._drain(min(0.5, self._seconds_to_next(), max(0.0, next_rescan - time.monotonic())))
            if time.monotonic() >= next_rescan:
                missed = self.rescan()
                if missed:
                    self._missed(missed)
                next_rescan = time.monotonic() + self.ws.watch.rescan_seconds
            if self.observer is None or not self.observer.is_alive():
                self.log.warning(msg("watch-observer-dead", self.lang))
                self.restart_observer()
            path = self._next_due()
            now = time.monotonic()
            if path is not None:
                self.process(path)
                if not self._more_coming():
                    self.merge_if_owed()
            elif now >= next_schedule and (not self._work_due_soon() or now >= next_schedule + self.SCHEDULE_MAX_WAIT):
                self.run_schedule()  # files about to be ready first, but a file that never settles blocks nothing
                next_schedule = time.monotonic() + max(60.0, self.ws.watch.rescan_seconds)
            elif self.mail.due():
                self.mail.retry()

    def run_schedule(self) -> list[str]:
        """The weekly jobs that are due (service.weekly.run_schedule: each once per week)."""
        return upkeep.run_weekly(self.ws, self.db, self.log, self.lang)

    def stop(self) -> None:
        self.stop_event.set()


def process_inbox(
    ws: Workspace,
    as_of: dt.date,
    lang: str | None = None,
    log: logging.Logger | None = None,
    settle_seconds: float | None = 0.0,
    received_at: dt.datetime | None = None,
) -> list[Outcome]:
    """`xlflow watch --once` for callers that just put complete files into the inbox themselves
    (the demo, scripts): no settle wait by default; the workspace lock is held while it runs.
    Returns the processed files; Outcome.line(lang) is the line `watch` prints for each."""
    if settle_seconds is not None:
        ws = replace(ws, watch=replace(ws.watch, settle_seconds=settle_seconds))
    with workspace_lock(ws):
        return Watcher(
            ws,
            lang=lang,
            log=log or setup_logging(ws, console=False),
            today=lambda: as_of,
            clock=(lambda: received_at) if received_at else None,
        ).run_once()

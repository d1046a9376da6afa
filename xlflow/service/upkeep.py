"""What keeps the watcher going at the edges of a real shared folder, without watchdog: its log
(the library's own messages kept off the console), the retry of unsent e-mails with backoff,
and the clear message for an OS error (a full disk, a read-only folder) instead of a traceback.
"""
from __future__ import annotations

import datetime as dt
import errno
import logging
import logging.handlers
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import FOLDERS, Workspace
from ..errors import MailError, XlflowError
from ..i18n import msg
from ..output.mail import SERVER_FAILURES, CircuitBreaker, retry_outbox
from ..output.outbox import judged_line, waiting_mails
from ..store.db import on_wait
from ..store.state import StateDB

LOGGER_NAME = "xlflow.watch"
DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def setup_logging(ws: Workspace, console: bool = True) -> logging.Logger:
    """One line per event to the console and to logs/watch.log in the workspace (rotated at 1 MB,
    5 kept). watchdog's own messages (e.g. "InotifyEmitter.queue_events() called when the thread
    is inactive") go to the file only: the watcher says in its own words what it does about them."""
    log = logging.getLogger(LOGGER_NAME)
    log.setLevel(logging.INFO)
    library = logging.getLogger("watchdog")
    for logger in (log, library):
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
        logger.propagate = False
    folder = ws.root / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    file_handler = logging.handlers.RotatingFileHandler(folder / "watch.log", maxBytes=1_000_000, backupCount=5,
                                                        encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(file_handler)
    library.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler(sys.stdout)
        stream.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        log.addHandler(stream)
    on_wait(lambda phrase: log.warning(phrase.render(ws.lang)))  # a database held by another process: said, not waited out silently
    return log


def os_error_text(exc: OSError, lang: str) -> str:
    """A full disk, a read-only or forbidden folder, or any other OS error, in one sentence."""
    where = exc.filename or "-"
    if exc.errno in DISK_FULL:
        return msg("os-disk-full", lang, path=where)
    if exc.errno in READ_ONLY:
        return msg("os-read-only", lang, path=where, error=exc.strerror or str(exc))
    return msg("os-error", lang, path=where, error=exc.strerror or str(exc))


class OutboxRetry:
    """Sends what waits in outbox/ with a backoff: at start, after the server failed (when the
    breaker allows another try) and now and then while anything waits. An outage is logged once
    when it begins and once when it ends."""

    IDLE_CHECK = 60.0  # seconds between looks at outbox/ while the server works

    def __init__(self, ws: Workspace, breaker: CircuitBreaker, log: logging.Logger, lang: str) -> None:
        self.ws, self.breaker, self.log, self.lang = ws, breaker, log, lang
        self.next_look = 0.0
        self.told = False
        self.held_told: set[Path] = set()  # held messages already named in the log

    def due(self) -> bool:
        return self.ws.email.configured and time.monotonic() >= max(self.next_look, self.breaker.next_try)

    def retry(self) -> int:
        """One round; returns how many mails were sent."""
        self.next_look = time.monotonic() + self.IDLE_CHECK
        if not waiting_mails(self.ws):
            return 0
        try:
            result = retry_outbox(self.ws)
        except MailError as exc:
            # the server failed: its breaker says when to try again; a refused message: not every minute
            self.next_look = 0.0 if exc.key in SERVER_FAILURES else time.monotonic() + 5 * self.IDLE_CHECK
            if not self.told:
                self.log.warning(msg("watch-mail-waiting", self.lang, count=len(waiting_mails(self.ws)),
                                     error=exc.message(self.lang)))
                self.told = True
            return 0
        except OSError as exc:
            self.log.error(os_error_text(exc, self.lang))
            return 0
        for judged in result.withdrawn + [j for j in result.held if j.path not in self.held_told]:
            self.log.warning(judged_line(judged, self.lang))
        self.held_told |= {j.path for j in result.held}
        sent = result.sent
        if sent:
            self.log.info(msg("watch-mail-sent", self.lang, count=len(sent), left=len(waiting_mails(self.ws))))
        self.told = False
        return len(sent)


# --- the inbox, a share that may be down ----------------------------------------------------

def prepare_folders(ws: Workspace) -> None:
    """The workspace's folders; an inbox outside the workspace (a share) is never created here:
    a share that is down must not silently become a local folder."""
    for name in FOLDERS:
        folder = ws.folder(name)
        if name != "inbox" or folder.is_relative_to(ws.root):
            folder.mkdir(parents=True, exist_ok=True)


def inbox_error(inbox: Path) -> str | None:
    """None if the inbox can be listed now, else why not."""
    try:
        os.scandir(inbox).close()
        return None
    except OSError as exc:
        return exc.strerror or str(exc)


def wait_for_inbox(inbox: Path, stop: threading.Event, log: logging.Logger, lang: str, longest: float) -> bool:
    """Wait until the inbox is reachable: logged once, then looked at again with a pause that
    doubles up to `longest` seconds (no busy loop). False if `stop` was set first."""
    delay, told = 1.0, False
    while (error := inbox_error(inbox)) is not None:
        if not told:
            log.warning(msg("watch-inbox-waiting", lang, inbox=inbox, error=error))
            told = True
        if stop.wait(delay):
            return False
        delay = min(2 * delay, longest)
    if told:
        log.info(msg("watch-inbox-back", lang, inbox=inbox))
    return True


def events_arrive(probe: Path, seen: threading.Event, seconds: float) -> bool:
    """Write a probe file (a dotfile: the intake ignores it) and wait for its event. It tells a
    dead or unsupported observer, not a network mount: a write through the mount raises an event."""
    seen.clear()
    try:
        probe.write_bytes(b"xlflow probe\n")
    except OSError:
        return True  # cannot write here: nothing to learn, keep the OS events
    try:
        return seen.wait(seconds)
    finally:
        probe.unlink(missing_ok=True)


def inbox_files(folders: list[Path], classify: Callable[[str], str]) -> list[Path]:
    """Files in the inbox (the first folder; with per-department folders also in each department's
    folder) that `classify` does not ignore, oldest first (the order they most likely arrived in).
    Links and special files named like workbooks are listed too (never followed or opened here):
    the intake reports them once and leaves them alone. A department folder that is missing is
    skipped; a missing inbox raises (the share is down)."""
    found = []
    for i, folder in enumerate(folders):
        try:
            with os.scandir(folder) as it:
                for e in it:
                    if not e.is_dir(follow_symlinks=False) and classify(e.name) != "ignore":
                        try:
                            found.append((e.stat(follow_symlinks=False).st_mtime, e.name, Path(e.path)))
                        except FileNotFoundError:
                            continue
        except (FileNotFoundError, NotADirectoryError):
            if i == 0:
                raise
    return [p for _, _, p in sorted(found)]


def old_enough(path: Path, horizon: float) -> bool:
    """Last changed before `horizon` (time.time()): an event for it should have arrived by now."""
    try:
        return path.stat().st_mtime < horizon
    except FileNotFoundError:
        return False


def run_weekly(ws: Workspace, db: StateDB, log: logging.Logger, lang: str) -> list[str]:
    """The weekly jobs that are due (weekly.run_schedule), logged; never raises (the brief must
    never stop the intake). A mail that could not be sent waits in outbox/ for the retry."""
    from .weekly import run_schedule

    try:
        done = run_schedule(ws, dt.datetime.now(), send=ws.email.configured, db=db)
    except MailError as exc:
        log.warning(msg("watch-schedule-mail-waiting", lang, outbox=ws.folder("outbox"), error=exc.message(lang)))
        return []
    except XlflowError as exc:
        log.error(msg("watch-summary-failed", lang, error=exc.message(lang)))
        return []
    except OSError as exc:
        log.error(msg("watch-summary-failed", lang, error=os_error_text(exc, lang)))
        return []
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log.exception(msg("watch-summary-failed", lang, error=repr(exc)))
        return []
    for job in done:
        log.info(msg(f"watch-schedule-{job}", lang, reports=ws.folder("reports"), outbox=ws.folder("outbox")))
    return done


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGBREAK") if hasattr(signal, name))


@contextmanager
def stop_on_signals(watcher) -> Iterator[None]:
    """Ctrl-C, SIGTERM and (Windows) Ctrl-Break finish the file in hand, then stop. A second
    Ctrl-C abandons it (safe: the journal lets the next run complete it). Closing the console
    window, logging off or shutting down (Windows) asks for the same stop: Windows waits a few
    seconds for it, then ends the process. Task Scheduler's "End" ends it at once, without a
    signal: safe too, every output is written atomically and the journal completes the file."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum, frame):
        if watcher.stop_event.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        watcher.log.info(msg("watch-stopping", watcher.lang))
        watcher.stop()

    previous = {s: signal.signal(s, handle) for s in STOP_SIGNALS}
    console = _on_console_close(watcher) if os.name == "nt" else None
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        if console is not None:
            console[0].SetConsoleCtrlHandler(console[1], False)


CLOSE_EVENTS = {2, 5, 6}  # CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT


def _on_console_close(watcher):
    """Windows: a console close, log-off or shut-down stops the watcher; the handler (on a thread
    Windows starts) waits up to 4 s, inside the time Windows gives, for the file in hand."""
    import ctypes

    def handler(event: int) -> bool:
        if event not in CLOSE_EVENTS:
            return False  # Ctrl-C and Ctrl-Break: the signal handlers above
        watcher.log.info(msg("watch-stopping", watcher.lang))
        watcher.stop()
        getattr(watcher, "finished", threading.Event()).wait(4.0)
        return False

    k32 = ctypes.WinDLL("kernel32")
    callback = ctypes.WINFUNCTYPE(ctypes.c_int, ctypes.c_uint)(handler)
    k32.SetConsoleCtrlHandler(callback, True)
    return k32, callback

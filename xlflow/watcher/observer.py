"""The watcher's observer: watchdog's native or polling observer on the inbox, a start-up probe
that its events arrive at all, and a restart when a rescan finds files no event reported. Its
handler only hands paths to Watcher.notify (watcher/__init__.py)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from ..i18n import msg
from ..service import dropfolders, upkeep

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

    from ..config import Workspace


class _Handler(FileSystemEventHandler):
    """Runs in the observer's thread: only hands the path over (an exception would kill it silently)."""

    def __init__(self, notify: Callable[[str], None]) -> None:
        self.notify = notify

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            if event.is_directory or event.event_type not in ("created", "modified", "moved", "closed"):
                return
            path = event.dest_path if event.event_type == "moved" else event.src_path
            self.notify(os.fsdecode(path))
        except Exception:  # noqa: BLE001 - see the class docstring
            pass


class ObserverMixin:
    """The observer's part of the Watcher (which holds ws, inbox, poll, log, lang and notify)."""

    PROBE_SECONDS = 1.5  # how long the start-up probe waits for its own event

    # Set by Watcher.__init__ (annotations only: no class attributes at run time).
    ws: Workspace
    inbox: Path
    poll: float | None
    log: logging.Logger
    lang: str
    observer: BaseObserver | None
    probe_name: str
    probe_seen: threading.Event
    probed: bool

    if TYPE_CHECKING:

        def notify(self, path: str) -> None: ...  # Watcher.notify

    def start_observer(self) -> None:
        observer = PollingObserver(timeout=self.poll) if self.poll else Observer()
        observer.schedule(_Handler(self.notify), str(self.inbox), recursive=dropfolders.enabled(self.ws))
        observer.daemon = True
        observer.start()
        self.observer = observer
        if not self.poll and not self.probed:
            self.probed = True
            if not self._events_arrive():  # a mount not in the list that sends no events (FUSE, a NAS)
                self.poll = 5.0
                self.log.warning(msg("watch-probe-polling", self.lang, inbox=self.inbox, seconds=self.poll))
                self.stop_observer()
                self.start_observer()

    def _events_arrive(self) -> bool:
        return upkeep.events_arrive(self.inbox / self.probe_name, self.probe_seen, self.PROBE_SECONDS)

    def _missed(self, count: int) -> None:
        """A rescan found files no event reported: restart a deaf observer; native events that miss
        files (a network mount the probe cannot tell: its own writes through the mount do raise
        events, another PC's do not) give way to polling for good."""
        if not self.poll:
            self.poll = 5.0
            self.log.warning(msg("watch-missed-polling", self.lang, count=count, inbox=self.inbox, seconds=self.poll))
        else:
            self.log.warning(msg("watch-missed", self.lang, count=count))
        self.restart_observer()

    def stop_observer(self) -> None:
        if self.observer is not None:
            try:
                self.observer.stop()
                self.observer.join(timeout=5)
            except Exception:  # noqa: BLE001 - a dead observer may fail to stop; it is replaced anyway
                pass
            self.observer = None

    def restart_observer(self) -> None:
        self.stop_observer()
        try:
            self.start_observer()
        except OSError as exc:  # the share is gone: the rescan keeps trying
            self.log.warning(msg("watch-inbox-missing", self.lang, inbox=self.inbox, error=exc))

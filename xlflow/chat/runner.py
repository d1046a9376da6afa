"""Who sends: a background thread per workspace in this process, woken whenever something is
queued; it sleeps through the rate windows itself, so the intake never waits for a platform.
At exit the thread finishes the POST in flight and stops; what is left waits in the outbox for
the next run (the watcher, `xlflow chat send`)."""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..config import Workspace
from .config import load_channels
from .outbox import ChatOutbox
from .sender import Sender, SendStats

_threads: dict[Path, threading.Thread] = {}
_wake: dict[Path, threading.Event] = {}
_report: dict[Path, Callable[[str], None]] = {}  # where a sender thread tells retries and stops (the watcher's log)
_stop = threading.Event()
_closing = threading.Event()  # the process is exiting: send what may go now, wait for nothing
_lock = threading.Lock()
MAX_NAP = 30.0  # the thread looks again at least this often (a channel re-opened by `chat test`)


def outbox(ws: Workspace) -> ChatOutbox:
    return ChatOutbox(ws.state_db)


def sender(ws: Workspace, **kw) -> Sender:
    return Sender(outbox(ws), load_channels(ws), ws.lang, **kw)


def kick(ws: Workspace, report: Callable[[str], None] | None = None) -> None:
    """Make sure this workspace's sender thread runs (cheap when it does); `report` gets its
    sentences (a retry, a channel stopped), already masked."""
    if "chat" not in ws.extra or _stop.is_set():
        return
    with _lock:
        if report is not None:
            _report[ws.root] = report
        wake = _wake.setdefault(ws.root, threading.Event())
        wake.set()
        thread = _threads.get(ws.root)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=_run, args=(ws, wake), name="xlflow-chat", daemon=True)
            _threads[ws.root] = thread
            thread.start()


def _nap(wake: threading.Event, seconds: float) -> None:
    if _closing.is_set():  # the rest waits in the outbox for the next run
        _stop.set()
        return
    wake.wait(min(seconds, MAX_NAP))
    wake.clear()


def _run(ws: Workspace, wake: threading.Event) -> None:
    try:
        s = sender(
            ws,
            sleep=lambda seconds: _nap(wake, seconds),
            on_event=lambda line: _report.get(ws.root, lambda _: None)(line),
        )
        while not _stop.is_set():
            wake.clear()
            s.drain(wait=True, stop=_stop.is_set)
            with _lock:  # nothing waits: end, unless something was queued meanwhile
                if not wake.is_set():
                    _threads.pop(ws.root, None)
                    return
    except Exception as exc:  # noqa: BLE001 - the queue keeps the messages; the next kick starts again
        with _lock:
            _threads.pop(ws.root, None)
        _report.get(ws.root, lambda _: None)(f"xlflow chat: {type(exc).__name__}: {exc}"[:300])


def send_now(ws: Workspace, wait: bool = True) -> SendStats:
    """Drain the outbox in this thread (`xlflow chat send`), sleeping through the rate windows."""
    return sender(ws).drain(wait=wait)


@atexit.register
def _finish(timeout: float = 20.0) -> None:
    """At exit (a command such as `xlflow summary --send`): the sender posts what the rate allows
    now and stops before any wait; a POST in flight is finished, not cut. The rest stays queued."""
    _closing.set()
    for wake in list(_wake.values()):
        wake.set()
    deadline = time.monotonic() + timeout
    for thread in list(_threads.values()):
        thread.join(max(deadline - time.monotonic(), 0))
    _stop.set()

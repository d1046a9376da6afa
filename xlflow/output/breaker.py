"""The SMTP circuit breaker of a watcher run: one black-holed server costs one timeout, not one
per file. mail._send_file consults the breaker registered for the workspace (use_breaker)."""
from __future__ import annotations

import time
from pathlib import Path

# Server-level failures: the next message would fail the same way (a per-message refusal is not one).
SERVER_FAILURES = {"mail-unreachable", "mail-tls-verify", "mail-tls-failed", "mail-login-refused",
                   "mail-no-password", "mail-no-starttls", "mail-no-auth", "mail-failed"}


class CircuitBreaker:
    """Within one watcher run: after a server-level failure, messages go straight to outbox/
    (MailError "mail-deferred") instead of each waiting for the SMTP timeout; `retry_due` says
    when to try the server again, with a doubling backoff up to MAX_BACKOFF seconds."""

    FIRST_BACKOFF = 30.0
    MAX_BACKOFF = 900.0

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.open_since: float | None = None
        self.backoff = self.FIRST_BACKOFF
        self.next_try = 0.0  # monotonic; 0 = now

    @property
    def is_open(self) -> bool:
        return self.open_since is not None

    def trip(self) -> None:
        if self.open_since is None:
            self.open_since = self.clock()
            self.backoff = self.FIRST_BACKOFF
        else:
            self.backoff = min(self.MAX_BACKOFF, self.backoff * 2)
        self.next_try = self.clock() + self.backoff

    def close(self) -> None:
        self.open_since = None
        self.backoff = self.FIRST_BACKOFF
        self.next_try = 0.0

    def retry_due(self) -> bool:
        return self.clock() >= self.next_try


_BREAKERS: dict[Path, CircuitBreaker] = {}


def use_breaker(root: Path, breaker: CircuitBreaker | None) -> None:
    """Route this workspace's sending through `breaker` (the watcher, for its run); None removes it."""
    key = Path(root).resolve()
    if breaker is None:
        _BREAKERS.pop(key, None)
    else:
        _BREAKERS[key] = breaker


def breaker_for(root: Path) -> CircuitBreaker | None:
    return _BREAKERS.get(Path(root).resolve()) if _BREAKERS else None

"""Exceptions that mean "cannot go on"; each carries its exit code and a bilingual message.

    XlflowError (exit 1)
    ├── ConfigError          bad or missing xlflow.toml: names the key and the line
    ├── SpecError            a broken form spec (workbook_templates/*.toml): names the file and key
    ├── UsageError (exit 2)  a command-line argument that cannot work
    ├── UnreadableWorkbook   raised only inside read.py; validate turns it into a finding
    ├── OutputLocked         the master could be written neither in place nor beside it
    ├── MailError            SMTP refused, unreachable or rejected; the .eml stays in outbox/
    ├── NothingToMerge       no department has an accepted workbook yet
    ├── WatchBusy            another watcher holds the workspace
    ├── InboxTaken           the inbox is marked as another workspace's
    ├── DatabaseTooNew       the state database was written by a newer xlflow
    ├── DatabaseUnreadable   the state database file is no database or was cut short
    ├── DatabaseBusy         another process held the state database longer than xlflow waits
    └── DatabaseNotWritable  the state database cannot be opened or written (read-only, full, I/O)

Bad *content* in a workbook is never an exception: it is a Finding (findings.py).
"""
from __future__ import annotations

from .i18n import msg


class XlflowError(Exception):
    exit_code = 1

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        return msg(self.key, lang, **self.params)


class ConfigError(XlflowError):
    pass


class SpecError(XlflowError):
    """A form spec that cannot be used; `problem` is a Phrase, so the message stays bilingual."""


class UsageError(XlflowError):
    exit_code = 2


class UnreadableWorkbook(XlflowError):
    """The file cannot be parsed as a workbook; `code` is the finding code it becomes."""

    def __init__(self, code: str, /, **params: object) -> None:
        self.code = code
        super().__init__(f"finding-{code}", **params)  # the same catalog entry as the finding


class OutputLocked(XlflowError):
    pass


class MailError(XlflowError):
    pass


class NothingToMerge(XlflowError):
    """No accepted workbook yet: a state of the workspace, not a wrong argument (exit 1, not 2)."""


class WatchBusy(XlflowError):
    """Another watcher holds this workspace: two would process the same files."""

    exit_code = 1


class InboxTaken(XlflowError):
    """The inbox carries another workspace's marker: two workspaces on one folder would each
    take (and remove) the other's files."""

    exit_code = 1


class DatabaseTooNew(XlflowError):
    """The state database has a newer schema than this xlflow knows: upgrade, never guess."""


class DatabaseUnreadable(XlflowError):
    """xlflow.sqlite is not a SQLite database or is damaged (cut short by a full disk or a copy
    that did not finish): say which file, and to put back a backup rather than delete it."""


class ServiceError(XlflowError):
    """Task Scheduler refused (no rights, a wrong password, no such task) or cannot be reached."""


class DatabaseBusy(XlflowError):
    """Another process held xlflow.sqlite for writing longer than xlflow waits: say who, if xlflow knows."""


class DatabaseNotWritable(XlflowError):
    """xlflow.sqlite cannot be opened or written: a read-only folder, no room left, an I/O error."""

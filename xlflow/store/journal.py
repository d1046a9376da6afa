"""The states of the intake journal (the state database's inbox table), defined once.

A file moves seen → staged → archived → accepted | rejected → merged → mailing → mailed → done;
failed means it could not even be copied (or is a link or a special file, never opened) and
waits for a new version.
"""
from __future__ import annotations

from enum import StrEnum


class JournalState(StrEnum):
    SEEN = "seen"  # noticed; waiting until its size and mtime settle
    STAGED = "staged"  # copied locally and hashed; not archived yet
    ARCHIVED = "archived"  # the untouched original is in archive/
    ACCEPTED = "accepted"  # accepted/<DEPT>.xlsx and its sidecar are written
    REJECTED = "rejected"  # rejected/ holds the feedback copy and the report
    MERGED = "merged"  # the master was re-merged (or the merge noted as due)
    MAILING = "mailing"  # the feedback is being written to outbox/: a re-run looks for it there first
    MAILED = "mailed"  # the submitter was told
    DONE = "done"  # the submission is recorded; only removing the inbox file may be left
    FAILED = "failed"  # still locked after every attempt; rejected in place

    @property
    def in_flight(self) -> bool:
        """Past archiving: the archived copy, not the inbox file, is the source of truth."""
        return self in IN_FLIGHT

    @property
    def begun(self) -> bool:
        """The intake has started on this file, so it is revisited even if no event names it."""
        return self in IN_FLIGHT or self in (JournalState.STAGED, JournalState.DONE)


# The note of a "done" entry whose inbox file could not be removed (no write permission): the
# coordinator is told once, `status` lists it, and it is never processed again.
NOT_REMOVED = "not-removed: "

IN_FLIGHT = frozenset({JournalState.ARCHIVED, JournalState.ACCEPTED, JournalState.REJECTED,
                       JournalState.MERGED, JournalState.MAILING, JournalState.MAILED})

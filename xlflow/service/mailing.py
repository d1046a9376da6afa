"""The submitter's feedback, exactly once per inbox entry, and never in the journal's way.

Each entry's message gets a Message-ID derived from the entry (path, content hash, received
time); the journal says "mailing" before the .eml is written. A re-run after a crash that
finds the entry "mailing" looks for that Message-ID in outbox/ and outbox/sent/ and does not
write (or send) it again. A message that cannot be composed or sent is a note on the outcome:
the journal goes on to "done" regardless.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from email.message import EmailMessage
from pathlib import Path
from typing import TypedDict, Unpack

from ..config import Workspace
from ..errors import MailError
from ..findings import Report
from ..i18n import msg
from ..output.mail import deliver
from ..output.notify import feedback
from ..output.outbox import outbox_dir
from ..store.journal import JournalState as J
from ..store.state import StateDB
from .staging import clean_name

_HEAD_BYTES = 16_384  # the headers of an .eml: where its Message-ID is


def mail_token(path: Path, sha: str, received: str) -> str:
    """The same for the same inbox entry (a re-run after a crash), different for any other."""
    return hashlib.sha256(f"{path}\0{sha}\0{received}".encode("utf-8", "surrogateescape")).hexdigest()[:24]


def set_message_id(message: EmailMessage, token: str) -> None:
    domain = str(message.get("Message-ID", "")).rpartition("@")[2].rstrip(">") or "localhost"
    del message["Message-ID"]
    message["Message-ID"] = f"<xlflow-{token}@{domain}>"


def in_outbox(ws: Workspace, token: str) -> Path | None:
    """The .eml carrying this token's Message-ID, waiting in outbox/, sent or withdrawn, if one was written.
    mail.py names an .eml after the end of its Message-ID, so only those few files are opened."""
    folder = outbox_dir(ws)
    needle = f"<xlflow-{token}@".encode("ascii")
    places = (folder, folder / "sent", folder / "withdrawn")
    for eml in [p for place in places for p in place.glob(f"*{token[-8:]}.eml")]:
        try:
            with open(eml, "rb") as fh:
                if needle in fh.read(_HEAD_BYTES):
                    return eml
        except OSError:
            continue
    return None


class NotifyOptions(TypedDict, total=False):
    """What _notify_once passes on to _notify besides the file and its result."""
    version: int | None
    changes: str
    cc: list[str] | None
    no_change: bool
    to: list[str] | None
    copy_note: str


class Mailing:
    """The intake's feedback mails (mixed into Intake: uses its ws, db and lang)."""

    ws: Workspace
    db: StateDB
    lang: str

    def _notify_once(self, path: Path, sha: str, received: str, name: str, department: str | None, result: str,
                     report: Report, attachments: list[Path], **kw: Unpack[NotifyOptions]) -> str:
        """_notify() unless this entry's feedback was written before (see the module doc); marks it mailed."""
        entry = self.db.inbox_entry(path)
        if entry is not None and entry.state is J.MAILED:
            return ""
        token = mail_token(path, sha, received)
        if entry is not None and entry.state is J.MAILING and in_outbox(self.ws, token) is not None:
            note = ""  # written (and maybe sent) before a crash: not again
        else:
            self.db.mark_inbox(path, state=J.MAILING)
            note = self._notify(name, department, result, report, attachments, received=received, token=token, **kw)
        self.db.mark_inbox(path, state=J.MAILED)
        return note

    def _notify(self, name: str, department: str | None, result: str, report: Report, attachments: list[Path],
                version: int | None = None, received: str = "", changes: str = "", cc: list[str] | None = None,
                no_change: bool = False, to: list[str] | None = None, token: str = "", copy_note: str = "") -> str:
        """Tell the submitter; returns a note if the mail could not be composed or sent (a composed
        one stays in outbox/). Never raises: a mail must not block the journal."""
        try:
            has_current = bool(department and self.db.accepted_version(department) > 0)
            message = feedback(self.ws, clean_name(name), department, result, report, attachments, to=to,
                               version=version, received=self.ws.show_time(received, zoned=True, lang=self.lang), lang=self.lang,
                               has_current=has_current, changes=changes, cc=cc, no_change=no_change,
                               copy_note=copy_note, event_at=_instant(received))
            if not message["To"]:
                return msg("watch-no-recipient", self.lang)
            if token:
                set_message_id(message, token)
            deliver(self.ws, message, send=self.ws.email.configured)
        except MailError as exc:
            return exc.message(self.lang)
        except Exception as exc:  # noqa: BLE001 - e.g. a header the mail layer refuses: noted, never fatal
            return msg("intake-mail-failed", self.lang, error=clean_name(f"{type(exc).__name__}: {exc}")[:300])
        return ""


def _instant(received: str) -> dt.datetime | None:
    """The file's arrival as the journal keeps it (ISO), for the feedback's event time."""
    try:
        return dt.datetime.fromisoformat(received) if received else None
    except ValueError:
        return None

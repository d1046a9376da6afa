"""outbox/: the queue of messages to send, kept apart from previews.

A message has an identity (what, which week or file, to whom: the X-Xlflow-Identity header), so
the queue never holds two of the same: queuing it again replaces the waiting copy. Before
anything is sent, the queue is judged (`judge`): a message a later event made wrong is withdrawn
to outbox/withdrawn/ with its reason (a rejection notice or a reminder for a department that has
had a version accepted since; a brief of a week whose brief already went to the same people), and
a message older than [email] hold_after_hours is held for the coordinator instead of sent late.
A preview (`summary` without --send) goes to outbox/preview/, never into the queue.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from ..config import Workspace
from ..i18n import msg
from ..store.atomic import write_bytes
from ..store.state import StateDB
from .outbox_index import Facts, facts, identities, remember

POLICY = email.policy.SMTP.clone(max_line_length=998)
KIND_HEADER = "X-Xlflow-Kind"
IDENTITY_HEADER = "X-Xlflow-Identity"
EVENT_HEADER = "X-Xlflow-Event-At"  # when what the message tells happened (ISO), if not when it was written
UNSENT_HEADER = "X-Unsent"  # Outlook opens an .eml carrying it as a draft, ready to send
SENT_AT_HEADER = "X-Xlflow-Sent-At"  # on the copy in outbox/sent/: when the server took it (ISO)
REMOVED_HEADER = "X-Xlflow-Attachments-Removed"  # a kept mail whose attachments were removed (outboxkeep.py)
PREVIEW, SENT, WITHDRAWN = "preview", "sent", "withdrawn"
# kinds made wrong by a later accepted version of their department: "feedback-RD-rejected…", "reminder-RD…"
_SUPERSEDED_BY_ACCEPTANCE = re.compile(r"^(?:feedback-(?P<a>[A-Z][A-Z0-9]*)-rejected|reminder-(?P<b>[A-Z][A-Z0-9]*))")


def outbox_dir(ws: Workspace) -> Path:
    return ws.folder("outbox")


def recipients(message: EmailMessage) -> tuple[str, ...]:
    """Every envelope recipient (To and Cc), each once."""
    pairs = getaddresses([str(v) for v in (message.get_all("To") or []) + (message.get_all("Cc") or [])])
    return tuple(dict.fromkeys(addr for _, addr in pairs if addr))


def identity(message: EmailMessage) -> str:
    """What the message is about and to whom: its identity header (the kind when none was given)
    with a digest of its sorted recipients."""
    about = str(message.get(IDENTITY_HEADER) or message.get(KIND_HEADER) or "mail").split(";")[0]
    people = hashlib.sha1("\n".join(sorted(a.lower() for a in recipients(message))).encode()).hexdigest()[:10]
    return f"{about};{people}"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)[:80] or "mail"


def message_token(message_id: str) -> str:
    """The end of an .eml's file name: the last characters of its Message-ID (outbox_find.py)."""
    return re.sub(r"[^A-Za-z0-9]", "", message_id.split("@")[0])[-8:] or "x"


def _eml_name(message: EmailMessage) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kind = message.get(KIND_HEADER, "mail")
    return f"{stamp}-{kind}-{message_token(str(message.get('Message-ID', '')))}.eml"


def read_message(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=POLICY)  # type: ignore[return-value]  # an EmailMessage with this policy


def _headers_of(path: Path) -> EmailMessage:
    """The headers of a queued file (its body is not needed to judge it)."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    end = head.find(b"\r\n\r\n")
    return email.message_from_bytes(head[: end + 4] if end >= 0 else head, policy=POLICY)  # type: ignore[return-value]  # an EmailMessage with this policy


def waiting_mails(ws: Workspace) -> list[Path]:
    """The .eml files still waiting in outbox/ (not sent yet), oldest first."""
    try:
        return sorted(p for p in outbox_dir(ws).glob("*.eml") if not p.name.startswith(".") and p.is_file())
    except OSError:
        return []


def facts_of(message: EmailMessage) -> Facts:
    """What the folder's index keeps of a message (outbox_index.py)."""
    return Facts(identity(message), str(message.get(KIND_HEADER) or ""), str(message.get("Date") or ""),
                 str(message.get(EVENT_HEADER) or ""), REMOVED_HEADER in message)


def read_facts(path: Path) -> Facts:
    """A file's facts, from its headers."""
    return facts_of(_headers_of(path))


def folder_facts(folder: Path, paths: list[Path]) -> dict[Path, Facts]:
    """The facts of `paths` in `folder`, read only for the files new or changed since the index saw them."""
    return facts(folder, paths, read_facts)


def waiting_identities(ws: Workspace) -> dict[Path, str]:
    """Each waiting .eml with its identity, oldest first (from the folder's index: outbox_index.py)."""
    return identities(outbox_dir(ws), waiting_mails(ws), read_facts)


def write_outbox(ws: Workspace, message: EmailMessage) -> Path:
    """Queue the ready-to-send .eml in outbox/ (marked X-Unsent so Outlook opens it as a draft);
    a waiting message with the same identity is replaced, not sent as well."""
    if UNSENT_HEADER not in message:
        message[UNSENT_HEADER] = "1"
    same, folder = identity(message), outbox_dir(ws)
    gone = []
    for old, ident in waiting_identities(ws).items():
        try:
            if ident == same:
                old.unlink()
                gone.append(old)
        except OSError:
            continue
    path = folder / _eml_name(message)
    write_bytes(path, message.as_bytes(policy=POLICY))
    remember(folder, path, facts_of(message), tuple(gone))
    return path


def write_preview(ws: Workspace, message: EmailMessage) -> Path:
    """A preview to look at or send by hand: outbox/preview/<identity>.eml, one per identity, never queued."""
    if UNSENT_HEADER not in message:
        message[UNSENT_HEADER] = "1"
    about, people = identity(message).split(";")
    return write_bytes(outbox_dir(ws) / PREVIEW / f"{_safe(about)}-{people}.eml", message.as_bytes(policy=POLICY))


@dataclass(frozen=True)
class Judged:
    path: Path
    identity: str
    composed: dt.datetime | None  # the message's Date
    verdict: str  # "send" | "hold" | "withdraw"
    reason: str = ""  # message key of why it is held or withdrawn
    params: tuple[tuple[str, str], ...] = ()


def _composed(date: str) -> dt.datetime | None:
    """When the message was written (its Date header's text)."""
    try:
        return parsedate_to_datetime(date).astimezone(dt.UTC)
    except (TypeError, ValueError):
        return None


def _event_at(value: str) -> dt.datetime | None:
    """When what the message tells happened (a rejected file's arrival), if it says."""
    try:
        return dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    except (TypeError, ValueError):
        return None


def already_sent(ws: Workspace, message: EmailMessage) -> bool:
    """A brief whose week already went to the same people: it is withdrawn, not sent twice."""
    return str(message.get(KIND_HEADER) or "").startswith("brief-") and identity(message) in _sent_identities(ws)


def _sent_identities(ws: Workspace) -> set[str]:
    folder = outbox_dir(ws) / SENT
    try:
        paths = sorted(p for p in folder.glob("*.eml") if not p.name.startswith(".")) if folder.is_dir() else []
    except OSError:
        return set()
    return set(identities(folder, paths, read_facts).values())


def _accepted_since(db: StateDB | None, department: str, since: dt.datetime,
                    reminder: bool = False) -> dt.datetime | None:
    """When `department` last had a version accepted after `since` (None: not since). Received times are
    kept to the second, so an acceptance in the same second counts when it was recorded after the
    rejected file (a fix dropped at once after a rejection), and always for a reminder (it was sent)."""
    if db is None:
        return None
    since = since.replace(microsecond=0)
    later: list[dt.datetime] = []
    rejected_seen = reminder
    for record in db.history(department):  # in the order received, then recorded
        at = dt.datetime.fromisoformat(str(record.received))
        at = (at if at.tzinfo else at.astimezone()).astimezone(dt.UTC)
        if record.result != "accepted":
            rejected_seen = rejected_seen or at == since
        elif at > since or (at == since and rejected_seen):
            later.append(at)
    return max(later) if later else None


def judge(ws: Workspace, now: dt.datetime | None = None, db: StateDB | None = None) -> list[Judged]:
    """Every waiting message with what should happen to it now, oldest first."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    if db is None and ws.state_db.is_file():
        db = StateDB(ws.state_db)
    sent = _sent_identities(ws)
    hold_after = dt.timedelta(hours=ws.email.hold_after_hours)
    out = []
    for path, head in folder_facts(outbox_dir(ws), waiting_mails(ws)).items():  # headers read only when new
        ident, composed, kind = head.identity, _composed(head.date), head.kind
        match = _SUPERSEDED_BY_ACCEPTANCE.match(kind)
        since = _event_at(head.event_at) or composed
        department = (match["a"] or match["b"]) if match else ""
        accepted = _accepted_since(db, department, since, bool(match["b"])) if match and since else None
        if accepted is not None:
            out.append(Judged(path, ident, composed, "withdraw", "outbox-withdrawn-accepted",
                              (("department", department), ("accepted", ws.show_time(accepted)))))
        elif kind.startswith("brief-") and ident in sent:
            out.append(Judged(path, ident, composed, "withdraw", "outbox-withdrawn-sent", (("kind", kind),)))
        elif hold_after.total_seconds() > 0 and composed is not None and now - composed > hold_after:
            out.append(Judged(path, ident, composed, "hold", "outbox-held-old",
                              (("hours", f"{ws.email.hold_after_hours:g}"), ("composed", ws.show_time(composed)))))
        else:
            out.append(Judged(path, ident, composed, "send"))
    return out


def withdraw(ws: Workspace, judged: Judged) -> Path | None:
    """Move a withdrawn message to outbox/withdrawn/ (kept, never sent); None if it is gone already."""
    target = outbox_dir(ws) / WITHDRAWN / judged.path.name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        judged.path.replace(target)
    except FileNotFoundError:
        return None
    return target


def judged_line(judged: Judged, lang: str) -> str:
    """Why a message is held or withdrawn, naming its file: for the console and the watcher's log."""
    return msg(judged.reason, lang, file=judged.path.name, **dict(judged.params))

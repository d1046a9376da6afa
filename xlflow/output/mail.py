"""The one e-mail layer: compose a message that every mail client shows correctly, keep it in
outbox/, and send it over SMTP when the workspace has a server configured.

Why it looks the way it does:
- CPython's default policy folds long CJK subjects lossily, so the message uses
  ``SMTP.clone(max_line_length=998)`` and the subject is written as RFC 2047 words by
  ``email.header.Header`` (split on character boundaries, whitespace-safe).
- Outlook and several webmails ignore RFC 2231 ``filename*``; attachments carry both it and a
  Content-Type ``name="=?utf-8?B?...?="``.
- An attachment too large for mail servers becomes a path line in the body.
- STARTTLS and implicit TLS always verify the server against the system trust store
  (``ssl.create_default_context()``, so SSL_CERT_FILE works); the password only ever comes
  from XLFLOW_SMTP_PASSWORD.
- Every message is written to outbox/ first; it moves to outbox/sent/ only once the server
  took it, so a failure leaves a ready-to-retry .eml behind.
"""
from __future__ import annotations

import base64
import datetime as dt
import mimetypes
import os
import re
import smtplib
import ssl
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from ..config import Workspace
from ..errors import MailError
from ..i18n import msg
from ..store.atomic import write_bytes
from . import outbox
from .breaker import SERVER_FAILURES, CircuitBreaker, breaker_for, use_breaker  # noqa: F401 - use_breaker, CircuitBreaker: part of this API
from .outbox import EVENT_HEADER, IDENTITY_HEADER, KIND_HEADER, POLICY, UNSENT_HEADER, Judged, recipients

PASSWORD_ENV = "XLFLOW_SMTP_PASSWORD"
MAX_NAME_CHARS = 60  # longer attachment names get truncated by some clients
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class DeliveryResult:
    eml: Path  # where the message is now: outbox/ (not sent) or outbox/sent/
    sent: bool
    recipients: tuple[str, ...]
    refused: dict[str, str] = field(default_factory=dict, hash=False)  # address -> server reply
    note: str = ""  # message key explaining why it was not sent, e.g. "mail-not-configured"


# --- templates -------------------------------------------------------------------------------

def _autoescape(name: str | None) -> bool:
    """Escape everything except the plain-text templates: department text must never become markup."""
    return not (name or "").endswith((".txt.j2", ".md.j2", ".txt", ".md"))


def clean_header_text(value: object) -> str:
    """Text safe for a header or a file name in one: CR, LF and tabs become a space, other
    control characters (ESC, BEL, NUL, ...) are dropped, so no name can split or inject a header."""
    text = "".join(" " if ch in "\r\n\t\v\f" else ch for ch in str(value))
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs")).split())


def _oneline(value: object) -> str:
    return " ".join(str(value).split())


def template_env(ws: Workspace | None, lang: str) -> Environment:
    """Templates from <workspace>/templates/ first (a workspace's own look), then the shipped ones."""
    loaders = []
    if ws is not None and (ws.root / "templates").is_dir():
        loaders.append(FileSystemLoader(ws.root / "templates"))
    loaders.append(FileSystemLoader(TEMPLATE_DIR))
    env = Environment(loader=ChoiceLoader(loaders), autoescape=_autoescape, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals["t"] = lambda key, **params: msg(key, lang, **params)
    env.globals["lang"] = lang
    env.filters["oneline"] = _oneline
    env.filters["cell"] = lambda v: _oneline(v).replace("|", "/")  # a Markdown table cell
    return env


def render(ws: Workspace | None, name: str, lang: str, **context: object) -> str:
    """Render output/templates/<name> (or the workspace's override) in `lang`."""
    return template_env(ws, lang).get_template(name).render(**context)


def sender_address(ws: Workspace, lang: str | None = None) -> str:
    """The From header: the configured sender, given a display name from the project if it has none."""
    lang = lang or ws.lang
    name, addr = parseaddr(ws.email.sender)
    if not addr:
        addr = ws.email.username if "@" in ws.email.username else "xlflow@localhost"
    return formataddr((name or msg("mail-sender-name", lang, project=ws.project.name(lang)), addr))


def compose(ws: Workspace, subject: str, text: str, html: str | None, to: Iterable[str],
            attachments: Iterable[Path | tuple[Path, str]] = (), sender: str | None = None, *, cc: Iterable[str] = (),
            kind: str = "mail", lang: str | None = None, about: str | None = None,
            event_at: dt.datetime | None = None) -> EmailMessage:
    """A multipart/alternative (text + HTML) message with attachments. An attachment larger than
    ws.email.max_attachment_mb raw (or one that would push the total over it) is replaced by a
    line naming its path in both parts: base64 adds a third, and servers reject big messages
    with 552. `about`: what the message is about when the kind alone does not say it (the file a
    feedback answers): with the recipients, its identity in the queue (outbox.py). `event_at`: when
    what it tells happened (a file's arrival), which a later event can make out of date."""
    lang = lang or ws.lang
    limit = int(ws.email.max_attachment_mb * 1024 * 1024)
    attached: list[tuple[Path, str | None]] = []
    notes: list[str] = []
    total = 0
    for item in attachments:  # a path, or (path, the name the recipient sees)
        path, shown = (Path(item[0]), item[1]) if isinstance(item, tuple) else (Path(item), None)
        size = path.stat().st_size
        if total + size > limit:
            notes.append(msg("mail-attachment-too-big", lang, name=path.name,
                             size=f"{size / 1024 / 1024:.1f}", limit=f"{ws.email.max_attachment_mb:g}",
                             path=str(path.resolve())))
        else:
            attached.append((path, shown))
            total += size
    if notes:
        text = text.rstrip("\n") + "\n\n" + "\n".join(notes) + "\n"
        if html is not None:
            html = _append_html(html, notes)

    message = EmailMessage(policy=POLICY)
    _set_text_header(message, "Subject", clean_header_text(subject))
    message["From"] = clean_header_text(sender or sender_address(ws, lang))
    to, cc = [clean_header_text(a) for a in to], [clean_header_text(a) for a in cc]
    if _unique(to):
        message["To"] = ", ".join(_unique(to))
    if _unique(cc):
        message["Cc"] = ", ".join(_unique(cc))
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=_domain(message["From"]))
    message[KIND_HEADER] = re.sub(r"[^A-Za-z0-9_.-]+", "-", kind)[:60] or "mail"
    if event_at is not None:
        message[EVENT_HEADER] = event_at.astimezone().isoformat()
    if about:
        message[IDENTITY_HEADER] = clean_header_text(f"{message[KIND_HEADER]}:{about}")[:200]
    message.set_content(text, cte="base64")  # base64: safe through any relay, 8BITMIME or not
    if html is not None:
        message.add_alternative(html, subtype="html", cte="base64")
    for path, shown in attached:
        _attach(message, path, shown)
    return message


def _append_html(html: str, notes: list[str]) -> str:
    from markupsafe import escape

    block = "".join(f'<p style="margin:12px 0;font-size:13px;color:#9C5700;">{escape(n)}</p>' for n in notes)
    at = html.lower().rfind("</body>")
    return html[:at] + block + html[at:] if at >= 0 else html + block


def _set_text_header(message: EmailMessage, name: str, value: str) -> None:
    """Non-ASCII text as RFC 2047 words folded between characters, never inside one (see module doc)."""
    if value.isascii():
        message[name] = value
    else:
        message.set_raw(name, Header(value, "utf-8", header_name=name).encode(linesep="\r\n"))


def attachment_name(path: Path) -> str:
    """The file name as the recipient sees it: control characters cleaned, at most MAX_NAME_CHARS
    characters, extension kept."""
    name = clean_header_text(path.name) or "attachment"
    if len(name) <= MAX_NAME_CHARS:
        return name
    clean = Path(name)
    suffix = "".join(clean.suffixes[-1:])
    return clean.stem[: MAX_NAME_CHARS - len(suffix) - 1] + "…" + suffix


def _attach(message: EmailMessage, path: Path, shown: str | None = None) -> None:
    name = attachment_name(Path(shown) if shown else path)
    ctype, _ = mimetypes.guess_type(name)
    if name.lower().endswith(".xlsx"):
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    maintype, subtype = (ctype or "application/octet-stream").split("/", 1)
    message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=name)
    if name.isascii():
        return
    # filename*=utf-8''… (RFC 2231) is already in Content-Disposition; add the RFC 2047 form
    # that Outlook, QQ Mail and Gmail's older paths read. The policy would re-encode a parsed
    # value as RFC 2231, so the header is stored exactly as written (set_raw).
    part = list(message.iter_attachments())[-1]
    word = "=?utf-8?B?" + base64.b64encode(name.encode("utf-8")).decode("ascii") + "?="
    del part["Content-Type"]
    part.set_raw("Content-Type", f'{maintype}/{subtype}; name="{word}"')


def _unique(addresses: Iterable[str]) -> list[str]:
    """Each mailbox once (compared by address, case-insensitively), as given."""
    seen, out = set(), []
    for a in addresses:
        a = a.strip()
        key = (parseaddr(a)[1] or a).lower()
        if a and key not in seen:
            seen.add(key)
            out.append(a)
    return out


def _domain(from_header: str) -> str:
    addr = parseaddr(str(from_header))[1]
    return addr.rpartition("@")[2] or "localhost"


# --- outbox ---------------------------------------------------------------------------------

def deliver(ws: Workspace, message: EmailMessage, send: bool, preview: bool = False) -> DeliveryResult:
    """Queue the .eml in outbox/ (replacing a waiting one of the same identity); with `send` and a
    configured server, send it and move it to outbox/sent/. Raises MailError (the .eml stays queued
    for a retry) when the server is unreachable, refuses the login, or rejects every recipient.
    With `preview`, the message only goes to outbox/preview/ for a look: it is not queued."""
    if preview:
        return DeliveryResult(outbox.write_preview(ws, message), False, recipients(message), note="mail-preview")
    eml = outbox.write_outbox(ws, message)
    if send and ws.email.configured and outbox.already_sent(ws, message):  # a brief of a week already sent to them
        gone = outbox.withdraw(ws, Judged(eml, outbox.identity(message), None, "withdraw"))
        return DeliveryResult(gone or eml, False, recipients(message), note="mail-already-sent")
    return _send_file(ws, eml, send)


def deliver_all(ws: Workspace, messages: Iterable[EmailMessage], send: bool,
                preview: bool = False) -> list[DeliveryResult]:
    """Queue every message first, then send them one by one; the first MailError stops the sending
    (a dead server is not tried once per message) and is raised; the unsent .eml files stay queued
    for retry_outbox. With `preview`, each goes to outbox/preview/ only."""
    messages = list(messages)
    if preview:
        return [deliver(ws, m, send, preview=True) for m in messages]
    paths = [outbox.write_outbox(ws, m) for m in messages]
    return [_send_file(ws, path, send) for path in paths]


@dataclass(frozen=True)
class RetryResult:
    sent: list[DeliveryResult]
    held: list[Judged]  # older than [email] hold_after_hours: waiting for the coordinator
    withdrawn: list[Judged]  # made wrong by a later event: moved to outbox/withdrawn/


def retry_outbox(ws: Workspace, include_held: bool = False, dry_run: bool = False) -> RetryResult:
    """Send what waits in outbox/ (e.g. after the server was down), the server being tried even if
    the breaker is open: withdrawn messages are moved aside, held ones are left for the coordinator
    (sent only with `include_held`). A server-level MailError stops it (a dead server is not
    hammered once per file) and is raised; a message the server refuses stays queued and the
    others are still sent. `dry_run` judges and changes nothing (`sent` then lists what would go)."""
    judged = outbox.judge(ws)
    held = [j for j in judged if j.verdict == "hold" and not include_held]
    withdrawn = [j for j in judged if j.verdict == "withdraw"]
    due = [j for j in judged if j.verdict == "send" or (j.verdict == "hold" and include_held)]
    if dry_run:
        return RetryResult([DeliveryResult(j.path, False, recipients(outbox.read_message(j.path)), note="mail-would-send")
                            for j in due], held, withdrawn)
    withdrawn = [j for j in withdrawn if outbox.withdraw(ws, j) is not None]
    done, refused = [], None  # refused: the first per-message refusal
    for j in due:
        path = j.path
        if (path.parent / "sent" / path.name).is_file():  # sent, then killed before this copy was removed
            path.unlink(missing_ok=True)
            continue
        try:
            done.append(_send_file(ws, path, True, force=True))
        except FileNotFoundError:
            continue  # sent meanwhile by another retry
        except MailError as exc:
            if exc.key in SERVER_FAILURES:
                raise
            refused = refused or exc
    if refused is not None and not done:
        raise refused
    return RetryResult(done, held, withdrawn)


def _send_file(ws: Workspace, eml: Path, send: bool, force: bool = False) -> DeliveryResult:
    message = outbox.read_message(eml)
    rcpts = recipients(message)
    if not send:
        return DeliveryResult(eml, False, rcpts, note="mail-not-sent")
    if not ws.email.configured:
        return DeliveryResult(eml, False, rcpts, note="mail-not-configured")
    if not rcpts:
        raise MailError("mail-no-recipients", eml=str(eml))
    breaker = breaker_for(ws.root)
    if breaker is not None and breaker.is_open and not force:
        raise MailError("mail-deferred", host=ws.email.host, port=ws.email.port, eml=str(eml))
    del message[UNSENT_HEADER]
    try:
        refused = smtp_send(ws, message, rcpts, eml)
    except MailError as exc:
        if breaker is not None and exc.key in SERVER_FAILURES:
            breaker.trip()
        raise
    if breaker is not None:
        breaker.close()
    sent = outbox.outbox_dir(ws) / "sent" / eml.name
    message[outbox.SENT_AT_HEADER] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    write_bytes(sent, message.as_bytes(policy=POLICY))
    eml.unlink()
    return DeliveryResult(sent, True, tuple(r for r in rcpts if r not in refused), refused)


def smtp_send(ws: Workspace, message: EmailMessage, rcpts: tuple[str, ...], eml: Path) -> dict[str, str]:
    """One SMTP session; returns the recipients the server refused while accepting others.
    Every failure becomes a MailError that says what to check."""
    cfg = ws.email
    where = {"host": cfg.host, "port": cfg.port, "eml": str(eml)}
    password = os.environ.get(PASSWORD_ENV, "")
    if cfg.username and not password:
        raise MailError("mail-no-password", env=PASSWORD_ENV, user=cfg.username, **where)
    context = ssl.create_default_context()
    envelope_from = parseaddr(str(message["From"]))[1]
    stage = "connect"
    try:
        if cfg.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
        else:
            server = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        with server:
            server.ehlo()
            if cfg.security == "starttls":
                stage = "starttls"
                server.starttls(context=context)
                server.ehlo()
            if cfg.username:
                stage = "login"
                _login(server, cfg.username, password)
            stage = "send"
            refused = server.send_message(message, from_addr=envelope_from, to_addrs=list(rcpts))
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError("mail-login-refused", user=cfg.username, reply=_reply(exc), env=PASSWORD_ENV,
                        **where) from None
    except smtplib.SMTPRecipientsRefused as exc:
        bad = ", ".join(f"{a} ({_reply(r)})" for a, r in exc.recipients.items())
        raise MailError("mail-recipient-rejected", recipients=bad, **where) from None
    except smtplib.SMTPSenderRefused as exc:
        raise MailError("mail-sender-refused", sender=envelope_from, reply=_reply(exc), **where) from None
    except smtplib.SMTPDataError as exc:
        raise MailError("mail-data-refused", reply=_reply(exc), **where) from None
    except smtplib.SMTPNotSupportedError:
        raise MailError("mail-no-starttls" if stage == "starttls" else "mail-no-auth", **where) from None
    except ssl.SSLCertVerificationError as exc:
        raise MailError("mail-tls-verify", reason=exc.verify_message or str(exc), **where) from None
    except ssl.SSLError as exc:
        raise MailError("mail-tls-failed", reason=exc.reason or str(exc), security=cfg.security, **where) from None
    except smtplib.SMTPResponseException as exc:
        raise MailError("mail-failed", reason=_reply(exc), **where) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise MailError("mail-unreachable", reason=str(exc) or type(exc).__name__, **where) from None
    return {addr: _reply(reply) for addr, reply in refused.items()}


def _login(server: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib.login, except that a non-ASCII user or password (which smtplib cannot encode)
    goes as UTF-8 in AUTH PLAIN (RFC 4616)."""
    if user.isascii() and password.isascii():
        server.login(user, password)
        return
    if not server.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    token = base64.b64encode(b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")).decode("ascii")
    code, reply = server.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _reply(value: object) -> str:
    """A server reply '(550, b"5.1.1 unknown")' as '550 5.1.1 unknown'."""
    if isinstance(value, smtplib.SMTPResponseException):
        code, text = value.smtp_code, value.smtp_error
    elif isinstance(value, tuple) and len(value) >= 2:
        code, text = value[0], value[1]
    else:
        return str(value)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()

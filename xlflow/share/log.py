"""The sharing list in words (`xlflow share list`, the workbooks' "what others see of your plan") and
`xlflow share log`: who got which slice, when, with its hash — from the state database."""

from __future__ import annotations

import contextlib

from ..config import Workspace
from ..errors import DatabaseBusy, DatabaseNotWritable, XlflowError
from ..i18n import msg
from ..output.outbox_find import Whereabouts, find_messages
from ..store.state import StateDB
from .ledger import SharedFile, mark_delivered, sent_files
from .sharing import CONTENTS, COORDINATORS, DEPARTMENT_CONTENTS, sharing_list


def log_lines(ws: Workspace, lang: str, audience: str | None = None, sha256: str | None = None) -> list[str]:
    """One line per file mailed, saying whether its mail was sent (and when) or only queued in
    outbox/: a mail not yet known to be sent is looked for there, and once found sent, remembered."""
    db = StateDB(ws.state_db)
    rows = sent_files(db, audience, sha256)
    if not rows:
        return [msg("share-log-empty", lang)]
    found = find_messages(ws, {r.message_id for r in rows if r.message_id and not r.delivered})
    sent = {mid: w.sent_at.isoformat(timespec="seconds") for mid, w in found.items() if w.sent_at is not None}
    if sent:
        with contextlib.suppress(DatabaseBusy, DatabaseNotWritable):  # remembered next time: the log is still right
            mark_delivered(db, sent)
    return [msg("share-log-header", lang)] + [
        msg(
            "share-log-line",
            lang,
            state=_state(ws, r, found, sent, lang),
            week=r.week,
            audience=r.audience,
            to=r.recipients,
            file=r.file_name,
            sha=r.sha256[:16],
        )
        for r in rows
    ]


def _state(ws: Workspace, row: SharedFile, found: dict[str, Whereabouts], sent: dict[str, str], lang: str) -> str:
    """Sent (when), queued in outbox/, withdrawn, or gone before it was sent: what became of the file's mail."""
    delivered = row.delivered or sent.get(row.message_id, "")
    if delivered:
        return msg("share-log-sent", lang, time=ws.show_time(delivered))
    where = found.get(row.message_id)
    state = where.state if where is not None else "unknown"
    return msg(f"share-log-{state}", lang, time=ws.show_time(row.sent))


def _audience(ws: Workspace, audience: str, subject: str, lang: str) -> str:
    if audience == COORDINATORS:
        return msg("share-audience-coordinators", lang)
    if "@" in audience:
        dept = ws.department(subject)
        return (
            msg("share-audience-email", lang, address=audience, department=dept.name(lang))
            if dept
            else msg("share-audience-email-project", lang, address=audience)
        )
    dept = ws.department(audience)
    return dept.name(lang) if dept else audience


def _joined(items: list[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


def _formats(rules, lang: str) -> str:
    """ "Excel slice, calendar (.ics) at each merge; e-mail weekly"."""
    parts = []
    for frequency in ("merge", "weekly"):
        formats = [
            f for f in ("xlsx", "ics", "chat", "mail") if any(r.format == f and r.frequency == frequency for r in rules)
        ]
        if formats:
            parts.append(
                msg(
                    "share-list-formats",
                    lang,
                    formats=_joined([msg(f"share-format-{f}", lang) for f in formats], lang),
                    frequency=msg(f"share-frequency-{frequency}", lang),
                )
            )
    return ("；" if lang == "zh" else "; ").join(parts)


def _contents(sharing, audience: str, code: str | None) -> list[str]:
    """Content keys `audience` sees (of department `code`'s plan, when given; "yours_linked": the
    department's tasks linked to the audience's)."""
    found = [c for c in CONTENTS if any(r.content == c and r.audience == audience for r in sharing.rules)]
    if code is None:
        return found
    if audience == code or (sharing.subject(audience) == code and "@" in audience):
        return [c for c in found if c in DEPARTMENT_CONTENTS or c == "master"]
    return (["yours_linked"] if "linked_tasks" in found and "@" not in audience else []) + [
        c for c in found if c == "master"
    ]


def list_lines(ws: Workspace, lang: str, code: str | None = None) -> list[str]:
    """The sharing list in words, one line per group of audiences that see the same; with `code`,
    only what concerns department `code`'s plan ("what others see of your plan")."""
    sharing = sharing_list(ws)
    groups: dict[tuple[str, str], list[str]] = {}
    for audience in sharing.audiences():
        contents = _contents(sharing, audience, code)
        rules = [
            r
            for r in sharing.rules
            if r.audience == audience and (code is None or r.content in contents or "yours_linked" in contents)
        ]
        if not contents or not rules:
            continue
        key = (_joined([msg(f"share-content-{c}", lang) for c in contents], lang), _formats(rules, lang))
        who = (
            msg("share-audience-you", lang)
            if audience == code
            else _audience(ws, audience, sharing.subject(audience), lang)
        )
        groups.setdefault(key, []).append(who)
    return [
        msg("share-list-line", lang, audience=_joined(who, lang), contents=contents, formats=formats)
        for (contents, formats), who in groups.items()
    ]


def what_others_see(ws: Workspace, lang: str, code: str) -> tuple[str, ...]:
    """list_lines for a department's workbook made on the way (a reminder's blank one): nothing
    rather than no reminder when the [sharing] table is wrong (the merge's summary says so)."""
    try:
        return tuple(list_lines(ws, lang, code))
    except XlflowError:
        return ()

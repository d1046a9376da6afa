"""`xlflow chat test`: one test message to a channel, the platform's answer as it came (masked),
and a stopped channel re-opened once the platform takes the message."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Workspace
from ..errors import UsageError
from ..i18n import msg
from .answers import OK, STOP
from .config import ChatChannel, load_channels, redact
from .message import Message
from .runner import kick, sender
from .sender import stop_reason
from .vendors import parts


@dataclass(frozen=True)
class Probe:
    channel: ChatChannel
    ok: bool
    answer: str  # "errcode 0: ok" or the stop sentence, masked
    reopened: bool


def test_message(ws: Workspace, channel: ChatChannel, lang: str) -> Message:
    names = "、".join(channel.mention) or "—"
    return Message(
        msg("chat-test-title", lang, project=ws.project.code),
        (msg("chat-test-line", lang, name=channel.name, events=", ".join(channel.events), mentions=names),),
        msg("chat-more-in-mail", lang),
        tuple(channel.mention),
        lang,
    )


def probe(ws: Workspace, name: str | None = None, lang: str | None = None, **kw) -> list[Probe]:
    lang = lang or ws.lang
    channels = load_channels(ws)
    if not channels:
        raise UsageError("chat-none-configured")
    chosen = [c for c in channels if name is None or c.name == name]
    if not chosen:
        raise UsageError("chat-unknown-channel", name=name, known=", ".join(c.name for c in channels))
    s = sender(ws, **kw)
    results = []
    for channel in chosen:
        was = s.outbox.channel_state(channel.name).state
        verdicts = []
        for part in parts(channel, test_message(ws, channel, lang)):
            s.outbox.note_post(channel.name, s.clock())
            verdicts.append(s.send_part(channel, part))
            if verdicts[-1].kind != OK:
                break
        last = verdicts[-1]
        said = redact(last.said, channel.secrets(s.env))
        if last.kind == OK:
            s.outbox.reopen(channel.name, s.clock())
            answer = msg("chat-answer", lang, code=last.code, said=said)
        elif last.kind == STOP:  # the group would refuse the queued messages too: stopped, with why
            answer = stop_reason(channel, last, said, lang)
            s.outbox.stop(channel.name, stop_reason(channel, last, said, ws.lang), s.clock())
        else:
            answer = msg("chat-answer", lang, code=last.code or "—", said=said)
        results.append(Probe(channel, last.kind == OK, answer, last.kind == OK and was == "stopped"))
    if any(r.reopened for r in results):
        kick(ws)
    return results

"""Each channel's state in one line, for `xlflow status`, `xlflow chat test` and the brief."""

from __future__ import annotations

import datetime as dt

from ..config import Workspace
from ..i18n import msg
from .config import ChatChannel, load_channels
from .outbox import ChatOutbox


def channel_line(ws: Workspace, channel: ChatChannel, box: ChatOutbox, lang: str) -> str:
    st = box.channel_state(channel.name)
    base = dict(name=channel.name, vendor=channel.vendor, waiting=st.waiting, sent=st.sent)
    if st.state == "stopped":
        since = ws.show_time(dt.datetime.fromtimestamp(st.since).astimezone()) if st.since else "—"
        return msg("chat-status-stopped", lang, since=since, reason=st.reason, **base)
    line = msg("chat-status-open", lang, **base)
    if st.paused_until > dt.datetime.now().timestamp():
        line += msg(
            "chat-status-paused", lang, until=ws.show_time(dt.datetime.fromtimestamp(st.paused_until).astimezone())
        )
    if st.uncertain:
        line += msg("chat-status-uncertain", lang, count=st.uncertain)
    if st.expired:
        line += msg("chat-status-expired", lang, count=st.expired)
    return line


def status_lines(ws: Workspace, lang: str) -> list[str]:
    """One line per [[chat]] channel; [] when the workspace has none."""
    channels = load_channels(ws)
    if not channels:
        return []
    box = ChatOutbox(ws.state_db)
    return [channel_line(ws, c, box, lang) for c in channels]


def stopped_lines(ws: Workspace, lang: str) -> list[str]:
    """The lines of the groups that are stopped (for the brief's notes)."""
    channels = load_channels(ws)
    if not channels:
        return []
    box = ChatOutbox(ws.state_db)
    return [channel_line(ws, c, box, lang) for c in channels if box.channel_state(c.name).state == "stopped"]

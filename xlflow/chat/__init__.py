"""Group chats: DingTalk, WeCom and Feishu/Lark custom robots carry the week to the project's groups.

config (the [[chat]] tables) → render (the five events, from WeekState) → vendors (each platform's
body within its limits) → outbox (queued once per event, journalled in xlflow.sqlite) → sender
(signed at send time, paced under the platform's rate, retried or stopped by the answer's code).
Producers call the functions of events.py, which only queue and wake the background sender.
Mail stays the record: nothing here may fail the intake, the merge or the brief.
"""

from __future__ import annotations

from .config import EVENTS, VENDORS, ChatChannel, load_channels, mask_url
from .outbox import ChatOutbox

__all__ = ["EVENTS", "VENDORS", "ChatChannel", "ChatOutbox", "load_channels", "mask_url"]

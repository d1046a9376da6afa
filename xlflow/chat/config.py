"""The `[[chat]]` tables of xlflow.toml: one group-chat robot each, checked with their lines.

    [[chat]]
    name = "项目群"                      # shown in status and logs
    vendor = "dingtalk"                 # dingtalk | wecom | feishu
    webhook = "https://…"               # the robot's URL as the platform shows it
    secret_env = "XLFLOW_CHAT_SECRET"   # variable holding the signing secret (DingTalk, Feishu)
    keyword = "项目"                     # optional security keyword, added to a message lacking it
    events = ["brief", "intake", "reminder", "decision", "escalation"]   # default: all
    [chat.mention]                      # department code -> the id the platform @-mentions
    RD = "13800000001"

The secret itself is never in the file; the webhook's token is masked wherever it is shown.
"""
from __future__ import annotations

import ipaddress
import re
import urllib.parse
from dataclasses import dataclass, field

from ..config import Workspace, config_reader
from ..i18n import Phrase

VENDORS = ("dingtalk", "wecom", "feishu")
EVENTS = ("brief", "intake", "reminder", "decision", "escalation")
KEYS = frozenset({"name", "vendor", "webhook", "secret_env", "keyword", "events", "mention"})
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ChatChannel:
    name: str
    vendor: str
    webhook: str = field(repr=False)
    secret_env: str = ""
    keyword: str = ""
    events: tuple[str, ...] = EVENTS
    mention: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def masked(self) -> str:
        return mask_url(self.webhook)

    def secrets(self, env: dict) -> tuple[str, ...]:
        """Every string that must never be shown: the secret and the webhook's token(s)."""
        found = [env.get(self.secret_env, "")] if self.secret_env else []
        found += webhook_tokens(self.webhook)
        return tuple(s for s in found if len(s) >= 4)


def webhook_tokens(url: str) -> list[str]:
    parts = urllib.parse.urlsplit(url)
    tokens = [v for _, v in urllib.parse.parse_qsl(parts.query)]
    if "/hook/" in parts.path:  # Feishu/Lark: the token is the path's last segment
        tokens.append(parts.path.rstrip("/").rsplit("/", 1)[-1])
    return [t for t in tokens if t]


def mask_url(url: str) -> str:
    """The webhook as it may be shown: host and path, every token replaced by its last 4 characters."""
    shown = url
    for token in sorted(webhook_tokens(url), key=len, reverse=True):
        shown = shown.replace(token, "…" + token[-4:] if len(token) > 8 else "…")
    return shown


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """`text` (a platform's answer, an exception) with every secret and token masked."""
    for s in sorted(secrets, key=len, reverse=True):
        text = text.replace(s, "***").replace(urllib.parse.quote(s, safe=""), "***")
    return text


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _webhook(r, table: dict) -> str:
    url = r.get(table, "webhook", str, "chat")
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(host)):
        raise r.fail("webhook", Phrase("chat-config-https", url=mask_url(url)), "chat", url)
    if not host:
        raise r.fail("webhook", Phrase("chat-config-url", url=mask_url(url)), "chat", url)
    return url


def _channel(ws: Workspace, r, table: dict) -> ChatChannel:
    if not isinstance(table, dict):
        raise r.fail("chat", Phrase("config-expected-type", expected="table", got=repr(table)))
    name = r.get(table, "name", str, "chat")
    for key in table:
        if key not in KEYS:
            raise r.fail(key, Phrase("chat-config-unknown-key", key=key, known=", ".join(sorted(KEYS))), "chat")
    vendor = r.get(table, "vendor", str, "chat")
    if vendor not in VENDORS:
        raise r.fail("vendor", Phrase("config-expected-one-of", values=", ".join(VENDORS)), "chat", vendor)
    secret_env = r.get(table, "secret_env", str, "chat", "")
    if secret_env and not _ENV_RE.match(secret_env):
        raise r.fail("secret_env", Phrase("chat-config-env", value=secret_env), "chat", secret_env)
    if secret_env and vendor == "wecom":
        raise r.fail("secret_env", Phrase("chat-config-wecom-secret"), "chat", secret_env)
    events = tuple(r.get(table, "events", list, "chat", list(EVENTS)))
    wrong = [e for e in events if e not in EVENTS]
    if wrong or not events:
        raise r.fail("events", Phrase("chat-config-events", wrong=", ".join(map(str, wrong)),
                                      known=", ".join(EVENTS)), "chat")
    mention = r.get(table, "mention", dict, "chat", {})
    for code, ident in mention.items():
        if ws.department(code) is None:
            raise r.fail(code, Phrase("chat-config-mention-dept", code=code), "chat.mention")
        if not isinstance(ident, str) or not ident.strip():
            raise r.fail(code, Phrase("config-expected-type", expected="str", got=repr(ident)), "chat.mention")
    return ChatChannel(name, vendor, _webhook(r, table), secret_env, r.get(table, "keyword", str, "chat", ""),
                       events, {k: v.strip() for k, v in mention.items()})


def load_channels(ws: Workspace) -> tuple[ChatChannel, ...]:
    """The workspace's chat channels, checked; () when it has none. ConfigError names key and line."""
    raw = ws.extra.get("chat")
    if raw is None:
        return ()
    r = config_reader(ws)
    if not isinstance(raw, list):
        raise r.fail("chat", Phrase("chat-config-array"))
    channels, seen = [], set()
    for table in raw:
        channel = _channel(ws, r, table)
        if channel.name in seen:
            raise r.fail("name", Phrase("chat-config-name-twice", name=channel.name), "chat", channel.name)
        seen.add(channel.name)
        channels.append(channel)
    return tuple(channels)

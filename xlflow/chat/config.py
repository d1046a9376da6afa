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
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..config import Workspace, config_reader
from ..errors import ConfigError
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

    def secrets(self, env: Mapping[str, str]) -> tuple[str, ...]:
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


class _Table:
    """The n-th [[chat]] table: its keys' errors name the line inside that table."""

    def __init__(self, r, table: dict, index: int) -> None:
        self.r, self.table = r, table
        heads = [i for i, line in enumerate(r.lines) if re.match(r"^\s*\[\[\s*chat\s*\]\]", line)]
        self.start = heads[index] if index < len(heads) else 0
        self.end = heads[index + 1] if index + 1 < len(heads) else len(r.lines)

    def line(self, key: str) -> int:
        for i in range(self.start, self.end):
            if re.match(rf"^\s*{re.escape(key)}\s*=", self.r.lines[i]):
                return i + 1
        return self.start + 1

    def fail(self, key: str, problem: Phrase, prefix: str = "chat") -> ConfigError:
        return ConfigError(
            "config-bad-key", file=str(self.r.path), key=f"{prefix}.{key}", line=self.line(key), problem=problem
        )

    def get(self, key: str, kind: type, default=...):
        if key not in self.table:
            if default is ...:
                raise ConfigError("config-missing-key", file=str(self.r.path), key=f"chat.{key}", line=self.start + 1)
            return default
        value = self.table[key]
        if not isinstance(value, kind):
            raise self.fail(key, Phrase("config-expected-type", expected=kind.__name__, got=repr(value)))
        return value


def _webhook(t: _Table) -> str:
    url = t.get("webhook", str)
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(host)):
        raise t.fail("webhook", Phrase("chat-config-https", url=mask_url(url)))
    if not host:
        raise t.fail("webhook", Phrase("chat-config-url", url=mask_url(url)))
    return url


def _mention(ws: Workspace, t: _Table) -> dict:
    mention = t.get("mention", dict, {})
    for code, ident in mention.items():
        if ws.department(code) is None:
            raise t.fail(code, Phrase("chat-config-mention-dept", code=code), "chat.mention")
        if not isinstance(ident, str) or not ident.strip():
            raise t.fail(code, Phrase("config-expected-type", expected="str", got=repr(ident)), "chat.mention")
    return {k: v.strip() for k, v in mention.items()}


def _channel(ws: Workspace, t: _Table) -> ChatChannel:
    for key in t.table:
        if key not in KEYS:
            raise t.fail(key, Phrase("chat-config-unknown-key", key=key, known=", ".join(sorted(KEYS))))
    name = t.get("name", str)
    vendor = t.get("vendor", str)
    if vendor not in VENDORS:
        raise t.fail("vendor", Phrase("config-expected-one-of", values=", ".join(VENDORS)))
    secret_env = t.get("secret_env", str, "")
    if secret_env and not _ENV_RE.match(secret_env):
        raise t.fail("secret_env", Phrase("chat-config-env", value=secret_env))
    if secret_env and vendor == "wecom":
        raise t.fail("secret_env", Phrase("chat-config-wecom-secret"))
    events = tuple(t.get("events", list, list(EVENTS)))
    wrong = [e for e in events if e not in EVENTS]
    if wrong or not events:
        raise t.fail("events", Phrase("chat-config-events", wrong=", ".join(map(str, wrong)), known=", ".join(EVENTS)))
    return ChatChannel(name, vendor, _webhook(t), secret_env, t.get("keyword", str, ""), events, _mention(ws, t))


def load_channels(ws: Workspace) -> tuple[ChatChannel, ...]:
    """The workspace's chat channels, checked; () when it has none. ConfigError names key and line."""
    raw = ws.extra.get("chat")
    if raw is None:
        return ()
    r = config_reader(ws)
    if not isinstance(raw, list):
        raise r.fail("chat", Phrase("chat-config-array"))
    channels, seen = [], set()
    for index, table in enumerate(raw):
        if not isinstance(table, dict):
            raise r.fail("chat", Phrase("chat-config-array"))
        t = _Table(r, table, index)
        channel = _channel(ws, t)
        if channel.name in seen:
            raise t.fail("name", Phrase("chat-config-name-twice", name=channel.name))
        seen.add(channel.name)
        channels.append(channel)
    return tuple(channels)

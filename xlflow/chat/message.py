"""A chat message before it meets a platform: a title, lines of text, the departments to
@-mention, and the line that says where the rest is when it had to be shortened."""

from __future__ import annotations

from dataclasses import dataclass, replace

LINE_CHARS = 300  # one line of a chat message: longer text (a task name, a reason) is shortened


@dataclass(frozen=True)
class Message:
    title: str
    lines: tuple[str, ...]
    more: str  # "the full brief is in the mail": added when lines had to be left out
    mentions: tuple[str, ...] = ()  # department codes
    lang: str = "zh"

    def head(self, count: int) -> Message:
        """The first `count` lines, the `more` line after them."""
        return replace(self, lines=(*self.lines[:count], self.more))


def clip(text: str, chars: int = LINE_CHARS) -> str:
    """At most `chars` characters (whole characters: a str is never cut inside one), on one line."""
    text = " ".join(str(text).split())
    return text if len(text) <= chars else text[: chars - 1] + "…"


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def clip_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text`, whole characters, whose UTF-8 is at most `limit` bytes."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: max(limit - 3, 0)].decode("utf-8", "ignore") + "…"

"""Each platform's message body, within its byte limits (counted in UTF-8 bytes of the JSON sent).

DingTalk: markdown (title + text), mentions in `at.atMobiles` / `at.atUserIds` and `@…` in the
text; the whole body ≤ 20,000 bytes. WeCom: markdown ≤ 4,096 bytes of content with `<@userid>`
mentions; a mobile can only be @-mentioned in a text message (≤ 2,048 bytes), sent as a second
part. Feishu/Lark: a `post` with `at` elements; the body ≤ 20 KB.
A message too long is shortened line by line (never inside a character) and ends with the line
saying where the whole is (the mail).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from .config import ChatChannel
from .message import Message, clip_bytes, utf8_len

DINGTALK_BODY = 20_000
WECOM_MARKDOWN = 4_096
WECOM_TEXT = 2_048
FEISHU_BODY = 20_000  # 20 KB; the signature fields (≈ 90 bytes) are counted in
WECOM_FILE_BYTES = 20 * 1024 * 1024  # the media API takes 5 B to 20 MB
UPLOAD = "xlflow_upload"  # a part that is a file: uploaded when sent (WeCom), its path here
_SIGN_ROOM = 120
_MOBILE = re.compile(r"^\+?\d{6,15}$")


def body_bytes(payload: dict) -> int:
    return utf8_len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))


def _ids(channel: ChatChannel, message: Message) -> list[str]:
    return [channel.mention[c] for c in message.mentions if c in channel.mention]


def _with_keyword(channel: ChatChannel, title: str, text: str) -> str:
    return title if not channel.keyword or channel.keyword in title + text else f"{title}【{channel.keyword}】"


def _dingtalk(channel: ChatChannel, m: Message) -> dict:
    ids = _ids(channel, m)
    text = "\n\n".join([*m.lines, " ".join(f"@{i}" for i in ids)] if ids else m.lines)
    title = _with_keyword(channel, m.title, text)
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": f"#### {title}\n\n{text}"},
        "at": {
            "atMobiles": [i for i in ids if _MOBILE.match(i)],
            "atUserIds": [i for i in ids if not _MOBILE.match(i)],
            "isAtAll": False,
        },
    }


def _wecom_safe(text: str) -> str:
    return text.replace("<", "＜").replace(">", "＞")  # department text cannot forge a <@mention>


def _wecom(channel: ChatChannel, m: Message) -> dict:
    users = [i for i in _ids(channel, m) if not _MOBILE.match(i)]
    lines = [_wecom_safe(line) for line in m.lines] + ([" ".join(f"<@{u}>" for u in users)] if users else [])
    text = "\n".join(lines)
    title = _wecom_safe(_with_keyword(channel, m.title, text))
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}


def _feishu(channel: ChatChannel, m: Message) -> dict:
    ids = _ids(channel, m)
    rows = [[{"tag": "text", "text": line}] for line in m.lines]
    if ids:
        rows.append([{"tag": "at", "user_id": i} for i in ids])
    title = _with_keyword(channel, m.title, "\n".join(m.lines))
    locale = "zh_cn" if m.lang == "zh" else "en_us"
    return {"msg_type": "post", "content": {"post": {locale: {"title": title, "content": rows}}}}


def _fits(channel: ChatChannel, payload: dict) -> bool:
    if channel.vendor == "wecom":
        return utf8_len(payload["markdown"]["content"]) <= WECOM_MARKDOWN
    limit = DINGTALK_BODY if channel.vendor == "dingtalk" else FEISHU_BODY
    return body_bytes(payload) + _SIGN_ROOM <= limit


_BUILD: dict[str, Callable[[ChatChannel, Message], dict]] = {"dingtalk": _dingtalk, "wecom": _wecom, "feishu": _feishu}


def fitted(channel: ChatChannel, message: Message) -> dict:
    """The platform's payload for `message`, shortened to the platform's limit if need be."""
    build = _BUILD[channel.vendor]
    payload = build(channel, message)
    if _fits(channel, payload):
        return payload
    lo, hi = 0, len(message.lines)  # the most lines that fit with the `more` line after them
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _fits(channel, build(channel, message.head(mid))):
            lo = mid
        else:
            hi = mid - 1
    shortened = message.head(lo)
    while not _fits(channel, payload := build(channel, shortened)):  # even the title is too long
        shortened = Message(
            clip_bytes(shortened.title, max(utf8_len(shortened.title) // 2, 8)),
            (message.more,),
            message.more,
            message.mentions,
            message.lang,
        )
    return payload


def parts(channel: ChatChannel, message: Message, attach: Path | None = None) -> list[dict]:
    """The POSTs that carry `message`: one; for WeCom also a text @-mentioning mobiles, and the
    file `attach` (the full brief) through its upload API."""
    out = [fitted(channel, message)]
    mobiles = [i for i in _ids(channel, message) if _MOBILE.match(i)]
    if channel.vendor == "wecom" and mobiles:
        text = clip_bytes(_with_keyword(channel, message.title, ""), WECOM_TEXT)
        out.append({"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": mobiles}})
    if channel.vendor == "wecom" and attach is not None:
        out.append({"msgtype": "file", UPLOAD: str(attach)})
    return out

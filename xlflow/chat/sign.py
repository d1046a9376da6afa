"""The two signatures, computed when a message is sent (the platforms refuse a timestamp more
than an hour off, so a signature is never reused).

DingTalk: `timestamp` in milliseconds; `sign` = URL-encoded base64 of HMAC-SHA256 with the secret
as the key over "timestamp\\nsecret"; both go in the query string.
Feishu/Lark: `timestamp` in seconds; `sign` = base64 of HMAC-SHA256 whose *key* is
"timestamp\\nsecret" over an empty message, not URL-encoded; both go in the JSON body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    text = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), text, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def feishu_sign(timestamp_s: int, secret: str) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def signed_url(url: str, timestamp_ms: int, secret: str) -> str:
    """The DingTalk webhook with `timestamp` and `sign` added to its query."""
    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{sep}timestamp={timestamp_ms}&sign={dingtalk_sign(timestamp_ms, secret)}"

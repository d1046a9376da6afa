"""One JSON POST with the standard library (urllib.request).

Why not a library: the three robots need a JSON POST each (and WeCom one multipart upload, below);
what matters is reading the error code in an HTTP 200 body, which the general notification
libraries skip (they report "sent" on HTTP 200). urllib gives the status, the body and every
network error as an exception, with TLS verified by the system's certificates, and adds no
dependency to a tool that runs on office PCs.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

MAX_ANSWER_BYTES = 65_536


@dataclass(frozen=True)
class Answer:
    """What the platform said: the HTTP status and the JSON body (None when it was not JSON)."""

    status: int
    body: dict | None
    text: str


class NetworkError(Exception):
    """No answer at all: refused, reset, timed out, DNS. `maybe_sent`: the request may have
    reached the platform (a timeout or a reset after it went out), unlike a refused connection."""

    def __init__(self, text: str, maybe_sent: bool) -> None:
        super().__init__(text)
        self.maybe_sent = maybe_sent


def post_json(url: str, payload: dict, timeout: float) -> Answer:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "xlflow-chat"},
    )
    return _open(request, timeout)


def _open(request: urllib.request.Request, timeout: float) -> Answer:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _answer(response.status, response.read(MAX_ANSWER_BYTES))
    except urllib.error.HTTPError as exc:
        try:
            raw = exc.read(MAX_ANSWER_BYTES)
        except OSError:
            raw = b""
        return _answer(exc.code, raw)
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        never_sent = isinstance(reason, (ConnectionRefusedError, socket.gaierror))
        raise NetworkError(f"{type(reason).__name__}: {reason}", not never_sent) from None


def upload_file(url: str, path: Path, timeout: float, field: str = "media") -> Answer:
    """A multipart/form-data POST of one file (WeCom's upload_media), its name and length given."""
    boundary = f"xlflow-{uuid.uuid4().hex}"
    data = path.read_bytes()
    quoted = "".join(" " if c in '"\r\n' else c for c in path.name)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{quoted}"; '
        f"filelength={len(data)}\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode("ascii")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "User-Agent": "xlflow-chat"},
    )
    return _open(request, timeout)


def _answer(status: int, raw: bytes) -> Answer:
    text = raw.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    return Answer(status, body if isinstance(body, dict) else None, text[:500])

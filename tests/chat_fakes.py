"""Fake DingTalk, WeCom and Feishu robots on 127.0.0.1 that enforce the rules as the platforms do:
the signature recomputed with an injectable clock, a timestamp more than an hour off refused,
the keyword, the body size, the rate (DingTalk: a 21st message in a minute, then 10 minutes of
refusals), and every error answered with the platform's own body at HTTP 200.

The signatures here are written from the platforms' documentation, independently of xlflow/chat/sign.py.
"""
from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SimClock:
    """A clock the sender sleeps on: sleeping moves it on at once."""

    def __init__(self, start: float | None = None) -> None:
        self.t = time.time() if start is None else start  # messages are queued at real time
        self.lock = threading.Lock()

    def now(self) -> float:
        with self.lock:
            return self.t

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.t += max(seconds, 0.0)


@dataclass
class Fake:
    vendor: str
    token: str = "tok3n-ABCDEF123456"
    secret: str = ""
    keyword: str = ""
    clock: Callable[[], float] = time.time
    delivered: list = field(default_factory=list)  # (time, body) of each message the group shows
    refused: list = field(default_factory=list)  # (time, code) of each refusal
    faults: list = field(default_factory=list)  # what the next requests meet: "500", "429", "close", "hang", "deliver-hang"
    arrived: threading.Event = field(default_factory=threading.Event)  # set when a request hits a hang fault
    release: threading.Event = field(default_factory=threading.Event)
    posts: list = field(default_factory=list)
    media: dict = field(default_factory=dict)  # WeCom: media_id -> (file name, bytes) uploaded
    locked_until: float = 0.0
    server: ThreadingHTTPServer | None = None

    # --- the platform's rules -------------------------------------------------------------------

    def answer(self, path: str, body: bytes, content_type: str = "") -> tuple[int, dict]:
        now = self.clock()
        if self.vendor == "wecom":
            return self._wecom(path, body, now, content_type)
        return {"dingtalk": self._dingtalk, "feishu": self._feishu}[self.vendor](path, body, now)

    def _rate(self, now: float, limit: int, window: float = 60.0, per_second: int = 0) -> bool:
        """True when this request would be over `limit` in the last `window` (or `per_second`); the
        requests taken are counted (a refused one is not)."""
        over = sum(1 for t in self.posts if now - window < t <= now) >= limit
        over = over or (per_second > 0 and sum(1 for t in self.posts if now - 1.0 < t <= now) >= per_second)
        if not over:
            self.posts.append(now)
        return over

    def _dingtalk(self, path: str, raw: bytes, now: float) -> tuple[int, dict]:
        url = urllib.parse.urlsplit(path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path != "/robot/send" or q.get("access_token") != self.token:
            return self._no(now, 300005, "token is not exist")
        if now < self.locked_until:
            return self._no(now, 130101, "send too fast, exceed 20 times per minute")
        if self._rate(now, 20):
            self.locked_until = now + 600
            return self._no(now, 130101, "send too fast, exceed 20 times per minute")
        if self.secret:
            ts = q.get("timestamp", "")
            if not ts.isdigit() or abs(int(ts) - now * 1000) > 3_600_000:
                return self._no(now, 310000, "invalid timestamp")
            mac = hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(), hashlib.sha256).digest()
            if q.get("sign") != base64.b64encode(mac).decode():
                return self._no(now, 310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]")
        if len(raw) > 20_000:
            return self._no(now, 460101, "message too long, exceed 20000 bytes")
        body = json.loads(raw)
        if body.get("msgtype") == "markdown" and not body.get("markdown", {}).get("title"):
            return self._no(now, 400402, "markdown title is empty")
        if self.keyword and self.keyword not in json.dumps(body.get(body.get("msgtype"), {}), ensure_ascii=False):
            return self._no(now, 310000, "keywords not in content, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]")
        return self._ok(now, body, {"errcode": 0, "errmsg": "ok"})

    def _wecom(self, path: str, raw: bytes, now: float, content_type: str = "") -> tuple[int, dict]:
        url = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if query.get("key") != self.token or url.path not in ("/cgi-bin/webhook/send", "/cgi-bin/webhook/upload_media"):
            return self._no(now, 93000, "invalid webhook url, hint: [1733000000_1_abc]")
        if url.path.endswith("upload_media"):
            return self._wecom_upload(raw, content_type, query.get("type"), now)
        if self._rate(now, 20):
            return self._no(now, 45009, "api freq out of limit, hint: [1733000000_2_abc]")
        body = json.loads(raw)
        if body.get("msgtype") == "markdown" and len(body["markdown"]["content"].encode()) > 4096:
            return self._no(now, 40058, "markdown.content exceed max length 4096. invalid Request Parameter")
        if body.get("msgtype") == "file" and body.get("file", {}).get("media_id") not in self.media:
            return self._no(now, 40007, "invalid media_id")
        if body.get("msgtype") == "text" and len(body["text"]["content"].encode()) > 2048:
            return self._no(now, 40058, "content exceed max length 2048. invalid Request Parameter")
        return self._ok(now, body, {"errcode": 0, "errmsg": "ok"})

    def _wecom_upload(self, raw: bytes, content_type: str, kind: str | None, now: float) -> tuple[int, dict]:
        """multipart/form-data, field `media` with filename and filelength, 5 B to 20 MB."""
        form = email.message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw,
                                        policy=email.policy.HTTP)
        files = [p for p in form.iter_parts() if p.get_param("name", header="content-disposition") == "media"]
        data = files[0].get_payload(decode=True) if files else b""
        if kind not in ("file", "voice") or not files or not 5 <= len(data) <= 20 * 1024 * 1024:
            return self._no(now, 44001, "empty media data or invalid media type")
        media_id = f"3a{len(self.media):04d}media"
        self.media[media_id] = (files[0].get_filename(), data)
        return 200, {"errcode": 0, "errmsg": "ok", "type": kind, "media_id": media_id, "created_at": str(int(now))}

    def _feishu(self, path: str, raw: bytes, now: float) -> tuple[int, dict]:
        if path != f"/open-apis/bot/v2/hook/{self.token}":
            return self._no(now, 19001, "param invalid: incoming webhook access token invalid", "code")
        if self._rate(now, 100, per_second=5):
            return self._no(now, 11232, "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]", "code")
        if len(raw) > 20 * 1024:
            return self._no(now, 9499, "Bad Request", "code")
        body = json.loads(raw)
        if self.secret:
            ts = str(body.get("timestamp", ""))
            key = f"{ts}\n{self.secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if not ts.isdigit() or abs(int(ts) - now) > 3600 or body.get("sign") != expected:
                return self._no(now, 19021, "sign match fail or timestamp is not within one hour from current time", "code")
        if self.keyword and self.keyword not in json.dumps(body.get("content", {}), ensure_ascii=False):
            return self._no(now, 19024, "Key Words Not Found", "code")
        return self._ok(now, body, {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"})

    def _no(self, now: float, code: int, text: str, kind: str = "errcode") -> tuple[int, dict]:
        self.refused.append((now, code))
        if kind == "code":
            return 200, {"code": code, "data": {}, "msg": text}
        return 200, {"errcode": code, "errmsg": text}

    def _ok(self, now: float, body: dict, answer: dict) -> tuple[int, dict]:
        self.delivered.append((now, body))
        return 200, answer

    # --- the server --------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def webhook(self) -> str:
        return {"dingtalk": f"{self.base}/robot/send?access_token={self.token}",
                "wecom": f"{self.base}/cgi-bin/webhook/send?key={self.token}",
                "feishu": f"{self.base}/open-apis/bot/v2/hook/{self.token}"}[self.vendor]

    def texts(self) -> list[str]:
        return [json.dumps(b, ensure_ascii=False) for _, b in self.delivered]

    def start(self) -> Fake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fault = fake.faults.pop(0) if fake.faults else None
                if fault in ("500", "429"):
                    return self._send(int(fault), b"<html>busy</html>")
                if fault == "close":
                    self.close_connection = True
                    return
                if fault in ("hang", "deliver-hang"):
                    if fault == "deliver-hang":
                        fake.answer(self.path, raw)
                    fake.arrived.set()
                    fake.release.wait(60)
                    return  # the client is gone (killed) or times out: no answer
                status, answer = fake.answer(self.path, raw, self.headers.get("Content-Type", ""))
                self._send(status, json.dumps(answer).encode())

            def _send(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()

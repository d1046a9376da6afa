"""Sends what waits in the chat outbox, paced under each platform's rate.

Pacing never blocks the producers: they only queue (outbox.py); a sender drains the queue,
waiting when a channel's minute is full. The clock, the sleep and the POST are injectable so
that the tests can run a burst against a simulated minute.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import msg
from .answers import OK, RETRY, Verdict, classify
from .config import ChatChannel, redact
from .http import Answer, NetworkError, post_json, upload_file
from .outbox import ChatOutbox, Rate, Row
from .sign import feishu_sign, signed_url
from .vendors import UPLOAD, WECOM_FILE_BYTES

# Under the published limits, with a margin for the clocks of two machines: DingTalk and WeCom
# 20 a minute per robot, Feishu 100 a minute and 5 a second.
RATES = {"dingtalk": Rate(18), "wecom": Rate(18), "feishu": Rate(90, 4)}
BACKOFF = (5.0, 15.0, 60.0, 300.0, 900.0)  # seconds before the 2nd, 3rd … try of a transient failure
TIMEOUT = 15.0


@dataclass
class SendStats:
    sent: int = 0
    retries: int = 0
    stopped: list[str] = field(default_factory=list)
    waited: float = 0.0


class Sender:
    def __init__(
        self,
        outbox: ChatOutbox,
        channels: tuple[ChatChannel, ...],
        lang: str = "zh",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        post: Callable[[str, dict, float], Answer] = post_json,
        env: dict | None = None,
        upload: Callable[[str, Path, float], Answer] = upload_file,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.outbox, self.channels, self.lang = outbox, channels, lang
        self.clock, self.sleep, self.post, self.upload = clock, sleep, post, upload
        self.env = os.environ if env is None else env
        self.on_event = on_event or (lambda line: None)

    def drain(self, wait: bool = True, stop: Callable[[], bool] = lambda: False, max_wait: float = 3600.0) -> SendStats:
        """Send until nothing waits. With `wait`, sleep through the rate windows and backoffs
        (at most `max_wait` seconds in one go); without, return once nothing can go right now."""
        stats = SendStats()
        while not stop():
            waits = [w for w in (self.step(ch, stats) for ch in self.channels) if w is not None]
            if any(w == 0 for w in waits):
                continue
            if not waits or not wait:
                break
            pause = min(min(waits), max_wait)
            stats.waited += pause
            self.sleep(pause)
        return stats

    def step(self, channel: ChatChannel, stats: SendStats) -> float | None:
        """POST one part for `channel`: 0 when one went (or failed), seconds to wait, or None."""
        claimed = self.outbox.claim(channel.name, self.clock(), RATES[channel.vendor])
        if claimed is None or isinstance(claimed, float):
            return claimed
        verdict = self.send_part(channel, claimed.part)
        self.record(channel, claimed, verdict, stats)
        return 0

    def send_part(self, channel: ChatChannel, part: dict) -> Verdict:
        """POST one part, signed now. A network error or a missing secret is a verdict too."""
        if UPLOAD in part:
            try:
                uploaded = self._uploaded(channel, part)
            except NetworkError as exc:
                return Verdict(RETRY, "", redact(str(exc), channel.secrets(self.env)), maybe_sent=exc.maybe_sent)
            if isinstance(uploaded, Verdict):
                return uploaded
            part = uploaded
        secret = self.env.get(channel.secret_env, "") if channel.secret_env else ""
        if channel.secret_env and not secret:
            return Verdict("stop", "", msg("chat-no-secret", self.lang, env=channel.secret_env), fix="secret")
        url, body = channel.webhook, dict(part)
        now = self.clock()
        if secret and channel.vendor == "dingtalk":
            url = signed_url(url, int(now * 1000), secret)
        elif secret and channel.vendor == "feishu":
            body = {"timestamp": str(int(now)), "sign": feishu_sign(int(now), secret), **body}
        try:
            return classify(channel.vendor, self.post(url, body, TIMEOUT))
        except NetworkError as exc:
            return Verdict(RETRY, "", redact(str(exc), channel.secrets(self.env)), maybe_sent=exc.maybe_sent)

    def _uploaded(self, channel: ChatChannel, part: dict) -> dict | Verdict:
        """WeCom: the file uploaded now (a media_id lasts 3 days, for this robot only), then its message."""
        path = Path(part[UPLOAD])
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        if not 5 <= size <= WECOM_FILE_BYTES:  # gone since, or outside what WeCom takes: the link line said where
            return Verdict(OK, "0", "file skipped")
        url = channel.webhook.replace("/webhook/send", "/webhook/upload_media") + "&type=file"
        answer = self.upload(url, path, TIMEOUT)
        verdict = classify(channel.vendor, answer)
        if verdict.kind != OK:
            return verdict
        return {"msgtype": "file", "file": {"media_id": str((answer.body or {}).get("media_id", ""))}}

    def record(self, channel: ChatChannel, row: Row, verdict: Verdict, stats: SendStats) -> None:
        now, said = self.clock(), redact(verdict.said, channel.secrets(self.env))
        if verdict.kind == OK:
            stats.sent += self.outbox.part_done(row, now)
            return
        if verdict.kind == RETRY:
            stats.retries += 1
            backoff = BACKOFF[min(row.attempts - 1, len(BACKOFF) - 1)]
            if verdict.wait:
                self.outbox.pause(channel.name, now + verdict.wait)
            self.outbox.again_later(
                row,
                now + max(backoff, verdict.wait or 0),
                f"{verdict.code} {said}".strip(),
                uncertain=verdict.maybe_sent,
            )
            self.on_event(msg("chat-log-retry", self.lang, channel=channel.name, code=verdict.code, said=said))
            return
        reason = stop_reason(channel, verdict, said, self.lang)
        if verdict.fix == "too-long":
            self.outbox.give_up(row, reason)
        self.outbox.stop(channel.name, reason, now)
        stats.stopped.append(channel.name)
        self.on_event(msg("chat-log-stopped", self.lang, channel=channel.name, reason=reason))


def stop_reason(channel: ChatChannel, verdict: Verdict, said: str, lang: str) -> str:
    """ "errcode 310000: sign not match — check the secret in XLFLOW_CHAT_SECRET …" (masked)."""
    answer = msg("chat-answer", lang, code=verdict.code, said=said) if verdict.code else said
    fix = msg(
        f"chat-fix-{verdict.fix or 'other'}",
        lang,
        env=channel.secret_env or "—",
        vendor=channel.vendor,
        name=channel.name,
    )
    return f"{answer} — {fix}"

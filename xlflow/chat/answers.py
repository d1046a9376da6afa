"""What a platform's answer means: delivered, try again later, or stop the channel.

All three answer errors with HTTP 200 and a code in the body: a message is delivered only when
`errcode` (DingTalk, WeCom) or `code` (Feishu; legacy `StatusCode`) is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from .http import Answer

OK, RETRY, STOP = "ok", "retry", "stop"

# code -> (verdict, seconds to wait before the next try | None, what to do (message key suffix))
_CODES = {
    "dingtalk": {
        130101: (RETRY, 600.0, ""),  # send too fast: the robot is locked out for 10 minutes
        -1: (RETRY, None, ""),  # system busy
        310000: (STOP, None, "security"),  # keyword / sign / timestamp / IP: the errmsg says which
        300005: (STOP, None, "token"),
        300001: (STOP, None, "token"),
        460101: (STOP, None, "too-long"),
        101002: (STOP, None, "too-long"),
        400402: (STOP, None, "other"),
        90030: (STOP, None, "quota"),
    },
    "wecom": {
        45009: (RETRY, 60.0, ""),  # api freq out of limit
        -1: (RETRY, None, ""),
        93000: (STOP, None, "token"),
        40058: (STOP, None, "too-long"),
    },
    "feishu": {
        11232: (RETRY, 30.0, ""),  # throttled
        19021: (STOP, None, "sign"),
        19022: (STOP, None, "ip"),
        19024: (STOP, None, "keyword"),
        9499: (STOP, None, "other"),
        19036: (STOP, None, "too-long"),
    },
}


@dataclass(frozen=True)
class Verdict:
    kind: str  # ok | retry | stop
    code: str  # the platform's code or the HTTP status, as text ("" when none)
    said: str  # the platform's own message
    wait: float | None = None  # at least this long before the next try (a lock-out)
    fix: str = ""  # which "what to do" sentence goes with a stop
    maybe_sent: bool = False  # no answer, but the platform may have taken it (sent again: flagged)


def _code_and_text(vendor: str, body: dict) -> tuple[object, str]:
    if vendor == "feishu":
        code = body.get("code", body.get("StatusCode"))
        return code, str(body.get("msg", body.get("StatusMessage", "")))
    return body.get("errcode"), str(body.get("errmsg", ""))


def _security_fix(said: str) -> str:
    low = said.lower()
    for words, fix in (
        (("keyword", "关键词"), "keyword"),
        (("sign", "timestamp", "签名", "时间戳"), "sign"),
        (("whitelist", "ip ", "白名单"), "ip"),
    ):
        if any(w in low for w in words):
            return fix
    return "other"


def classify(vendor: str, answer: Answer) -> Verdict:
    if answer.status == 429 or answer.status >= 500:
        return Verdict(RETRY, str(answer.status), answer.text[:200])
    if answer.status != 200:
        return Verdict(STOP, str(answer.status), answer.text[:200], fix="token" if answer.status == 404 else "other")
    if answer.body is None:  # a proxy's page instead of the platform's JSON: try again later
        return Verdict(RETRY, "200", answer.text[:200])
    code, said = _code_and_text(vendor, answer.body)
    if code == 0:
        return Verdict(OK, "0", said)
    if not isinstance(code, int):
        return Verdict(RETRY, str(code), said or answer.text[:200])
    kind, wait, fix = _CODES[vendor].get(code, (STOP, None, "other"))
    if fix == "security":
        fix = _security_fix(said)
    return Verdict(kind, str(code), said, wait, fix)

"""The platforms' answers as they come (all at HTTP 200), judged by their code, not their status."""
from __future__ import annotations

import pytest

from xlflow.chat.answers import OK, RETRY, STOP, classify
from xlflow.chat.http import Answer


def _a(body: dict | None, status: int = 200, text: str = "") -> Answer:
    return Answer(status, body, text)


@pytest.mark.parametrize("vendor, body, kind, fix, wait", [
    ("dingtalk", {"errcode": 0, "errmsg": "ok"}, OK, "", None),
    ("dingtalk", {"errcode": 310000, "errmsg": "sign not match, more: [...]"}, STOP, "sign", None),
    ("dingtalk", {"errcode": 310000, "errmsg": "invalid timestamp"}, STOP, "sign", None),
    ("dingtalk", {"errcode": 310000, "errmsg": "keywords not in content"}, STOP, "keyword", None),
    ("dingtalk", {"errcode": 310000, "errmsg": "ip 1.2.3.4 not in whitelist"}, STOP, "ip", None),
    ("dingtalk", {"errcode": 310000, "errmsg": "description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳必须在一小时内"},
     STOP, "sign", None),
    ("dingtalk", {"errcode": 300005, "errmsg": "token is not exist"}, STOP, "token", None),
    ("dingtalk", {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, RETRY, "", 600.0),
    ("dingtalk", {"errcode": 460101, "errmsg": "message too long"}, STOP, "too-long", None),
    ("dingtalk", {"errcode": 90030, "errmsg": "webhook over limit"}, STOP, "quota", None),
    ("wecom", {"errcode": 45009, "errmsg": "api freq out of limit"}, RETRY, "", 60.0),
    ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, STOP, "token", None),
    ("wecom", {"errcode": -1, "errmsg": "system busy"}, RETRY, "", None),
    ("feishu", {"code": 0, "msg": "success", "data": {}}, OK, "", None),
    ("feishu", {"StatusCode": 0, "StatusMessage": "success"}, OK, "", None),
    ("feishu", {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"},
     STOP, "sign", None),
    ("feishu", {"code": 19024, "msg": "Key Words Not Found"}, STOP, "keyword", None),
    ("feishu", {"code": 11232, "msg": "frequency limited"}, RETRY, "", 30.0),
    ("feishu", {"code": 12345, "msg": "something new"}, STOP, "other", None),
])
def test_the_code_decides(vendor, body, kind, fix, wait):
    verdict = classify(vendor, _a(body))
    assert (verdict.kind, verdict.fix, verdict.wait) == (kind, fix, wait)


def test_http_statuses_and_pages_that_are_not_the_platforms():
    assert classify("wecom", _a(None, 502, "<html>Bad Gateway</html>")).kind == RETRY
    assert classify("wecom", _a(None, 429)).kind == RETRY
    assert classify("feishu", _a(None, 404)).fix == "token"
    assert classify("dingtalk", _a(None, 200, "<html>proxy login</html>")).kind == RETRY  # not JSON: not a "sent"
    assert classify("dingtalk", _a({"errmsg": "no code"})).kind == RETRY

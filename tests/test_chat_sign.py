"""The signers against published examples, and the usual mix-up refused by the Feishu fake."""
from __future__ import annotations

import urllib.parse

from chat_fakes import Fake, SimClock
from chat_helpers import SECRET, chat_table, chat_workspace, sim_sender
from xlflow.chat.config import load_channels
from xlflow.chat.message import Message
from xlflow.chat.outbox import ChatOutbox
from xlflow.chat.sign import dingtalk_sign, feishu_sign, signed_url
from xlflow.chat.vendors import parts


def test_dingtalk_sign_matches_the_published_example():
    # The Rust crate `dingding` 0.1.1 (src/signature.rs) publishes this pair; openssl agrees:
    # printf '1700000000000\nsecret' | openssl dgst -sha256 -hmac secret -binary | base64
    assert dingtalk_sign(1700000000000, "secret") == "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"


def test_feishu_sign_matches_the_published_example():
    # 1599360473 is the sample timestamp of Feishu's custom-bot guide; two public projects' tests
    # (a "FeishuPusher" and a "build_lark_signature") publish this pair with the secret "demo".
    assert feishu_sign(1599360473, "demo") == "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8="


def test_feishu_sign_keys_the_hmac_with_timestamp_and_secret_over_nothing():
    # Feishu's documented algorithm (key = "timestamp\nsecret", empty message), computed by openssl:
    # printf '' | openssl dgst -sha256 -hmac "$(printf '1599360473\ntest-secret')" -binary | base64
    assert feishu_sign(1599360473, "test-secret") == "wSds2BzzFIIGf/WrhUO+NI1q/9j+FRJd3JNHKAq0NZY="
    # not URL-encoded (it travels in the JSON body), and not the DingTalk scheme
    assert feishu_sign(1599360473, "test-secret") != urllib.parse.unquote(dingtalk_sign(1599360473, "test-secret"))


def test_signed_url_adds_milliseconds_and_the_encoded_sign_once():
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=T", 1700000000000, "secret")
    assert url.endswith("&timestamp=1700000000000&sign=OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D")


def test_the_feishu_fake_refuses_a_dingtalk_style_signature(tmp_path):
    clock = SimClock()
    fake = Fake("feishu", secret=SECRET, clock=clock.now).start()
    try:
        ws = chat_workspace(tmp_path / "ws", [chat_table("飞书群", fake, "FS_SECRET")])
        channel = load_channels(ws)[0]
        body = parts(channel, Message("t", ("line",), "more"))[0]
        ts = int(clock.now())
        from xlflow.chat.http import post_json
        wrong = post_json(fake.webhook, {"timestamp": str(ts), "sign": urllib.parse.unquote(dingtalk_sign(ts, SECRET)),
                                         **body}, 5)
        assert wrong.status == 200 and wrong.body["code"] == 19021
        right = post_json(fake.webhook, {"timestamp": str(ts), "sign": feishu_sign(ts, SECRET), **body}, 5)
        assert right.body["code"] == 0 and len(fake.delivered) == 1
    finally:
        fake.stop()


def test_a_signature_is_made_when_sent_never_reused(tmp_path):
    """A message queued and sent two hours later carries a fresh timestamp: the fake accepts it."""
    clock = SimClock()
    fake = Fake("dingtalk", secret=SECRET, clock=clock.now).start()
    try:
        ws = chat_workspace(tmp_path / "ws", [chat_table("钉钉群", fake, "DT_SECRET")])
        sender = sim_sender(ws, clock, {"DT_SECRET": SECRET})
        channel = sender.channels[0]
        ChatOutbox(ws.state_db).enqueue(channel.name, "intake", "k1", parts(channel, Message("t", ("a",), "m")),
                                        clock.now())
        clock.sleep(7200)
        assert sender.drain().sent == 1 and len(fake.delivered) == 1
    finally:
        fake.stop()

"""The [[chat]] tables: read with their defaults; a wrong or missing key named with its line."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from xlflow.chat.config import EVENTS, load_channels, mask_url
from xlflow.cli import main
from xlflow.config import load_workspace
from xlflow.errors import ConfigError
from xlflow.service.scaffold import init_workspace

GOOD = '''
[[chat]]
name = "项目群"
vendor = "dingtalk"
webhook = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef"
secret_env = "XLFLOW_CHAT_SECRET"
keyword = "项目"

[chat.mention]
RD = "13800000001"

[[chat]]
name = "领导群"
vendor = "feishu"
webhook = "https://open.feishu.cn/open-apis/bot/v2/hook/8f1c2d3e-aaaa-bbbb-cccc-0123456789ab"
events = ["brief", "escalation"]
'''


def _ws(tmp_path, extra: str):
    ws = init_workspace(tmp_path / "ws", "en", sample=True)
    path = ws.root / "xlflow.toml"
    path.write_text(path.read_text("utf-8") + extra, "utf-8")
    return load_workspace(ws.root), path.read_text("utf-8").splitlines()


def test_two_channels_with_their_defaults(tmp_path):
    ws, _ = _ws(tmp_path, GOOD)
    a, b = load_channels(ws)
    assert (a.name, a.vendor, a.secret_env, a.keyword, a.events, a.mention) == (
        "项目群", "dingtalk", "XLFLOW_CHAT_SECRET", "项目", EVENTS, {"RD": "13800000001"})
    assert (b.vendor, b.events, b.mention, b.secret_env) == ("feishu", ("brief", "escalation"), {}, "")
    assert a.masked == "https://oapi.dingtalk.com/robot/send?access_token=…cdef"
    assert b.masked == "https://open.feishu.cn/open-apis/bot/v2/hook/…89ab"
    assert "0123456789abcdef0123" not in repr(a)


@pytest.mark.parametrize("change, key, words", [
    (('vendor = "feishu"', 'vendor = "slack"'), "chat.vendor", "dingtalk, wecom, feishu"),
    (('hook/8f1c', 'hook/8f1c'), None, None),
    (('webhook = "https://open.feishu.cn', 'webhook = "http://open.feishu.cn'), "chat.webhook", "https://"),
    (('events = ["brief", "escalation"]', 'events = ["brief", "gossip"]'), "chat.events", "gossip"),
    (('secret_env = "XLFLOW_CHAT_SECRET"', 'secret_env = "SEC123 abc"'), "chat.secret_env", "not the secret"),
    (('RD = "13800000001"', 'XX = "13800000001"'), "chat.mention.XX", "XX"),
    (('name = "领导群"', 'name = "项目群"'), "chat.name", "项目群"),
    (('keyword = "项目"', 'keyword = "项目"\ncolour = "red"'), "chat.colour", "colour"),
])
def test_a_wrong_key_is_named_with_its_line(tmp_path, change, key, words):
    ws, _ = _ws(tmp_path, GOOD.replace(*change))
    if key is None:
        assert len(load_channels(ws)) == 2
        return
    with pytest.raises(ConfigError) as err:
        load_channels(ws)
    text = err.value.message("en")
    lines = (ws.root / "xlflow.toml").read_text("utf-8").splitlines()
    line = err.value.params["line"]
    assert err.value.params["key"] == key and words in text
    assert key.rsplit(".", 1)[-1] in lines[line - 1] or key == "chat.mention.XX" and "XX" in lines[line - 1]


def test_a_missing_webhook_names_its_table(tmp_path):
    ws, lines = _ws(tmp_path, GOOD.replace('webhook = "https://open.feishu.cn/open-apis/bot/v2/hook/'
                                           '8f1c2d3e-aaaa-bbbb-cccc-0123456789ab"\n', ''))
    with pytest.raises(ConfigError) as err:
        load_channels(ws)
    assert err.value.params["key"] == "chat.webhook"
    assert lines[err.value.params["line"] - 1].strip() == "[[chat]]" and err.value.params["line"] > 70


def test_a_wrong_table_stops_any_command_with_its_line_not_a_traceback(tmp_path):
    ws, _ = _ws(tmp_path, GOOD.replace('vendor = "feishu"', 'vendor = "lark"'))
    result = CliRunner().invoke(main, ["status", "-w", str(ws.root)])
    assert result.exit_code == 1 and "chat.vendor" in result.output and "Traceback" not in result.output


def test_mask_url_keeps_no_token():
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    assert mask_url(url) == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…5aaa"

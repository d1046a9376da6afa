"""A wrong secret stops the channel with a sentence, and the mail still goes out (real SMTP on
127.0.0.1); the intake line reaches a working robot without the intake waiting for it."""
from __future__ import annotations

import datetime as dt
import shutil

from click.testing import CliRunner

from chat_fakes import Fake
from chat_helpers import SECRET, chat_table
from mail_helpers import SMTPServer
from test_watch_mail import configure_smtp_file
from watch_helpers import make_ws, sample, wait_until
from xlflow.chat.outbox import ChatOutbox
from xlflow.cli import main
from xlflow.config import load_workspace
from xlflow.watcher import process_inbox


def test_a_wrong_secret_stops_the_channel_and_mail_goes_on(tmp_path, tls_cert, monkeypatch):
    dingtalk = Fake("dingtalk", secret=SECRET).start()
    wecom = Fake("wecom").start()
    try:
        ws = make_ws(tmp_path / "ws", lang="zh")
        with SMTPServer(*tls_cert, security="none") as server:
            configure_smtp_file(ws.root, server.port)
            config = ws.root / "xlflow.toml"
            config.write_text(config.read_text("utf-8") + chat_table("项目群", dingtalk, "DT_SECRET")
                              + chat_table("企业微信群", wecom, events=["intake"]), "utf-8")
            monkeypatch.setenv("DT_SECRET", "SECnot-the-robots-secret")
            ws = load_workspace(ws.root)
            shutil.copy(sample("RD", 46), ws.folder("inbox"))
            outcomes = process_inbox(ws, as_of=dt.date(2026, 11, 13))
            assert [o.result for o in outcomes] == ["accepted"]
            wait_until(lambda: len(server.received) >= 1)  # the submitter's feedback went out
            box = ChatOutbox(ws.state_db)
            wait_until(lambda: box.channel_state("项目群").state == "stopped" and wecom.delivered)
        assert "研发部" in wecom.texts()[0] and "已接收" in wecom.texts()[0]
        result = CliRunner().invoke(main, ["status", "-w", str(ws.root)])
        assert "群项目群（dingtalk）：自" in result.output and "310000" in result.output
        assert "请核对环境变量 DT_SECRET 中的密钥" in result.output and "邮件照常" in result.output
        assert "群企业微信群（wecom）：正常，待发 0 条，已发 1 条" in result.output
        assert SECRET not in result.output and dingtalk.token not in result.output

        monkeypatch.setenv("DT_SECRET", SECRET)  # the coordinator fixes the secret and tests the group
        result = CliRunner().invoke(main, ["chat", "test", "项目群", "-w", str(ws.root)])
        assert result.exit_code == 0 and "已送达" in result.output and "已恢复发送" in result.output
        assert "…3456" in result.output and dingtalk.token not in result.output
        wait_until(lambda: len(dingtalk.delivered) == 2)  # the test message, then the intake line that waited
        assert "研发部" in dingtalk.texts()[1]
    finally:
        dingtalk.stop()
        wecom.stop()

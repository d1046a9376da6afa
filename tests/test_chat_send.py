"""Sending against the fake robots on a simulated clock: pacing, retries, stops, limits, masking."""
from __future__ import annotations

import json

import pytest

from chat_fakes import Fake, SimClock
from chat_helpers import SECRET, chat_table, chat_workspace, sim_sender
from xlflow.chat import events, probe as probe_mod, sender as sender_mod
from xlflow.chat.message import Message
from xlflow.chat.outbox import ChatOutbox, Rate
from xlflow.chat.probe import probe
from xlflow.chat.status import status_lines


@pytest.fixture
def clock():
    return SimClock()


@pytest.fixture
def fakes(clock):
    made = []

    def make(vendor, **kw):
        fake = Fake(vendor, clock=clock.now, **kw).start()
        made.append(fake)
        return fake

    yield make
    for fake in made:
        fake.stop()


@pytest.fixture
def no_kick(monkeypatch):
    kicked = []
    monkeypatch.setattr(events, "kick", lambda ws: kicked.append(ws.root))
    monkeypatch.setattr(probe_mod, "kick", lambda ws: kicked.append(ws.root))
    return kicked


def _intake_burst(ws, count=30):
    for i in range(count):
        events.intake(ws, f"tok{i:02d}", "RD", f"研发部_v{i}.xlsx", "accepted", i + 1, 0, i % 3)


def _max_in_a_minute(times):
    return max(sum(1 for u in times if t - 60 < u <= t) for t in times)


def test_a_burst_of_30_reaches_dingtalk_under_20_a_minute_none_lost(tmp_path, clock, fakes, no_kick):
    fake = fakes("dingtalk", secret=SECRET)
    ws = chat_workspace(tmp_path / "ws", [chat_table("项目群", fake, "DT_SECRET")])
    _intake_burst(ws)  # the intake only queues: nothing was sent yet, whatever the rate
    assert fake.delivered == [] and len(no_kick) == 30
    stats = sim_sender(ws, clock, {"DT_SECRET": SECRET}).drain()
    times = [t for t, _ in fake.delivered]
    texts = fake.texts()
    assert stats.sent == 30 and len(fake.delivered) == 30 and fake.refused == []
    assert all(f"研发部_v{i}.xlsx" in texts[i] for i in range(30))  # in order, each once
    assert _max_in_a_minute(times) <= 19
    print(f"burst: 30 messages in {times[-1] - times[0]:.1f} simulated s, at most {_max_in_a_minute(times)} "
          f"in any minute, {stats.retries} retries")


def test_a_sender_above_the_rate_is_locked_out_ten_minutes_and_then_delivers_all(tmp_path, clock, fakes, no_kick,
                                                                                  monkeypatch):
    """Pacing off (a rate above DingTalk's): the fake answers the 21st with 130101; the sender waits the
    10 minutes out instead of hammering, and every message still arrives once."""
    monkeypatch.setitem(sender_mod.RATES, "dingtalk", Rate(100))
    fake = fakes("dingtalk", secret=SECRET)
    ws = chat_workspace(tmp_path / "ws", [chat_table("项目群", fake, "DT_SECRET")])
    _intake_burst(ws)
    start = clock.now()
    stats = sim_sender(ws, clock, {"DT_SECRET": SECRET}).drain()
    assert [code for _, code in fake.refused] == [130101] and stats.retries == 1
    assert len(fake.delivered) == 30 and len({json.dumps(b) for _, b in fake.delivered}) == 30
    assert fake.delivered[20][0] - start >= 600


def test_transient_answers_are_retried_with_backoff(tmp_path, clock, fakes, no_kick):
    fake = fakes("wecom")
    fake.faults[:] = ["500", "429", "close"]
    ws = chat_workspace(tmp_path / "ws", [chat_table("企业微信群", fake)])
    _intake_burst(ws, 3)
    start = clock.now()
    stats = sim_sender(ws, clock).drain()
    assert stats.retries == 3 and stats.sent == 3 and len(fake.delivered) == 3
    assert fake.delivered[0][0] - start >= 5 + 15 + 60  # the backoff grew: 5 s, 15 s, 60 s
    assert "研发部_v0" in fake.texts()[0] and "研发部_v2" in fake.texts()[2]  # order kept


def test_the_network_down_is_retried_not_stopped(tmp_path, clock, fakes, no_kick):
    fake = fakes("wecom")
    ws = chat_workspace(tmp_path / "ws", [chat_table("企业微信群", fake)])
    fake.stop()
    _intake_burst(ws, 1)
    stats = sim_sender(ws, clock).drain(wait=False)
    assert stats.retries == 1 and stats.stopped == []
    assert ChatOutbox(ws.state_db).channel_state("企业微信群").state == "open"


def test_a_wrong_secret_stops_the_channel_with_a_sentence_and_chat_test_reopens_it(tmp_path, clock, fakes, no_kick):
    fake = fakes("dingtalk", secret=SECRET)
    other = fakes("feishu")
    ws = chat_workspace(tmp_path / "ws", [chat_table("项目群", fake, "DT_SECRET"), chat_table("领导群", other)])
    _intake_burst(ws, 3)
    stats = sim_sender(ws, clock, {"DT_SECRET": "SECwrong"}).drain()
    assert stats.stopped == ["项目群"] and len(fake.delivered) == 0 and len(other.delivered) == 3
    line = status_lines(ws, "zh")[0]
    assert "停发" in line and "310000" in line and "sign not match" in line and "DT_SECRET" in line
    assert "xlflow chat test 项目群" in line and "待发 3 条" in line
    results = probe(ws, "项目群", "en", clock=clock.now, env={"DT_SECRET": "SECwrong"})
    assert not results[0].ok and "310000" in results[0].answer
    results = probe(ws, "项目群", "en", clock=clock.now, env={"DT_SECRET": SECRET})
    assert results[0].ok and results[0].reopened and "0" in results[0].answer
    assert sim_sender(ws, clock, {"DT_SECRET": SECRET}).drain().sent == 3 and len(fake.delivered) == 4


def test_a_clock_an_hour_off_is_refused_and_said_so(tmp_path, clock, fakes, no_kick):
    fake = fakes("feishu", secret=SECRET)
    ws = chat_workspace(tmp_path / "ws", [chat_table("飞书群", fake, "FS_SECRET")], lang="en")
    _intake_burst(ws, 1)
    late = SimClock(clock.now() + 3700)
    assert sim_sender(ws, late, {"FS_SECRET": SECRET}).drain().stopped == ["飞书群"]
    assert "19021" in status_lines(ws, "en")[0] and "clock" in status_lines(ws, "en")[0]


def test_the_keyword_is_added_and_a_missing_one_stops_the_channel(tmp_path, clock, fakes, no_kick):
    with_kw, without = fakes("dingtalk", keyword="项目"), fakes("feishu", keyword="项目")
    ws = chat_workspace(tmp_path / "ws", [chat_table("A", with_kw, keyword="项目"), chat_table("B", without)],
                        lang="en")
    _intake_burst(ws, 1)
    stats = sim_sender(ws, clock).drain()
    assert len(with_kw.delivered) == 1 and "项目" in with_kw.texts()[0]
    assert stats.stopped == ["B"] and "19024" in status_lines(ws, "en")[1] and "keyword" in status_lines(ws, "en")[1]


@pytest.mark.parametrize("vendor", ["dingtalk", "wecom", "feishu"])
def test_a_long_message_is_shortened_within_the_limit_never_inside_a_character(tmp_path, clock, fakes, no_kick,
                                                                               vendor):
    fake = fakes(vendor)
    ws = chat_workspace(tmp_path / "ws", [chat_table("群", fake, mention={"RD": "13800000001", "MK": "user_mk"})])
    lines = tuple(f"- RD-{i:03d} 智能水壶温控模块联调测试第{i}轮（延期）— 供应商样品未到 🚚" for i in range(400))
    message = Message("周报", lines, "完整周报见邮件。", ("RD", "MK"))
    events._queue(ws, "brief", "brief:x", lambda lang: message)
    assert sim_sender(ws, clock).drain().sent == 1 and fake.refused == []
    text = fake.texts()[0]
    assert "完整周报见邮件。" in text and "RD-000" in text and "RD-399" not in text
    assert "\ufffd" not in text
    body = fake.delivered[0][1]
    if vendor == "wecom":
        assert 3000 < len(body["markdown"]["content"].encode()) <= 4096 and "<@user_mk>" in body["markdown"]["content"]
        assert fake.delivered[1][1]["text"]["mentioned_mobile_list"] == ["13800000001"]  # mobiles: a text part
    else:
        assert 15_000 < len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()) <= 20_000
    if vendor == "dingtalk":
        assert body["at"] == {"atMobiles": ["13800000001"], "atUserIds": ["user_mk"], "isAtAll": False}
        assert "@13800000001" in body["markdown"]["text"]
    if vendor == "feishu":
        assert body["content"]["post"]["zh_cn"]["content"][-1] == [{"tag": "at", "user_id": "13800000001"},
                                                                   {"tag": "at", "user_id": "user_mk"}]


def test_secrets_and_tokens_appear_nowhere(tmp_path, clock, fakes, no_kick):
    fake = fakes("dingtalk", secret=SECRET)
    ws = chat_workspace(tmp_path / "ws", [chat_table("项目群", fake, "DT_SECRET")])
    _intake_burst(ws, 2)
    sim_sender(ws, clock, {"DT_SECRET": SECRET[:-1] + "x"}).drain()
    shown = "\n".join(status_lines(ws, "zh") + status_lines(ws, "en"))
    shown += "\n".join(r.answer for r in probe(ws, None, "zh", clock=clock.now, env={"DT_SECRET": "SECx"}))
    data = b"".join(p.read_bytes() for p in ws.root.glob("xlflow.sqlite*"))
    for secret in (SECRET, fake.token):
        assert secret not in shown and secret.encode() not in data
    from xlflow.chat.config import load_channels
    assert fake.token not in load_channels(ws)[0].masked and load_channels(ws)[0].masked.endswith("…3456")


def test_a_timeout_after_the_platform_took_the_post_is_sent_again_and_flagged(tmp_path, clock, fakes, no_kick,
                                                                             monkeypatch):
    """The gap no client can close: the platform took it, the answer never came. Sent again, flagged."""
    monkeypatch.setattr(sender_mod, "TIMEOUT", 0.5)
    fake = fakes("feishu")
    fake.faults[:] = ["deliver-hang"]
    ws = chat_workspace(tmp_path / "ws", [chat_table("飞书群", fake)], lang="en")
    _intake_burst(ws, 2)
    stats = sim_sender(ws, clock).drain()
    assert stats.retries == 1 and stats.sent == 2
    assert [t.count("研发部_v0") for t in fake.texts()] == [1, 1, 0]  # v0 twice, v1 once
    rows = ChatOutbox(ws.state_db).rows()
    assert [r["uncertain"] for r in rows] == [1, 0]
    assert "1 resent after an interrupted send" in status_lines(ws, "en")[0]


def test_a_refused_connection_is_not_flagged(tmp_path, clock, fakes, no_kick):
    fake = fakes("wecom")
    ws = chat_workspace(tmp_path / "ws", [chat_table("g", fake)])
    fake.stop()
    _intake_burst(ws, 1)
    sim_sender(ws, clock).drain(wait=False)
    assert [r["uncertain"] for r in ChatOutbox(ws.state_db).rows()] == [0]


def test_old_messages_expire_and_a_new_brief_supersedes_the_waiting_one(tmp_path, clock, fakes, no_kick):
    fake = fakes("wecom")
    ws = chat_workspace(tmp_path / "ws", [chat_table("g", fake)], lang="en")
    box = ChatOutbox(ws.state_db)
    _intake_burst(ws, 2)
    box.enqueue("g", "brief", "brief:2026-W46", [{"msgtype": "text", "text": {"content": "W46"}}], clock.now())
    box.enqueue("g", "brief", "brief:2026-W47", [{"msgtype": "text", "text": {"content": "W47"}}], clock.now())
    clock.sleep(49 * 3600)  # the robot was unreachable for two days
    box.enqueue("g", "intake", "intake:new", [{"msgtype": "text", "text": {"content": "new"}}], clock.now())
    assert box.enqueue("g", "intake", "intake:tok00", [], clock.now()) is False  # known: never queued twice
    assert sim_sender(ws, clock).drain().sent == 1
    assert [r["state"] for r in box.rows()] == ["expired", "expired", "superseded", "expired", "sent"]
    assert fake.texts() == ['{"msgtype": "text", "text": {"content": "new"}}']
    assert "3 given up, unsent after 48 hours" in status_lines(ws, "en")[0]


def test_wecom_gets_the_full_brief_as_a_file_through_its_upload_api(tmp_path, clock, fakes, no_kick):
    fake = fakes("wecom")
    ws = chat_workspace(tmp_path / "ws", [chat_table("企业微信群", fake, mention={"SA": "13800000003"})])
    brief = ws.root / "reports" / "周报-2026-W47.txt"
    brief.parent.mkdir(exist_ok=True)
    brief.write_text("完整周报\n" * 50, "utf-8")
    message = Message("周报", ("一行",), "完整内容见邮件。", ("SA",))
    events._queue(ws, "brief", "brief:2026-W47", lambda lang: message, brief)
    assert sim_sender(ws, clock).drain().sent == 1
    kinds = [b["msgtype"] for _, b in fake.delivered]
    assert kinds == ["markdown", "text", "file"]
    name, data = fake.media[fake.delivered[2][1]["file"]["media_id"]]
    assert name == "周报-2026-W47.txt" and data == brief.read_bytes()

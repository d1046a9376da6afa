"""A kill during sending (SIGKILL of `xlflow chat send`, then a restart) loses nothing, and shows a
message twice only where the platform makes it impossible to know: a POST it took whose answer never
came. Such a message is flagged in the journal and in status."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from chat_fakes import Fake
from chat_helpers import SECRET, chat_table, chat_workspace
from xlflow.chat import events
from xlflow.chat.outbox import ChatOutbox
from xlflow.chat.status import status_lines

COUNT = 10


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setattr(events, "kick", lambda ws: None)  # the test's own process sends nothing
    fake = Fake("dingtalk", secret=SECRET).start()
    ws = chat_workspace(tmp_path / "ws", [chat_table("项目群", fake, "DT_SECRET")])
    for i in range(COUNT):
        events.intake(ws, f"tok{i}", "RD", f"file-{i:02d}.xlsx", "accepted", i + 1, 0, 0)
    yield ws, fake
    fake.stop()


def _sender(ws) -> subprocess.Popen:
    env = {**os.environ, "DT_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "xlflow", "chat", "send", "-w", str(ws.root)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def _finish(ws) -> None:
    out = subprocess.run([sys.executable, "-m", "xlflow", "chat", "send", "-w", str(ws.root)],
                         env={**os.environ, "DT_SECRET": SECRET}, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def _seen(fake) -> list[int]:
    return [int(json.dumps(b, ensure_ascii=False).split("file-")[1][:2]) for _, b in fake.delivered]


def _wait(predicate, seconds=30.0) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < end, "timed out waiting for the sender"
        time.sleep(0.005)


def test_killed_while_the_platform_has_not_taken_the_post(setup):
    ws, fake = setup
    fake.faults[:] = [None] * 3 + ["hang"]  # the 4th POST hangs before the platform takes it
    proc = _sender(ws)
    fake.arrived.wait(30)
    _kill(proc)
    fake.release.set()
    _finish(ws)
    assert _seen(fake) == list(range(COUNT))  # each once, in order
    rows = ChatOutbox(ws.state_db).rows()
    assert all(r["state"] == "sent" for r in rows) and [r["uncertain"] for r in rows].count(1) == 1


def test_killed_after_the_platform_took_the_post_but_before_it_answered(setup):
    """The one case no client can settle: the group shows the 4th twice, and status says so."""
    ws, fake = setup
    fake.faults[:] = [None] * 3 + ["deliver-hang"]
    proc = _sender(ws)
    fake.arrived.wait(30)
    _kill(proc)
    fake.release.set()
    _finish(ws)
    assert _seen(fake) == [0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9]
    assert "1 条在发送中被中断后重发" in status_lines(ws, "zh")[0]


@pytest.mark.parametrize("after", [1, 4, 8])
def test_killed_anywhere_loses_nothing_and_doubles_only_flagged_messages(setup, after):
    ws, fake = setup
    proc = _sender(ws)
    _wait(lambda: len(fake.delivered) >= after or proc.poll() is not None)
    _kill(proc)
    _finish(ws)
    seen = _seen(fake)
    assert sorted(set(seen)) == list(range(COUNT))  # nothing lost
    rows = ChatOutbox(ws.state_db).rows()
    flagged = {i for i, r in enumerate(rows) if r["uncertain"]}
    assert {i for i in seen if seen.count(i) > 1} <= flagged and len(flagged) <= 1
    assert all(r["state"] == "sent" for r in rows)


def test_a_command_that_exits_posts_what_the_rate_allows_and_leaves_the_rest_queued(tmp_path):
    """A one-shot command queues 20 lines and exits at once: the background sender posts the 18 the
    minute allows before the process ends, cuts no POST, and leaves 2 queued for the next run."""
    fake = Fake("dingtalk", secret=SECRET).start()
    try:
        ws = chat_workspace(tmp_path / "ws", [chat_table("项目群", fake, "DT_SECRET")])
        script = ("import sys; from xlflow.config import load_workspace; from xlflow.chat import events\n"
                  "ws = load_workspace(sys.argv[1])\n"
                  "for i in range(20): events.intake(ws, f't{i}', 'RD', f'file-{i:02d}.xlsx', 'accepted', 1, 0, 0)\n")
        done = subprocess.run([sys.executable, "-c", script, str(ws.root)], env={**os.environ, "DT_SECRET": SECRET},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert _seen(fake) == list(range(18))
        assert [r["state"] for r in ChatOutbox(ws.state_db).rows()] == ["sent"] * 18 + ["queued"] * 2
    finally:
        fake.stop()

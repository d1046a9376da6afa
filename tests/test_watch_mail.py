"""Every message reaches its reader: outbox/ is retried (by the watcher with a backoff, by
`xlflow mail retry` by hand), `status` counts what waits, the schedule marks a job only once
its mails are in outbox/, a black-holed SMTP server costs one timeout per watcher run, and
names with control characters never break a header."""
from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mail_helpers import SMTPServer, free_port, with_smtp
from watch_helpers import make_ws, running, sample, wait_until
from xlflow.cli import main
from xlflow.config import WEEKDAYS, load_workspace
from xlflow.errors import MailError, XlflowError
from xlflow.output import breaker as breaker_mod
from xlflow.output.mail import CircuitBreaker, compose, deliver
from xlflow.output.outbox import waiting_mails
from xlflow.service import weekly
from xlflow.watcher import process_inbox


class BlackHole:
    """Accepts TCP connections on 127.0.0.1 and never says a word (a firewalled relay)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def __enter__(self) -> BlackHole:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def plain_smtp(ws, port: int, timeout: float = 5.0):
    return with_smtp(ws, port=port, security="none", username="", timeout=timeout)


def configure_smtp_file(root: Path, port: int, timeout: float = 5.0) -> None:
    """[email] in xlflow.toml pointing at a plain SMTP server on 127.0.0.1 (for the command line)."""
    config = root / "xlflow.toml"
    text = config.read_text("utf-8")
    text = re.sub(r'(?m)^host = "".*$', f'host = "127.0.0.1"\nport = {port}\ntimeout = {timeout}', text, count=1)
    text = re.sub(r'(?m)^port = 587$', "", text)
    text = re.sub(r'(?m)^security = "starttls".*$', 'security = "none"', text)
    config.write_text(text, "utf-8")


def unsent(ws, count: int = 2) -> list[Path]:
    """`count` e-mails waiting in outbox/ (written, not sent)."""
    return [deliver(ws, compose(ws, f"note {i}", "text", None, ["rd@example.com"], kind=f"note-{i}"), send=False).eml
            for i in range(count)]


# --- the breaker -------------------------------------------------------------------------------

def test_the_breaker_backs_off_doubling_and_closes_on_success():
    now = [100.0]
    b = CircuitBreaker(clock=lambda: now[0])
    assert not b.is_open and b.retry_due()
    b.trip()
    assert b.is_open and b.next_try == 130.0 and not b.retry_due()
    now[0] = 130.0
    assert b.retry_due()
    b.trip()
    b.trip()
    assert b.next_try == 130.0 + 120.0  # 30, 60, 120
    for _ in range(10):
        b.trip()
    assert b.backoff == CircuitBreaker.MAX_BACKOFF
    b.close()
    assert not b.is_open and b.retry_due()


def test_a_black_holed_server_costs_one_timeout_per_run_and_the_intake_goes_on(tmp_path):
    ws = make_ws(tmp_path / "ws")
    for dept in ("RD", "MK", "SA"):
        shutil.copyfile(sample(dept, week=46), ws.folder("inbox") / f"{dept.lower()}.xlsx")
    with BlackHole() as hole:
        ws = plain_smtp(ws, hole.port, timeout=1.0)
        started = time.monotonic()
        outcomes = process_inbox(ws, as_of=__import__("datetime").date(2026, 11, 20))
        elapsed = time.monotonic() - started
        connections = len(hole.accepted)
    assert [o.result for o in outcomes] == ["accepted"] * 3
    assert connections == 1  # the first mail waited for the timeout; the others went straight to outbox/
    assert len(waiting_mails(ws)) == 3
    assert "did not answer earlier" in outcomes[-1].note
    assert elapsed < 3 * 1.0 + 20  # not three timeouts on top of the work (generous for slow CI)


def test_the_watcher_retries_the_outbox_with_a_backoff_and_logs_the_outage_once(tmp_path, monkeypatch):
    monkeypatch.setattr(breaker_mod.CircuitBreaker, "FIRST_BACKOFF", 0.5)
    ws = make_ws(tmp_path / "ws")
    with BlackHole() as hole:
        ws = plain_smtp(ws, hole.port, timeout=0.5)
        unsent(ws, 2)
        with running(ws):
            wait_until(lambda: len(hole.accepted) >= 3, timeout=15)  # tried at start, then again later
            time.sleep(1.0)
            tries = len(hole.accepted)
        assert tries <= 8  # 0.5 s, 1 s, 2 s, ... between tries: no busy loop
    log = (ws.root / "logs" / "watch.log").read_text("utf-8")
    assert log.count("could not be sent") == 1
    assert len(waiting_mails(ws)) == 2


def test_the_watcher_sends_what_waits_in_the_outbox_when_the_server_answers(tmp_path, tls_cert):
    ws = make_ws(tmp_path / "ws")
    with SMTPServer(*tls_cert, security="none") as server:
        ws = plain_smtp(ws, server.port)
        unsent(ws, 2)
        with running(ws):
            wait_until(lambda: len(server.received) == 2, timeout=20)
    assert waiting_mails(ws) == [] and len(list((ws.folder("outbox") / "sent").glob("*.eml"))) == 2
    assert "Sent 2 e-mails that were waiting" in (ws.root / "logs" / "watch.log").read_text("utf-8")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mail_retry_by_hand_and_status_shows_what_waits(tmp_path, tls_cert, lang):
    ws = make_ws(tmp_path / "ws", lang=lang)
    runner = CliRunner()
    result = runner.invoke(main, ["mail", "retry", "-w", str(ws.root)])
    assert result.exit_code == 0 and ("No e-mail waits" in result.output or "没有待发送" in result.output)

    unsent(ws, 2)
    result = runner.invoke(main, ["status", "-w", str(ws.root)])
    assert result.exit_code == 0
    assert ("2 e-mails wait in the outbox" in result.output and "send them by hand" in result.output
            if lang == "en" else "2 封邮件待发送" in result.output and "手动发送" in result.output)
    result = runner.invoke(main, ["mail", "retry", "-w", str(ws.root)])  # no server configured
    assert result.exit_code == 0 and len(waiting_mails(ws)) == 2

    port = free_port()  # configured, but nobody listens
    configure_smtp_file(ws.root, port, timeout=1.0)
    result = runner.invoke(main, ["mail", "retry", "-w", str(ws.root)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert ("2 e-mails stay in the outbox" in result.output if lang == "en" else "2 封邮件仍在发件箱" in result.output)
    result = runner.invoke(main, ["status", "-w", str(ws.root)])
    assert ("2 e-mails wait in the outbox" if lang == "en" else "2 封邮件待发送") in result.output

    with SMTPServer(*tls_cert, security="none", port=port) as server:
        result = runner.invoke(main, ["mail", "retry", "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert ("Sent 2 e-mails; still waiting: 0" if lang == "en" else "已发送 2 封邮件") in result.output
    assert len(server.received) == 2 and waiting_mails(load_workspace(ws.root)) == []
    result = runner.invoke(main, ["status", "-w", str(ws.root)])
    assert "outbox (" not in result.output and "发件箱中有" not in result.output


# --- the schedule's marks ----------------------------------------------------------------------

def reminders_due_now(root: Path):
    ws = make_ws(root, schedule=True)
    config = ws.root / "xlflow.toml"
    today = WEEKDAYS[__import__("datetime").date.today().weekday()]
    text = re.sub(r'(?m)^reminder_weekday = .*$', f'reminder_weekday = "{today}"', config.read_text("utf-8"))
    text = re.sub(r'(?m)^reminder_time = .*$', 'reminder_time = "00:00"', text)
    text = re.sub(r'(?m)^send_weekday = .*$', f'send_weekday = "{today}"', text)
    text = re.sub(r'(?m)^send_time = .*$', 'send_time = "00:00"', text)
    config.write_text(text, "utf-8")
    return load_workspace(ws.root)


def marks(ws) -> dict:
    path = ws.folder("reports") / weekly.SCHEDULE_FILE
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def test_the_schedule_marks_nothing_that_did_not_reach_the_outbox(tmp_path, monkeypatch):
    import datetime as dt

    ws = reminders_due_now(tmp_path / "ws")
    now = dt.datetime.now()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(weekly, "deliver_all", full_disk)
    with pytest.raises(OSError):
        weekly.run_schedule(ws, now, send=False)
    assert marks(ws) == {}  # not written to outbox/: not done
    monkeypatch.undo()

    # no merge yet: the brief cannot be built; the reminders are done, the brief is not
    with pytest.raises(XlflowError):
        weekly.run_schedule(ws, now, send=False)
    assert "reminders" in marks(ws) and "brief" not in marks(ws)
    assert list(ws.folder("outbox").glob("*reminder*.eml"))


def test_the_schedule_marks_a_job_whose_mail_waits_in_the_outbox_and_raises_after(tmp_path):
    import datetime as dt

    ws = reminders_due_now(tmp_path / "ws")
    ws = plain_smtp(ws, free_port(), timeout=1.0)  # nobody answers
    config = ws.root / "xlflow.toml"
    config.write_text(re.sub(r'(?m)^send_weekday = .*$', "", config.read_text("utf-8")), "utf-8")
    ws = plain_smtp(load_workspace(ws.root), ws.email.port, timeout=1.0)
    with pytest.raises(MailError):
        weekly.run_schedule(ws, dt.datetime.now(), send=True)
    assert "reminders" in marks(ws)
    waiting = waiting_mails(ws)
    assert waiting and all("reminder" in p.name for p in waiting)


# --- names in headers --------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["\r\n", "\n", "\r", "\x1b[31m", "\x07", "\t"])
def test_compose_cleans_control_characters_from_subject_and_attachment_names(sample_ws, tmp_path, bad):
    attachment = tmp_path / f"rd{bad}plan.xlsx"
    attachment.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    message = compose(sample_ws, f"Feedback{bad}Bcc: evil@example.com", "body", "<p>body</p>",
                      [f"rd@example.com{bad}"], [attachment], kind="feedback")
    data = message.as_bytes()
    assert b"\nBcc:" not in data and b"\x1b" not in data and b"\x07" not in data
    subject = str(message["Subject"])
    assert "Bcc: evil@example.com" in subject and not any(c in subject for c in "\r\n\x1b\x07\x00")
    name = next(message.iter_attachments()).get_filename()
    assert name.startswith("rd") and name.endswith("plan.xlsx") and not any(c in name for c in "\r\n\x1b\x07\x00")
    deliver(sample_ws, message, send=False)  # and it can be written out

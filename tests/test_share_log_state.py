"""`xlflow share log` tells a mail only queued in outbox/ from one the server took: a department's
weekly mail written with no server, or whose server was down, is "queued, not sent"; once the
outbox retry sends it (a real SMTP server on 127.0.0.1), the log says sent, and keeps saying so."""
from __future__ import annotations

from click.testing import CliRunner

from mail_helpers import SMTPServer, with_smtp
from share_helpers import make_ws, sample_week
from xlflow.cli import main
from xlflow.output.mail import retry_outbox
from xlflow.share.ledger import sent_files
from xlflow.share.log import log_lines
from xlflow.share.mail import send_department_mails
from xlflow.store.state import StateDB


def _log(ws, lang="en") -> list[str]:
    return log_lines(ws, lang)[1:]


def test_a_mail_written_without_a_server_is_queued_in_the_log_then_sent_after_the_retry(tmp_path, tls_cert):
    ws = make_ws(tmp_path / "ws", "en")
    result = send_department_mails(ws, sample_week(), send=False)  # no [email] host: only queued
    assert result.errors == [] and not any(d.sent for d in result.deliveries)
    lines = _log(ws)
    assert len(lines) == 4 and all("queued in outbox/, not sent" in line for line in lines), lines
    assert not any(" sent " in line.replace("not sent", "") for line in lines)
    zh = log_lines(ws, "zh")
    assert all("仍在发件箱中，尚未发出" in line for line in zh[1:]), zh

    with SMTPServer(*tls_cert, security="none") as server:
        done = retry_outbox(with_smtp(ws, server))
    assert len(done.sent) == 2 and len(server.received) == 2
    lines = _log(ws)
    assert len(lines) == 4 and all("  sent 20" in line for line in lines), lines
    assert not any("queued" in line for line in lines)
    # remembered in the ledger: the sent copies may be removed by retention later
    assert all(r.delivered for r in sent_files(StateDB(ws.state_db)))
    for eml in (ws.root / "outbox" / "sent").glob("*.eml"):
        eml.unlink()
    assert all("  sent 20" in line for line in _log(ws))


def test_a_mail_whose_server_is_down_is_queued_not_sent(tmp_path):
    ws = with_smtp(make_ws(tmp_path / "ws", "en"))  # a port nobody listens on
    result = send_department_mails(ws, sample_week(), send=True)
    assert result.errors and not any(d.sent for d in result.deliveries)
    out = CliRunner().invoke(main, ["share", "log", "-w", str(ws.root), "--lang", "en"])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()[1:]
    assert lines and all("queued in outbox/, not sent" in line for line in lines), lines


def test_a_copy_replaced_before_it_was_sent_is_not_sent(tmp_path, tls_cert):
    ws = make_ws(tmp_path / "ws", "en")
    send_department_mails(ws, sample_week(), send=False)
    send_department_mails(ws, sample_week(), send=False)  # again: the waiting copies are replaced
    lines = _log(ws)
    assert len(lines) == 8
    assert sum("queued in outbox/" in line for line in lines) == 4
    assert sum("not sent: replaced by a later copy" in line for line in lines) == 4, lines

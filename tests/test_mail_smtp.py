"""Sending through a real SMTP server on 127.0.0.1: STARTTLS with a verified certificate and AUTH,
implicit TLS, plain; and the failures a coordinator meets, each with a clear message and the .eml
kept in outbox/ for a retry."""
from __future__ import annotations

import pytest

from mail_helpers import (  # noqa: F401
    PASSWORD,
    PASSWORD_CJK,
    USER,
    SMTPServer,
    free_port,
    with_smtp,
)
from xlflow.errors import MailError
from xlflow.output.mail import PASSWORD_ENV, compose, deliver, retry_outbox

# implicit TLS: aiosmtpd cannot tell AUTH runs inside TLS and warns; the test checks TLS itself
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

SUBJECT = "【智能水壶X1新品上市】第47周进度简报 2026-11-16 ~ 2026-11-22"


@pytest.fixture
def trusted(tls_cert, monkeypatch):
    """The test certificate in the trust store the way a user would add one: SSL_CERT_FILE."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_cert[0]))
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return tls_cert


def brief_message(ws, tmp_path, to=("rd@example.com", "研发部 王磊 <mk@example.com>")):
    master = tmp_path / "NPL-2026_项目总表.xlsx"
    master.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    return compose(ws, SUBJECT, "纯文本正文\n第二行", "<p>HTML 正文 &amp; 表格</p>", list(to), [master]), master


def outbox_pending(ws):
    return sorted(p.name for p in ws.folder("outbox").glob("*.eml"))


@pytest.mark.parametrize("security", ["starttls", "ssl", "none"])
def test_send_and_parse_back(sample_ws, tmp_path, trusted, security):
    with SMTPServer(*trusted, security=security) as server:
        ws = with_smtp(sample_ws, server)
        message, master = brief_message(ws, tmp_path)
        result = deliver(ws, message, send=True)

    assert result.sent and result.recipients == ("rd@example.com", "mk@example.com") and not result.refused
    assert result.eml.parent == ws.folder("outbox") / "sent" and outbox_pending(ws) == []
    (got,) = server.received
    assert got.tls == (security != "none")
    assert got.login == (USER if security != "none" else None)
    assert got.mail_from == "pmo@example.com" and got.rcpt_tos == ["rd@example.com", "mk@example.com"]
    m = got.message
    assert m["Subject"] == SUBJECT and m["From"].addresses[0].display_name == "项目协调组"
    assert m["To"].addresses[1].display_name == "研发部 王磊"
    assert "X-Unsent" not in m  # only the outbox copy is a draft
    assert m.get_body(("plain",)).get_content().replace("\r\n", "\n").startswith("纯文本正文\n第二行")
    assert m.get_body(("html",)).get_content().startswith("<p>HTML 正文 &amp; 表格</p>")
    (att,) = m.iter_attachments()
    assert att.get_filename() == "NPL-2026_项目总表.xlsx" and att.get_content() == master.read_bytes()
    assert b'name="=?utf-8?B?' in got.data


def test_non_ascii_password(sample_ws, tmp_path, trusted, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD_CJK)
    with SMTPServer(*trusted) as server:
        ws = with_smtp(sample_ws, server)
        assert deliver(ws, brief_message(ws, tmp_path)[0], send=True).sent
    assert server.received[0].login == USER


def test_refused_login_is_explained_and_the_eml_kept(sample_ws, tmp_path, trusted, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    with SMTPServer(*trusted) as server:
        ws = with_smtp(sample_ws, server)
        with pytest.raises(MailError) as err:
            deliver(ws, brief_message(ws, tmp_path)[0], send=True)
    assert err.value.key == "mail-login-refused" and not server.received
    assert "535" in err.value.message("en") and PASSWORD_ENV in err.value.message("zh")
    assert USER in err.value.message("zh")
    assert len(outbox_pending(ws)) == 1 and err.value.params["eml"].endswith(outbox_pending(ws)[0])


def test_missing_password_says_which_variable(sample_ws, tmp_path, trusted, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    ws = with_smtp(sample_ws, port=free_port())  # never contacted
    with pytest.raises(MailError) as err:
        deliver(ws, brief_message(ws, tmp_path)[0], send=True)
    assert err.value.key == "mail-no-password" and PASSWORD_ENV in err.value.message("en")
    assert len(outbox_pending(ws)) == 1


def test_rejected_recipient(sample_ws, tmp_path, trusted):
    with SMTPServer(*trusted) as server:
        ws = with_smtp(sample_ws, server)
        with pytest.raises(MailError) as err:
            deliver(ws, brief_message(ws, tmp_path, to=["nobody@example.com"])[0], send=True)
        assert err.value.key == "mail-recipient-rejected"
        assert "nobody@example.com (550" in err.value.message("en") and len(outbox_pending(ws)) == 1

        # one bad address among good ones: sent to the others, the refusal reported
        result = deliver(ws, brief_message(ws, tmp_path, to=["rd@example.com", "nobody@example.com"])[0], send=True)
    assert result.sent and result.recipients == ("rd@example.com",)
    assert list(result.refused) == ["nobody@example.com"] and result.refused["nobody@example.com"].startswith("550")
    assert server.received[-1].rcpt_tos == ["rd@example.com"]


def test_unreachable_server_then_retry_from_the_outbox(sample_ws, tmp_path, trusted):
    port = free_port()
    ws = with_smtp(sample_ws, port=port)
    with pytest.raises(MailError) as err:
        deliver(ws, brief_message(ws, tmp_path)[0], send=True)
    assert err.value.key == "mail-unreachable" and f"127.0.0.1:{port}" in err.value.message("en")
    assert len(outbox_pending(ws)) == 1

    with SMTPServer(*trusted, port=port) as server:  # the server is back
        results = retry_outbox(ws).sent
    assert [r.sent for r in results] == [True] and outbox_pending(ws) == []
    assert server.received[0].message["Subject"] == SUBJECT


def test_untrusted_certificate_is_refused(sample_ws, tmp_path, tls_cert, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with SMTPServer(*tls_cert) as server:
        ws = with_smtp(sample_ws, server)
        with pytest.raises(MailError) as err:
            deliver(ws, brief_message(ws, tmp_path)[0], send=True)
    assert err.value.key == "mail-tls-verify" and "SSL_CERT_FILE" in err.value.message("en")
    assert not server.received and len(outbox_pending(ws)) == 1


def test_wrong_tls_mode_for_the_port_is_explained(sample_ws, tmp_path, trusted):
    with SMTPServer(*trusted, security="ssl") as server:
        ws = with_smtp(sample_ws, server, security="starttls", timeout=1.0)  # 465-style server, 587-style client
        with pytest.raises(MailError) as err:
            deliver(ws, brief_message(ws, tmp_path)[0], send=True)
    assert err.value.key in ("mail-unreachable", "mail-tls-failed") and "465" in err.value.message("en")
    assert len(outbox_pending(ws)) == 1

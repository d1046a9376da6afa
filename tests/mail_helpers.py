"""A real SMTP server on 127.0.0.1 for the e-mail tests (aiosmtpd in a thread), with STARTTLS or
implicit TLS on a self-signed certificate made by openssl, AUTH, and recipients it refuses."""
from __future__ import annotations

import dataclasses
import email
import email.policy
import os
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from xlflow.config import EmailSettings, Workspace

USER, PASSWORD = "bot@example.com", "s3cret"
PASSWORD_CJK = "密码-s3cret"  # smtplib alone cannot send this one


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1."""
    if shutil.which("openssl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("openssl is required in CI (apt-get install openssl) to make the test certificate")
        pytest.skip("openssl is needed to make a test certificate")
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: str | None

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class SMTPServer:
    """security: "starttls" (AUTH only after STARTTLS, MAIL refused before it), "ssl" (implicit
    TLS), or "none" (plain, no AUTH). Recipients containing `reject` get 550."""

    cert: Path
    key: Path
    security: str = "starttls"
    reject: str = "nobody@"
    received: list[Received] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        server = self

        class Handler:
            async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
                if server.reject and server.reject in address:
                    return f"550 5.1.1 <{address}>: mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, smtp, session, envelope):
                tls = session.ssl is not None or smtp.transport.get_extra_info("ssl_object") is not None
                login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
                server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                                envelope.original_content, tls, login))
                return "250 Message accepted for delivery"

        def authenticator(smtp, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
                  and auth_data.password in (PASSWORD.encode(), PASSWORD_CJK.encode()))
            # handled=False: on failure aiosmtpd then answers 535 (the default sends nothing and
            # the client waits for its timeout)
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        kwargs: dict = {"server_hostname": "localhost", "enable_SMTPUTF8": True}
        if self.security == "starttls":
            kwargs.update(tls_context=context, require_starttls=True, auth_required=True,
                          auth_require_tls=True, authenticator=authenticator)
        elif self.security == "ssl":
            kwargs.update(ssl_context=context, auth_required=True, auth_require_tls=False,
                          authenticator=authenticator)
        self.port = self.port or free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def with_smtp(ws: Workspace, server: SMTPServer | None = None, **overrides) -> Workspace:
    """The workspace with [email] pointing at the test server (or at `overrides`)."""
    settings = {"host": "127.0.0.1", "port": server.port if server else free_port(),
                "security": server.security if server else "starttls",
                "username": USER if (server is None or server.security != "none") else "",
                "sender": "项目协调组 <pmo@example.com>", "to": ("pmo@example.com",), "timeout": 5.0}
    settings.update(overrides)
    return dataclasses.replace(ws, email=EmailSettings(**settings))


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory) -> tuple[Path, Path]:
    return make_cert(tmp_path_factory.mktemp("tls"))

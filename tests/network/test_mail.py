"""Mail: through SMTP when a server is configured, into the outbox folder otherwise."""

from __future__ import annotations

import socketserver
import threading
from email import policy
from email.parser import BytesParser

import pytest

from network.services.mail import outbox_messages, send_mail


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to receive one message: a real socket conversation."""

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        envelope = {"from": None, "to": [], "data": b""}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 test\r\n")
            elif command.startswith("MAIL FROM:"):
                envelope["from"] = line.decode().strip()[10:]
                self.wfile.write(b"250 OK\r\n")
            elif command.startswith("RCPT TO:"):
                envelope["to"].append(line.decode().strip()[8:])
                self.wfile.write(b"250 OK\r\n")
            elif command == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                chunks = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    chunks.append(chunk)
                envelope["data"] = b"".join(chunks)
                self.server.received.append(envelope)
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_mail_goes_through_smtp_when_a_server_is_configured(app, smtp_server, tmp_path):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    send_mail("kari@example.no", "Invitasjon", "Hei Kari,\nvelkommen.")
    assert len(smtp_server.received) == 1
    envelope = smtp_server.received[0]
    assert "kari@example.no" in envelope["to"][0]
    message = BytesParser(policy=policy.default).parsebytes(envelope["data"])
    assert message["Subject"] == "Invitasjon"
    assert "velkommen" in message.get_content()
    assert not (tmp_path / "outbox").exists()


def test_without_a_server_mail_lands_in_the_outbox(app, tmp_path):
    send_mail("ola@example.no", "Hei", "Tekst med æøå.")
    [message] = outbox_messages(tmp_path / "outbox")
    assert message["To"] == "ola@example.no"
    assert "æøå" in message.get_content()


def test_an_invitation_whose_mail_fails_is_not_kept(app, make):
    import socket

    import sqlalchemy as sa

    from network.errors import MailError
    from network.extensions import db
    from network.models import Invitation
    from network.services import accounts

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    admin = make.user(make.supplier())
    with app.test_request_context(), pytest.raises(MailError):
        accounts.invite_colleague(admin, "new@example.no")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0

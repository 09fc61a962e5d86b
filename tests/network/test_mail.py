"""Mail: through SMTP when a server is configured, into the outbox folder otherwise."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from network.services.mail import outbox_messages, send_mail
from tests.smtp import closed_port


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
    import sqlalchemy as sa

    from network.errors import MailError
    from network.extensions import db
    from network.models import Invitation
    from network.services import accounts

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port())
    admin = make.user(make.supplier())
    with app.test_request_context(), pytest.raises(MailError):
        accounts.invite_colleague(admin, "new@example.no")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0

"""Names and titles are one line: a line break in an organisation's or a person's name is stored as a
space, and no mail header ever carries a raw CR or LF (the next invitation mail used to fail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from network.extensions import db
from network.models import Need, Organisation, User
from network.services import notifications
from network.services.mail import outbox_messages, send_mail
from network.services.notifications import delivery
from tests.helpers import location, need_form, registration, rows

pytestmark = pytest.mark.usefixtures("english")

HOSTILE = "A\r\nBcc: x@evil.example"


def mails(app):
    return outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))


def invite(client, email="kollega@example.no"):
    response = client.post("/organisations/members", data={"email": email})
    assert location(response) == "/organisations/members", response.get_data(as_text=True)[:300]


def test_a_registered_name_with_a_line_break_is_one_line_and_the_invitation_goes_out(app, client):
    response = client.post("/register", data=registration(org_name=HOSTILE, name="Ola\nNordmann"))
    assert location(response) == "/dashboard"
    (org,) = rows(Organisation)
    (user,) = rows(User)
    assert org.name == "A Bcc: x@evil.example"
    assert user.name == "Ola Nordmann"

    invite(client)

    [mail] = mails(app)
    assert mail["To"] == "kollega@example.no"
    assert mail["Subject"] == "Invitation to join A Bcc: x@evil.example on Behovsbørsen"
    assert mail["Bcc"] is None


def test_an_edited_organisation_name_is_one_line(app, client, make, login):
    org = make.public_body()
    login(make.user(org))

    client.post(
        f"/organisations/{org.id}/edit",
        data={"name": HOSTILE, "sector": "municipality", "kommune": "0301"},
    )

    db.session.refresh(org)
    assert org.name == "A Bcc: x@evil.example"
    invite(client)
    assert mails(app)[0]["Subject"] == "Invitation to join A Bcc: x@evil.example on Behovsbørsen"


def test_a_need_title_is_one_line(client, make, login):
    login(make.user(make.public_body()))

    response = client.post("/needs/new", data=need_form(title="Tittel\u2028Bcc: x@evil.example"))

    assert response.status_code == 302
    assert [need.title for need in rows(Need)] == ["Tittel Bcc: x@evil.example"]


def test_a_mail_never_carries_a_line_break_in_a_header(app):
    """A name stored before names were kept to one line (or a notice's subject made from one)."""
    send_mail("kari@example.no\r\nBcc: x@evil.example", "Hei\r\nBcc: x@evil.example", "Tekst\n")

    [mail] = mails(app)
    assert mail["Subject"] == "Hei Bcc: x@evil.example"
    assert mail["Bcc"] is None


def test_a_notice_mail_about_a_title_with_a_line_break_goes_out(app, make):
    user = make.user(make.public_body(), email="kari@example.no")
    notifications.notify([user], "need_stage", lambda: ("Ny fase\r\nBcc: x@evil.example", ""), link="/")
    db.session.commit()

    report = delivery.send_due()

    assert report.failed == 0
    [mail] = mails(app)
    assert mail["Subject"] == "Ny fase Bcc: x@evil.example"

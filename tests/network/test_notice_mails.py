"""Notice mails on the wire: a List-Unsubscribe header mail providers accept, and subjects that name
the need the mail is about."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from network.extensions import db
from network.models import Notification, Role
from network.services import notifications as service
from network.services import responses as responses_service
from network.services.mail import outbox_messages, send_mail
from tests.helpers import rows

# A long site address, so the unsubscribe URL is longer than a mail line should be (78).
SITE = "https://behovsborsen.kommune-samarbeid.example"
TITLE = "Digitalt tilsyn for hjemmeboende"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SITE_URL": SITE, "TRUSTED_HOSTS": ["localhost"]}


@pytest.fixture
def smtp(app, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    return smtp_server


def header_lines(raw: bytes, name: str) -> list[bytes]:
    """The raw lines of one header: its first line and the folded lines after it."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    start = next(i for i, line in enumerate(head) if line.lower().startswith(name.lower().encode() + b":"))
    lines = [head[start]]
    for line in head[start + 1 :]:
        if line[:1] not in (b" ", b"\t"):
            break
        lines.append(line)
    return lines


def test_the_unsubscribe_header_is_the_url_as_it_is_never_encoded(app, make, smtp):
    user = make.user(make.supplier(), email="kari@example.no")
    service.notify([user], "need_stage", lambda: ("Behovet er utlyst", ""), link="/needs/1")
    db.session.commit()
    assert service.send_due().mails == 1

    raw = smtp.received[0]["data"]
    lines = header_lines(raw, "List-Unsubscribe")
    # One line, the URL between angle brackets, no RFC 2047 encoded word anywhere in it.
    assert len(lines) == 1
    line = lines[0].decode("ascii")
    assert "=?" not in line
    assert line.startswith(f"List-Unsubscribe: <{SITE}/notifications/unsubscribe/")
    assert line.endswith(">")
    assert len(line) > 78
    assert header_lines(raw, "List-Unsubscribe-Post") == [
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"
    ]
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["List-Unsubscribe"] == line.split(": ", 1)[1]


def test_a_long_ascii_header_is_folded_at_its_spaces_not_encoded(app, smtp):
    words = " ".join(f"<{SITE}/a/{n}>," for n in range(4)).rstrip(",")
    send_mail("kari@example.no", "Hei", "Tekst", headers={"List-Unsubscribe": words})
    lines = header_lines(smtp.received[0]["data"], "List-Unsubscribe")
    assert len(lines) > 1
    assert all(b"=?" not in line and len(line) <= 78 for line in lines)
    parsed = BytesParser(policy=policy.default).parsebytes(smtp.received[0]["data"])
    assert parsed["List-Unsubscribe"] == words


def test_a_message_to_the_respondents_names_the_need_in_its_subject(app, make, smtp, login):
    body = make.public_body(name="Eierkommune")
    owner = make.user(body, role=Role.MEMBER)
    need = make.need(body, title=TITLE)
    supplier = make.user(make.supplier(), email="leverandor@example.no")
    responses_service.submit_response(supplier, need, responses_service.ResponseDraft("Vi kan hjelpe."))

    sent = login(owner).post(
        f"/needs/{need.id}/message",
        data={"subject": "Dokumentasjon før dialogmøtet", "text": "Se vedlagt."},
    )
    assert sent.status_code == 302
    assert app.test_cli_runner().invoke(args=["notify", "send"]).exit_code == 0

    mails = [BytesParser(policy=policy.default).parsebytes(e["data"]) for e in smtp.received]
    [mail] = [m for m in mails if m["To"] == supplier.email]
    assert mail["Subject"] == f"Dokumentasjon før dialogmøtet – «{TITLE}»"
    [notice] = rows(Notification, Notification.kind == "respondents_message")
    assert TITLE in notice.subject


def test_a_subject_that_names_the_need_already_is_left_as_it_is(app, make):
    need = make.need(title=TITLE)
    user = make.user(make.supplier())
    [notice] = service.notify_need([user], "need_stage", lambda: (f"«{TITLE}» er nå: Utlyst", ""), need)
    db.session.commit()
    assert notice.subject == f"«{TITLE}» er nå: Utlyst"


def test_a_long_title_is_shortened_in_the_subject(app, make):
    need = make.need(title="Langt behov " * 24)  # 288 characters: a title fits in 300
    user = make.user(make.supplier())
    [notice] = service.notify_need([user], "respondents_message", lambda: ("Ny frist", ""), need)
    db.session.commit()
    assert notice.subject.startswith("Ny frist – «Langt behov")
    assert notice.subject.endswith("…»")
    assert len(notice.subject) < 150


def test_the_mail_about_a_hidden_need_names_it(app, make, login, tmp_path):
    body = make.public_body()
    admin = make.user(body, email="admin@kommune.example.no")
    need = make.need(body, title=TITLE)
    hidden = login(make.user(site_admin=True)).post(
        f"/admin/reports/need/{need.id}/hide", data={"reason": "Personopplysninger i teksten"}
    )
    assert hidden.status_code == 302
    [mail] = [m for m in outbox_messages(tmp_path / "outbox") if m["To"] == admin.email]
    assert TITLE in mail["Subject"]

"""Sending notices by e-mail: `flask notify send`, digests, unsubscribe links, SMTP and failures."""

from __future__ import annotations

from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import Frequency, Notification
from network.services import notifications as service
from network.services.mail import outbox_messages
from network.services.notifications import delivery
from tests.smtp import closed_port

SITE = "https://behovsborsen.example"
# A Wednesday: the week began on Monday the 3rd.
WEDNESDAY = datetime(2024, 1, 10, 12, 0)


@pytest.fixture
def app_config(app_config):
    # The mails link to SITE; the test client still calls the site at localhost.
    return {**app_config, "SITE_URL": SITE, "TRUSTED_HOSTS": ["localhost"]}


def outbox(tmp_path):
    return outbox_messages(tmp_path / "outbox")


def make_notice(user, subject, kind="need_stage", created_at=None, link="/needs/1", body="") -> Notification:
    [notice] = service.notify([user], kind, lambda: (subject, body), link=link)
    if created_at is not None:
        notice.created_at = created_at
    db.session.commit()
    return notice


def send(app, *args):
    return app.test_cli_runner().invoke(args=["notify", "send", *args])


# -- immediately --------------------------------------------------------------------------------


def test_notify_send_twice_sends_each_notice_once(app, make, tmp_path):
    kari, ola = make.user(make.supplier()), make.user(make.supplier())
    make_notice(kari, "Behovet er utlyst")
    make_notice(kari, "Nytt svar")
    make_notice(ola, "Behovet er utlyst")

    first = send(app)
    assert first.exit_code == 0, first.output
    assert "Sent 3 mail(s) with 3 notice(s); 0 mail(s) failed." in first.output
    second = send(app)
    assert second.exit_code == 0, second.output
    assert "Sent 0 mail(s)" in second.output
    mails = outbox(tmp_path)
    assert sorted(m["To"] for m in mails) == sorted([kari.email, kari.email, ola.email])
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Notification).where(Notification.emailed_at.is_(None))
        )
        == 0
    )


def test_nothing_to_send_is_quiet_and_fine_for_cron(app):
    result = send(app, "--quiet")
    assert result.exit_code == 0
    assert result.output == ""
    assert send(app).output.startswith("Sent 0 mail(s)")


def test_every_mail_has_text_an_unsubscribe_link_and_header(app, make, tmp_path, client):
    user = make.user(make.supplier(), email="kari@example.no")
    make_notice(user, "«Fall om natten» er nå: Utlyst", body="Oslo kommune flyttet behovet.", link="/needs/7")
    service.send_due()
    [mail] = outbox(tmp_path)
    assert mail["Subject"] == "«Fall om natten» er nå: Utlyst"
    assert mail.get_content_type() == "text/plain"
    text = mail.get_content()
    assert "Oslo kommune flyttet behovet." in text
    assert f"{SITE}/needs/7" in text
    assert f"{SITE}/notifications/settings" in text
    header = mail["List-Unsubscribe"]
    assert header.startswith(f"<{SITE}/notifications/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = header.strip("<>")
    assert unsubscribe_url in text

    # The link works without logging in: a page to confirm, then a button.
    path = urlsplit(unsubscribe_url).path
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    assert service.preferences(user)["need_stage"] == Frequency.OFF


def test_mail_is_written_in_the_users_language(app, make, tmp_path):
    user = make.user(make.supplier())
    user.locale = "en"
    db.session.commit()
    make_notice(user, "A", created_at=WEDNESDAY - timedelta(days=1))
    make_notice(user, "B", created_at=WEDNESDAY - timedelta(days=1))
    service.set_preferences(user, {"need_stage": "daily"})
    service.send_due(now=WEDNESDAY)
    [mail] = outbox(tmp_path)
    assert mail["Subject"] == "Your daily summary from Behovsbørsen (2)"
    assert "Stop these e-mails without logging in" in mail.get_content()


def test_off_notices_stay_in_the_inbox_and_are_never_mailed(app, make, tmp_path):
    user = make.user(make.supplier())
    service.set_preferences(user, {"need_stage": "off"})
    notice = make_notice(user, "Stille", created_at=WEDNESDAY - timedelta(days=30))
    for now in (WEDNESDAY, WEDNESDAY + timedelta(days=8), None):
        assert service.send_due(now=now).mails == 0
    assert outbox(tmp_path) == []
    assert service.unread_count(user) == 1
    assert notice.emailed_at is None


def test_a_notice_turned_off_before_the_run_is_not_sent(app, make, tmp_path):
    user = make.user(make.supplier())
    make_notice(user, "Venter")
    service.unsubscribe(service.unsubscribe_token(user, "need_stage"))
    assert service.send_due().mails == 0
    assert outbox(tmp_path) == []


# -- digests ------------------------------------------------------------------------------------


def test_a_daily_digest_groups_yesterdays_notices_into_one_mail(app, make, tmp_path):
    kari, ola = make.user(make.supplier()), make.user(make.supplier())
    for user in (kari, ola):
        service.set_preferences(user, {"need_stage": "daily", "saved_search": "daily"})
    yesterday = WEDNESDAY - timedelta(days=1)
    make_notice(kari, "Behov A er utlyst", created_at=yesterday)
    make_notice(kari, "Nytt behov for «Helse»", kind="saved_search", created_at=yesterday.replace(hour=23))
    make_notice(ola, "Behov B er utlyst", created_at=yesterday)
    today = make_notice(kari, "I dag", created_at=WEDNESDAY.replace(hour=1))

    report = service.send_due(now=WEDNESDAY)
    assert (report.mails, report.notices, report.failed) == (2, 3, 0)
    mails = {m["To"]: m for m in outbox(tmp_path)}
    digest = mails[kari.email].get_content()
    assert "Behov A er utlyst" in digest
    assert "Nytt behov for «Helse»" in digest
    assert "I dag" not in digest
    assert mails[kari.email]["Subject"].endswith("(2)")
    # One link stops both kinds the digest holds.
    token = mails[kari.email]["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    assert service.read_unsubscribe_token(token) == (kari, ("need_stage", "saved_search"))

    # Later the same day nothing more is due; today's notice waits for tomorrow's digest.
    assert service.send_due(now=WEDNESDAY.replace(hour=23)).mails == 0
    assert today.emailed_at is None
    assert service.send_due(now=WEDNESDAY + timedelta(days=1)).notices == 1
    assert len(outbox(tmp_path)) == 3


def test_a_weekly_digest_holds_the_notices_made_before_monday(app, make, tmp_path):
    user = make.user(make.supplier())
    service.set_preferences(user, {"need_stage": "weekly"})
    monday = datetime(2024, 1, 8)
    make_notice(user, "Forrige uke 1", created_at=monday - timedelta(days=5))
    make_notice(user, "Forrige uke 2", created_at=monday - timedelta(minutes=1))
    make_notice(user, "Denne uka", created_at=monday + timedelta(hours=1))

    # Sunday evening: the week is not over.
    assert service.send_due(now=monday - timedelta(hours=1)).mails == 0
    report = service.send_due(now=WEDNESDAY)
    assert (report.mails, report.notices) == (1, 2)
    [mail] = outbox(tmp_path)
    assert "Forrige uke 1" in mail.get_content()
    assert "Forrige uke 2" in mail.get_content()
    assert "Denne uka" not in mail.get_content()
    assert service.send_due(now=WEDNESDAY + timedelta(days=1)).mails == 0


def test_a_long_digest_lists_the_first_notices_and_points_to_the_inbox(app, make, tmp_path, monkeypatch):
    monkeypatch.setattr(delivery, "DIGEST_LIMIT", 2)
    user = make.user(make.supplier())
    user.locale = "en"
    service.set_preferences(user, {"need_stage": "daily"})
    for n in range(5):
        make_notice(user, f"Notis {n}", created_at=WEDNESDAY - timedelta(hours=20 - n))
    assert service.send_due(now=WEDNESDAY).notices == 5
    text = outbox(tmp_path)[0].get_content()
    assert "Notis 1" in text
    assert "Notis 2" not in text
    assert f"… and 3 more in your inbox: {SITE}/notifications\n" in text


# -- SMTP -----------------------------------------------------------------------------------------


def test_through_smtp_a_second_run_sends_nothing_again(app, make, smtp_server, tmp_path):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    users = [make.user(make.supplier()) for _ in range(2)]
    for user in users:
        make_notice(user, "Behovet er utlyst")
    assert send(app).exit_code == 0
    assert send(app).exit_code == 0
    assert len(smtp_server.received) == 2
    message = BytesParser(policy=policy.default).parsebytes(smtp_server.received[0]["data"])
    assert message["List-Unsubscribe"].startswith(f"<{SITE}/notifications/unsubscribe/")
    assert not (tmp_path / "outbox").exists()


def test_a_failed_mail_is_tried_again_on_the_next_run(app, make, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port())
    user = make.user(make.supplier())
    notice = make_notice(user, "Behovet er utlyst")
    failed = send(app)
    assert failed.exit_code == 1
    assert "0 mail(s) with 0 notice(s); 1 mail(s) failed" in failed.output
    db.session.expire_all()
    assert notice.emailed_at is None

    app.config.update(MAIL_PORT=smtp_server.server_address[1])
    assert send(app).exit_code == 0
    assert send(app).exit_code == 0
    assert len(smtp_server.received) == 1


def test_a_notice_claimed_by_another_run_is_not_sent_again(app, make, tmp_path):
    """Two runs at once: the one that set emailed_at first owns the notice."""
    user = make.user(make.supplier())
    notice = make_notice(user, "Bare én gang")
    notice.emailed_at = datetime(2024, 1, 1)
    db.session.commit()
    assert service.send_due().mails == 0
    assert outbox(tmp_path) == []

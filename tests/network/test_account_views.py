"""One's own account at /account: the page, name, password, e-mail address, closing the account."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import AuditEntry, EmailChange, PasswordReset, User, utcnow
from network.services.mail import outbox_messages
from tests.factories import PASSWORD
from tests.helpers import count, field_error, location, rows, text

pytestmark = pytest.mark.usefixtures("english")

NEW_PASSWORD = "tre ulike ord sammen"


def outbox(app):
    return outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))


def mails_to(app, address):
    return [m for m in outbox(app) if m["To"] == address]


def second_browser(app, user):
    other = app.test_client()
    with other.session_transaction() as session:
        session["lang"] = "en"
    assert other.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return other


# -- the page ---------------------------------------------------------------------------------


def test_the_account_page_shows_who_you_are_and_your_security_events(app, login, client, body, body_admin):
    login(body_admin)
    client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    page = text(client.get("/account"))

    assert "Berit Byråkrat" in page
    assert body_admin.email in page
    assert "Eierkommune" in page
    assert "Administrator" in page
    assert "Password changed" in page  # a readable label, not "security.password_changed"
    assert 'href="/account"' in page  # the menu links to the account


def test_the_security_events_are_paginated_newest_first(app, login, client, body_admin):
    app.config["ACCOUNT_EVENTS_PER_PAGE"] = 2
    for n, action in enumerate(("security.role_changed", "security.data_exported", "security.email_changed")):
        db.session.add(
            AuditEntry(
                action=action,
                target_type="user",
                target_id=body_admin.id,
                actor_id=body_admin.id,
                created_at=utcnow() - timedelta(minutes=10 - n),
            )
        )
    db.session.commit()
    login(body_admin)
    # Signing in is an event too; this test reads the three above.
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.action == "security.sign_in"))
    db.session.commit()

    first, second = text(client.get("/account")), text(client.get("/account?page=2"))

    assert first.index("E-mail address changed") < first.index("Copy of the account")
    assert "Role changed" not in first
    assert "Role changed" in second


def test_another_accounts_events_are_not_listed(app, login, client, make, body, body_admin):
    colleague = make.user(body, name="Kari Kollega")
    db.session.add(AuditEntry(action="security.password_changed", target_type="user", target_id=colleague.id))
    db.session.commit()
    login(body_admin)

    assert "Password changed" not in text(client.get("/account"))


def test_the_name_is_changed_and_an_empty_one_refused_next_to_the_field(login, client, body_admin):
    login(body_admin)

    assert location(client.post("/account", data={"name": "  Berit Ny  "})) == "/account"
    assert rows(User, User.id == body_admin.id)[0].name == "Berit Ny"
    refused = client.post("/account", data={"name": "   "})
    assert refused.status_code == 422
    assert field_error(text(refused), "name")


# -- password ---------------------------------------------------------------------------------


def test_a_password_change_keeps_this_browser_and_ends_the_others(app, login, client, body_admin):
    other = second_browser(app, body_admin)
    login(body_admin)
    reset = PasswordReset(user=body_admin, token_hash="x" * 64, expires_at=utcnow() + timedelta(hours=1))
    db.session.add(reset)
    db.session.commit()

    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert location(response) == "/account"
    assert client.get("/account").status_code == 200  # still signed in here
    assert "/login" in location(other.get("/account"))  # the other browser is signed out
    user = rows(User, User.id == body_admin.id)[0]
    assert user.check_password(NEW_PASSWORD)
    assert rows(PasswordReset)[0].used_at is not None  # an open reset link no longer works
    (mail,) = mails_to(app, body_admin.email)
    assert "password" in mail["Subject"].lower()
    assert count(AuditEntry, AuditEntry.action == "security.password_changed") == 1


def test_a_wrong_current_password_is_shown_next_to_its_field(login, client, body_admin):
    login(body_admin)

    response = client.post(
        "/account/password",
        data={"current_password": "not-the-password", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 422
    assert "not your current password" in field_error(text(response), "current_password")
    assert rows(User, User.id == body_admin.id)[0].check_password(PASSWORD)


def test_the_new_password_follows_the_sites_rules(login, client, body_admin):
    login(body_admin)

    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "password1234", "password2": "password1234"},
    )

    assert response.status_code == 422
    assert "common" in field_error(text(response), "password")


# -- e-mail address ---------------------------------------------------------------------------


def ask_for_new_address(client, address="berit.ny@example.no"):
    return client.post("/account/email", data={"email": address, "current_password": PASSWORD})


def confirm_link(app, address) -> str:
    (mail,) = mails_to(app, address)
    return re.search(r"http://localhost(/account/email/confirm/[\w-]+)", mail.get_content()).group(1)


def test_the_address_changes_when_the_link_to_the_new_one_is_opened(app, login, client, body_admin):
    old = body_admin.email
    login(body_admin)

    assert location(ask_for_new_address(client)) == "/account"

    assert rows(User, User.id == body_admin.id)[0].email == old  # not yet
    (notice,) = mails_to(app, old)
    assert "change" in notice.get_content()
    link = confirm_link(app, "berit.ny@example.no")
    assert "Use this address" in text(client.get(link))  # the GET only asks
    assert rows(User, User.id == body_admin.id)[0].email == old
    assert location(client.post(link)) == "/account"
    assert rows(User, User.id == body_admin.id)[0].email == "berit.ny@example.no"
    assert client.post(link).status_code == 404  # once
    (change,) = rows(EmailChange)
    assert change.token_hash not in link  # only a hash is kept
    assert count(AuditEntry, AuditEntry.action == "security.email_changed") == 1


def test_the_link_works_without_signing_in_but_not_for_another_account(
    app, login, client, make, body, body_admin
):
    intruder = make.user(body, name="Annen")
    login(body_admin)
    ask_for_new_address(client)
    link = confirm_link(app, "berit.ny@example.no")
    client.post("/logout")

    login(intruder)
    client.post(link)
    assert rows(User, User.id == body_admin.id)[0].email != "berit.ny@example.no"
    assert rows(User, User.id == intruder.id)[0].email != "berit.ny@example.no"
    client.post("/logout")

    assert location(client.post(link)) == "/login"
    assert rows(User, User.id == body_admin.id)[0].email == "berit.ny@example.no"


def test_an_expired_link_does_nothing(app, login, client, body_admin):
    login(body_admin)
    ask_for_new_address(client)
    link = confirm_link(app, "berit.ny@example.no")
    for change in rows(EmailChange):
        change.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    assert client.post(link).status_code == 404
    assert rows(User, User.id == body_admin.id)[0].email != "berit.ny@example.no"


def test_a_taken_address_gets_the_same_answer_and_its_owner_is_told(app, login, client, make, body_admin):
    taken = make.user(make.supplier(), email="opptatt@example.no")
    login(body_admin)

    free = ask_for_new_address(client, "ledig@example.no")
    busy = ask_for_new_address(client, taken.email)

    assert location(free) == location(busy) == "/account"
    (owner_mail,) = mails_to(app, taken.email)
    assert "/account/email/confirm/" not in owner_mail.get_content()
    assert count(EmailChange, EmailChange.new_email == taken.email) == 0


def test_the_same_flash_for_a_free_and_a_taken_address(app, login, client, make, body_admin):
    make.user(make.supplier(), email="opptatt@example.no")
    login(body_admin)

    free = text(
        client.post(
            "/account/email",
            data={"email": "ledig@example.no", "current_password": PASSWORD},
            follow_redirects=True,
        )
    )
    busy = text(
        client.post(
            "/account/email",
            data={"email": "opptatt@example.no", "current_password": PASSWORD},
            follow_redirects=True,
        )
    )

    assert re.search(r"We have sent a link to ledig@example.no", free)
    assert re.search(r"We have sent a link to opptatt@example.no", busy)


def test_an_address_change_needs_the_password(app, login, client, body_admin):
    login(body_admin)

    response = client.post("/account/email", data={"email": "ny@example.no", "current_password": "feil"})

    assert response.status_code == 422
    assert field_error(text(response), "current_password")
    assert outbox(app) == []


# -- closing the account ----------------------------------------------------------------------


def test_a_closed_account_is_signed_out_everywhere_and_reopened_by_a_reset(app, login, client, body_admin):
    other = second_browser(app, body_admin)
    login(body_admin)

    assert location(client.post("/account/deactivate", data={"current_password": PASSWORD})) == "/"

    assert rows(User, User.id == body_admin.id)[0].deactivated_at is not None
    assert "/login" in location(other.get("/account"))
    assert "/login" in location(client.get("/account"))
    client.post("/login", data={"email": body_admin.email, "password": PASSWORD})
    assert "/login" in location(client.get("/account"))  # no session for a closed account

    client.post("/password/forgot", data={"email": body_admin.email})
    mail = mails_to(app, body_admin.email)[-1]
    token = re.search(r"/password/reset/([\w-]+)", mail.get_content()).group(1)
    client.post(f"/password/reset/{token}", data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert rows(User, User.id == body_admin.id)[0].deactivated_at is None
    client.post("/login", data={"email": body_admin.email, "password": NEW_PASSWORD})
    assert client.get("/account").status_code == 200


def test_closing_needs_the_password(login, client, body_admin):
    login(body_admin)

    response = client.post("/account/deactivate", data={"current_password": "feil"})

    assert response.status_code == 422
    assert field_error(text(response), "current_password")
    assert rows(User, User.id == body_admin.id)[0].deactivated_at is None


def test_the_last_admin_with_colleagues_hands_over_before_closing(login, client, make, body, body_admin):
    make.user(body, role="member", name="Kari Kollega")
    login(body_admin)

    response = client.post("/account/deactivate", data={"current_password": PASSWORD})

    assert response.status_code == 422
    assert "last administrator" in text(response)
    assert rows(User, User.id == body_admin.id)[0].deactivated_at is None


def test_address_changes_are_limited_per_hour(app, login, client, body_admin):
    app.config["EMAIL_CHANGE_PER_HOUR"] = 2
    login(body_admin)
    ask_for_new_address(client, "en@example.no")
    ask_for_new_address(client, "to@example.no")

    third = ask_for_new_address(client, "tre@example.no")

    assert third.status_code == 422
    assert "too many times" in field_error(text(third), "email")
    assert mails_to(app, "tre@example.no") == []

"""Two-factor sign-in: setting it up with a QR code the site draws, the code step of a login, recovery
codes, turning it off, site administrators who must have it, and the operator's reset."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import AuditEntry, RecoveryCode, TwoFactorKey
from network.services import twofactor
from tests.factories import PASSWORD
from tests.helpers import count, field_error, fresh_code, give_two_factor, location, text

pytestmark = pytest.mark.usefixtures("english")


def actions(user) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.target_type == "user", AuditEntry.target_id == user.id)
            .order_by(AuditEntry.id)
        )
    )


def new_browser(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def shown_secret(page: str) -> str:
    return (
        re.search(r'<code class="secret" translate="no">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    )


def shown_codes(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page)


# -- setting it up ------------------------------------------------------------------------------


def test_the_setup_page_shows_the_key_as_text_and_as_a_qr_code_without_style_attributes(body_admin, login):
    client = login(body_admin)

    page = text(client.get("/account/two-factor"))

    secret = shown_secret(page)
    assert len(secret) == 32
    assert re.search(r"<svg [^>]*class=\"segno\"><title>QR code for your app</title><path ", page)
    assert "style=" not in page
    # The same key until it is confirmed, so a reload does not break a half-done set-up.
    assert shown_secret(text(client.get("/account/two-factor"))) == secret


def test_a_wrong_code_does_not_turn_it_on(body_admin, login):
    client = login(body_admin)
    client.get("/account/two-factor")

    response = client.post("/account/two-factor", data={"code": "000000"})

    assert response.status_code == 422
    assert "That code is not right" in field_error(text(response), "code")
    assert not twofactor.is_enabled(body_admin)


def test_the_right_code_turns_it_on_and_shows_ten_recovery_codes_once(body_admin, login):
    client = login(body_admin)
    secret = shown_secret(text(client.get("/account/two-factor")))

    response = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})

    codes = shown_codes(text(response))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert twofactor.is_enabled(body_admin)
    stored = " ".join(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert not any(code.replace("-", "") in stored for code in codes)
    assert secret not in db.session.get(TwoFactorKey, body_admin.id).secret
    assert actions(body_admin)[-2:] == ["security.2fa_enabled", "security.recovery_codes_new"]
    # Afterwards the page shows the state, never the codes again.
    page = text(client.get("/account/two-factor"))
    assert "You have 10 unused recovery codes." in page
    assert codes[0] not in page


# -- the code step of a login -------------------------------------------------------------------


@pytest.fixture
def secret(body_admin):
    return give_two_factor(body_admin)


def test_the_password_alone_does_not_sign_in(client, body_admin, secret):
    response = client.post("/login", data={"email": body_admin.email, "password": PASSWORD})

    assert location(response).endswith("/login/code")
    assert "/login" in location(client.get("/dashboard"))
    assert "Code from your app" in text(client.get("/login/code"))


def test_the_code_signs_in_and_goes_where_the_login_was_going(client, body_admin, secret):
    client.post("/login", data={"email": body_admin.email, "password": PASSWORD, "next": "/needs/mine"})

    response = client.post("/login/code", data={"code": fresh_code(body_admin, secret)})

    assert location(response).endswith("/needs/mine")
    assert client.get("/needs/mine").status_code == 200
    assert actions(body_admin)[-1] == "security.sign_in"


@pytest.mark.parametrize("code", ["¡", "１２３４５６", "²²²²²²", "12345\u00e6"])
def test_a_code_with_characters_outside_ascii_is_wrong_not_an_error(client, body_admin, secret, code):
    client.post("/login", data={"email": body_admin.email, "password": PASSWORD})

    response = client.post("/login/code", data={"code": code})

    assert response.status_code == 422
    assert "/login" in location(client.get("/dashboard"))


def test_a_used_code_cannot_be_used_again(app, client, body_admin, secret):
    code = fresh_code(body_admin, secret)
    client.post("/login", data={"email": body_admin.email, "password": PASSWORD})
    assert client.post("/login/code", data={"code": code}).status_code == 302
    other = new_browser(app)
    other.post("/login", data={"email": body_admin.email, "password": PASSWORD})

    replayed = other.post("/login/code", data={"code": code})

    assert replayed.status_code == 422
    assert "That code is not right, or it has been used already." in text(replayed)


def test_a_wrong_code_is_refused_and_counted(client, body_admin, secret):
    client.post("/login", data={"email": body_admin.email, "password": PASSWORD})

    response = client.post("/login/code", data={"code": "000000"})

    assert response.status_code == 422
    assert actions(body_admin)[-1] == "security.sign_in_failed"
    assert "/login" in location(client.get("/dashboard"))


def test_wrong_codes_count_towards_the_lock(client, body_admin, secret):
    client.post("/login", data={"email": body_admin.email, "password": PASSWORD})
    for n in range(8):
        client.post("/login/code", data={"code": f"00000{n}"}, environ_base={"REMOTE_ADDR": f"10.9.0.{n}"})

    response = client.post("/login/code", data={"code": fresh_code(body_admin, secret)})

    assert response.status_code == 429
    assert "This account is locked for 15 minutes" in text(response)


def test_the_code_step_waits_five_minutes_at_most(client, body_admin, secret):
    client.post("/login", data={"email": body_admin.email, "password": PASSWORD})
    with client.session_transaction() as session:
        session["sign_in_pending"] = {**session["sign_in_pending"], "at": int(time.time()) - 301}

    response = client.post("/login/code", data={"code": fresh_code(body_admin, secret)})

    assert location(response).endswith("/login")
    assert "/login" in location(client.get("/dashboard"))


def test_the_code_step_without_a_password_first_goes_to_the_login(client):
    assert location(client.get("/login/code")).endswith("/login")
    assert location(client.post("/login/code", data={"code": "123456"})).endswith("/login")


def test_a_recovery_code_signs_in_once(app, client, body_admin, login):
    client = login(body_admin)
    secret = shown_secret(text(client.get("/account/two-factor")))
    codes = shown_codes(text(client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})))
    client.post("/logout")

    first, second = new_browser(app), new_browser(app)
    for browser in (first, second):
        browser.post("/login", data={"email": body_admin.email, "password": PASSWORD})

    assert first.post("/login/code", data={"code": codes[3].upper()}).status_code == 302
    assert second.post("/login/code", data={"code": codes[3]}).status_code == 422
    assert "security.recovery_code_used" in actions(body_admin)
    assert count(RecoveryCode, RecoveryCode.used_at.is_(None)) == 9


# -- renewing codes, turning it off -------------------------------------------------------------


def test_new_recovery_codes_need_the_password_and_replace_the_old_ones(body_admin, secret, login):
    client = login(body_admin)

    wrong = client.post("/account/two-factor/recovery-codes", data={"password": "not-the-password"})
    right = client.post("/account/two-factor/recovery-codes", data={"password": PASSWORD})

    assert wrong.status_code == 422
    assert "That is not your password." in field_error(text(wrong), "password")
    assert len(shown_codes(text(right))) == 10
    assert count(RecoveryCode) == 10
    assert actions(body_admin).count("security.recovery_codes_new") == 1


def test_turning_it_off_needs_the_password_and_a_code(body_admin, secret, login):
    client = login(body_admin)

    wrong_password = client.post(
        "/account/two-factor/disable", data={"password": "not-the-password", "code": fresh_code(body_admin)}
    )
    response = client.post(
        "/account/two-factor/disable", data={"password": PASSWORD, "code": fresh_code(body_admin)}
    )

    assert wrong_password.status_code == 422
    assert "That is not your password." in field_error(text(wrong_password), "password")
    assert location(response).endswith("/account/two-factor")
    assert not twofactor.is_enabled(body_admin)
    assert actions(body_admin)[-1] == "security.2fa_disabled"
    client.post("/logout")
    assert location(client.post("/login", data={"email": body_admin.email, "password": PASSWORD})).endswith(
        "/dashboard"
    )


def test_turning_it_off_with_a_wrong_code_leaves_it_on(body_admin, secret, login):
    client = login(body_admin)

    response = client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": "000000"})

    assert response.status_code == 422
    assert "That code is not right." in field_error(text(response), "code")
    assert twofactor.is_enabled(body_admin)


# -- site administrators ------------------------------------------------------------------------


def test_a_site_administrator_without_it_is_sent_to_set_it_up_first(client, make):
    admin = make.user(site_admin=True)
    twofactor.reset(admin)
    client.post("/login", data={"email": admin.email, "password": PASSWORD})

    for path in ("/dashboard", "/admin/organisations", "/needs"):
        assert location(client.get(path)).endswith("/account/two-factor"), path
    assert client.get("/account/two-factor").status_code == 200
    assert location(client.post("/logout")).endswith("/")


def test_a_site_administrator_cannot_turn_it_off(make, login):
    admin = make.user(site_admin=True)
    client = login(admin)

    response = client.post(
        "/account/two-factor/disable", data={"password": PASSWORD, "code": fresh_code(admin)}
    )

    assert response.status_code == 403
    assert twofactor.is_enabled(admin)
    assert "Turn off two-factor sign-in" not in text(client.get("/account/two-factor"))


def test_an_operator_resets_a_users_two_factor_from_the_command_line(app, body_admin, secret):
    result = app.test_cli_runner().invoke(args=["two-factor", "reset", body_admin.email.upper()])

    assert result.exit_code == 0, result.output
    assert "is off for" in result.output
    assert not twofactor.is_enabled(body_admin)
    assert count(RecoveryCode) == 0
    assert actions(body_admin)[-1] == "security.2fa_disabled"
    unknown = app.test_cli_runner().invoke(args=["two-factor", "reset", "nobody@example.no"])
    assert unknown.exit_code == 1

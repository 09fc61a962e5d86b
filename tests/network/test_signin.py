"""Signing in tells nothing about which accounts exist, and its locks keep guessers out without
locking the owner out: device cookies, the address limit, the security events of signing in."""

from __future__ import annotations

import re
import statistics
import time

import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import AuditEntry, Organisation, User
from network.services import security
from tests.factories import PASSWORD
from tests.helpers import location, registration, text

pytestmark = pytest.mark.usefixtures("english")

WRONG = "not-the-password"
LOCKED = "This account is locked for 15 minutes"


@pytest.fixture
def user(make):
    return make.user(make.public_body(name="Eierkommune"), email="kari@example.no", name="Kari Nordmann")


def sign_in(client, email, password, address="10.0.0.1"):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def new_browser(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def error_summary(response) -> str:
    return re.search(r'<div class="error-summary".*?</div>', text(response), re.S).group(0)


def events(user, action=None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).where(AuditEntry.target_type == "user", AuditEntry.target_id == user.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


# -- enumeration --------------------------------------------------------------------------------


def test_an_unknown_address_costs_a_password_hash_check_like_a_known_one(client, monkeypatch):
    checked = []
    real = security.check_password_hash

    def counting(hash_, password):
        checked.append(hash_.split("$", 1)[0])
        return real(hash_, password)

    monkeypatch.setattr(security, "check_password_hash", counting)

    response = sign_in(client, "nobody@example.no", WRONG)

    assert response.status_code == 422
    # A hash made with the configured method, so it costs what a real account's check costs.
    assert checked == ["pbkdf2:sha256:1000"]


def test_a_deactivated_account_is_refused_exactly_like_a_wrong_password(client, user, monkeypatch):
    wrong = sign_in(client, user.email, WRONG, address="10.0.0.2")
    monkeypatch.setattr(User, "is_active", property(lambda self: False))

    right = sign_in(client, user.email, PASSWORD, address="10.0.0.3")

    assert right.status_code == wrong.status_code == 422
    assert "Wrong e-mail address or password." in text(right)
    assert client.get("/dashboard").status_code == 302


@pytest.mark.slow
def test_a_wrong_password_takes_as_long_for_unknown_addresses_as_for_known_ones(app, client, user):
    # A hash method slow enough that skipping it would show (the suite's own is nearly free).
    app.config.update(
        PASSWORD_HASH_METHOD="pbkdf2:sha256:50000", ACCOUNT_LOCK_FAILURES=1000, LOGIN_LIMIT=1000
    )
    user.set_password(PASSWORD)
    db.session.commit()
    known, unknown = [], []
    for n in range(50):
        for email, times in ((user.email, known), (f"nobody{n}@example.no", unknown)):
            started = time.perf_counter()
            assert sign_in(client, email, WRONG).status_code == 422
            times.append(time.perf_counter() - started)

    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.010


def test_registration_checks_the_password_before_telling_the_address_is_taken(client, user):
    common = "passwordpassword"  # the right shape for the form, refused by the password rules
    response = client.post(
        "/register", data=registration(email=user.email, password=common, password2=common)
    )

    assert response.status_code == 422
    assert "already exists" not in text(response)
    assert "among the most common" in text(response)


def test_registration_with_every_field_right_says_the_address_is_taken(client, user):
    response = client.post("/register", data=registration(email=user.email))

    assert "An account with that e-mail address already exists" in text(response)


def test_a_taken_organisation_number_does_not_name_its_holder(client, make):
    make.supplier(name="Hemmelig Holder AS", org_number="923609016")

    response = client.post(
        "/register", data=registration(kind="supplier", org_name="Nykommer AS", org_number="923609016")
    )

    assert "An organisation with this number is already registered" in text(response)
    assert "You can ask to join it" in text(response)
    assert "Hemmelig Holder" not in text(response)
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 1


# -- device cookies -----------------------------------------------------------------------------


def known_browser(app, user):
    """A browser that has signed in to the account before (and signed out again)."""
    browser = new_browser(app)
    assert sign_in(browser, user.email, PASSWORD, address="192.0.2.10").status_code == 302
    browser.post("/logout")
    return browser


def test_after_a_hundred_failures_from_elsewhere_the_owner_still_signs_in_from_a_known_browser(app, user):
    browser = known_browser(app, user)
    attacker = new_browser(app)
    for n in range(100):
        sign_in(attacker, user.email, WRONG, address=f"198.51.100.{n}")

    from_known = sign_in(browser, user.email, PASSWORD, address="192.0.2.11")
    from_fresh = sign_in(new_browser(app), user.email, PASSWORD, address="192.0.2.12")
    unknown_locked = [
        sign_in(attacker, "nobody@example.no", WRONG, address=f"203.0.113.{n}") for n in range(9)
    ][-1]

    assert location(from_known).endswith("/dashboard")
    assert from_fresh.status_code == unknown_locked.status_code == 429
    assert LOCKED in text(from_fresh)
    # The same words as for an address no account has.
    assert error_summary(from_fresh) == error_summary(unknown_locked)


def test_a_known_browser_is_not_held_back_by_the_limit_of_its_shared_address(app, user):
    browser = known_browser(app, user)
    neighbour = new_browser(app)
    for n in range(10):
        sign_in(neighbour, f"guess{n}@example.no", WRONG, address="192.0.2.10")

    assert sign_in(new_browser(app), user.email, PASSWORD, address="192.0.2.10").status_code == 429
    assert sign_in(browser, user.email, PASSWORD, address="192.0.2.10").status_code == 302


def test_a_known_browsers_own_failures_lock_only_that_browser(app, user):
    browser = known_browser(app, user)
    for n in range(8):
        sign_in(browser, user.email, WRONG, address=f"192.0.2.{20 + n}")

    assert sign_in(browser, user.email, PASSWORD, address="192.0.2.30").status_code == 429
    assert sign_in(new_browser(app), user.email, PASSWORD, address="192.0.2.31").status_code == 302


def test_the_device_cookie_is_httponly_secure_and_for_this_host_only(client, user):
    response = sign_in(client, user.email, PASSWORD)

    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-device="))
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie
    assert "SameSite=Strict" in cookie
    assert str(user.id) in cookie.split(";")[0]
    assert PASSWORD not in cookie


def lock_account(app, user):
    attacker = new_browser(app)
    for n in range(8):
        sign_in(attacker, user.email, WRONG, address=f"198.51.100.{n}")


def test_a_tampered_cookie_or_another_accounts_cookie_counts_for_nothing(app, make, user):
    other = make.user(make.public_body(), email="ola@example.no")
    browser = known_browser(app, other)
    cookie = browser.get_cookie("__Host-device").value
    user_id, device, issued, signature = cookie.split(".")
    lock_account(app, user)

    borrowed = sign_in(browser, user.email, PASSWORD, address="192.0.2.40")
    browser.set_cookie("__Host-device", f"{user.id}.{device}.{issued}.{signature}")
    relabelled = sign_in(browser, user.email, PASSWORD, address="192.0.2.41")

    assert borrowed.status_code == relabelled.status_code == 429


@pytest.mark.parametrize("issued", ["²²²", "１２３"])
def test_a_device_cookie_with_characters_outside_ascii_counts_for_nothing(app, user, issued):
    browser = known_browser(app, user)
    user_id, device, _issued, signature = browser.get_cookie("__Host-device").value.split(".")
    lock_account(app, user)
    browser.set_cookie("__Host-device", f"{user_id}.{device}.{issued}.{signature}æ")

    assert sign_in(browser, user.email, PASSWORD, address="192.0.2.42").status_code == 429


def test_a_password_reset_forgets_every_browser(app, user):
    browser = known_browser(app, user)
    user.device_nonce = "0" * 32  # what a reset does (services/devices.forget_devices), with a known value
    db.session.commit()
    lock_account(app, user)

    assert sign_in(browser, user.email, PASSWORD, address="192.0.2.50").status_code == 429


def test_a_reset_link_changes_the_device_nonce(app, client, user):
    from network.services import devices

    before = user.device_nonce
    with app.test_request_context():
        devices.forget_devices(user)

    assert user.device_nonce != before
    assert len(user.device_nonce) == 32


# -- security events ----------------------------------------------------------------------------


def test_signing_in_and_failing_leave_security_events_on_the_account(app, user):
    client = new_browser(app)
    sign_in(client, user.email, WRONG, address="192.0.2.60")
    sign_in(client, user.email, PASSWORD, address="192.0.2.61")
    sign_in(client, "nobody@example.no", WRONG, address="192.0.2.62")

    actions = [e.action for e in events(user)]
    assert actions == ["security.sign_in_failed", "security.sign_in"]
    failed, signed_in = events(user)
    assert failed.changes == {"address": "192.0.2.60", "reason": "password", "known_browser": False}
    assert signed_in.changes["address"] == "192.0.2.61"
    assert signed_in.changes["two_factor"] is False
    # Nothing for an address no account has: there is no account to put it on.
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 2


def test_the_failure_that_locks_the_account_is_a_security_event_once(app, user):
    lock_account(app, user)
    sign_in(new_browser(app), user.email, WRONG, address="198.51.100.99")

    assert len(events(user, "security.sign_in_failed")) == 8
    assert len(events(user, "security.locked")) == 1

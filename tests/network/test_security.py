"""Sign-in protection, password rules, password reset, cookies and security headers."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app import create_app
from network.errors import NotFoundError, ValidationError
from network.extensions import db
from network.models import AttemptKind, AuthAttempt, PasswordReset, User
from network.services import security
from network.services.mail import outbox_messages
from tests.conftest import Client
from tests.conftest import test_config as config_for
from tests.factories import PASSWORD

NEW_PASSWORD = "fjellet-bak-fjorden-7"


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def user(make):
    return make.user(make.public_body(), email="kari@example.no", name="Kari Nordmann")


def fail_login(client, email, address="10.0.0.1"):
    return client.post(
        "/login", data={"email": email, "password": "not-the-password"}, environ_base={"REMOTE_ADDR": address}
    )


def good_login(client, user, address="10.0.0.1", password=PASSWORD):
    return client.post(
        "/login", data={"email": user.email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def age_attempts(minutes: int) -> None:
    """Move every recorded attempt back in time, as if that many minutes had passed."""
    for attempt in db.session.scalars(sa.select(AuthAttempt)):
        attempt.created_at -= timedelta(minutes=minutes)
    db.session.commit()


# -- rate limit per client address ------------------------------------------------------------


def test_after_ten_failed_logins_from_one_address_the_login_answers_429(client, make):
    emails = [f"guess{n}@example.no" for n in range(10)]  # different accounts: no lockout in play
    answers = [fail_login(client, email).status_code for email in emails]
    blocked = fail_login(client, "another@example.no")

    assert answers == [422] * 10
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "60"
    assert "Too many attempts from your network address" in blocked.get_data(as_text=True)


def test_the_limit_blocks_even_the_right_password_from_that_address_but_not_others(client, user):
    for n in range(10):
        fail_login(client, f"guess{n}@example.no")

    assert good_login(client, user).status_code == 429
    assert good_login(client, user, address="10.0.0.2").status_code == 302


def test_the_address_limit_lifts_after_a_minute(client, user):
    for n in range(10):
        fail_login(client, f"guess{n}@example.no")
    age_attempts(2)

    assert good_login(client, user).status_code == 302


def test_forwarded_for_headers_are_ignored_unless_proxies_are_trusted(client, user):
    # Otherwise every guess could claim a fresh address.
    for n in range(10):
        client.post(
            "/login",
            data={"email": f"guess{n}@example.no", "password": "x"},
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        )
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 429


def test_with_a_trusted_proxy_the_forwarded_address_counts(tmp_path):
    (tmp_path / "proxy").mkdir()
    app = create_app(config_for(tmp_path / "proxy", TRUSTED_PROXIES=1))
    client = app.test_client()
    with app.app_context():
        db.create_all()
        for n in range(10):
            client.post(
                "/login",
                data={"email": f"g{n}@example.no", "password": "x"},
                headers={"X-Forwarded-For": "192.0.2.9"},
            )
        other = client.post(
            "/login",
            data={"email": "g@example.no", "password": "x"},
            headers={"X-Forwarded-For": "192.0.2.10"},
        )
        same = client.post(
            "/login",
            data={"email": "g@example.no", "password": "x"},
            headers={"X-Forwarded-For": "192.0.2.9"},
        )
        addresses = set(db.session.scalars(sa.select(AuthAttempt.address)))
        db.session.remove()
        db.drop_all()
        db.engine.dispose()

    assert other.status_code == 422
    assert same.status_code == 429
    assert addresses == {"192.0.2.9", "192.0.2.10"}


def test_registration_is_limited_per_address(app, client):
    app.config["REGISTER_LIMIT"] = 3
    data = {
        "kind": "supplier",
        "org_name": "Spam AS",
        "country": "NO",
        "name": "Spammer",
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "accept_terms": "y",
    }
    answers = [
        client.post("/register", data={**data, "email": f"spam{n}@example.no"}).status_code for n in range(4)
    ]

    assert answers == [302, 302, 302, 429]
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 3


# -- lockout per account ----------------------------------------------------------------------


def test_an_account_is_locked_after_eight_failures_from_any_address(client, user):
    for n in range(8):
        fail_login(client, user.email, address=f"10.0.1.{n}")

    response = good_login(client, user, address="10.0.2.1")
    page = response.get_data(as_text=True)

    assert response.status_code == 429
    assert "This account is locked for 15 minutes" in page
    assert "reset the password" in page
    assert 'href="/password/forgot"' in page


def test_an_unknown_address_is_locked_the_same_way(client):
    """The lock tells nothing about whether an account exists."""
    for n in range(8):
        fail_login(client, "nobody@example.no", address=f"10.0.1.{n}")

    response = fail_login(client, "nobody@example.no", address="10.0.2.1")

    assert response.status_code == 429
    assert "This account is locked for 15 minutes" in response.get_data(as_text=True)


def test_the_lock_ends_after_fifteen_minutes(client, user):
    for n in range(8):
        fail_login(client, user.email, address=f"10.0.1.{n}")
    age_attempts(16)

    assert good_login(client, user, address="10.0.2.1").status_code == 302


def test_a_successful_login_clears_earlier_failures(client, user):
    for n in range(7):
        fail_login(client, user.email, address=f"10.0.1.{n}")
    assert good_login(client, user, address="10.0.2.1").status_code == 302
    client.post("/logout")
    fail_login(client, user.email, address="10.0.3.1")

    assert good_login(client, user, address="10.0.2.2").status_code == 302


def test_old_attempts_are_pruned(client, user):
    fail_login(client, user.email)
    age_attempts(60 * 25)
    fail_login(client, user.email)

    assert db.session.scalar(sa.select(sa.func.count(AuthAttempt.id))) == 1


# -- password rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kort-passord", None),  # 12 characters: long enough
        ("elleve-tegn", "at least 12 characters"),
        ("aaaaaaaaaaaaaaaa", "more different characters"),
        ("passwordpassword", "most common"),
        ("Password2026!!", "most common"),
        ("qwertyuiopasdfgh", None),
        ("1qaz2wsx3edc", "most common"),
        ("iloveyouiloveyou", "most common"),
        ("kari.nordmann@example.no", "e-mail address or your name"),
        ("KariNordmann2026", "e-mail address or your name"),
        ("kari-nordmann-liker-lange-turer-i-fjellet", None),  # the name is a small part of it
        ("x" * 201, "at most 200"),
    ],
)
def test_password_rules(app, password, message):
    if message is None:
        security.check_password(password, "kari.nordmann@example.no", "Kari Nordmann")
        return
    with force_locale("en"), pytest.raises(ValidationError, match=message) as caught:
        security.check_password(password, "kari.nordmann@example.no", "Kari Nordmann")
    assert caught.value.field == "password"


def test_the_common_password_list_is_shipped_and_loaded(app):
    common = security.common_passwords()

    assert len(common) >= 19_000
    assert {"123456", "password", "qwerty"} <= common


def test_registration_refuses_a_common_password(client):
    response = client.post(
        "/register",
        data={
            "kind": "supplier",
            "org_name": "Svak AS",
            "country": "NO",
            "name": "Ola",
            "email": "ola@example.no",
            "password": "password12345",
            "password2": "password12345",
            "accept_terms": "y",
        },
    )

    assert response.status_code == 422
    assert "most common" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_accepting_an_invitation_applies_the_rules(app, client, make):
    from network.services import accounts

    admin = make.user(make.public_body())
    with app.test_request_context():
        _, token = accounts.invite_colleague(admin, "ny@example.no")

    response = client.post(
        f"/invitations/{token}",
        data={
            "name": "Ny Person",
            "password": "ny@example.no",
            "password2": "ny@example.no",
            "accept_terms": "y",
        },
    )

    assert response.status_code == 422
    assert db.session.scalar(sa.select(User).where(User.email == "ny@example.no")) is None


# -- password reset ---------------------------------------------------------------------------


def reset_link(app) -> str:
    mails = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    assert mails, "no mail was sent"
    body = mails[-1].get_content()
    return re.search(r"http://localhost(/password/reset/\S+)", body).group(1)


def test_the_login_page_links_to_the_reset(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


def test_a_reset_request_answers_the_same_for_known_and_unknown_addresses(app, client, user):
    known = client.post("/password/forgot", data={"email": user.email}, follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "nobody@example.no"}, follow_redirects=True)

    def message(response):
        return re.search(r'<p class="flash[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S).group(1)

    assert known.status_code == unknown.status_code == 200
    assert message(known) == message(unknown)
    assert "If an account has that e-mail address" in message(known)
    mails = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    assert [m["To"] for m in mails] == [user.email]


def test_a_reset_link_sets_a_new_password_once(app, client, user):
    client.post("/password/forgot", data={"email": user.email.upper()})
    link = reset_link(app)

    form = client.get(link)
    done = client.post(link, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    again = client.post(link, data={"password": "noe-annet-helt-nytt", "password2": "noe-annet-helt-nytt"})

    assert form.status_code == 200
    assert user.email in form.get_data(as_text=True)
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/login")
    assert again.status_code == 404
    assert "has expired or has been used already" in again.get_data(as_text=True)
    assert good_login(client, user, password=PASSWORD).status_code == 422
    assert good_login(client, user, password=NEW_PASSWORD).status_code == 302
    # Only a hash of the token is stored.
    token = link.rsplit("/", 1)[-1]
    assert token not in {r.token_hash for r in db.session.scalars(sa.select(PasswordReset))}


def test_a_reset_link_expires_after_an_hour(app, client, user):
    client.post("/password/forgot", data={"email": user.email})
    link = reset_link(app)
    for reset in db.session.scalars(sa.select(PasswordReset)):
        reset.expires_at -= timedelta(minutes=61)
    db.session.commit()

    response = client.post(link, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 404
    assert good_login(client, user, password=PASSWORD).status_code == 302


def test_an_unknown_reset_token_is_refused(client):
    response = client.get("/password/reset/not-a-token")

    assert response.status_code == 404
    assert 'href="/password/forgot"' in response.get_data(as_text=True)


def test_a_reset_applies_the_password_rules(app, client, user):
    client.post("/password/forgot", data={"email": user.email})
    link = reset_link(app)

    response = client.post(link, data={"password": "password1234", "password2": "password1234"})

    assert response.status_code == 422
    assert "most common" in response.get_data(as_text=True)
    assert good_login(client, user).status_code == 302


def test_a_reset_ends_the_lockout(app, client, user):
    for n in range(8):
        fail_login(client, user.email, address=f"10.0.1.{n}")
    assert good_login(client, user, address="10.0.2.1").status_code == 429

    client.post("/password/forgot", data={"email": user.email})
    client.post(reset_link(app), data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert good_login(client, user, address="10.0.2.2", password=NEW_PASSWORD).status_code == 302


def test_a_reset_token_works_once_at_the_service(app, user):
    with app.test_request_context():
        security.request_reset("10.0.0.1", user.email)
    token = reset_link(app).rsplit("/", 1)[-1]

    security.reset_password("10.0.0.1", token, NEW_PASSWORD)
    with pytest.raises(NotFoundError):
        security.reset_password("10.0.0.2", token, "noe-annet-helt-nytt")

    assert user.check_password(NEW_PASSWORD)


def test_of_two_requests_using_one_reset_link_at_once_only_one_goes_on(app, user, monkeypatch):
    """The first request has looked the link up when the second, with the same link, commits first:
    the first must not set its password too (it used to: lookup, then mark used later)."""
    with app.test_request_context():
        security.request_reset("10.0.0.1", user.email)
    token = reset_link(app).rsplit("/", 1)[-1]
    lookup = security.find_reset

    def lookup_then_the_other_request_wins(value):
        found = lookup(value)
        monkeypatch.setattr(security, "find_reset", lookup)
        security.reset_password("10.0.0.2", value, "den-andre-vant-kappløpet")
        return found

    monkeypatch.setattr(security, "find_reset", lookup_then_the_other_request_wins)
    with pytest.raises(NotFoundError):
        security.reset_password("10.0.0.1", token, NEW_PASSWORD)

    db.session.refresh(user)
    assert user.check_password("den-andre-vant-kappløpet")
    assert not user.check_password(NEW_PASSWORD)
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuthAttempt.kind == AttemptKind.RESET_DONE)) == 1
    )


def test_reset_requests_are_limited_per_account_and_per_address(app, client, user):
    for _ in range(5):
        assert client.post("/password/forgot", data={"email": user.email}).status_code == 302
    sixth = client.post("/password/forgot", data={"email": user.email})

    mails = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    assert len(mails) == 3  # RESET_PER_ACCOUNT_PER_HOUR: no flooding an inbox
    assert sixth.status_code == 429
    kinds = set(db.session.scalars(sa.select(AuthAttempt.kind)))
    assert kinds == {AttemptKind.RESET_REQUEST}


# -- cookies and headers ----------------------------------------------------------------------


def session_cookie(response, name="__Host-session") -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert cookies, response.headers
    return cookies[-1]


@pytest.fixture
def development(tmp_path):
    """The same site on a developer's machine (FLASK_ENV=development), on the test's database."""
    app = create_app(config_for(tmp_path, ENV="development"))
    app.test_client_class = Client
    with app.app_context():
        yield app
        # Its own engine: closed here, or PostgreSQL connections are left for the garbage collector.
        db.session.remove()
        db.engine.dispose()


def test_the_session_cookie_is_secure_httponly_samesite_lax_and_host_only(client, user):
    cookie = session_cookie(good_login(client, user))
    attributes = {part.strip().split("=")[0] for part in cookie.split(";")[1:]}

    # __Host-: browsers take it only Secure, on Path=/ and without a Domain.
    assert attributes == {"Secure", "HttpOnly", "Path", "SameSite"}
    assert "Path=/;" in cookie or cookie.endswith("Path=/")
    assert "SameSite=Lax" in cookie


def test_the_test_client_sends_the_secure_cookie_back_over_plain_http(client, user):
    good_login(client, user)

    assert client.get("/needs/mine").status_code == 200


def test_on_a_developers_machine_the_cookie_is_plain_over_http_and_secure_over_https(development, user):
    client = development.test_client()
    plain = session_cookie(good_login(client, user), name="session")
    https = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, base_url="https://localhost"
    )

    assert "Secure" not in plain  # plain http://localhost: a Secure cookie would never come back
    assert "HttpOnly" in plain
    assert "SameSite=Lax" in plain
    assert "Secure" in session_cookie(https, name="session")


def test_the_secure_flag_can_be_forced_by_configuration(tmp_path):
    # Its own app on the test's database; the login form's visit sets the cookie without a query.
    app = create_app(config_for(tmp_path, ENV="development", SESSION_COOKIE_SECURE=True))
    app.test_client_class = Client
    with app.app_context():
        page = app.test_client().get("/login")
        db.session.remove()
        db.engine.dispose()

    [cookie] = [c for c in page.headers.getlist("Set-Cookie") if "session=" in c.split(";")[0]]
    assert "; Secure" in cookie


EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


@pytest.mark.parametrize(
    "path", ["/", "/login", "/needs", "/api/needs", "/no-such-page", "/static/css/site.css"]
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()
    headers = response.headers

    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://localhost")

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_error_pages_and_429_carry_the_headers_too(client):
    for n in range(10):
        fail_login(client, f"g{n}@example.no")
    response = fail_login(client, "g@example.no")

    assert response.status_code == 429
    assert response.headers["X-Frame-Options"] == "DENY"


# -- nothing the CSP would block --------------------------------------------------------------


def test_templates_have_no_inline_script_style_or_javascript_urls():
    root = Path(__file__).resolve().parents[2]
    offenders = []
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE
    )
    for path in sorted((root / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if inline.search(line):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    script = (root / "static" / "js" / "site.js").read_text(encoding="utf-8")
    for pattern in (
        r"setAttribute\(\s*['\"](style|on\w+)['\"]",
        r"\beval\(",
        r"new Function\(",
        r"javascript:",
    ):
        if re.search(pattern, script):
            offenders.append(f"static/js/site.js: {pattern}")

    assert offenders == []


def test_a_reset_ends_every_other_session_of_the_account(app, client, user):
    intruder = app.test_client()
    assert good_login(intruder, user, address="10.0.9.9").status_code == 302
    assert intruder.get("/needs/mine").status_code == 200

    client.post("/password/forgot", data={"email": user.email})
    client.post(reset_link(app), data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    after = intruder.get("/needs/mine")

    assert after.status_code == 302
    assert "/login" in after.headers["Location"]
    assert good_login(client, user, password=NEW_PASSWORD).status_code == 302
    assert client.get("/needs/mine").status_code == 200

"""Server-side sessions: logout and a copied cookie, timeouts, a new session at sign-in, the list of
sessions at /account/sessions, ending one or all others, and the remember-me cookie."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import session
from flask_login import logout_user
from flask_login.utils import encode_cookie

from network.extensions import db
from network.models import AuditEntry, User, UserSession, utcnow
from network.services import security
from network.services import sessions as sessions_service
from network.services.mail import outbox_messages
from network.views.auth import start_session
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("english")

COOKIE = "__Host-session"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def user(make):
    return make.user(make.public_body(), email="kari@example.no", name="Kari Nordmann")


def browser(app, lang="en"):
    client = app.test_client()
    with client.session_transaction() as data:
        data["lang"] = lang
    return client


def sign_in(client, user, address="10.0.0.1", agent=FIREFOX):
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def copy_of_cookie(app, client):
    """Another browser at another address, carrying a copy of the client's session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value, domain="localhost")
    return thief


def is_signed_in(client, address="10.9.9.9") -> bool:
    response = client.get("/needs/mine", environ_base={"REMOTE_ADDR": address, "HTTP_USER_AGENT": "curl/8"})
    assert response.status_code in (200, 302)
    return response.status_code == 200


def rows(user=None) -> list[UserSession]:
    query = sa.select(UserSession).order_by(UserSession.id)
    if user is not None:
        query = query.where(UserSession.user_id == user.id)
    return list(db.session.scalars(query))


def flashes(response) -> list[str]:
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'<p class="flash[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S)
    ]


# -- logout and a copied cookie ---------------------------------------------------------------


def test_after_logout_a_copy_of_the_cookie_no_longer_signs_in(app, client, user):
    sign_in(client, user)
    thief = copy_of_cookie(app, client)
    assert is_signed_in(thief)

    client.post("/logout")

    assert not is_signed_in(thief)
    assert not is_signed_in(client)
    (row,) = rows(user)
    assert row.ended_at is not None
    assert row.ended_reason == "signed_out"


def test_logout_is_a_security_event(client, user):
    sign_in(client, user)
    client.post("/logout")

    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.target_id == user.id))
    assert "security.signed_out" in list(actions)


def test_the_cookie_holds_only_the_session_token_besides_flasks_own(client, user):
    sign_in(client, user)
    with client.session_transaction() as data:
        keys = set(data)
        token = data["sid"]

    assert keys <= {"sid", "_user_id", "_fresh", "_id", "lang", "csrf_token", "_flashes"}
    # Only a hash of the token is kept on the server.
    assert token not in {row.token_hash for row in rows()}
    assert len(token) >= 40


def test_an_unknown_token_signs_nobody_in(client, user):
    with client.session_transaction() as data:
        data["_user_id"] = str(user.id)
        data["sid"] = "made-up-token"

    assert not is_signed_in(client)


def test_a_token_of_another_users_session_signs_nobody_in(app, make, client, user):
    other = make.user(make.public_body())
    sign_in(client, user)
    with client.session_transaction() as data:
        data["_user_id"] = str(other.id)

    assert not is_signed_in(client)


def test_a_remember_me_cookie_cannot_sign_anyone_in(app, client, user):
    with app.test_request_context():
        value = encode_cookie(str(user.id))
    client.set_cookie("remember_token", value, domain="localhost")

    assert not is_signed_in(client)
    assert rows() == []


# -- timeouts ----------------------------------------------------------------------------------


def age(row: UserSession, *, seen=timedelta(0), started=timedelta(0)) -> None:
    row.last_seen_at -= seen
    row.created_at -= started
    db.session.commit()


def test_a_session_idle_past_the_limit_ends_and_the_next_page_says_why(client, user):
    sign_in(client, user)
    (row,) = rows(user)
    age(row, seen=timedelta(minutes=121), started=timedelta(minutes=121))

    response = client.get("/needs/mine", follow_redirects=True)

    assert "/login" in response.request.path
    assert "You were signed out after 120 minutes without activity. Please log in again." in flashes(response)
    db.session.refresh(row)
    assert row.ended_reason == "idle"
    assert not is_signed_in(client)


def test_a_session_used_within_the_idle_limit_goes_on(client, user):
    sign_in(client, user)
    (row,) = rows(user)
    age(row, seen=timedelta(minutes=119), started=timedelta(hours=5))

    assert is_signed_in(client)


def test_a_session_ends_after_the_absolute_limit_however_active(client, user):
    sign_in(client, user)
    (row,) = rows(user)
    age(row, seen=timedelta(minutes=1), started=timedelta(hours=12, minutes=1))

    response = client.get("/needs/mine", follow_redirects=True)

    assert "You were signed out because you had been signed in for 12 hours. Please log in again." in (
        flashes(response)
    )
    db.session.refresh(row)
    assert row.ended_reason == "expired"


def test_the_limits_are_settings(app, client, user):
    app.config["SESSION_IDLE_MINUTES"] = 5
    sign_in(client, user)
    (row,) = rows(user)
    age(row, seen=timedelta(minutes=6))

    assert not is_signed_in(client)


def test_last_seen_is_written_at_most_once_a_minute(client, user):
    sign_in(client, user)
    (row,) = rows(user)
    age(row, seen=timedelta(seconds=30))
    before = row.last_seen_at

    assert is_signed_in(client)
    db.session.refresh(row)
    assert row.last_seen_at == before

    age(row, seen=timedelta(seconds=40))
    assert is_signed_in(client)
    db.session.refresh(row)
    assert row.last_seen_at > before


def test_an_inactive_users_session_ends(monkeypatch, client, user):
    sign_in(client, user)
    monkeypatch.setattr(User, "is_active", property(lambda self: False))

    assert not is_signed_in(client)
    assert rows(user)[0].ended_reason == "inactive"


# -- a new session at sign-in ---------------------------------------------------------------------


def test_signing_in_starts_a_new_session_keeping_only_the_language(app, user):
    client = browser(app, lang="nn")
    with client.session_transaction() as data:
        data["csrf_token"] = "planted-secret"
        data["sid"] = "planted-token"
        data["anything"] = "left over"

    sign_in(client, user)

    with client.session_transaction() as data:
        assert data["lang"] == "nn"
        assert data.get("csrf_token") != "planted-secret"
        assert "anything" not in data
        assert data["sid"] != "planted-token"


def test_signing_in_again_on_the_same_browser_ends_its_previous_session(app, make, client, user):
    other = make.user(make.public_body())
    sign_in(client, user)
    thief = copy_of_cookie(app, client)

    sign_in(client, other)

    assert not is_signed_in(thief)
    assert [r.ended_reason for r in rows(user)] == ["replaced"]


def test_old_ended_sessions_are_pruned_at_the_next_sign_in(app, client, user):
    sign_in(client, user)
    client.post("/logout")
    (old,) = rows(user)
    old.ended_at -= timedelta(days=8)
    db.session.commit()

    sign_in(browser(app), user)

    assert [r.ended_at for r in rows(user)] == [None]


def test_recently_ended_sessions_are_kept_for_a_while(app, client, user):
    sign_in(client, user)
    client.post("/logout")

    sign_in(browser(app), user)

    assert len(rows(user)) == 2


# -- a new password ------------------------------------------------------------------------------


def test_a_password_change_ends_the_other_sessions_and_start_session_keeps_this_browser(app, client, user):
    sign_in(client, user)
    user.set_password("et-helt-nytt-passord-9")
    db.session.commit()

    with app.test_request_context():
        start_session(user)
        token = session["sid"]
        # The browser that changed the password goes on with a new session.
        assert sessions_service.check(token, user.id).user == user

    assert not is_signed_in(client)
    assert rows(user)[0].ended_reason == "password_changed"


def test_a_password_reset_ends_every_session_on_the_server(app, client, user):
    sign_in(client, user)
    sign_in(browser(app), user, address="10.0.0.2")
    with app.test_request_context():
        security.request_reset("10.0.0.3", user.email)
    token = _reset_token(app)

    security.reset_password("10.0.0.3", token, "et-helt-nytt-passord-9")

    assert {r.ended_reason for r in rows(user)} == {"password_reset"}
    assert not is_signed_in(client)


def _reset_token(app) -> str:
    body = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))[-1].get_content()
    return re.search(r"/password/reset/(\S+)", body).group(1)


# -- the list of sessions ----------------------------------------------------------------------


def test_the_list_shows_each_open_session_with_this_browser_marked(app, make, client, user):
    sign_in(client, user, address="10.0.0.1", agent=FIREFOX)
    phone = sign_in(browser(app), user, address="192.0.2.7", agent=SAFARI)
    phone.post("/logout")
    sign_in(browser(app), user, address="198.51.100.4", agent=SAFARI)
    sign_in(browser(app), make.user(make.public_body()), address="203.0.113.9")
    when = (utcnow() - timedelta(minutes=30)).replace(second=0, microsecond=0)
    for row in rows(user):
        row.created_at = row.last_seen_at = when
    db.session.commit()
    oslo = when.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Oslo"))

    page = client.get("/account/sessions")
    text = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "Firefox on Linux" in text
    assert "Safari on iOS" in text
    assert "198.51.100.4" in text
    assert "192.0.2.7" not in text  # signed out
    assert "203.0.113.9" not in text  # someone else's
    assert text.count("This browser") == 1
    row = re.search(r"<tr>\s*<td>Firefox on Linux.*?</tr>", text, re.S).group(0)
    assert "This browser" in row
    # Norwegian time, in the site's one date-time format (network/dates.py).
    assert f"{oslo.day} {oslo:%B %Y, %H:%M}" in text
    assert "Sign out everywhere else" in text


def test_the_list_in_norwegian(app, client, user):
    client = browser(app, lang="nb")
    sign_in(client, user)

    text = client.get("/account/sessions").get_data(as_text=True)

    assert "Denne nettleseren" in text


def test_ending_another_session_signs_that_browser_out_only(app, client, user):
    sign_in(client, user)
    other = sign_in(browser(app), user, address="192.0.2.7", agent=SAFARI)
    mine, theirs = rows(user)

    confirm = client.get(f"/account/sessions/{theirs.id}/end")
    done = client.post(f"/account/sessions/{theirs.id}/end", follow_redirects=True)

    assert confirm.status_code == 200
    assert "Sign out Safari on iOS?" in confirm.get_data(as_text=True)
    assert is_signed_in(other) is False
    assert is_signed_in(client)
    assert "The session in Safari on iOS has ended." in flashes(done)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "security.session_ended"))
    assert entry is not None
    assert entry.target_id == user.id
    assert entry.changes["address"] == "192.0.2.7"


def test_a_user_cannot_end_someone_elses_session(app, make, client, user):
    stranger = make.user(make.public_body())
    victim = sign_in(browser(app), stranger)
    (row,) = rows(stranger)
    sign_in(client, user)

    assert client.get(f"/account/sessions/{row.id}/end").status_code == 404
    assert client.post(f"/account/sessions/{row.id}/end").status_code == 404
    assert is_signed_in(victim)


def test_an_ended_session_cannot_be_ended_again(app, client, user):
    sign_in(client, user)
    other = sign_in(browser(app), user)
    other.post("/logout")
    _, ended = rows(user)

    assert client.post(f"/account/sessions/{ended.id}/end").status_code == 404


def test_ending_this_browsers_own_session_signs_it_out(client, user):
    sign_in(client, user)
    (row,) = rows(user)

    client.post(f"/account/sessions/{row.id}/end")

    assert not is_signed_in(client)


def test_sign_out_everywhere_else_keeps_this_browser(app, client, user):
    sign_in(client, user)
    others = [sign_in(browser(app), user, address=f"192.0.2.{n}") for n in (1, 2)]

    confirm = client.get("/account/sessions/end-others")
    done = client.post("/account/sessions/end-others", follow_redirects=True)

    assert confirm.status_code == 200
    assert "This browser stays signed in." in confirm.get_data(as_text=True)
    assert "Signed out everywhere else: 2 other sessions ended." in flashes(done)
    assert [is_signed_in(o) for o in others] == [False, False]
    assert is_signed_in(client)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "security.sessions_revoked"))
    assert entry.changes == {"count": 2}


def test_the_session_pages_need_a_signed_in_user(client):
    for path in ("/account/sessions", "/account/sessions/end-others", "/account/sessions/1/end"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_logout_user_anywhere_ends_the_server_session(app, client, user):
    """Views that call logout_user (a reset, accepting an invitation) end the session too."""
    sign_in(client, user)
    thief = copy_of_cookie(app, client)
    with client.session_transaction() as data:
        token = data["sid"]

    with app.test_request_context():
        session["sid"] = token
        session["_user_id"] = str(user.id)
        logout_user()

    assert not is_signed_in(thief)


def test_the_browser_is_named_from_its_user_agent():
    describe = sessions_service.describe_browser
    assert describe(FIREFOX) == ("Firefox", "Linux")
    assert describe(SAFARI) == ("Safari", "iOS")
    edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0"
    assert describe(edge) == ("Edge", "Windows")
    assert describe("curl/8.5") == ("", "")
    assert describe("") == ("", "")


def test_no_session_is_opened_for_an_inactive_account(app, monkeypatch, user):
    monkeypatch.setattr(User, "is_active", property(lambda self: False))

    with app.test_request_context():
        start_session(user)
        assert "sid" not in session

    assert rows() == []

"""Signed-in sessions kept on the server: start, check on each request, end one or all, list the open ones."""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from network.errors import NotFoundError
from network.extensions import db
from network.models import User, UserSession, utcnow
from network.services import audit


class Ended(enum.StrEnum):
    """Why a session ended (UserSession.ended_reason)."""

    SIGNED_OUT = "signed_out"
    # The owner ended it from the list of sessions, or all others at once.
    ENDED_BY_USER = "ended_by_user"
    REVOKED = "revoked"
    IDLE = "idle"
    EXPIRED = "expired"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    # The same browser signed in again (as anyone): its old session makes way.
    REPLACED = "replaced"
    INACTIVE = "inactive"


# The reasons the browser is told about on its next page: it did nothing wrong, time ran out.
TIMEOUTS = (Ended.IDLE, Ended.EXPIRED)


@dataclass(frozen=True)
class Checked:
    """The answer for one request: the user when the session is open, else why it is not (None when
    the token was unknown or already ended)."""

    user: User | None
    row: UserSession | None = None
    ended: Ended | None = None


def _setting(name: str) -> int:
    return int(current_app.config[name])


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_digest(user: User) -> str:
    """A keyed digest of the user's password hash, kept with each session. When the password changes
    (a reset, a change on the account page) it no longer matches and every other session ends."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=_setting("SESSION_IDLE_MINUTES"))


def absolute_limit() -> timedelta:
    return timedelta(hours=_setting("SESSION_ABSOLUTE_HOURS"))


# -- the browser, in a few words --------------------------------------------------------------

# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
_BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Samsung Internet", r"SamsungBrowser/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Safari/"),
)
_SYSTEMS = (
    ("Android", r"Android"),
    ("iOS", r"iPhone|iPad|iPod"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux|X11"),
)


def describe_browser(user_agent: str) -> tuple[str, str]:
    """(browser, operating system) named from a User-Agent header; "" for what is not recognised."""
    user_agent = user_agent or ""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    return browser, system


# -- starting, checking and ending ------------------------------------------------------------


def _end(row: UserSession, reason: Ended, now: datetime) -> None:
    row.ended_at = now
    row.ended_reason = reason.value


def _find(token: object) -> UserSession | None:
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    return db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == _hash(token)))


def _prune(now: datetime) -> None:
    """Ended sessions past SESSION_KEEP_DAYS, and any so old it cannot be open, leave the table."""
    keep = timedelta(days=_setting("SESSION_KEEP_DAYS"))
    db.session.execute(
        sa.delete(UserSession).where(
            sa.or_(UserSession.ended_at < now - keep, UserSession.created_at < now - absolute_limit() - keep)
        )
    )


def start(user: User, address: str, user_agent: str, *, replacing: object = None) -> str:
    """Open a session for the user who just signed in; the token for the browser's cookie. The
    browser's previous session (`replacing`, its token), if any, ends."""
    now = utcnow()
    previous = _find(replacing)
    if previous is not None and previous.ended_at is None:
        _end(previous, Ended.REPLACED, now)
    _prune(now)
    token = secrets.token_urlsafe(32)
    browser, system = describe_browser(user_agent)
    db.session.add(
        UserSession(
            token_hash=_hash(token),
            user=user,
            created_at=now,
            last_seen_at=now,
            password_digest=password_digest(user),
            address=(address or "")[:64],
            browser=browser,
            system=system,
        )
    )
    db.session.commit()
    return token


def check(token: object, user_id: object) -> Checked:
    """The session of this request's token, for the user the cookie names. Ends it when it has been
    idle too long, is older than the absolute limit, was started before the password changed or its
    user is no longer active. Notes the time seen at most once every SESSION_TOUCH_SECONDS."""
    row = _find(token)
    if row is None or row.ended_at is not None or str(row.user_id) != str(user_id):
        return Checked(None)
    now = utcnow()
    user = row.user
    reason = None
    if now - row.created_at > absolute_limit():
        reason = Ended.EXPIRED
    elif now - row.last_seen_at > idle_limit():
        reason = Ended.IDLE
    elif not user.is_active:
        reason = Ended.INACTIVE
    elif not hmac.compare_digest(row.password_digest, password_digest(user)):
        reason = Ended.PASSWORD_CHANGED
    if reason is not None:
        _end(row, reason, now)
        db.session.commit()
        return Checked(None, row, reason)
    if now - row.last_seen_at >= timedelta(seconds=_setting("SESSION_TOUCH_SECONDS")):
        row.last_seen_at = now
        db.session.commit()
    return Checked(user, row)


def sign_out(token: object) -> None:
    """The browser signed out: its session ends on the server, so a copy of its cookie is worthless."""
    row = _find(token)
    if row is None or row.ended_at is not None:
        return
    _end(row, Ended.SIGNED_OUT, utcnow())
    audit.security_event(row.user, "security.signed_out")
    db.session.commit()


def end_all_for(user: User, reason: Ended, *, except_id: int | None = None) -> int:
    """End every open session of the user (but the one with `except_id`); how many. The caller
    commits, with the change that calls for it (a password reset)."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if except_id is not None:
        query = query.where(UserSession.id != except_id)
    query = query.values(ended_at=utcnow(), ended_reason=reason.value)
    result = db.session.execute(query.execution_options(synchronize_session=False))
    return result.rowcount


def _open_sessions(user: User):
    now = utcnow()
    return (
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .where(UserSession.created_at >= now - absolute_limit())
        .where(UserSession.last_seen_at >= now - idle_limit())
    )


def list_for(user: User) -> list[UserSession]:
    """The user's open sessions, the most recently seen first."""
    query = _open_sessions(user).order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    return list(db.session.scalars(query))


def get_for(user: User, session_id: int) -> UserSession:
    """One of the user's own open sessions; NotFoundError for anyone else's, or one that is over."""
    row = db.session.scalar(_open_sessions(user).where(UserSession.id == session_id))
    if row is None:
        raise NotFoundError(_("That session has ended or is not yours."))
    return row


def end_one(user: User, session_id: int) -> UserSession:
    """The user ends one of their sessions (a browser left signed in elsewhere)."""
    row = get_for(user, session_id)
    _end(row, Ended.ENDED_BY_USER, utcnow())
    audit.security_event(
        user,
        "security.session_ended",
        details={"session": row.id, "address": row.address, "browser": row.browser, "system": row.system},
    )
    db.session.commit()
    return row


def end_others(user: User, current_id: int | None) -> int:
    """ "Sign out everywhere else": every session of the user but this browser's ends; how many."""
    count = end_all_for(user, Ended.REVOKED, except_id=current_id)
    audit.security_event(user, "security.sessions_revoked", details={"count": count})
    db.session.commit()
    return count

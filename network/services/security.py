"""Sign-in protection: limits per client address, account lockout, password rules, reset by e-mail."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import smtplib
from datetime import timedelta
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from network.errors import DomainError, NotFoundError, ValidationError
from network.extensions import db
from network.links import absolute_url
from network.models import AttemptKind, AuthAttempt, PasswordReset, User, utcnow
from network.services.mail import send_mail
from network.text import one_line

log = logging.getLogger(__name__)

MIN_PASSWORD = 12
MAX_PASSWORD = 200
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
# Attempts older than this no longer count towards any limit; they are pruned as new ones arrive.
KEEP_ATTEMPTS = timedelta(days=1)


class RateLimitedError(DomainError):
    """Too many attempts from one address (or for one account) in a short time."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _setting(name: str) -> int:
    return int(current_app.config[name])


def _since(seconds: int):
    return utcnow() - timedelta(seconds=seconds)


def _count(*conditions) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuthAttempt.id)).where(*conditions)) or 0


def _record(kind: AttemptKind, address: str, email: str | None = None) -> None:
    db.session.add(AuthAttempt(kind=kind, address=(address or "unknown")[:64], email=email))
    db.session.execute(sa.delete(AuthAttempt).where(AuthAttempt.created_at < utcnow() - KEEP_ATTEMPTS))


def _check_address(address: str, kind: AttemptKind, limit: str, window: str) -> None:
    seconds = _setting(window)
    attempts = _count(
        AuthAttempt.address == address, AuthAttempt.kind == kind, AuthAttempt.created_at >= _since(seconds)
    )
    if attempts >= _setting(limit):
        raise RateLimitedError(
            _("Too many attempts from your network address. Please wait a minute and try again."),
            retry_after=seconds,
        )


def normalise_email(email: str) -> str:
    return one_line(email).lower()


# -- signing in -------------------------------------------------------------------------------


def _failures_towards_lock(email: str) -> int:
    """Failed sign-ins for this address within the lock window, after its last success or reset."""
    minutes = _setting("ACCOUNT_LOCK_MINUTES")
    last_clear = db.session.scalar(
        sa.select(sa.func.max(AuthAttempt.created_at)).where(
            AuthAttempt.email == email,
            AuthAttempt.kind.in_((AttemptKind.LOGIN_OK, AttemptKind.RESET_DONE)),
        )
    )
    since = _since(minutes * 60)
    if last_clear is not None and last_clear > since:
        since = last_clear
    return _count(
        AuthAttempt.email == email,
        AuthAttempt.kind == AttemptKind.LOGIN_FAILED,
        AuthAttempt.created_at >= since,
    )


def is_locked(email: str) -> bool:
    return _failures_towards_lock(normalise_email(email)) >= _setting("ACCOUNT_LOCK_FAILURES")


class AccountLockedError(DomainError):
    """Too many failed sign-ins for one e-mail address, from wherever they came."""

    status = 429


def sign_in(address: str, email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None. Raises RateLimitedError when the address has
    failed too often within a minute, AccountLockedError while the e-mail address is locked.

    Attempts for unknown addresses are counted and locked exactly like real ones, so neither the
    answer nor the lock tells whether an account exists."""
    _check_address(address, AttemptKind.LOGIN_FAILED, "LOGIN_LIMIT", "LOGIN_LIMIT_SECONDS")
    email = normalise_email(email)
    if is_locked(email):
        # Counted for the address limit, but not for the lock: the lock runs its time from the
        # failures that caused it instead of being prolonged for as long as someone keeps guessing.
        _record(AttemptKind.LOGIN_FAILED, address, None)
        db.session.commit()
        raise AccountLockedError(
            _(
                "This account is locked for %(minutes)d minutes after too many failed attempts. "
                "You can reset the password to open it now.",
                minutes=_setting("ACCOUNT_LOCK_MINUTES"),
            )
        )
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.check_password(password):
        _record(AttemptKind.LOGIN_FAILED, address, email)
        db.session.commit()
        return None
    _record(AttemptKind.LOGIN_OK, address, email)
    db.session.commit()
    return user


def check_registration_allowed(address: str) -> None:
    """Counts one registration attempt from the address; RateLimitedError past the hourly limit."""
    _check_address(address, AttemptKind.REGISTER, "REGISTER_LIMIT", "REGISTER_LIMIT_SECONDS")
    _record(AttemptKind.REGISTER, address)
    db.session.commit()


def session_fingerprint(user: User) -> str:
    """A short keyed digest of the user's password hash, kept in the session at login. When the
    password changes (a reset), the digest no longer matches and every other session ends."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:24]


# -- password rules ---------------------------------------------------------------------------


@cache
def common_passwords() -> frozenset[str]:
    with COMMON_PASSWORDS.open(encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def _letters(value: str) -> str:
    return re.sub(r"[\W_]+", "", value.lower())


def _is_common(password: str) -> bool:
    common = common_passwords()
    lowered = password.lower()
    # "Password2026!" is as guessable as "password": strip what people add at the end.
    stripped = re.sub(r"[\d\W_]+$", "", lowered)
    candidates = {lowered, stripped, _letters(lowered)}
    for word in list(candidates):
        # "qwertyqwerty": one common password said twice (or more).
        for size in range(1, len(word) // 2 + 1):
            if len(word) % size == 0 and word[:size] * (len(word) // size) == word:
                candidates.add(word[:size])
                break
    return any(c in common for c in candidates if c)


def check_password(password: str, email: str = "", name: str = "") -> None:
    """ValidationError (on the field "password") unless the password is long, not common and not
    made of the user's own e-mail address or name."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            _("The password must be at least %(n)d characters.", n=MIN_PASSWORD), field="password"
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationError(
            _("The password can be at most %(n)d characters.", n=MAX_PASSWORD), field="password"
        )
    if len(set(password)) < 5:
        raise ValidationError(_("The password needs more different characters."), field="password")
    letters = _letters(password)
    personal = [_letters(email), _letters(email.split("@")[0]), _letters(name)]
    for part in personal:
        if len(part) >= 4 and part in letters and len(part) * 2 >= len(letters):
            raise ValidationError(
                _("The password must not be your e-mail address or your name."), field="password"
            )
    if _is_common(password):
        raise ValidationError(
            _("That password is among the most common ones that attackers try first. Choose another."),
            field="password",
        )


# -- password reset ---------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(address: str, email: str) -> None:
    """Mail a reset link when an account has this address. The caller answers the same whether or not
    one does; a limit per address and per account keeps the form from being used to flood inboxes."""
    _check_address(address, AttemptKind.RESET_REQUEST, "RESET_LIMIT", "RESET_LIMIT_SECONDS")
    email = normalise_email(email)
    recent_for_email = _count(
        AuthAttempt.email == email,
        AuthAttempt.kind == AttemptKind.RESET_REQUEST,
        AuthAttempt.created_at >= _since(3600),
    )
    _record(AttemptKind.RESET_REQUEST, address, email)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or recent_for_email >= _setting("RESET_PER_ACCOUNT_PER_HOUR"):
        db.session.commit()
        return
    token = secrets.token_urlsafe(32)
    minutes = _setting("PASSWORD_RESET_MINUTES")
    db.session.add(
        PasswordReset(
            user=user, token_hash=_hash_token(token), expires_at=utcnow() + timedelta(minutes=minutes)
        )
    )
    db.session.commit()
    link = absolute_url("auth.reset_password", token=token)
    try:
        send_mail(
            user.email,
            _("Reset your password on Behovsbørsen"),
            _(
                "Someone asked to reset the password of your account on Behovsbørsen.\n\n"
                "Open this link to choose a new password (valid for %(minutes)d minutes, and once):\n"
                "%(link)s\n\nIf it was not you, ignore this message: your password stays as it is.\n",
                minutes=minutes,
                link=link,
            ),
        )
    except (smtplib.SMTPException, OSError) as exc:
        # The answer must not differ for existing accounts, so the failure is only logged.
        log.warning("password reset mail to %s failed: %s", user.email, exc)


def find_reset(token: str) -> PasswordReset:
    reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == _hash_token(token)))
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        raise NotFoundError(
            _("This link is not valid: it has expired or has been used already. Ask for a new one.")
        )
    return reset


def reset_password(address: str, token: str, password: str) -> User:
    """Set a new password with a reset link. The link then stops working, as do the user's other open
    links, and the account's lockout ends."""
    reset = find_reset(token)
    user = reset.user
    check_password(password, user.email, user.name)
    user.set_password(password)
    now = utcnow()
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    _record(AttemptKind.RESET_DONE, address, user.email)
    db.session.commit()
    return user

"""Sign-in protection: limits per client address, account lockout, password rules, reset by e-mail."""

from __future__ import annotations

import hashlib
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
from werkzeug.security import check_password_hash, generate_password_hash

from network.errors import DomainError, NotFoundError, ValidationError
from network.extensions import db
from network.links import absolute_url
from network.models import AttemptKind, AuthAttempt, PasswordReset, User, utcnow
from network.services import audit, devices, sessions
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


def _record(kind: AttemptKind, address: str, email: str | None = None, device: str | None = None) -> None:
    db.session.add(AuthAttempt(kind=kind, address=(address or "unknown")[:64], email=email, device=device))
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


# -- signing in: locks and failures (the sign-in itself is services/signin.py) ------------------


def check_login_address(address: str) -> None:
    """RateLimitedError when the client address has failed too often within a minute."""
    _check_address(address, AttemptKind.LOGIN_FAILED, "LOGIN_LIMIT", "LOGIN_LIMIT_SECONDS")


def _failures_towards_lock(email: str, device: str | None) -> int:
    """Failed sign-ins within the lock window, after the last success or reset: of the account from
    browsers it has not signed in from (device None), or of one device cookie."""
    minutes = _setting("ACCOUNT_LOCK_MINUTES")
    same_browser = AuthAttempt.device.is_(None) if device is None else AuthAttempt.device == device
    last_clear = db.session.scalar(
        sa.select(sa.func.max(AuthAttempt.created_at)).where(
            AuthAttempt.email == email,
            sa.or_(
                sa.and_(AuthAttempt.kind == AttemptKind.LOGIN_OK, same_browser),
                AuthAttempt.kind == AttemptKind.RESET_DONE,
            ),
        )
    )
    since = _since(minutes * 60)
    if last_clear is not None and last_clear > since:
        since = last_clear
    return _count(
        AuthAttempt.email == email,
        AuthAttempt.kind == AttemptKind.LOGIN_FAILED,
        same_browser,
        AuthAttempt.created_at >= since,
    )


def _lock_limit(device: str | None) -> int:
    return _setting("ACCOUNT_LOCK_FAILURES" if device is None else "DEVICE_LOCK_FAILURES")


def is_locked(email: str, device: str | None = None) -> bool:
    """Whether sign-ins to this address are refused: from unknown browsers (device None) after too
    many failures from any of them; from a browser with a device cookie after too many of its own."""
    return _failures_towards_lock(normalise_email(email), device) >= _lock_limit(device)


class AccountLockedError(DomainError):
    """Too many failed sign-ins for one e-mail address, from wherever they came."""

    status = 429


def refuse_when_locked(address: str, email: str, device: str | None = None) -> None:
    """AccountLockedError while locked, with the same words whether or not an account has the address.

    The refused attempt counts for the address limit, but not for the lock: the lock runs its time
    from the failures that caused it instead of being prolonged for as long as someone keeps guessing."""
    if not is_locked(email, device):
        return
    _record(AttemptKind.LOGIN_FAILED, address, None)
    db.session.commit()
    raise AccountLockedError(
        _(
            "This account is locked for %(minutes)d minutes after too many failed attempts. "
            "You can reset the password to open it now.",
            minutes=_setting("ACCOUNT_LOCK_MINUTES"),
        )
    )


def record_failure(address: str, email: str, user: User | None, device: str | None, reason: str) -> None:
    """A failed sign-in (a wrong password or code) counted towards the locks; commits. An account that
    exists gets a security event, and one more when this failure locks it."""
    _record(AttemptKind.LOGIN_FAILED, address, email, device)
    if user is not None:
        details = {"address": address, "reason": reason, "known_browser": device is not None}
        audit.security_event(user, "security.sign_in_failed", details=details)
        if _failures_towards_lock(email, device) == _lock_limit(device):
            audit.security_event(user, "security.locked", details=details)
    db.session.commit()


def record_success(address: str, user: User, device: str | None, two_factor: bool) -> None:
    """A completed sign-in: earlier failures of this browser (or of unknown browsers) stop counting."""
    _record(AttemptKind.LOGIN_OK, address, user.email, device)
    details = {"address": address, "two_factor": two_factor, "known_browser": device is not None}
    audit.security_event(user, "security.sign_in", details=details)
    db.session.commit()


# Per hash method: a hash of a random password, checked when no account has the address so that
# the answer takes as long as a wrong password for an account that exists.
_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _dummy_hashes[method]


def password_matches(user: User | None, password: str) -> bool:
    """Whether the user exists, is active and has this password. Costs one password hash check in
    every case, so the time does not tell whether an account has the address."""
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    # A deactivated account (or one of a suspended organisation) is refused like a wrong password.
    return user.check_password(password) and bool(user.is_active)


def check_registration_allowed(address: str) -> None:
    """Counts one registration attempt from the address; RateLimitedError past the hourly limit."""
    _check_address(address, AttemptKind.REGISTER, "REGISTER_LIMIT", "REGISTER_LIMIT_SECONDS")
    _record(AttemptKind.REGISTER, address)
    db.session.commit()


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


def _invalid_link() -> NotFoundError:
    return NotFoundError(
        _("This link is not valid: it has expired or has been used already. Ask for a new one.")
    )


def find_reset(token: str) -> PasswordReset:
    reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == _hash_token(token)))
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        raise _invalid_link()
    return reset


def reset_password(address: str, token: str, password: str) -> User:
    """Set a new password with a reset link. The link then stops working, as do the user's other open
    links; every session of the user ends and the account's lockout ends.

    The link is claimed with one conditional update (only while unused and unexpired): of two
    requests using it at once, only the one that changed the row goes on; the other finds it used."""
    reset = find_reset(token)
    user = reset.user
    check_password(password, user.email, user.name)
    now = utcnow()
    claimed = db.session.execute(
        sa.update(PasswordReset)
        .where(
            PasswordReset.id == reset.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at >= now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise _invalid_link()
    user.set_password(password)
    # Whoever knew the old password may have signed in somewhere: no browser is trusted any more.
    devices.forget_devices(user)
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    sessions.end_all_for(user, sessions.Ended.PASSWORD_RESET)
    # A closed account opens again: the reset proves that its owner reads the address.
    if user.deactivated_at is not None:
        user.deactivated_at = None
        audit.security_event(user, "security.reactivated")
    _record(AttemptKind.RESET_DONE, address, user.email)
    db.session.commit()
    return user

"""Two-factor sign-in with TOTP codes (RFC 6238) and one-time recovery codes: setting it up, checking a
code, renewing the recovery codes, turning it off. Password checks around these live in services/signin.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

import pyotp
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import gettext as _

from network.errors import ConflictError, NotAllowedError, ValidationError
from network.extensions import db
from network.models import RecoveryCode, TwoFactorKey, User, utcnow
from network.services import audit

log = logging.getLogger(__name__)

ISSUER = "Behovsbørsen"
# Codes of the step before and after the current one are accepted too (clocks drift, people type slowly).
VALID_WINDOW = 1
# Recovery codes: three groups of four, from letters and digits that cannot be mistaken for each other.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class TwoFactorStatus:
    enabled: bool
    enabled_at: datetime | None
    recovery_codes_left: int


# -- the secret, encrypted at rest ----------------------------------------------------------------
# A database copy without SECRET_KEY must not give away the secrets: each is sealed with Fernet
# (cryptography: AES-128-CBC with HMAC-SHA256, checked before anything is decrypted) under a key
# derived from SECRET_KEY for this purpose only.


def _fernet() -> Fernet:
    key = hmac.new(
        str(current_app.config["SECRET_KEY"]).encode(), b"two-factor-secret", hashlib.sha256
    ).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def _decrypt(stored: str) -> str | None:
    """The secret, or None when it was encrypted under another SECRET_KEY (or altered)."""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        log.warning("a two-factor secret cannot be read: SECRET_KEY changed since it was set up?")
        return None


# -- reading -------------------------------------------------------------------------------------


def _key(user: User) -> TwoFactorKey | None:
    return db.session.get(TwoFactorKey, user.id)


def is_enabled(user: User) -> bool:
    key = _key(user)
    return key is not None and key.enabled_at is not None


def required(user: User) -> bool:
    """A site administrator must turn two-factor sign-in on before doing anything else."""
    return bool(user.is_site_admin) and not is_enabled(user)


def status(user: User) -> TwoFactorStatus:
    key = _key(user)
    left = db.session.scalar(
        sa.select(sa.func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )
    enabled = key is not None and key.enabled_at is not None
    return TwoFactorStatus(enabled, key.enabled_at if enabled else None, left or 0)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


# -- setting up ----------------------------------------------------------------------------------


def pending_secret(actor: User) -> str:
    """The secret being set up for the actor, made on first call; the same one until it is confirmed."""
    key = _key(actor)
    if key is not None and key.enabled_at is not None:
        raise ConflictError(_("Two-factor sign-in is already on."))
    secret = _decrypt(key.secret) if key is not None else None
    if secret is None:
        secret = pyotp.random_base32()
        if key is None:
            key = TwoFactorKey(user_id=actor.id, secret="")
            db.session.add(key)
        key.secret = _encrypt(secret)
        db.session.commit()
    return secret


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step whose code this is, within the window and after the last one used; else None."""
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        # Bytes: compare_digest refuses str with characters outside ASCII, which a typed code may hold.
        if hmac.compare_digest(totp.generate_otp(step).encode(), code.encode()) and (
            last_step is None or step > last_step
        ):
            return step
    return None


def _digits(code: str) -> str:
    return "".join(code.split())


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(int(current_app.config["RECOVERY_CODES"])):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(raw)))
    audit.security_event(user, "security.recovery_codes_new")
    return codes


def _hash_recovery(code: str) -> str:
    # Unkeyed, so recovery codes still work after SECRET_KEY changes (which makes the TOTP secret
    # unreadable); sixty bits of chance make the hash as hard to reverse as the code is to guess.
    return hashlib.sha256(code.encode()).hexdigest()


def enable(actor: User, code: str) -> list[str]:
    """Turn two-factor sign-in on once a code from the app proves it was set up; the recovery codes,
    shown to the user once."""
    key = _key(actor)
    if key is not None and key.enabled_at is not None:
        raise ConflictError(_("Two-factor sign-in is already on."))
    secret = _decrypt(key.secret) if key is not None else None
    step = _matching_step(secret, _digits(code), None) if secret else None
    if step is None:
        raise ValidationError(
            _("That code is not right. Check the time on your phone and type the code shown now."),
            field="code",
        )
    key.enabled_at = utcnow()
    key.last_step = step
    audit.security_event(actor, "security.2fa_enabled")
    codes = _new_recovery_codes(actor)
    db.session.commit()
    return codes


def renew_recovery_codes(actor: User) -> list[str]:
    """New recovery codes in place of the old ones (call through services/signin.py, after the password)."""
    if not is_enabled(actor):
        raise ConflictError(_("Two-factor sign-in is not on."))
    codes = _new_recovery_codes(actor)
    db.session.commit()
    return codes


def verify_code(user: User, code: str) -> str | None:
    """ "totp" or "recovery" when the code lets the user in (and can then never be used again), None
    when it does not. The caller commits."""
    key = _key(user)
    if key is None or key.enabled_at is None:
        return None
    typed = _digits(code)
    if typed.isdigit():
        secret = _decrypt(key.secret)
        step = _matching_step(secret, typed, key.last_step) if secret else None
        if step is None:
            return None
        # Only one of two requests with the same code can move last_step past it.
        moved = db.session.execute(
            sa.update(TwoFactorKey)
            .where(
                TwoFactorKey.user_id == user.id,
                sa.or_(TwoFactorKey.last_step.is_(None), TwoFactorKey.last_step < step),
            )
            .values(last_step=step)
            .execution_options(synchronize_session="fetch")
        )
        return "totp" if moved.rowcount == 1 else None
    plain = typed.lower().replace("-", "")
    if len(plain) != 12:
        return None
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_recovery(plain),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        return None
    audit.security_event(user, "security.recovery_code_used")
    return "recovery"


# -- turning it off ------------------------------------------------------------------------------


def _remove(user: User) -> None:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(sa.delete(TwoFactorKey).where(TwoFactorKey.user_id == user.id))


def disable(actor: User) -> None:
    """Turn it off (call through services/signin.py, after the password and a code). Site
    administrators cannot: for them it is required."""
    if actor.is_site_admin:
        raise NotAllowedError(_("Site administrators must keep two-factor sign-in on."))
    if not is_enabled(actor):
        raise ConflictError(_("Two-factor sign-in is not on."))
    _remove(actor)
    audit.security_event(actor, "security.2fa_disabled")
    db.session.commit()


def reset(user: User) -> bool:
    """For a site operator (`flask two-factor reset`): the user signs in with the password alone again
    (a site administrator is then asked to set it up anew). False when it was not on."""
    had = _key(user) is not None
    _remove(user)
    if had:
        audit.security_event(user, "security.2fa_disabled", details={"by": "operator"})
    db.session.commit()
    return had

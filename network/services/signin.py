"""Signing in: the password step, the two-factor code step, and the password-checked changes to
two-factor sign-in. Locks and limits come from services/security.py, device cookies from
services/devices.py, codes from services/twofactor.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from network.errors import ValidationError
from network.extensions import db
from network.models import User
from network.services import devices, security, twofactor


@dataclass(frozen=True)
class SignIn:
    """A right password (or password and code). `device` is the id of the device cookie the browser
    showed for the account, if any; `needs_code` says a two-factor code must come before the session."""

    user: User
    device: str | None
    needs_code: bool


def sign_in(address: str, email: str, password: str, device_tokens: Iterable[str] = ()) -> SignIn | None:
    """The password step, or None for a wrong password (or an unknown or deactivated account, which get
    the same answer in the same time). Raises RateLimitedError when the client address has failed too
    often within a minute and AccountLockedError while the account is locked, with the same words for
    addresses no account has; a browser with a valid device cookie for the account is held back by
    neither, only by its own failures."""
    email = security.normalise_email(email)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    device = devices.trusted_device(user, device_tokens)
    if device is None:
        security.check_login_address(address)
    security.refuse_when_locked(address, email, device)
    if not security.password_matches(user, password):
        security.record_failure(address, email, user, device, "password")
        return None
    if twofactor.is_enabled(user):
        return SignIn(user, device, needs_code=True)
    security.record_success(address, user, device, two_factor=False)
    return SignIn(user, device, needs_code=False)


def pending_user(user_id: int) -> User | None:
    """The user whose password was right in this browser a moment ago (the view keeps the id)."""
    return db.session.get(User, user_id)


def sign_in_with_code(
    address: str, user: User, code: str, device_tokens: Iterable[str] = ()
) -> SignIn | None:
    """The second step: a TOTP code (each accepted once) or a recovery code (each works once). Wrong
    codes count towards the same locks as wrong passwords."""
    device = devices.trusted_device(user, device_tokens)
    if device is None:
        security.check_login_address(address)
    security.refuse_when_locked(address, user.email, device)
    used = twofactor.verify_code(user, code) if user.is_active else None
    if used is None:
        security.record_failure(address, user.email, user, device, "code")
        return None
    security.record_success(address, user, device, two_factor=True)
    return SignIn(user, device, needs_code=False)


def _check_password(address: str, actor: User, password: str) -> None:
    """ValidationError on the password field for a wrong password, counted like a failed sign-in, so a
    borrowed session cannot be used to guess the password past the lock."""
    security.refuse_when_locked(address, actor.email)
    if not actor.check_password(password):
        security.record_failure(address, actor.email, actor, None, "password")
        raise ValidationError(_("That is not your password."), field="password")


def renew_recovery_codes(address: str, actor: User, password: str) -> list[str]:
    """New recovery codes after the actor's password; the old ones stop working."""
    _check_password(address, actor, password)
    return twofactor.renew_recovery_codes(actor)


def disable_two_factor(address: str, actor: User, password: str, code: str) -> None:
    """Turn two-factor sign-in off after the password and a current code (or a recovery code)."""
    if actor.is_site_admin:
        twofactor.disable(actor)  # raises NotAllowedError: required for site administrators
    _check_password(address, actor, password)
    if twofactor.verify_code(actor, code) is None:
        security.record_failure(address, actor.email, actor, None, "code")
        raise ValidationError(_("That code is not right."), field="code")
    twofactor.disable(actor)

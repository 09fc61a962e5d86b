"""Device cookies (OWASP's "slow down online guessing with device cookies"): a browser that signed in to
an account carries a signed token naming it, so a lock that strangers' failures put on the account does
not keep the owner out, and the owner's own failures lock only that browser."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable

from flask import current_app

from network.models import User

# A token: "<user id>.<device id>.<issued, Unix seconds>.<signature>"; several are joined by SEPARATOR in
# one cookie. Every character is allowed in a cookie value without quoting.
SEPARATOR = "~"
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{8,32}")


def _key() -> bytes:
    # Its own key, derived from SECRET_KEY, so a device token can never pass for any other signed value.
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), b"device-cookie", hashlib.sha256).digest()


def _signature(user: User, device_id: str, issued: int) -> str:
    message = f"{user.id}.{device_id}.{issued}.{user.device_nonce}".encode()
    digest = hmac.new(_key(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(user: User, device_id: str | None = None) -> tuple[str, str]:
    """A fresh token for the user's browser (keeping its device id when it had one) and the device id."""
    device_id = device_id or secrets.token_urlsafe(12)
    issued = int(time.time())
    return f"{user.id}.{device_id}.{issued}.{_signature(user, device_id, issued)}", device_id


def tokens_of(cookie: str | None) -> list[str]:
    """The tokens of a device cookie's value, at most as many as a browser keeps."""
    keep = int(current_app.config["DEVICE_COOKIE_ACCOUNTS"])
    return [token for token in (cookie or "").split(SEPARATOR) if token][:keep]


def trusted_device(user: User | None, tokens: Iterable[str]) -> str | None:
    """The device id of the token among `tokens` that is valid for this user, or None."""
    if user is None:
        return None
    oldest = time.time() - int(current_app.config["DEVICE_COOKIE_DAYS"]) * 86400
    for token in tokens:
        parts = token.split(".")
        if len(parts) != 4:
            continue
        user_id, device_id, issued, signature = parts
        if (
            user_id != str(user.id)
            or not _DEVICE_ID.fullmatch(device_id)
            or not (issued.isascii() and issued.isdigit())
        ):
            continue
        if int(issued) < oldest:
            continue
        # Bytes: compare_digest refuses str with characters outside ASCII, which a cookie may hold.
        if hmac.compare_digest(signature.encode(), _signature(user, device_id, int(issued)).encode()):
            return device_id
    return None


def cookie_value(tokens: Iterable[str], user: User, token: str) -> str:
    """The browser's cookie with the user's new token first and its other accounts' tokens after it."""
    keep = int(current_app.config["DEVICE_COOKIE_ACCOUNTS"])
    others = [t for t in tokens if t.split(".", 1)[0] != str(user.id)]
    return SEPARATOR.join([token, *others][:keep])


def forget_devices(user: User) -> None:
    """Every device cookie of the account stops working (a password reset); the caller commits."""
    user.device_nonce = secrets.token_hex(16)

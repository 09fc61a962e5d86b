"""Helpers the tests share: reading responses and pages, counting rows, and the data of the site's forms."""

from __future__ import annotations

import re

import sqlalchemy as sa

from network.extensions import db

HEALTH_TEXT = "Eldre som bor hjemme faller og blir liggende lenge før noen finner dem."


# -- responses and pages ----------------------------------------------------------------------


def text(response) -> str:
    return response.get_data(as_text=True)


def location(response) -> str:
    assert response.status_code == 302, text(response)[:500]
    return response.headers["Location"]


def field_error(page: str, field_id: str) -> str:
    """The error shown next to a field (the macros give it the id '<field>-error')."""
    found = re.search(rf'id="{field_id}-error"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no error next to {field_id}"
    return found.group(1)


def input_value(page: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


# -- the database -----------------------------------------------------------------------------


def rows(model, *where) -> list:
    """Rows as the database has them now (after whatever the request did)."""
    db.session.expire_all()
    return list(db.session.scalars(sa.select(model).where(*where)))


def count(model, *where) -> int:
    """How many rows of `model` (matching `where`) the database has now."""
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# -- form data --------------------------------------------------------------------------------


def registration(kind="public_body", **kw):
    data = {
        "kind": kind,
        "org_name": "Bærum kommune" if kind == "public_body" else "Fjordtek AS",
        "org_number": "974760673" if kind == "public_body" else "923609016",
        "country": "NO",
        "sector": "municipality",
        "kommune": "3201" if kind == "public_body" else "",
        "name": "Ola Nordmann",
        "email": "ola@example.no",
        "password": "et-langt-passord",
        "password2": "et-langt-passord",
        "accept_terms": "y",
    }
    data.update(kw)
    return data


def need_form(**kw):
    data = {
        "title": "Færre fallulykker blant eldre",
        "description": HEALTH_TEXT,
        "affected": "Hjemmeboende",
        "outcome": "Halvparten så mange fall",
        "domain": "health",
        "cpv": "33000000, 48000000",
        "kommuner": ["0301"],
        "route": "market_dialogue",
        "budget_min": "100000",
        "budget_max": "2000000",
        "deadline": "2030-06-30",
    }
    data.update(kw)
    return data


def capability_form(**kw):
    data = {
        "title": "Fallalarm med sensorer",
        "description": "Sensorer som varsler når noen faller.",
        "domains": ["health", "digital"],
        "cpv": "33000000",
        "fylker": ["03", "32"],
        "maturity": "pilot",
        "references": "Brukt i tre kommuner.",
    }
    data.update(kw)
    return data


# -- two-factor sign-in -----------------------------------------------------------------------

# The key of every test account with two-factor sign-in (site administrators get it from the factory).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_two_factor(user, secret: str = TOTP_SECRET) -> str:
    """Turn two-factor sign-in on for the user as if set up with an app; the secret, for fresh_code."""
    from network.models import TwoFactorKey, utcnow
    from network.services import twofactor

    db.session.merge(
        TwoFactorKey(user_id=user.id, secret=twofactor._encrypt(secret), enabled_at=utcnow(), last_step=None)
    )
    db.session.commit()
    return secret


def fresh_code(user, secret: str = TOTP_SECRET) -> str:
    """A code the app would show that has not been used yet (one of the steps of the accepted window)."""
    import time

    import pyotp

    from network.models import TwoFactorKey

    last_step = db.session.scalar(sa.select(TwoFactorKey.last_step).where(TwoFactorKey.user_id == user.id))
    totp = pyotp.TOTP(secret)
    while True:
        now_seconds = time.time()
        now = int(now_seconds) // totp.interval
        # The past step only while the app will still accept it: a step boundary passing between
        # choosing a code and the app checking it must not turn it down.
        past_is_safe = (now + 1) * totp.interval - now_seconds > 5
        steps = ((now - 1,) if past_is_safe else ()) + (now, now + 1)
        for step in steps:
            if last_step is None or step > last_step:
                return totp.generate_otp(step)
        # Every code of the window is used: wait for the next step.
        time.sleep((now + 1) * totp.interval - now_seconds + 0.1)


def sign_in(client, user, password: str | None = None, secret: str = TOTP_SECRET, **kwargs):
    """Sign in on `client` (a user, or an e-mail address): the password, then, when the account has
    two-factor sign-in, a fresh code. The last answer."""
    from network.models import User
    from tests.factories import PASSWORD

    if isinstance(user, str):
        user = db.session.scalar(sa.select(User).where(User.email == user))
    data = {"email": user.email, "password": PASSWORD if password is None else password}
    response = client.post("/login", data=data, **kwargs)
    if response.status_code == 302 and response.headers["Location"].endswith("/login/code"):
        response = client.post("/login/code", data={"code": fresh_code(user, secret)}, **kwargs)
    return response

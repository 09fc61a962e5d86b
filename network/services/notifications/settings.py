"""Each user's notification settings: how each kind of notice reaches them (at once, in a daily or
weekly digest, or only in the inbox), and turning mail off from a signed link without logging in."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer

from network.errors import NotFoundError, ValidationError
from network.extensions import db
from network.models import NOTIFICATION_KINDS, Frequency, Notification, NotificationPreference, User

# What a user gets before choosing: direct news at once, searches as a daily digest.
DEFAULT_FREQUENCY = {kind: Frequency.IMMEDIATELY for kind in NOTIFICATION_KINDS} | {
    "saved_search": Frequency.DAILY,
}


def preferences(user: User) -> dict[str, Frequency]:
    chosen = {
        p.kind: p.frequency
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    return {kind: chosen.get(kind, DEFAULT_FREQUENCY[kind]) for kind in NOTIFICATION_KINDS}


def set_preferences(user: User, choices: dict[str, str]) -> None:
    """Save the user's choices. Notices not yet e-mailed follow the new choice: after "off" (or an
    unsubscribe) no mail of that kind goes out, not even one already waiting for a digest."""
    checked: dict[str, Frequency] = {}
    # Every choice is checked before any is written: a bad one changes nothing.
    for kind, value in choices.items():
        if kind not in NOTIFICATION_KINDS:
            raise ValidationError(_("Unknown kind of notice."))
        try:
            checked[kind] = Frequency(value)
        except ValueError:
            raise ValidationError(_("Unknown frequency."), field=kind) from None
    for kind, frequency in checked.items():
        preference = db.session.get(NotificationPreference, (user.id, kind))
        if preference is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, frequency=frequency))
        else:
            preference.frequency = frequency
        # Notices left unsent while "off" stay unsent: switching back on must not flood the inbox's past.
        db.session.execute(
            sa.update(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.kind == kind,
                Notification.emailed_at.is_(None),
                Notification.frequency != Frequency.OFF,
            )
            .values(frequency=frequency)
        )
    db.session.commit()


# -- unsubscribing without logging in ---------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user: User, kinds: str | Iterable[str]) -> str:
    """A link's token that turns these kinds of mail off for this user; signed, so it cannot be
    changed to another user or kind. It does not expire: an old mail's link must still work."""
    kinds = [kinds] if isinstance(kinds, str) else sorted(set(kinds))
    return _serializer().dumps([user.id, kinds])


def read_unsubscribe_token(token: str) -> tuple[User, tuple[str, ...]]:
    invalid = NotFoundError(_("This unsubscribe link is not valid."))
    try:
        user_id, kinds = _serializer().loads(token)
    except (BadData, ValueError, TypeError):
        raise invalid from None
    if isinstance(kinds, str):
        kinds = [kinds]
    if (
        not isinstance(user_id, int)
        or not isinstance(kinds, list)
        or not kinds
        or any(kind not in NOTIFICATION_KINDS for kind in kinds)
    ):
        raise invalid
    user = db.session.get(User, user_id)
    if user is None:
        raise invalid
    return user, tuple(kinds)


def unsubscribe(token: str) -> tuple[User, tuple[str, ...]]:
    user, kinds = read_unsubscribe_token(token)
    set_preferences(user, dict.fromkeys(kinds, Frequency.OFF.value))
    return user, kinds

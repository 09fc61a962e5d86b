"""Following a need: a user follows a published need to be told when it moves on."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from network.errors import ValidationError
from network.extensions import db
from network.models import Follow, Need, User
from network.services.needs import get_visible


def follow(user: User, need_id: int) -> Follow:
    """Follow a published need (again: nothing changes). Another body's draft is answered as missing."""
    need = get_visible(user, need_id)
    if not need.is_published:
        raise ValidationError(_("Only a published need can be followed."))
    existing = _follow_of(user, need.id)
    if existing is not None:
        return existing
    follow_row = Follow(user_id=user.id, need_id=need.id)
    db.session.add(follow_row)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # A double click: the other request made the same follow first.
        db.session.rollback()
        return _follow_of(user, need.id)
    return follow_row


def unfollow(user: User, need_id: int) -> None:
    db.session.execute(sa.delete(Follow).where(Follow.user_id == user.id, Follow.need_id == need_id))
    db.session.commit()


def _follow_of(user: User, need_id: int) -> Follow | None:
    return db.session.scalar(sa.select(Follow).where(Follow.user_id == user.id, Follow.need_id == need_id))


def is_following(user: User | None, need: Need) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(
        sa.select(sa.exists().where(Follow.user_id == user.id, Follow.need_id == need.id))
    )


def follows_of(user: User) -> list[Follow]:
    return list(
        db.session.scalars(
            sa.select(Follow)
            .where(Follow.user_id == user.id)
            .options(joinedload(Follow.need).joinedload(Need.organisation))
            .order_by(Follow.created_at.desc(), Follow.id.desc())
        )
    )

"""The site's inbox: a user's notices, how many are unread, reading one or all of them."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from network.errors import NotFoundError
from network.extensions import db
from network.models import Notification, User, utcnow


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def inbox(user: User, page: int, per_page: int):
    query = (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_notice(user: User, notification_id: int) -> Notification:
    notice = db.session.get(Notification, notification_id)
    if notice is None or notice.user_id != user.id:
        # Another user's notice is answered as missing: its existence is nobody else's business.
        raise NotFoundError(_("No such notice."))
    return notice


def mark_read(user: User, notification_id: int | None = None) -> None:
    """Mark one notice (or all of them) read; another user's notice is answered as missing."""
    query = sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        get_notice(user, notification_id)
        query = query.where(Notification.id == notification_id)
    db.session.execute(query.values(read_at=utcnow()))
    db.session.commit()


def open_notice(user: User, notification_id: int) -> Notification:
    """Mark the notice read and hand it back, for the view to follow its link."""
    notice = get_notice(user, notification_id)
    if notice.read_at is None:
        notice.read_at = utcnow()
        db.session.commit()
    return notice

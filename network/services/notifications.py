"""Notifications: notices in the site's inbox, e-mailed immediately or as daily/weekly digests."""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from network.errors import NotFoundError, ValidationError
from network.extensions import db
from network.models import (
    NOTIFICATION_KINDS,
    Frequency,
    Notification,
    NotificationPreference,
    User,
    utcnow,
)
from network.services.mail import send_mail

log = logging.getLogger(__name__)

# What a user gets before choosing: direct news at once, searches as a daily digest.
DEFAULT_FREQUENCY = {kind: Frequency.IMMEDIATELY for kind in NOTIFICATION_KINDS} | {
    "saved_search": Frequency.DAILY,
}

# Builds (subject, body) in the recipient's language; called once per language among the recipients.
MessageBuilder = Callable[[], tuple[str, str]]


def preferences(user: User) -> dict[str, Frequency]:
    chosen = {
        p.kind: p.frequency
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    return {kind: chosen.get(kind, DEFAULT_FREQUENCY[kind]) for kind in NOTIFICATION_KINDS}


def set_preferences(user: User, choices: dict[str, str]) -> None:
    for kind, value in choices.items():
        if kind not in NOTIFICATION_KINDS:
            raise ValidationError(_("Unknown kind of notice."))
        try:
            frequency = Frequency(value)
        except ValueError:
            raise ValidationError(_("Unknown frequency."), field=kind) from None
        preference = db.session.get(NotificationPreference, (user.id, kind))
        if preference is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, frequency=frequency))
        else:
            preference.frequency = frequency
    db.session.commit()


def notify(
    users: Iterable[User],
    kind: str,
    message: MessageBuilder,
    link: str | None = None,
    need_id: int | None = None,
    exclude: User | None = None,
) -> list[Notification]:
    """Add a notice for each user (once per user; never to `exclude`, the one who acted). Part of the
    caller's unit of work: it commits with the change that caused it."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    recipients = {u.id: u for u in users if u is not None and (exclude is None or u.id != exclude.id)}
    if not recipients:
        return []
    chosen = {
        p.user_id: p.frequency
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(
                NotificationPreference.kind == kind, NotificationPreference.user_id.in_(list(recipients))
            )
        )
    }
    texts: dict[str, tuple[str, str]] = {}
    created = []
    for user in recipients.values():
        locale = user.locale or "nb"
        if locale not in texts:
            with force_locale(locale):
                texts[locale] = tuple(str(part) for part in message())
        subject, body = texts[locale]
        notice = Notification(
            user_id=user.id,
            kind=kind,
            subject=subject[:300],
            body=body,
            link=link,
            need_id=need_id,
            frequency=chosen.get(user.id, DEFAULT_FREQUENCY[kind]),
        )
        db.session.add(notice)
        created.append(notice)
    return created


# -- the inbox --------------------------------------------------------------------------------


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


def mark_read(user: User, notification_id: int | None = None) -> None:
    """Mark one notice (or all of them) read; another user's notice is answered as missing."""
    query = sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        notice = db.session.get(Notification, notification_id)
        if notice is None or notice.user_id != user.id:
            raise NotFoundError(_("No such notice."))
        query = query.where(Notification.id == notification_id)
    db.session.execute(query.values(read_at=utcnow()))
    db.session.commit()


# -- unsubscribing without logging in ---------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user: User, kind: str) -> str:
    return _serializer().dumps([user.id, kind])


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise NotFoundError(_("This unsubscribe link is not valid.")) from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or kind not in NOTIFICATION_KINDS:
        raise NotFoundError(_("This unsubscribe link is not valid."))
    return user, kind


def unsubscribe(token: str) -> tuple[User, str]:
    user, kind = read_unsubscribe_token(token)
    set_preferences(user, {kind: Frequency.OFF.value})
    return user, kind


# -- sending: `flask notify send` ---------------------------------------------------------------


@dataclass
class SendReport:
    mails: int = 0
    notices: int = 0
    failed: int = 0


def _due_before(frequency: Frequency, now: datetime) -> datetime:
    """Notices created before this moment are due: at once, or at the start of today / this week."""
    if frequency == Frequency.IMMEDIATELY:
        return now + timedelta(seconds=1)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if frequency == Frequency.DAILY:
        return midnight
    return midnight - timedelta(days=midnight.weekday())


def send_due(now: datetime | None = None) -> SendReport:
    """E-mail every notice that is due, once. Safe to run twice or in two processes at once: a notice
    is claimed (emailed_at set where it was empty) and committed before its mail goes out."""
    now = now or utcnow()
    report = SendReport()
    for frequency in (Frequency.IMMEDIATELY, Frequency.DAILY, Frequency.WEEKLY):
        candidates = db.session.execute(
            sa.select(Notification.id, Notification.user_id).where(
                Notification.emailed_at.is_(None),
                Notification.frequency == frequency,
                Notification.created_at < _due_before(frequency, now),
            )
        ).all()
        by_user: dict[int, list[int]] = defaultdict(list)
        for notice_id, user_id in candidates:
            by_user[user_id].append(notice_id)
        for user_id, ids in by_user.items():
            claimed = _claim(ids, now)
            if not claimed:
                continue
            groups = [[n] for n in claimed] if frequency == Frequency.IMMEDIATELY else [claimed]
            for notices in groups:
                if _deliver(db.session.get(User, user_id), notices, frequency):
                    report.mails += 1
                    report.notices += len(notices)
                else:
                    report.failed += len(notices)
    return report


def _claim(ids: list[int], now: datetime) -> list[Notification]:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
        .values(emailed_at=now)
        .returning(Notification.id)
    )
    claimed_ids = [row[0] for row in result]
    db.session.commit()
    if not claimed_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.id.in_(claimed_ids)).order_by(Notification.id)
        )
    )


def _deliver(user: User, notices: list[Notification], frequency: Frequency) -> bool:
    with force_locale(user.locale or "nb"):
        if len(notices) == 1 and frequency == Frequency.IMMEDIATELY:
            subject = notices[0].subject
        elif frequency == Frequency.DAILY:
            subject = _("Your daily summary from Behovsbørsen (%(n)d)", n=len(notices))
        else:
            subject = _("Your weekly summary from Behovsbørsen (%(n)d)", n=len(notices))
        kinds = sorted({n.kind for n in notices})
        unsubscribe_links = [
            url_for("notifications.unsubscribe", token=unsubscribe_token(user, kind), _external=True)
            for kind in kinds
        ]
        parts = []
        for notice in notices:
            parts.append(notice.subject)
            if notice.body:
                parts.append(notice.body)
            if notice.link:
                parts.append(notice.link)
            parts.append("")
        footer = _(
            "You get this because of your notification settings: %(settings)s\n"
            "Stop these notices without logging in: %(links)s",
            settings=url_for("notifications.preferences", _external=True),
            links="\n".join(unsubscribe_links),
        )
        text = "\n".join(parts) + "\n-- \n" + footer + "\n"
    try:
        send_mail(user.email, subject, text, headers={"List-Unsubscribe": f"<{unsubscribe_links[0]}>"})
    except (smtplib.SMTPException, OSError) as exc:
        # Give the notices back, so the next run tries again; nobody got them.
        log.warning("notice mail to %s failed: %s", user.email, exc)
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id.in_([n.id for n in notices]))
            .values(emailed_at=None)
        )
        db.session.commit()
        return False
    return True

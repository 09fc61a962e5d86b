"""Sending notices by e-mail (`flask notify send`): each at once, or a daily or weekly digest.

Days and weeks are UTC: a daily digest holds the notices made before today's 00:00 UTC, a weekly one
those made before Monday 00:00 UTC (`flask notify send` sends what is due whenever cron runs it)."""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from network.extensions import db
from network.links import absolute_url, site_root
from network.models import Frequency, Notification, User, utcnow
from network.services.mail import send_mail
from network.services.notifications.settings import unsubscribe_token

log = logging.getLogger(__name__)

# A digest lists this many notices; the rest are in the inbox (a mail of hundreds helps nobody).
DIGEST_LIMIT = 50


@dataclass
class SendReport:
    mails: int = 0
    notices: int = 0
    # Mails that could not be sent; their notices are left for the next run.
    failed: int = 0


def _due_before(frequency: Frequency, now: datetime) -> datetime:
    """Notices created before this moment are due: at once, or at the start of today / this week
    (UTC: `now` and the notices' times are naive UTC)."""
    if frequency == Frequency.IMMEDIATELY:
        return now + timedelta(seconds=1)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if frequency == Frequency.DAILY:
        return midnight
    return midnight - timedelta(days=midnight.weekday())


def send_due(now: datetime | None = None) -> SendReport:
    """E-mail every notice that is due, once. Safe to run twice or in two processes at once: a notice
    is claimed (emailed_at set where it was empty) and committed before its mail goes out; a mail
    that fails gives its notices back for the next run."""
    now = now or utcnow()
    report = SendReport()
    for frequency in (Frequency.IMMEDIATELY, Frequency.DAILY, Frequency.WEEKLY):
        candidates = db.session.execute(
            sa.select(Notification.id, Notification.user_id)
            .where(
                Notification.emailed_at.is_(None),
                Notification.frequency == frequency,
                Notification.created_at < _due_before(frequency, now),
            )
            .order_by(Notification.id)
        ).all()
        db.session.commit()
        by_user: dict[int, list[int]] = defaultdict(list)
        for notice_id, user_id in candidates:
            by_user[user_id].append(notice_id)
        for user_id, ids in by_user.items():
            claimed = _claim(ids, frequency, now)
            if not claimed:
                continue
            groups = [[n] for n in claimed] if frequency == Frequency.IMMEDIATELY else [claimed]
            for notices in groups:
                if _deliver(db.session.get(User, user_id), notices, frequency, now):
                    report.mails += 1
                    report.notices += len(notices)
                else:
                    report.failed += 1
    return report


def _claim(ids: list[int], frequency: Frequency, now: datetime) -> list[Notification]:
    # The frequency is checked again: the user may have changed it (to "off", say) since the select.
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.id.in_(ids),
            Notification.emailed_at.is_(None),
            Notification.frequency == frequency,
        )
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


def _release(ids: list[int], claimed_at: datetime) -> None:
    """Give claimed notices back, so the next run tries again; nobody got them."""
    db.session.rollback()
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(ids), Notification.emailed_at == claimed_at)
        .values(emailed_at=None)
    )
    db.session.commit()


def _compose(user: User, notices: list[Notification], frequency: Frequency) -> tuple[str, str, str]:
    """(subject, plain text, unsubscribe URL) in the user's language."""
    root = site_root()
    kinds = sorted({n.kind for n in notices})
    unsubscribe_url = absolute_url("notifications.unsubscribe", token=unsubscribe_token(user, kinds))
    with force_locale(user.locale or "nb"):
        if frequency == Frequency.IMMEDIATELY:
            subject = notices[0].subject
            intro = []
        else:
            if frequency == Frequency.DAILY:
                subject = _("Your daily summary from Behovsbørsen (%(n)d)", n=len(notices))
            else:
                subject = _("Your weekly summary from Behovsbørsen (%(n)d)", n=len(notices))
            intro = [_("Hello %(name)s,", name=user.name), "", _("News for you on Behovsbørsen:"), ""]
        parts = list(intro)
        for notice in notices[:DIGEST_LIMIT]:
            parts.append(("* " if intro else "") + notice.subject)
            if notice.body:
                parts.append(notice.body)
            if notice.link:
                parts.append(root + notice.link)
            parts.append("")
        if len(notices) > DIGEST_LIMIT:
            parts.append(
                _(
                    "… and %(n)d more in your inbox: %(link)s",
                    n=len(notices) - DIGEST_LIMIT,
                    link=absolute_url("notifications.inbox"),
                )
            )
            parts.append("")
        footer = [
            "-- ",
            _(
                "You get this because of your notification settings: %(link)s",
                link=absolute_url("notifications.preferences"),
            ),
            _("Stop these e-mails without logging in: %(link)s", link=unsubscribe_url),
        ]
        text = "\n".join(parts + footer) + "\n"
    return str(subject), text, unsubscribe_url


def _deliver(user: User, notices: list[Notification], frequency: Frequency, claimed_at: datetime) -> bool:
    ids = [n.id for n in notices]
    try:
        subject, text, unsubscribe_url = _compose(user, notices, frequency)
        send_mail(
            user.email,
            subject,
            text,
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                # RFC 8058: mail programs unsubscribe with one POST to the link, no page in between.
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            },
        )
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("notice mail to %s failed, will try again: %s", user.email, exc)
        _release(ids, claimed_at)
        return False
    except Exception:
        # One broken mail must not stop the others, nor lose its notices.
        log.exception("notice mail to %s could not be made, will try again", user.email)
        _release(ids, claimed_at)
        return False
    return True

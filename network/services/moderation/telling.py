"""E-mails to an organisation's administrators about moderation, each in the recipient's language. A
mail that cannot be sent is logged: the moderation itself stands."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from network.extensions import db
from network.links import absolute_url
from network.models import Organisation, ReportKind, Role, User
from network.services.mail import send_mail

log = logging.getLogger(__name__)


def _admins(org: Organisation | None) -> list[User]:
    if org is None:
        return []
    return list(
        db.session.scalars(sa.select(User).where(User.organisation_id == org.id, User.role == Role.ADMIN))
    )


def _send(users: list[User], write) -> None:
    for user in users:
        try:
            with force_locale(user.locale or "nb"):
                subject, text = write()
                send_mail(user.email, subject, text)
        except Exception:
            log.exception("moderation mail to user %s failed", user.id)


def _what(item) -> str:
    return {
        ReportKind.NEED: _("Your need"),
        ReportKind.CAPABILITY: _("Your capability"),
        ReportKind.QUESTION: _("Your question"),
        ReportKind.POST: _("Your post in a coordination group"),
    }[item.kind]


# How much of the hidden record's title or text the subject repeats: enough to tell two mails apart.
SUBJECT_TITLE_MAX = 80


def tell_hidden(item, reason: str) -> None:
    title = " ".join(item.text.split())
    if len(title) > SUBJECT_TITLE_MAX:
        title = title[: SUBJECT_TITLE_MAX - 1].rstrip() + "…"

    def write():
        # The subject names the record: an organisation with many needs must see which one at once.
        subject = _("%(what)s “%(title)s” is hidden by a moderator", what=_what(item), title=title)
        text = _(
            "%(what)s “%(title)s” on Behovsbørsen is hidden by a site administrator. Only your "
            "organisation and the site administrators can see it now.\n\nReason: %(reason)s\n\n"
            "If you think this is a mistake, answer this e-mail.",
            what=_what(item),
            title=item.text[:200],
            reason=reason,
        )
        return subject, text

    _send(_admins(item.organisation), write)


def tell_suspended(org: Organisation, reason: str) -> None:
    def write():
        subject = _("%(name)s is suspended on Behovsbørsen", name=org.name)
        text = _(
            "A site administrator has suspended %(name)s on Behovsbørsen. Its users cannot sign in, and "
            "its needs and capabilities are hidden until the suspension is lifted.\n\nReason: %(reason)s\n\n"
            "If you think this is a mistake, answer this e-mail.",
            name=org.name,
            reason=reason,
        )
        return subject, text

    _send(_admins(org), write)


def tell_unsuspended(org: Organisation) -> None:
    def write():
        subject = _("%(name)s is no longer suspended", name=org.name)
        text = _(
            "The suspension of %(name)s on Behovsbørsen is lifted. You can sign in again: %(link)s",
            name=org.name,
            link=absolute_url("auth.login"),
        )
        return subject, text

    _send(_admins(org), write)

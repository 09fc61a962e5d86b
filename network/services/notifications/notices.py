"""Making notices: who is told (a need's followers, an organisation's users), the notice in each
recipient's language, and the notices for what the needs and responses services announce (signals)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from network import labels, signals
from network.extensions import db
from network.links import need_path, stored_link
from network.models import (
    NOTIFICATION_KINDS,
    Follow,
    Need,
    Notification,
    NotificationPreference,
    Organisation,
    Response,
    Stage,
    User,
)
from network.permissions import can_view_need
from network.services.notifications.searches import searches_showing
from network.services.notifications.settings import DEFAULT_FREQUENCY

# Builds (subject, body) in the recipient's language; called once per language among the recipients.
MessageBuilder = Callable[[], tuple[str, str]]


def connect() -> None:
    """Make the notices for what the services announce (once per process; connecting again is
    harmless: a receiver is kept once)."""
    signals.need_published.connect(need_published, weak=False)
    signals.need_stage_changed.connect(need_stage_changed, weak=False)
    signals.response_submitted.connect(response_submitted, weak=False)
    signals.response_status_changed.connect(response_status_changed, weak=False)


def notify(
    users: Iterable[User],
    kind: str,
    message: MessageBuilder,
    link: str | None = None,
    need_id: int | None = None,
    exclude: User | None = None,
) -> list[Notification]:
    """Add a notice for each user (once per user; never to `exclude`, the one who acted). Part of the
    caller's unit of work: it commits with the change that caused it. `link` points into the site
    (a path, or an absolute URL of the site, which is stored as its path)."""
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
    path = stored_link(link)
    need = db.session.get(Need, need_id) if need_id is not None else None
    texts: dict[str, tuple[str, str]] = {}
    created = []
    for user in recipients.values():
        locale = user.locale or "nb"
        if locale not in texts:
            with force_locale(locale):
                subject, body = (str(part) for part in message())
                subject = naming_need(subject, need)
            # A subject is one line: a mail header with a line break is refused.
            texts[locale] = (" ".join(subject.split())[:300], body)
        subject, body = texts[locale]
        notice = Notification(
            user_id=user.id,
            kind=kind,
            subject=subject,
            body=body,
            link=path,
            need_id=need_id,
            frequency=chosen.get(user.id, DEFAULT_FREQUENCY[kind]),
        )
        db.session.add(notice)
        created.append(notice)
    return created


# How much of a need's title a subject repeats; the whole title is in the notice's text and page.
SUBJECT_TITLE_MAX = 120


def naming_need(subject: str, need: Need | None) -> str:
    """The subject, naming the need it is about when it does not already: a body writing
    "Dokumentasjon før dialogmøtet" to the respondents of three needs must not send three mails
    nobody can tell apart. Called in the recipient's language."""
    if need is None or not need.title:
        return subject
    title = " ".join(need.title.split())
    if title in subject:
        return subject
    if len(title) > SUBJECT_TITLE_MAX:
        title = title[: SUBJECT_TITLE_MAX - 1].rstrip() + "…"
    return _("%(subject)s – “%(title)s”", subject=subject, title=title)


def notify_need(
    users: Iterable[User],
    kind: str,
    message: MessageBuilder,
    need: Need,
    anchor: str = "",
    exclude: User | None = None,
) -> list[Notification]:
    """`notify` about a need: the notice links to the need's page, at `anchor` when it names a part."""
    return notify(users, kind, message, link=need_path(need.id, anchor), need_id=need.id, exclude=exclude)


def users_of_organisation(organisation_id: int | None) -> list[User]:
    if organisation_id is None:
        return []
    return list(db.session.scalars(sa.select(User).where(User.organisation_id == organisation_id)))


def followers_of(need: Need) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).join(Follow, Follow.user_id == User.id).where(Follow.need_id == need.id)
        )
    )


def need_stage_changed(actor: User, need: Need) -> list[Notification]:
    """Tell the need's followers (not the one who moved it) about its new stage."""
    title, org, stage, doffin = need.title, need.organisation.name, need.stage, need.doffin_ref

    def message():
        # The same labels as the pages, in the recipient's language (called inside force_locale).
        label = labels.stage(stage)
        body = _(
            "%(org)s moved the need “%(title)s” to the stage “%(stage)s”.", org=org, title=title, stage=label
        )
        if stage == Stage.TENDERED and doffin:
            body += "\n" + _("Doffin reference: %(ref)s", ref=doffin)
        return _("“%(title)s” is now: %(stage)s", title=title, stage=label), body

    return notify_need(followers_of(need), "need_stage", message, need, exclude=actor)


def response_submitted(actor: User, response: Response) -> list[Notification]:
    """Tell the users of the need's body that a supplier responded."""
    need = response.need
    # The response may not be flushed yet: its organisation is looked up by id.
    supplier = db.session.get(Organisation, response.organisation_id).name
    title, text = need.title, response.message

    def message():
        excerpt = text if len(text) <= 1000 else text[:1000] + "…"
        return (
            _("%(org)s responded to “%(title)s”", org=supplier, title=title),
            _("%(org)s expressed interest in your need “%(title)s”:", org=supplier, title=title)
            + "\n\n"
            + excerpt,
        )

    users = users_of_organisation(need.organisation_id)
    return notify_need(users, "new_response", message, need, anchor="responses", exclude=actor)


def response_status_changed(actor: User, response: Response) -> list[Notification]:
    """Tell the users of the responding supplier that the public body changed the status."""
    need = response.need
    title, body_name, status = need.title, need.organisation.name, response.status

    def message():
        label = labels.response_status(status)
        return (
            _("Your response to “%(title)s”: %(status)s", title=title, status=label),
            _(
                "%(org)s marked your organisation's response to “%(title)s” as “%(status)s”.",
                org=body_name,
                title=title,
                status=label,
            ),
        )

    users = users_of_organisation(response.organisation_id)
    return notify_need(users, "response_status", message, need, anchor="response", exclude=actor)


def need_published(actor: User, need: Need) -> list[Notification]:
    """Notices for the saved searches a newly published need matches (never to the publisher, and
    only to users who may see the need); each user is told of their first saved search that shows it."""
    matched = searches_showing(need, exclude_user_id=actor.id)
    if not matched:
        return []
    users = db.session.scalars(sa.select(User).where(User.id.in_(list(matched)))).all()
    by_name: dict[str, list[User]] = defaultdict(list)
    for user in users:
        if can_view_need(user, need):
            by_name[matched[user.id]].append(user)
    title, org = need.title, need.organisation.name
    created = []
    for search_name, recipients in by_name.items():
        created += notify_need(
            recipients,
            "saved_search",
            lambda search_name=search_name: (
                _("New need for “%(search)s”: %(title)s", search=search_name, title=title),
                _(
                    "%(org)s published the need “%(title)s”. It matches your saved search “%(search)s”.",
                    org=org,
                    title=title,
                    search=search_name,
                ),
            ),
            need,
            exclude=actor,
        )
    return created

"""Notices for what the dialogue, coordination and accounts services announce (signals): a question
on a body's need, a post in a group's discussion, a public body waiting for verification, and its
verification."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from network import signals
from network.extensions import db
from network.links import site_path
from network.models import (
    GroupPost,
    Notification,
    Organisation,
    Question,
    Role,
    User,
)
from network.services.notifications.notices import notify, notify_need, users_of_organisation

# How much of a question or a post a notice repeats; the rest is on the page it links to.
EXCERPT_MAX = 1000


def connect() -> None:
    signals.question_asked.connect(question_asked, weak=False)
    signals.group_post_written.connect(group_post_written, weak=False)
    signals.organisation_registered.connect(organisation_registered, weak=False)
    signals.organisation_verified.connect(organisation_verified, weak=False)


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_MAX else text[:EXCERPT_MAX] + "…"


def question_asked(actor: User, question: Question) -> list[Notification]:
    """Tell the users of the need's body that a question waits for an answer. The asker is not
    named, not even to the body: the answer is public and the same for every supplier."""
    need = question.need
    title, text = need.title, _excerpt(question.text)

    def message():
        return (
            _("New question on “%(title)s”", title=title),
            _("Someone asked a question about your need “%(title)s”:", title=title)
            + "\n\n"
            + text
            + "\n\n"
            + _("Answer it on the need's page; the answer is public, for every supplier to read."),
        )

    users = users_of_organisation(need.organisation_id)
    return notify_need(users, "new_question", message, need, anchor="questions", exclude=actor)


def group_post_written(actor: User, post: GroupPost) -> list[Notification]:
    """Tell every user of every member body (the writer's colleagues too), but not the writer."""
    group = post.group
    member_ids = [org.id for org in group.members]
    if not member_ids:
        return []
    users = db.session.scalars(sa.select(User).where(User.organisation_id.in_(member_ids)))
    writer = actor.organisation.name if actor.organisation else actor.name
    group_title, text = group.title, _excerpt(post.text)

    def message():
        return (
            _("New post in the group “%(group)s”", group=group_title),
            _("%(org)s wrote in the coordination group “%(group)s”:", org=writer, group=group_title)
            + "\n\n"
            + text,
        )

    link = site_path("coordination.detail", group_id=group.id) + f"#post-{post.id}"
    return notify(users, "group_post", message, link=link, exclude=actor)


def organisation_registered(actor: User, organisation: Organisation, user: User) -> list[Notification]:
    """Tell every site administrator that a public body waits for verification."""
    admins = db.session.scalars(
        sa.select(User).where(User.is_site_admin.is_(True), User.deactivated_at.is_(None))
    )
    name, number = organisation.name, organisation.org_number
    person, email = user.name, user.email

    def message():
        body = _(
            "%(org)s registered as a public body and waits for verification. "
            "Registered by %(name)s (%(email)s).",
            org=name,
            name=person,
            email=email,
        )
        if number:
            body += "\n" + _("Organisation number: %(number)s", number=number)
        return _("%(org)s waits for verification", org=name), body

    return notify(
        admins, "pending_verification", message, link=site_path("admin.organisations"), exclude=user
    )


def organisation_verified(actor: User, organisation: Organisation) -> list[Notification]:
    """Tell the body's administrators (who registered it, or were made admins since) that it may now
    publish; a body without an administrator tells all its users."""
    users = users_of_organisation(organisation.id)
    admins = [u for u in users if u.role == Role.ADMIN] or users
    name = organisation.name

    def message():
        return (
            _("%(org)s is verified", org=name),
            _(
                "A site administrator verified %(org)s as a public body. You can now publish needs, "
                "and suppliers can see them.",
                org=name,
            ),
        )

    return notify(admins, "organisation_verified", message, link=site_path("needs.create"), exclude=actor)

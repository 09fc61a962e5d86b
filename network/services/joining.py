"""Asking to join an organisation whose number is taken, and its administrators' answer.

Someone who registers with a number that another organisation already has is not told which one it
is: they may send a request, which the organisation's administrators see on their members page. No
account exists until one of them approves it, so nobody can sign in with a request; refusing it, or
letting it expire (JOIN_REQUEST_DAYS), deletes it and the password hash it holds."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from network import links
from network.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.models import JoinRequest, Organisation, Role, User, utcnow
from network.services import audit
from network.services.accounts import (
    RegistrationDraft,
    accept_terms,
    check_registration,
    email_taken,
    organisation_with_number,
)
from network.services.members import admins_of
from network.services.notifications import notify
from network.services.profile import notify_owner
from network.text import one_line


def _oldest_kept():
    return utcnow() - timedelta(days=int(current_app.config["JOIN_REQUEST_DAYS"]))


def _delete_expired() -> None:
    db.session.execute(sa.delete(JoinRequest).where(JoinRequest.created_at < _oldest_kept()))


def ask_to_join(draft: RegistrationDraft, locale: str) -> JoinRequest:
    """A request to join the organisation registered with the draft's number, checked like a
    registration. A new request from the same address to the same organisation replaces the old one."""
    values, email = check_registration(draft)
    if email_taken(email):
        raise ConflictError(_("An account with that e-mail address already exists. Log in instead."))
    org = organisation_with_number(values["org_number"])
    if org is None:
        raise ValidationError(
            _("No organisation is registered with this number: register it instead."), field="org_number"
        )
    _delete_expired()
    db.session.execute(
        sa.delete(JoinRequest).where(JoinRequest.organisation_id == org.id, JoinRequest.email == email)
    )
    join_request = JoinRequest(
        organisation_id=org.id,
        name=one_line(draft.name),
        email=email,
        password_hash=generate_password_hash(
            draft.password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        ),
        terms_version=draft.terms_version,
        locale=locale or "nb",
    )
    db.session.add(join_request)
    db.session.flush()
    audit.record(None, "member.join_request", join_request, org.id, label=email)
    name, org_name = join_request.name, org.name

    def message():
        return (
            _("%(name)s asks to join %(org)s", name=name, org=org_name),
            _(
                "%(name)s (%(email)s) registered on Behovsbørsen with the organisation number of %(org)s and "
                "asks to join it. Approve the request if you know the person, or refuse it, on your "
                "organisation's members page.",
                name=name,
                email=email,
                org=org_name,
            ),
        )

    notify(admins_of(org), "join_request", message, link=links.site_path("organisations.members"))
    db.session.commit()
    return join_request


def pending_requests(actor: User) -> list[JoinRequest]:
    """The requests to join the actor's organisation still waiting, oldest first (its administrators)."""
    if not actor.is_org_admin:
        raise NotAllowedError(_("Only the organisation's administrators can see requests to join."))
    return list(
        db.session.scalars(
            sa.select(JoinRequest)
            .where(
                JoinRequest.organisation_id == actor.organisation_id, JoinRequest.created_at >= _oldest_kept()
            )
            .order_by(JoinRequest.created_at, JoinRequest.id)
        )
    )


def get_request(actor: User, request_id: int) -> JoinRequest:
    """One waiting request to the actor's organisation; another organisation's is "not found"."""
    if not actor.is_org_admin:
        raise NotAllowedError(_("Only the organisation's administrators can answer requests to join."))
    join_request = db.session.get(JoinRequest, request_id)
    if (
        join_request is None
        or not actor.belongs_to(join_request.organisation_id)
        or join_request.created_at < _oldest_kept()
    ):
        raise NotFoundError(_("No such request to join."))
    return join_request


def approve(actor: User, request_id: int) -> User:
    """The requester becomes a member of the organisation, with the password they chose, and is told."""
    join_request = get_request(actor, request_id)
    org = join_request.organisation
    if email_taken(join_request.email):
        # The address got an account since (a registration, an invitation): the request is spent.
        audit.record(actor, "member.join_refused", join_request, org.id, label=join_request.email)
        db.session.delete(join_request)
        db.session.commit()
        raise ConflictError(_("%(email)s has an account on the site by now.", email=join_request.email))
    user = User(
        email=join_request.email,
        name=join_request.name,
        organisation_id=org.id,
        role=Role.MEMBER,
        password_hash=join_request.password_hash,
        locale=join_request.locale,
    )
    accept_terms(user, join_request.terms_version)
    db.session.add(user)
    db.session.delete(join_request)
    db.session.flush()
    audit.record(actor, "member.join_approved", user, org.id, label=user.email)
    db.session.commit()
    with force_locale(user.locale or "nb"):
        notify_owner(
            user.email,
            _("You are now a member of %(org)s on Behovsbørsen", org=org.name),
            _(
                "An administrator of %(org)s approved your request to join the organisation on "
                "Behovsbørsen. Log in with your e-mail address and the password you chose:\n%(link)s\n",
                org=org.name,
                link=links.absolute_url("auth.login"),
            ),
        )
    return user


def refuse(actor: User, request_id: int) -> JoinRequest:
    """The request is deleted and the requester told, without naming the organisation."""
    join_request = get_request(actor, request_id)
    org: Organisation = join_request.organisation
    email, locale, number = join_request.email, join_request.locale, org.org_number or ""
    audit.record(actor, "member.join_refused", join_request, org.id, label=email)
    db.session.delete(join_request)
    db.session.commit()
    with force_locale(locale or "nb"):
        notify_owner(
            email,
            _("Your request to join an organisation on Behovsbørsen"),
            _(
                "The administrators of the organisation registered with the number %(number)s on "
                "Behovsbørsen have refused your request to join it. No account was created, and what you "
                "sent is deleted.\n\nIf you think this is a mistake, talk to the organisation directly.\n",
                number=number,
            ),
        )
    return join_request

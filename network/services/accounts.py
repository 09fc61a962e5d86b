"""Organisations and users: registration, login, invitations, verification, profiles."""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from stdnum.no import orgnr

from network import reference, signals
from network.errors import ConflictError, MailError, NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.limits import ORG_DESCRIPTION_MAX
from network.links import absolute_url
from network.models import Invitation, Organisation, OrgKind, Role, Sector, User, utcnow
from network.services import audit, commit, get_or_not_found, rules, security
from network.services.mail import send_mail
from network.text import one_line

log = logging.getLogger(__name__)

MIN_PASSWORD = security.MIN_PASSWORD


@dataclass(frozen=True)
class OrganisationDraft:
    kind: str
    name: str
    org_number: str | None = None
    country: str = "NO"
    foreign_id: str | None = None
    sector: str | None = None
    kommune: str | None = None
    website: str | None = None
    description: str = ""
    is_sme: bool = False
    is_startup: bool = False


@dataclass(frozen=True)
class RegistrationDraft:
    organisation: OrganisationDraft
    name: str
    email: str
    password: str
    # The version of the terms of use (TERMS_VERSION) the user accepted on the form.
    terms_version: str | None = None


def normalise_email(email: str) -> str:
    return one_line(email).lower()


def clean_org_number(value: str | None) -> str | None:
    """The 9-digit organisation number, or None when empty; ValidationError when the check fails."""
    if not value or not value.strip():
        return None
    compact = orgnr.compact(value)
    if not orgnr.is_valid(compact):
        raise ValidationError(_("That is not a valid Norwegian organisation number."), field="org_number")
    return compact


def check_organisation(draft: OrganisationDraft) -> dict:
    """The organisation's columns from a draft, every rule checked (shared by registration,
    profile edits and the bulk import)."""
    try:
        kind = OrgKind(draft.kind)
    except ValueError:
        raise ValidationError(_("Choose public body or supplier."), field="kind") from None
    name = one_line(draft.name)
    if not name:
        raise ValidationError(_("The organisation needs a name."), field="name")
    country = (one_line(draft.country) or "NO").upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationError(_("Country must be a two-letter code such as NO."), field="country")
    org_number = clean_org_number(draft.org_number) if country == "NO" else None
    if country != "NO" and draft.org_number:
        raise ValidationError(
            _("A foreign organisation gives its own id, not a Norwegian number."), "org_number"
        )
    sector = None
    kommune = one_line(draft.kommune) or None
    if kind == OrgKind.PUBLIC_BODY:
        if country != "NO":
            raise ValidationError(_("Public bodies on this site are Norwegian."), field="country")
        try:
            sector = Sector(draft.sector or "other")
        except ValueError:
            raise ValidationError(_("Choose a sector."), field="sector") from None
    if kommune and not reference.valid_kommune(kommune):
        raise ValidationError(_("Unknown municipality number."), field="kommune")
    website = one_line(draft.website) or None
    # Shown as a link: only web addresses, never javascript: or data: (the form checks this too,
    # the bulk import does not).
    if website and not website.lower().startswith(("https://", "http://")):
        raise ValidationError(_("The website must start with https:// or http://."), field="website")
    return {
        "kind": kind,
        "name": name,
        "org_number": org_number,
        "country": country,
        "foreign_id": one_line(draft.foreign_id) or None,
        "sector": sector,
        "kommune": kommune,
        "fylke": reference.fylke_of_kommune(kommune) if kommune else None,
        "website": website,
        "description": rules.limited_text(draft.description, ORG_DESCRIPTION_MAX, "description"),
        "is_sme": bool(draft.is_sme) and kind == OrgKind.SUPPLIER,
        "is_startup": bool(draft.is_startup) and kind == OrgKind.SUPPLIER,
    }


def check_password_rules(password: str, email: str = "", name: str = "") -> None:
    security.check_password(password, email, name)


def email_taken(email: str) -> bool:
    return db.session.scalar(sa.select(User.id).where(User.email == email)) is not None


class NumberTakenError(ConflictError):
    """Another organisation has the number: the registrant may ask to join it (services/joining.py)."""


def organisation_with_number(number: str | None) -> Organisation | None:
    if not number:
        return None
    return db.session.scalar(sa.select(Organisation).where(Organisation.org_number == number))


def check_registration(draft: RegistrationDraft) -> tuple[dict, str]:
    """The organisation's columns and the normalised e-mail address of a registration, every field
    checked; a public body registering through the site must give its organisation number."""
    values = check_organisation(draft.organisation)
    if values["kind"] == OrgKind.PUBLIC_BODY and not values["org_number"]:
        raise ValidationError(
            _("A public body gives its organisation number (nine digits, from Enhetsregisteret)."),
            field="org_number",
        )
    email = normalise_email(draft.email)
    check_password_rules(draft.password, email, draft.name)
    return values, email


def register(draft: RegistrationDraft, index) -> User:
    """A new organisation and its first user, who becomes its admin."""
    # Every field is checked before the database is asked what exists: what the form says about a taken
    # address (or number) is then all it says, and only to someone who filled in everything right.
    values, email = check_registration(draft)
    if email_taken(email):
        raise ConflictError(_("An account with that e-mail address already exists. Log in instead."))
    if organisation_with_number(values["org_number"]) is not None:
        # Not named: the number is public, but who has signed up to the site is not.
        raise NumberTakenError(
            _(
                "An organisation with this number is already registered. You can ask to join it: "
                "its administrators decide, and you get an e-mail when they have."
            )
        )
    org = Organisation(**values)
    user = User(email=email, name=one_line(draft.name), organisation=org, role=Role.ADMIN)
    user.set_password(draft.password)
    accept_terms(user, draft.terms_version)
    db.session.add_all([org, user])
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Another registration took the number (or the address) between the check and the insert.
        db.session.rollback()
        raise ConflictError(_("Someone registered the same number or address just now. Try again.")) from None
    audit.record(user, "organisation.register", org, org.id, details={"kind": org.kind})
    if org.kind == OrgKind.PUBLIC_BODY and not org.verified:
        signals.organisation_registered.send(user, organisation=org, user=user)
    commit(index)
    return user


def get_organisation(org_id: int) -> Organisation:
    return get_or_not_found(Organisation, org_id, _("No such organisation."))


def load_user(user_id: str) -> User | None:
    """The user a session names, or None (a tampered or stale session id, a closed account)."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    # A closed account keeps no session (Flask-Login would otherwise still serve it).
    return user if user is not None and user.is_active else None


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    return user if security.password_matches(user, password) else None


def set_locale(user: User, locale: str, allowed: Iterable[str]) -> None:
    """Remember the language a user chose with the switch: notices and their mails are written in it."""
    if locale not in set(allowed):
        raise ValidationError(_("Unknown language."))
    if user.locale != locale:
        user.locale = locale
        db.session.commit()


def update_organisation(actor: User, org: Organisation, draft: OrganisationDraft, index) -> Organisation:
    if not (actor.is_site_admin or (actor.belongs_to(org.id) and actor.is_org_admin)):
        raise NotAllowedError(_("Only the organisation's administrators can change its profile."))
    values = check_organisation(draft)
    values.pop("kind")
    number = values["org_number"]
    if org.is_public_body and org.org_number and not number and not actor.is_site_admin:
        raise ValidationError(_("A public body keeps its organisation number."), field="org_number")
    if (
        org.org_number
        and number != org.org_number
        and org.is_public_body
        and org.verified
        and not actor.is_site_admin
    ):
        # The number is what the site administrators checked when they verified the body (a body
        # verified before numbers were required may add its own).
        raise ValidationError(
            _("The number of a verified body is changed by the site administrators. Write to us."),
            field="org_number",
        )
    if number and number != org.org_number:
        clash = organisation_with_number(number)
        if clash is not None and clash.id != org.id:
            raise ConflictError(_("Another organisation is registered with that number."))
    audit.edit(actor, "organisation.edit", org, org.id, values)
    commit(index)
    return org


# -- verification -----------------------------------------------------------------------------


def verify_organisation(actor: User, org: Organisation, index, verified: bool = True) -> Organisation:
    if not actor.is_site_admin:
        raise NotAllowedError(_("Only site administrators verify public bodies."))
    if org.kind != OrgKind.PUBLIC_BODY:
        raise ValidationError(_("Only public bodies are verified."))
    action = "organisation.verify" if verified else "organisation.unverify"
    audit.record(actor, action, org, org.id, details={"verified": [org.verified, verified]})
    was_verified = org.verified
    org.verified = verified
    org.verified_at = utcnow() if verified else None
    if verified:
        # Verifying a rejected body (the rejection was a mistake) takes it off the rejected list.
        org.rejected_at = None
        org.rejected_reason = None
    if verified and not was_verified:
        signals.organisation_verified.send(actor, organisation=org)
    commit(index)
    return org


def create_site_admin(email: str, name: str, password: str) -> User:
    email = normalise_email(email)
    check_password_rules(password, email, name)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=one_line(name))
        db.session.add(user)
    user.is_site_admin = True
    user.set_password(password)
    db.session.commit()
    return user


# -- invitations ------------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_colleague(actor: User, email: str) -> tuple[Invitation, str]:
    """An invitation by e-mail to join the actor's organisation; returns it and the raw token."""
    if not actor.is_org_admin:
        raise NotAllowedError(_("Only the organisation's administrators can invite colleagues."))
    email = normalise_email(email)
    if email_taken(email):
        raise ConflictError(_("Someone with that e-mail address already has an account."))
    token = secrets.token_urlsafe(32)
    days = int(current_app.config.get("INVITATION_DAYS", 14))
    invitation = Invitation(
        organisation_id=actor.organisation_id,
        email=email,
        token_hash=_hash_token(token),
        invited_by=actor,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "member.invite", invitation, actor.organisation_id, label=email)
    link = absolute_url("auth.accept_invitation", token=token)
    org_name = actor.organisation.name
    try:
        send_mail(
            email,
            _("Invitation to join %(org)s on Behovsbørsen", org=org_name),
            _(
                "%(inviter)s has invited you to join %(org)s on Behovsbørsen.\n\n"
                "Open this link to choose your name and password (valid for %(days)d days):\n%(link)s\n",
                inviter=actor.name,
                org=org_name,
                days=days,
                link=link,
            ),
        )
    except (smtplib.SMTPException, OSError) as exc:
        # No mail, no invitation: an invitation nobody received would only block the address.
        db.session.rollback()
        log.warning("invitation mail to %s failed: %s", email, exc)
        raise MailError(_("The e-mail could not be sent just now. Please try again in a while.")) from exc
    db.session.commit()
    return invitation, token


def find_invitation(token: str) -> Invitation:
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == _hash_token(token)))
    if invitation is None or invitation.accepted_at is not None:
        raise NotFoundError(_("This invitation does not exist or has already been used."))
    if invitation.expires_at < utcnow():
        raise NotAllowedError(_("This invitation has expired. Ask for a new one."))
    return invitation


def accept_terms(user: User, version: str | None) -> None:
    """Record that the user accepted this version of the terms of use (nothing when None)."""
    if version:
        user.terms_version = version
        user.terms_accepted_at = utcnow()


def accept_invitation(token: str, name: str, password: str, terms_version: str | None = None) -> User:
    invitation = find_invitation(token)
    if email_taken(invitation.email):
        raise ConflictError(_("An account with that e-mail address already exists. Log in instead."))
    check_password_rules(password, invitation.email, name)
    user = User(
        email=invitation.email,
        name=one_line(name),
        organisation_id=invitation.organisation_id,
        role=Role.MEMBER,
    )
    user.set_password(password)
    accept_terms(user, terms_version)
    invitation.accepted_at = utcnow()
    db.session.add(user)
    db.session.flush()
    audit.record(user, "member.join", user, invitation.organisation_id, label=user.email)
    db.session.commit()
    return user


def pending_invitations(actor: User) -> list[Invitation]:
    if not actor.is_org_admin:
        raise NotAllowedError(_("Only the organisation's administrators can see invitations."))
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(Invitation.organisation_id == actor.organisation_id, Invitation.accepted_at.is_(None))
            .order_by(Invitation.created_at.desc())
        )
    )

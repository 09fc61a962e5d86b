"""The site administrators' checks of a public body before it may publish: what the verification page
points out (the number in Enhetsregisteret, a name unlike a public body's), and rejecting a body."""

from __future__ import annotations

import re
from functools import cache

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from network import links, reference
from network.errors import NotAllowedError, ValidationError
from network.extensions import db
from network.models import Organisation, OrgKind, User, utcnow
from network.services import audit, commit
from network.services.members import admins_of
from network.services.profile import notify_owner
from network.text import clean

REASON_MAX = 1000
WORDS_FILE = reference.DATA_DIR / "public_body_words.txt"
REGISTER_URL = "https://data.brreg.no/enhetsregisteret/oppslag/enheter/{number}"


@cache
def public_body_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The shipped word list: (lower-case parts matched anywhere, capitalised words matched whole)."""
    parts, words = [], []
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        (words if line.isupper() else parts).append(line.casefold() if not line.isupper() else line)
    return tuple(parts), tuple(words)


def looks_like_public_body(name: str) -> bool:
    parts, words = public_body_words()
    folded = name.casefold()
    if any(part in folded for part in parts):
        return True
    name_words = set(re.findall(r"\w+", name))
    return any(word in name_words for word in words)


def register_url(org: Organisation) -> str | None:
    """The body's entry in Enhetsregisteret (Brønnøysundregistrene), when it has a number."""
    return REGISTER_URL.format(number=org.org_number) if org.org_number else None


def warnings(org: Organisation) -> list[str]:
    """What the site administrator should look at before verifying the body, each with its reason."""
    found = []
    if not org.org_number:
        found.append(_("No organisation number: find out who they are before you verify them."))
    if not looks_like_public_body(org.name):
        found.append(
            _(
                "The name has none of the words public bodies' names usually have (kommune, direktorat, "
                "etat, HF, …): check in Enhetsregisteret that the number belongs to a public body of "
                "this name."
            )
        )
    namesakes = db.session.scalars(
        sa.select(Organisation).where(
            sa.func.lower(Organisation.name) == org.name.lower(), Organisation.id != org.id
        )
    ).all()
    for other in namesakes:
        if other.is_example:
            found.append(_("An example body of the demo has the same name; it has no number of its own."))
        else:
            found.append(
                _(
                    "Another organisation on the site has the same name (number %(number)s).",
                    number=other.org_number or "—",
                )
            )
    return found


def reject_organisation(actor: User, org: Organisation, reason: str, index) -> Organisation:
    """A site administrator refuses to verify a public body, with a reason mailed to its administrators
    (the person who registered it) and kept in the audit log. It cannot publish, and leaves the list of
    bodies waiting; what it wrote as drafts stays with it."""
    if not actor.is_site_admin:
        raise NotAllowedError(_("Only site administrators verify public bodies."))
    if org.kind != OrgKind.PUBLIC_BODY or org.verified or org.is_rejected:
        raise ValidationError(_("Only a public body waiting for verification can be rejected."))
    reason = clean(reason)
    if not reason:
        raise ValidationError(_("Write why the body is rejected."), field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(_("At most %(n)d characters.", n=REASON_MAX), field="reason")
    audit.record(actor, "organisation.reject", org, org.id, details={"reason": reason})
    org.rejected_at = utcnow()
    org.rejected_reason = reason
    commit(index)
    for admin in admins_of(org):
        with force_locale(admin.locale or "nb"):
            notify_owner(
                admin.email,
                _("%(org)s is not verified on Behovsbørsen", org=org.name),
                _(
                    "A site administrator has rejected the registration of %(org)s as a public body on "
                    "Behovsbørsen, so it cannot publish needs.\n\nThe reason given:\n%(reason)s\n\n"
                    "If this is a mistake, write to the site's administrators and give the organisation's "
                    "number.\n\nYour organisation:\n%(link)s\n",
                    org=org.name,
                    reason=reason,
                    link=links.absolute_url("organisations.detail", org_id=org.id),
                ),
            )
    return org

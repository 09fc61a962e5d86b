"""Suspending an organisation: its users cannot sign in or act (User.is_active), its needs and
capabilities are hidden from the public (and from the index) until a site administrator lifts it."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from network.errors import ValidationError
from network.extensions import db
from network.models import Organisation, User, utcnow
from network.services import audit, commit
from network.services.moderation import telling
from network.services.moderation.hiding import checked_reason, require_site_admin


def suspend_organisation(actor: User, org: Organisation, reason: str, index) -> Organisation:
    """The change to the organisation row reindexes its needs and capabilities (indexing/sync), which
    is_indexed now leaves out."""
    require_site_admin(actor)
    if org.suspended_at is not None:
        raise ValidationError(_("%(name)s is already suspended.", name=org.name))
    if actor.organisation_id == org.id:
        raise ValidationError(_("You cannot suspend your own organisation."))
    text = checked_reason(reason)
    org.suspended_at, org.suspended_reason = utcnow(), text
    audit.record(actor, "organisation.suspend", org, org.id, details={"reason": text})
    commit(index)
    telling.tell_suspended(org, text)
    return org


def unsuspend_organisation(actor: User, org: Organisation, index) -> Organisation:
    require_site_admin(actor)
    if org.suspended_at is None:
        raise ValidationError(_("%(name)s is not suspended.", name=org.name))
    audit.record(actor, "organisation.unsuspend", org, org.id, details={"reason": org.suspended_reason})
    org.suspended_at, org.suspended_reason = None, None
    commit(index)
    telling.tell_unsuspended(org)
    return org


def suspended_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.suspended_at.is_not(None))
            .order_by(Organisation.suspended_at.desc())
        )
    )

"""Capabilities: what a supplier can do, on its public profile."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from network.errors import NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.limits import DESCRIPTION_MAX, REFERENCES_MAX
from network.models import Capability, Domain, Maturity, Organisation, User
from network.permissions import can_edit_capability, can_view_capability
from network.services import commit, get_or_not_found, rules


@dataclass(frozen=True)
class CapabilityDraft:
    title: str
    description: str = ""
    domains: tuple[str, ...] = ()
    cpv: tuple[str, ...] = ()
    fylker: tuple[str, ...] = ()
    nationwide: bool = False
    maturity: str = "in_use"
    references: str = ""
    language: str | None = None


def check_capability(draft: CapabilityDraft) -> dict:
    """The capability's columns from a draft, every rule checked (shared by the form and the import)."""
    title = rules.title(draft.title, _("Give the capability a title."))
    domains = []
    for value in draft.domains:
        try:
            domains.append(Domain(value).value)
        except ValueError:
            raise ValidationError(_("Unknown domain: %(d)s", d=value), field="domains") from None
    try:
        maturity = Maturity(draft.maturity or "in_use")
    except ValueError:
        raise ValidationError(_("Unknown maturity."), field="maturity") from None
    return {
        "title": title,
        "description": rules.limited_text(draft.description, DESCRIPTION_MAX, "description"),
        "domains": list(dict.fromkeys(domains)),
        "cpv": rules.cpv_codes(draft.cpv),
        "fylker": rules.fylker(draft.fylker),
        "nationwide": bool(draft.nationwide),
        "maturity": maturity,
        "references": rules.limited_text(draft.references, REFERENCES_MAX, "references"),
        "language": rules.language(draft.language, f"{title} {draft.description}"),
    }


def get(cap_id: int) -> Capability:
    return get_or_not_found(Capability, cap_id, _("No such capability."))


def get_visible(user: User | None, cap_id: int) -> Capability:
    """The capability, unless a moderator hid it (or its supplier is suspended) from this user."""
    cap = get(cap_id)
    if not can_view_capability(user, cap):
        raise NotFoundError(_("No such capability."))
    return cap


def _require_supplier(actor: User) -> Organisation:
    org = actor.organisation
    if org is None or not org.is_supplier:
        raise NotAllowedError(_("Only suppliers describe capabilities."))
    return org


def create_capability(actor: User, draft: CapabilityDraft, index) -> Capability:
    org = _require_supplier(actor)
    cap = Capability(organisation=org, **check_capability(draft))
    db.session.add(cap)
    commit(index)
    return cap


def update_capability(actor: User, cap: Capability, draft: CapabilityDraft, index) -> Capability:
    if not can_edit_capability(actor, cap):
        raise NotAllowedError(_("Only the supplier's own users can change its capabilities."))
    for name, value in check_capability(draft).items():
        setattr(cap, name, value)
    commit(index)
    return cap


def delete_capability(actor: User, cap: Capability, index) -> None:
    if not can_edit_capability(actor, cap):
        raise NotAllowedError(_("Only the supplier's own users can remove its capabilities."))
    db.session.delete(cap)
    commit(index)

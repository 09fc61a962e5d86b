"""Who may see or change what: the site's plain permission rules, read by services and views alike.

A rule here needs nothing but the records it is given; rules that depend on a feature's own state (who
may ask in a need's dialogue, who sees a coordination group's discussion) stay with that feature's
service.
"""

from __future__ import annotations

from network.models import Capability, Need, User, dialogue_is_open


def _member(user: User | None, organisation_id: int | None) -> bool:
    return user is not None and user.is_authenticated and user.belongs_to(organisation_id)


def _site_admin(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_site_admin


def sees_hidden(user: User | None, organisation_id: int | None) -> bool:
    """Who still sees what a moderator hid (marked so): its own organisation and site administrators."""
    return _member(user, organisation_id) or _site_admin(user)


def can_view_need(user: User | None, need: Need) -> bool:
    """Published needs are public; a draft only for its own body's people. A hidden need (by a
    moderator, or of a suspended body) only for its own body's people and site administrators."""
    if _member(user, need.organisation_id):
        return True
    if not need.is_published:
        return False
    return not need.is_hidden or _site_admin(user)


def can_view_capability(user: User | None, cap: Capability) -> bool:
    return not cap.is_hidden or sees_hidden(user, cap.organisation_id)


def removed_for(user: User | None, item, organisation_id: int | None) -> bool:
    """A hidden question or post reads "[removed by a moderator]" except to its author's organisation
    and site administrators."""
    return item.is_removed and not sees_hidden(user, organisation_id)


def can_edit_need(user: User | None, need: Need) -> bool:
    return _member(user, need.organisation_id)


def can_edit_capability(user: User | None, cap: Capability) -> bool:
    return _member(user, cap.organisation_id)


def can_respond(user: User | None, need: Need) -> bool:
    """A supplier's people may answer a need while its dialogue is open (stage and deadline)."""
    return (
        user is not None
        and user.is_authenticated
        and user.organisation is not None
        and user.organisation.is_supplier
        and dialogue_is_open(need)
    )


def can_read_audit(user: User | None) -> bool:
    """Site admins read the whole audit log, a body's admins their own body's."""
    return (
        user is not None
        and user.is_authenticated
        and (user.is_site_admin or (user.is_org_admin and user.organisation_id is not None))
    )

"""Read-only queries the pages share: lists, counts and dashboards."""

from __future__ import annotations

import sqlalchemy as sa

from network.extensions import db
from network.models import Capability, Need, Organisation, OrgKind, Response, Stage, User


def _suspended_ids():
    return sa.select(Organisation.id).where(Organisation.suspended_at.is_not(None))


def public_needs():
    """What anyone sees of the needs: not hidden by a moderator, not of a suspended body (drafts are
    the caller's to leave out)."""
    return sa.and_(Need.hidden_at.is_(None), Need.organisation_id.not_in(_suspended_ids()))


def public_capabilities():
    return sa.and_(Capability.hidden_at.is_(None), Capability.organisation_id.not_in(_suspended_ids()))


def newest_open_needs(domain, limit: int = 4) -> list[Need]:
    return list(
        db.session.scalars(
            sa.select(Need)
            .where(Need.stage == Stage.OPEN, Need.domain == domain, public_needs())
            .order_by(Need.published_at.desc(), Need.id.desc())
            .limit(limit)
        )
    )


def site_figures() -> dict[str, int]:
    def count(query) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))

    return {
        "open_needs": count(sa.select(Need.id).where(Need.stage == Stage.OPEN, public_needs())),
        "public_bodies": count(
            sa.select(Organisation.id).where(Organisation.kind == OrgKind.PUBLIC_BODY, Organisation.verified)
        ),
        "suppliers": count(sa.select(Organisation.id).where(Organisation.kind == OrgKind.SUPPLIER)),
        "capabilities": count(sa.select(Capability.id).where(public_capabilities())),
    }


def needs_page(stage: str | None, domain: str | None, page: int, per_page: int):
    """Published needs, newest first (the browsing list; full-text search is on the search page)."""
    query = sa.select(Need).where(Need.stage != Stage.DRAFT, public_needs())
    if stage:
        query = query.where(Need.stage == stage)
    if domain:
        query = query.where(Need.domain == domain)
    return db.paginate(
        query.order_by(Need.published_at.desc(), Need.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def needs_of_organisation(
    org_id: int, include_drafts: bool, include_hidden: bool | None = None
) -> list[Need]:
    """The body's needs; its own people see drafts and hidden ones (include_hidden defaults to
    include_drafts), site administrators hidden ones too."""
    query = sa.select(Need).where(Need.organisation_id == org_id)
    if not include_drafts:
        query = query.where(Need.stage != Stage.DRAFT)
    if not (include_drafts if include_hidden is None else include_hidden):
        query = query.where(public_needs())
    return list(db.session.scalars(query.order_by(Need.updated_at.desc())))


def response_counts(need_ids: list[int]) -> dict[int, int]:
    if not need_ids:
        return {}
    rows = db.session.execute(
        sa.select(Response.need_id, sa.func.count())
        .where(Response.need_id.in_(need_ids))
        .group_by(Response.need_id)
    )
    return dict(rows.all())


def capabilities_of_organisation(org_id: int, include_hidden: bool) -> list[Capability]:
    query = sa.select(Capability).where(Capability.organisation_id == org_id)
    if not include_hidden:
        query = query.where(public_capabilities())
    return list(db.session.scalars(query.order_by(Capability.id)))


def members(org_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.organisation_id == org_id).order_by(User.name)))


def verified_public_bodies() -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.kind == OrgKind.PUBLIC_BODY, Organisation.verified.is_(True))
            .order_by(Organisation.name)
        )
    )


def unverified_public_bodies() -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(
                Organisation.kind == OrgKind.PUBLIC_BODY,
                Organisation.verified.is_(False),
                Organisation.rejected_at.is_(None),
            )
            .order_by(Organisation.created_at)
        )
    )


def rejected_public_bodies() -> list[Organisation]:
    """Public bodies a site administrator refused to verify, the latest first."""
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.kind == OrgKind.PUBLIC_BODY, Organisation.rejected_at.is_not(None))
            .order_by(Organisation.rejected_at.desc())
        )
    )


def organisations_page(kind: str | None, page: int, per_page: int):
    """Organisations by name, those based in Norway first: the site is where Norwegian bodies meet."""
    query = sa.select(Organisation)
    if kind:
        query = query.where(Organisation.kind == kind)
    abroad_last = sa.case((Organisation.country == "NO", 0), else_=1)
    return db.paginate(
        query.order_by(abroad_last, Organisation.name), page=page, per_page=per_page, error_out=False
    )


def database_answers() -> bool:
    """The database takes a query (the readiness check of /readyz)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return False

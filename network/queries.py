"""Read-only queries the pages share: lists, counts and dashboards."""

from __future__ import annotations

import sqlalchemy as sa

from network.extensions import db
from network.models import Capability, Need, Organisation, OrgKind, Response, Stage, User


def newest_open_needs(domain, limit: int = 4) -> list[Need]:
    return list(
        db.session.scalars(
            sa.select(Need)
            .where(Need.stage == Stage.OPEN, Need.domain == domain)
            .order_by(Need.published_at.desc(), Need.id.desc())
            .limit(limit)
        )
    )


def site_figures() -> dict[str, int]:
    def count(query) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))

    return {
        "open_needs": count(sa.select(Need.id).where(Need.stage == Stage.OPEN)),
        "public_bodies": count(
            sa.select(Organisation.id).where(Organisation.kind == OrgKind.PUBLIC_BODY, Organisation.verified)
        ),
        "suppliers": count(sa.select(Organisation.id).where(Organisation.kind == OrgKind.SUPPLIER)),
        "capabilities": count(sa.select(Capability.id)),
    }


def needs_page(stage: str | None, domain: str | None, page: int, per_page: int):
    """Published needs, newest first (the browsing list; full-text search is on the search page)."""
    query = sa.select(Need).where(Need.stage != Stage.DRAFT)
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


def needs_of_organisation(org_id: int, include_drafts: bool) -> list[Need]:
    query = sa.select(Need).where(Need.organisation_id == org_id)
    if not include_drafts:
        query = query.where(Need.stage != Stage.DRAFT)
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


def members(org_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.organisation_id == org_id).order_by(User.name)))


def unverified_public_bodies() -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.kind == OrgKind.PUBLIC_BODY, Organisation.verified.is_(False))
            .order_by(Organisation.created_at)
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

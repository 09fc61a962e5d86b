"""Builders for test data with good defaults; reached through the `make` fixture."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from network.extensions import db
from network.indexing import apply_pending
from network.models import Capability, Need, Organisation, OrgKind, Role, Sector, Stage, User, utcnow

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


@dataclass
class Make:
    index: object

    def _save(self, *rows):
        db.session.add_all(rows)
        db.session.commit()
        apply_pending(self.index)
        return rows[0]

    def public_body(self, name=None, verified=True, kommune="0301", sector=Sector.MUNICIPALITY, **kw):
        n = next(_seq)
        fylke = kommune[:2] if kommune else None
        return self._save(
            Organisation(
                kind=OrgKind.PUBLIC_BODY,
                name=name or f"Testkommune {n}",
                sector=sector,
                kommune=kommune,
                fylke=fylke,
                verified=verified,
                **kw,
            )
        )

    def supplier(self, name=None, **kw):
        n = next(_seq)
        return self._save(Organisation(kind=OrgKind.SUPPLIER, name=name or f"Leverandør {n} AS", **kw))

    def user(self, organisation=None, role=Role.ADMIN, email=None, site_admin=False, name="Test Person"):
        n = next(_seq)
        user = User(
            email=email or f"user{n}@example.no",
            name=name,
            organisation=organisation,
            role=role,
            is_site_admin=site_admin,
        )
        user.set_password(PASSWORD)
        self._save(user)
        if site_admin:
            # Site administrators must sign in with two factors (tests.helpers.sign_in gives the code).
            from tests.helpers import give_two_factor

            give_two_factor(user)
        return user

    def need(
        self,
        organisation=None,
        stage=Stage.OPEN,
        title="Digital tilsynsløsning for hjemmetjenesten",
        description="Hjemmetjenesten trenger bedre oversikt over brukere som bor alene.",
        **kw,
    ):
        organisation = organisation or self.public_body()
        kw.setdefault("domain", "health")
        kw.setdefault("cpv", ["48000000"])
        kw.setdefault("kommuner", [organisation.kommune] if organisation.kommune else [])
        need = Need(
            organisation=organisation,
            stage=stage,
            title=title,
            description=description,
            published_at=None if stage == Stage.DRAFT else utcnow(),
            **kw,
        )
        return self._save(need)

    def capability(
        self,
        organisation=None,
        title="Trygghetsalarm og digitalt tilsyn",
        description="Sensorer og varsling for hjemmeboende.",
        **kw,
    ):
        organisation = organisation or self.supplier()
        kw.setdefault("domains", ["health"])
        kw.setdefault("cpv", ["48000000"])
        kw.setdefault("fylker", ["03"])
        return self._save(Capability(organisation=organisation, title=title, description=description, **kw))

"""The migration that makes organisation numbers unique keeps each number with one organisation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from network.extensions import db

BEFORE = "040cb2907aab"


def _add(conn, organisations, **values):
    now = datetime(2026, 1, 1)
    row = {
        "kind": "public_body",
        "country": "NO",
        "description": "",
        "is_sme": False,
        "is_startup": False,
        "verified": False,
        "is_example": False,
        "created_at": now,
        "updated_at": now,
    } | values
    return conn.execute(organisations.insert().values(**row)).inserted_primary_key[0]


def test_duplicate_numbers_stay_with_the_verified_or_oldest_and_are_logged(app):
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        organisations = sa.Table("organisations", sa.MetaData(), autoload_with=conn)
        impostor = _add(conn, organisations, name="Walk Testkommune", org_number="958935420")
        oslo = _add(conn, organisations, name="Oslo kommune", org_number="958935420", verified=True)
        copy = _add(conn, organisations, name="Oslo kommune (kopi)", org_number="958935420")
        first = _add(conn, organisations, name="Bærum kommune", org_number="974760673", verified=True)
        second = _add(conn, organisations, name="Bærum kommune 2", org_number="974760673", verified=True)
        empty = _add(conn, organisations, name="Tomt nummer AS", kind="supplier", org_number="")
        other_empty = _add(conn, organisations, name="Også tomt AS", kind="supplier", org_number="")

    upgrade()

    with db.engine.connect() as conn:
        numbers = dict(conn.execute(sa.text("SELECT id, org_number FROM organisations")).all())
        verified = dict(conn.execute(sa.text("SELECT id, verified FROM organisations")).all())
        cleared = conn.execute(
            sa.text(
                "SELECT target_id, other_organisation_id FROM audit_entries "
                "WHERE action = 'organisation.number_cleared' ORDER BY target_id"
            )
        ).all()
    assert numbers[oslo] == "958935420"
    assert numbers[impostor] is None
    assert numbers[copy] is None
    assert numbers[first] == "974760673"
    assert numbers[second] is None
    assert numbers[empty] is None
    assert numbers[other_empty] is None
    # A body that lost its number waits for a site administrator's look again.
    assert not verified[second]
    assert verified[first]
    assert [tuple(row) for row in cleared] == [(impostor, oslo), (copy, oslo), (second, first)]

"""Capabilities: only suppliers write them; edits and removals reach the matches."""

from __future__ import annotations

import pytest

from network.errors import NotAllowedError, ValidationError
from network.models import Role
from network.services import capabilities, matching


def _draft(**kw):
    kw.setdefault("title", "Digitalt tilsyn med sensorer")
    kw.setdefault("description", "Trygghetsalarm, fallsensor og varsling til hjemmetjenesten.")
    kw.setdefault("domains", ("health",))
    kw.setdefault("cpv", ("48000000",))
    kw.setdefault("fylker", ("03",))
    return capabilities.CapabilityDraft(**kw)


def test_only_suppliers_describe_capabilities(app, make, index):
    with pytest.raises(NotAllowedError):
        capabilities.create_capability(make.user(make.public_body()), _draft(), index)
    with pytest.raises(NotAllowedError):
        capabilities.create_capability(make.user(None), _draft(), index)
    cap = capabilities.create_capability(make.user(make.supplier(), role=Role.MEMBER), _draft(), index)
    assert cap.language == "nb"


def test_only_the_owning_supplier_edits_or_removes(app, make, index):
    cap = capabilities.create_capability(make.user(make.supplier()), _draft(), index)
    for outsider in (make.user(make.supplier()), make.user(make.public_body()), make.user(site_admin=True)):
        with pytest.raises(NotAllowedError):
            capabilities.update_capability(outsider, cap, _draft(title="Kapret"), index)
        with pytest.raises(NotAllowedError):
            capabilities.delete_capability(outsider, cap, index)
    assert cap.title != "Kapret"


def test_invalid_values_name_their_field(app, make, index):
    user = make.user(make.supplier())
    for draft, field in (
        (_draft(domains=("space",)), "domains"),
        (_draft(cpv=("123",)), "cpv"),
        (_draft(fylker=("77",)), "fylker"),
        (_draft(maturity="ancient"), "maturity"),
    ):
        with pytest.raises(ValidationError) as err:
            capabilities.create_capability(user, draft, index)
        assert err.value.field == field


def test_an_edited_or_removed_capability_leaves_and_enters_the_lists(app, make, index):
    need = make.need(
        title="Fallsensor for hjemmeboende eldre",
        description="Varsling ved fall.",
        cpv=["33000000"],
        domain="health",
    )
    supplier = make.supplier()
    user = make.user(supplier)
    cap = capabilities.create_capability(
        user,
        _draft(
            title="Parkeringsapp",
            description="Betaling for parkering.",
            domains=("digital",),
            cpv=("72000000",),
            fylker=("46",),
        ),
        index,
    )
    assert supplier.id not in [m.organisation.id for m in matching.suppliers_for_need(need, index)]
    capabilities.update_capability(
        user,
        cap,
        _draft(
            title="Fallsensor og trygghetsalarm", description="Varsling ved fall hjemme.", cpv=("33000000",)
        ),
        index,
    )
    assert supplier.id in [m.organisation.id for m in matching.suppliers_for_need(need, index)]
    capabilities.delete_capability(user, cap, index)
    assert supplier.id not in [m.organisation.id for m in matching.suppliers_for_need(need, index)]

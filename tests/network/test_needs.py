"""Writing, publishing and moving needs, and who may see them."""

from __future__ import annotations

import pytest

from network.errors import NotAllowedError, NotFoundError, ValidationError
from network.models import Role, Stage
from network.services import needs
from search import SearchQuery


def _draft(**kw):
    kw.setdefault("title", "Færre fallulykker blant eldre som bor hjemme")
    kw.setdefault("description", "Mange eldre faller hjemme og blir liggende lenge før de blir funnet.")
    kw.setdefault("domain", "health")
    kw.setdefault("cpv", ("33000000",))
    return needs.NeedDraft(**kw)


def test_a_new_need_is_a_draft_for_the_bodys_own_kommune(app, make, index):
    body = make.public_body(kommune="4601")
    user = make.user(body)
    need = needs.create_need(user, _draft(), index)
    assert need.stage == Stage.DRAFT
    assert need.kommuner == ["4601"]
    assert need.language == "nb"


def test_drafts_are_visible_to_their_organisation_only(app, make, index):
    body = make.public_body()
    own = make.user(body, role=Role.MEMBER)
    need = needs.create_need(own, _draft(), index)
    assert needs.get_visible(own, need.id) is need
    for outsider in (
        make.user(make.public_body()),
        make.user(make.supplier()),
        make.user(site_admin=True),
        None,
    ):
        with pytest.raises(NotFoundError):
            needs.get_visible(outsider, need.id)


def test_drafts_are_not_in_the_index_published_needs_are(app, make, index):
    user = make.user(make.public_body())
    need = needs.create_need(user, _draft(title="Sensorteknologi i sykehjem"), index)
    assert index.search(SearchQuery(text="sensorteknologi")).total == 0
    needs.publish_need(user, need, index)
    hits = index.search(SearchQuery(text="sensorteknologi")).hits
    assert [(h.kind, h.id) for h in hits] == [("need", need.id)]


def test_an_unverified_body_can_draft_but_not_publish(app, make, index):
    user = make.user(make.public_body(verified=False))
    need = needs.create_need(user, _draft(), index)
    with pytest.raises(NotAllowedError):
        needs.publish_need(user, need, index)
    assert need.stage == Stage.DRAFT


def test_suppliers_cannot_write_needs(app, make, index):
    with pytest.raises(NotAllowedError):
        needs.create_need(make.user(make.supplier()), _draft(), index)


def test_only_the_owning_body_edits_publishes_and_moves(app, make, index):
    body = make.public_body()
    need = needs.create_need(make.user(body), _draft(), index)
    for outsider in (make.user(make.public_body()), make.user(make.supplier()), make.user(site_admin=True)):
        with pytest.raises(NotAllowedError):
            needs.update_need(outsider, need, _draft(title="Kapret"), index)
        with pytest.raises(NotAllowedError):
            needs.publish_need(outsider, need, index)
        with pytest.raises(NotAllowedError):
            needs.move_stage(outsider, need, "cancelled", index)
    assert need.title != "Kapret"


def test_stages_move_forward_only(app, make, index):
    user = make.user(make.public_body())
    need = needs.create_need(user, _draft(), index)
    needs.publish_need(user, need, index)
    assert need.published_at is not None
    needs.move_stage(user, need, "dialogue_closed", index)
    needs.move_stage(user, need, "tendered", index, doffin_ref="2026-123456")
    assert need.doffin_ref == "2026-123456"
    with pytest.raises(ValidationError):
        needs.move_stage(user, need, "open", index)
    needs.move_stage(user, need, "awarded", index)
    with pytest.raises(ValidationError):
        needs.move_stage(user, need, "cancelled", index)
    with pytest.raises(NotAllowedError):
        needs.update_need(user, need, _draft(), index)


def test_invalid_codes_are_refused_with_the_field(app, make, index):
    user = make.user(make.public_body())
    for draft, field in (
        (_draft(cpv=("99999999",)), "cpv"),
        (_draft(kommuner=("0000",)), "kommuner"),
        (_draft(fylker=("99",)), "fylker"),
        (_draft(domain="space"), "domain"),
        (_draft(budget_min=10, budget_max=5), "budget_max"),
        (_draft(title="  "), "title"),
    ):
        with pytest.raises(ValidationError) as err:
            needs.create_need(user, draft, index)
        assert err.value.field == field


def test_only_drafts_can_be_deleted(app, make, index):
    user = make.user(make.public_body())
    need = needs.create_need(user, _draft(), index)
    needs.publish_need(user, need, index)
    with pytest.raises(NotAllowedError):
        needs.delete_draft(user, need, index)

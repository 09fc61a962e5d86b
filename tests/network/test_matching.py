"""Matching: suppliers for a need, peers, needs for a supplier, similar needs, CPV suggestions."""

from __future__ import annotations

from network.models import Stage
from network.services import capabilities, matching, needs


def test_suppliers_are_ranked_with_reasons_and_grouped(app, make, index):
    need = make.need(
        title="Digital hjemmeoppfølging av kronisk syke",
        description="Pasienter med KOLS.",
        cpv=["33120000"],
        domain="health",
    )
    close = make.supplier(name="Nær AS")
    make.capability(
        close,
        title="Hjemmeoppfølging av kronisk syke",
        description="Digital oppfølging, KOLS.",
        cpv=["33120000"],
        domains=["health"],
        fylker=["03"],
    )
    make.capability(
        close,
        title="Medisinsk avstandsoppfølging",
        description="KOLS-pasienter hjemme.",
        cpv=["33100000"],
        domains=["health"],
        fylker=["03"],
    )
    far = make.supplier(name="Fjern AS")
    make.capability(
        far,
        title="Kronisk syke får app",
        description="Noe helt annet.",
        cpv=["72000000"],
        domains=["digital"],
        fylker=["18"],
    )
    results = matching.suppliers_for_need(need, index)
    assert [m.organisation.name for m in results][0] == "Nær AS"
    top = results[0]
    assert len(top.capabilities) == 2
    kinds = {r.kind for r in top.reasons}
    assert {"terms", "cpv", "domain", "region"} <= kinds


def test_peers_exclude_the_bodys_own_needs_and_drafts(app, make, index):
    body = make.public_body(kommune="0301")
    need = make.need(body, title="Trygghetsalarmer for hjemmeboende", cpv=["33000000"])
    make.need(body, title="Trygghetsalarmer i omsorgsboliger", cpv=["33000000"])
    other = make.public_body(kommune="4601")
    peer = make.need(other, title="Trygghetsalarmer og sensorer", cpv=["33000000"])
    make.need(other, stage=Stage.DRAFT, title="Trygghetsalarmer utkast", cpv=["33000000"])
    peers = matching.peers_for_need(need, index)
    assert [p.need.id for p in peers] == [peer.id]


def test_needs_for_a_supplier_are_open_needs_only(app, make, index):
    supplier = make.supplier()
    make.capability(
        supplier,
        title="Solcelleanlegg på skoler",
        description="Solenergi.",
        cpv=["09331000"],
        domains=["climate"],
    )
    open_need = make.need(title="Solceller på kommunale bygg", cpv=["09331000"], domain="climate")
    make.need(title="Solceller på sykehjem", cpv=["09331000"], domain="climate", stage=Stage.AWARDED)
    assert [m.need.id for m in matching.needs_for_supplier(supplier, index)] == [open_need.id]


def test_similar_needs_while_writing(app, make, index):
    published = make.need(title="Elektrisk ferge og ladeanlegg", cpv=["34512000"], domain="climate")
    own_body = make.public_body()
    found = matching.similar_needs(
        "Vi trenger ladeanlegg for elektrisk ferge", [], "climate", own_body.id, index
    )
    assert [m.need.id for m in found] == [published.id]
    assert matching.similar_needs("", [], "", own_body.id, index) == []


def test_cpv_suggestion_from_text(app):
    codes = [code for code, _ in matching.suggest_cpv("programvare for journalsystem i helsetjenesten")]
    assert codes
    assert any(code[:2] in ("48", "72") for code in codes[:5])


def test_one_shared_common_word_does_not_make_a_peer(app, make, index):
    need = make.need(
        title="Digitalt tilsyn om natten", description="Nattevakter går runder.", cpv=[], domain="other"
    )
    make.need(
        make.public_body(),
        title="Digitalt lederprogram",
        description="Kurs for ledere.",
        cpv=[],
        domain="other",
    )
    assert matching.peers_for_need(need, index) == []


def test_the_other_domain_is_no_reason_to_match(app, make, index):
    need = make.need(title="Kantinedrift", description="Mat til ansatte.", cpv=[], domain="other")
    supplier = make.supplier()
    make.capability(
        supplier, title="Snøbrøyting", description="Brøyting av veier.", cpv=[], domains=["other"]
    )
    assert matching.suppliers_for_need(need, index) == []


def test_ready_lists_follow_edited_and_withdrawn_capabilities(app, make, index):
    # Every candidate with evidence is listed: this is about kept lists following changes, not the floor.
    app.config["MATCH_CONFIDENCE"] = 0.0
    need = make.need(
        title="Trygghetsalarmer for hjemmeboende eldre",
        description="Alarmer og sensorer som varsler hjemmetjenesten.",
        cpv=[],
        domain="other",
    )
    alarms = make.supplier(name="Alarm AS")
    alarm_user = make.user(alarms)
    alarm_cap = make.capability(
        alarms, title="Trygghetsalarmer", description="Alarmer for hjemmeboende eldre.", cpv=[], domains=[]
    )
    snow = make.supplier(name="Brøyt AS")
    snow_user = make.user(snow)
    snow_cap = make.capability(
        snow, title="Snøbrøyting", description="Brøyting av veier.", cpv=[], domains=[]
    )

    def names():
        return [m.organisation.name for m in matching.suppliers_for_need(need, index)]

    assert names() == ["Alarm AS"]
    # Shown again, the list is read ready-made; it must still be the same.
    assert names() == ["Alarm AS"]

    # An edit brings a capability into the list ...
    capabilities.update_capability(
        snow_user,
        snow_cap,
        capabilities.CapabilityDraft(
            title="Trygghetsalarmer og sensorer", description="Sensorer som varsler hjemmetjenesten."
        ),
        index,
    )
    assert set(names()) == {"Alarm AS", "Brøyt AS"}
    # ... and one out of it.
    capabilities.update_capability(
        snow_user, snow_cap, capabilities.CapabilityDraft(title="Snøbrøyting", description="Veier."), index
    )
    assert names() == ["Alarm AS"]
    # A withdrawn capability leaves the list.
    capabilities.delete_capability(alarm_user, alarm_cap, index)
    assert names() == []


def test_ready_peer_lists_follow_withdrawn_needs(app, make, index):
    need = make.need(title="Trygghetsalarmer for hjemmeboende", cpv=["33000000"])
    other = make.public_body(kommune="4601")
    peer = make.need(other, title="Trygghetsalarmer og sensorer", cpv=["33000000"])
    assert [p.need.id for p in matching.peers_for_need(need, index)] == [peer.id]
    user = make.user(other)
    needs.move_stage(user, peer, Stage.CANCELLED.value, index)
    assert matching.peers_for_need(need, index) == []


def test_a_body_with_several_matching_needs_is_one_peer(app, make, index):
    need = make.need(title="Trygghetsalarmer for hjemmeboende", cpv=["33000000"])
    other = make.public_body(kommune="4601")
    best = make.need(other, title="Trygghetsalarmer for hjemmeboende eldre", cpv=["33000000"])
    make.need(other, title="Trygghetsalarmer i omsorgsboliger", cpv=["33000000"])
    third = make.need(
        make.public_body(kommune="1103"), title="Trygghetsalarmer og sensorer", cpv=["33000000"]
    )
    peers = matching.peers_for_need(need, index)
    assert [p.need.id for p in peers] == [best.id, third.id]


def test_a_compound_meets_its_parts(app, make, index):
    need = make.need(
        title="Flere omsorgsboliger", description="Trygge hjem for demente eldre.", cpv=[], domain="other"
    )
    housing = make.supplier(name="Bolig AS")
    make.capability(
        housing, title="Boliger med omsorg", description="Hjem for demente eldre.", cpv=[], domains=[]
    )
    (match,) = matching.suppliers_for_need(need, index)
    assert match.organisation.name == "Bolig AS"
    terms = next(r for r in match.reasons if r.kind == "terms")
    assert {"boliger", "omsorg"} <= set(terms.values)


def test_cpv_suggestions_learn_from_notices_and_needs(app, make):
    # "journalsystem" alone points at official journals (division 22) in the labels; the notices and
    # needs that carry codes show what such needs are bought as.
    codes = [code for code, _ in matching.suggest_cpv("programvare for journalsystem", limit=5)]
    assert codes[0][:2] != "22"
    assert {"48", "72"} & {code[:2] for code in codes[:3]}


def test_a_need_without_codes_ranks_by_the_codes_its_text_suggests(app, make, index):
    need = make.need(
        title="Snøbrøyting og strøing av kommunale veier",
        description="Vi trenger brøyting om vinteren.",
        cpv=[],
        domain="other",
    )
    builder = make.supplier(name="Vegbygg AS")
    make.capability(builder, title="Veier", description="Snøbrøyting av veier.", cpv=["45233000"], domains=[])
    winter = make.supplier(name="Vinterdrift AS")
    make.capability(winter, title="Veier", description="Snøbrøyting av veier.", cpv=["90620000"], domains=[])
    results = matching.suppliers_for_need(need, index)
    assert [m.organisation.name for m in results][0] == "Vinterdrift AS"
    # A guessed code is shown as such: the kind of purchase the text suggests, not the body's code.
    reasons = {r.kind: r for r in results[0].reasons}
    assert reasons["cpv"].detail == "suggested"
    assert reasons["cpv"].values[0].endswith("~90620000")


def test_a_need_without_codes_finds_peers_in_the_class_its_text_suggests(app, make, index):
    """A need without codes meets another body's need by the words they share and by the kind of
    purchase (CPV class) its text suggests, which the other need's code is of."""
    need = make.need(
        title="Snøbrøyting og strøing av kommunale veier",
        description="Vi trenger brøyting om vinteren.",
        cpv=[],
        domain="other",
    )
    winter = make.need(
        make.public_body(name="Vinterby kommune"),
        title="Strøing og brøyting",
        description="Sand på fortau om morgenen.",
        cpv=["90630000"],
        domain="other",
    )
    (peer,) = matching.peers_for_need(need, index)
    assert peer.need.id == winter.id
    reasons = {r.kind: r for r in peer.reasons}
    assert set(reasons["terms"].values) == {"strøing", "brøyting"}
    assert reasons["cpv"].detail == "suggested"

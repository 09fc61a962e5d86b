"""WhooshIndex.match: ranking by text, CPV level, domain and region, filters, and readable reasons."""

from __future__ import annotations

import pytest

from search import CAPABILITY, NEED, MatchQuery, Reason

JOURNAL = "Elektronisk pasientjournal for legevakt, med deling av journaler mellom sykehus og kommuner."


def profile(**fields) -> MatchQuery:
    fields.setdefault("kind", CAPABILITY)
    fields.setdefault("text", "Vi trenger bedre pasientjournaler for legevakten og sykehusene.")
    return MatchQuery(**fields)


def reason(hit, kind: str) -> Reason | None:
    return next((r for r in hit.reasons if r.kind == kind), None)


def test_same_cpv_code_beats_class_and_group_and_a_division_is_no_relation(ram_index, capability):
    ram_index.apply(
        [
            capability(1, "Journalsystem", JOURNAL, cpv=("48000000",)),
            capability(2, "Journalsystem", JOURNAL, cpv=("48190000",)),
            capability(3, "Journalsystem", JOURNAL, cpv=("48181000",)),
            capability(4, "Journalsystem", JOURNAL, cpv=("48180000",)),
        ],
        [],
    )
    hits = ram_index.match(profile(cpv=("48180000-3",)))
    assert [h.id for h in hits] == [4, 3, 2, 1]
    assert [reason(h, "cpv").detail if reason(h, "cpv") else None for h in hits] == [
        "code",
        "class",
        "group",
        None,
    ]
    assert reason(hits[0], "cpv").values == ("48180000~48180000",)
    assert all(isinstance(h.score, float) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_without_shared_words_a_code_or_class_matches_and_a_group_or_division_does_not(ram_index, capability):
    ram_index.apply(
        [
            capability(1, "Kontorstoler", "Stoler.", cpv=("48000000",)),
            capability(2, "Kontorstoler", "Stoler.", cpv=("48190000",)),
            capability(3, "Kontorstoler", "Stoler.", cpv=("48181000",)),
            capability(4, "Kontorstoler", "Stoler.", cpv=("48180000",)),
        ],
        [],
    )
    hits = ram_index.match(profile(cpv=("48180000",)))
    assert [(h.id, reason(h, "cpv").detail) for h in hits] == [(4, "code"), (3, "class")]


def test_a_code_says_only_as_much_as_its_digits(ram_index, capability):
    # 72200000 is a group's code: it shares no class with 72210000, only the group.
    ram_index.apply([capability(1, "Programvare", "Utvikling.", cpv=("72210000",))], [])
    assert ram_index.match(profile(text="Noe annet", cpv=("72200000",))) == []
    # Two identical division codes are the same broad heading: as close as a class.
    ram_index.apply([capability(2, "Programvare", "Utvikling.", cpv=("72000000",))], [])
    (hit,) = ram_index.match(profile(text="Noe annet", cpv=("72000000",)))
    assert (hit.id, reason(hit, "cpv").detail) == (2, "class")


def test_a_shared_code_is_found_without_shared_words(ram_index, capability):
    ram_index.apply([capability(1, "Avfallsbeholdere", "Nedgravde containere.", cpv=("90511000",))], [])
    hits = ram_index.match(profile(text="Tømming av søppel i sentrum", cpv=("90511000",)))
    assert [h.id for h in hits] == [1]
    assert [r.kind for r in hits[0].reasons] == ["cpv"]


def test_shared_words_are_reasons_in_the_profiles_own_words(ram_index, capability):
    ram_index.apply([capability(1, "Sensorer i omsorgsbolig", "Vi leverer sensorer til boligen.")], [])
    hits = ram_index.match(profile(text="Boliger med Sensorer for eldre"))
    terms = reason(hits[0], "terms")
    assert set(terms.values) == {"Boliger", "Sensorer"}


def test_more_shared_text_ranks_higher(ram_index, capability):
    ram_index.apply(
        [
            capability(1, "Legevakt", "Bemanning av legevakt."),
            capability(2, "Pasientjournal for legevakt og sykehus", JOURNAL),
            capability(3, "Kantine", "Mat til sykehus."),
        ],
        [],
    )
    hits = ram_index.match(profile())
    assert hits[0].id == 2
    assert {h.id for h in hits} == {1, 2, 3}


def test_region_bonus_for_the_same_fylke_or_nationwide(ram_index, capability):
    ram_index.apply(
        [
            capability(1, "Journalsystem", JOURNAL, fylker=("03",)),
            capability(2, "Journalsystem", JOURNAL, fylker=("46", "50")),
            capability(3, "Journalsystem", JOURNAL, nationwide=True),
        ],
        [],
    )
    hits = {h.id: h for h in ram_index.match(profile(fylker=("46",)))}
    assert reason(hits[2], "region") == Reason(kind="region", values=("46",), detail="fylke")
    assert reason(hits[3], "region") == Reason(kind="region", detail="nationwide")
    assert reason(hits[1], "region") is None
    assert hits[2].score == hits[3].score > hits[1].score


def test_a_nationwide_profile_shares_every_region(ram_index, capability):
    ram_index.apply([capability(1, "Journalsystem", JOURNAL, fylker=("03",))], [])
    (hit,) = ram_index.match(profile(nationwide=True))
    assert reason(hit, "region").detail == "nationwide"


def test_domain_is_a_reason_and_a_bonus(ram_index, capability):
    ram_index.apply(
        [
            capability(1, "Journalsystem", JOURNAL, domains=("digital", "health")),
            capability(2, "Journalsystem", JOURNAL, domains=("climate",)),
            capability(3, "Varmepumper", "Energi.", domains=("health",)),
        ],
        [],
    )
    hits = ram_index.match(profile(domains=("health",)))
    # A shared domain adds to shared words; alone (record 3) it makes no match.
    assert [h.id for h in hits] == [1, 2]
    assert reason(hits[0], "domain").values == ("health",)
    assert hits[0].score > hits[1].score


def test_nothing_shared_or_only_a_region_is_no_match(ram_index, capability):
    ram_index.apply(
        [
            capability(1, "Varmepumper", "Energisparing i skoler.", fylker=("46",), cpv=("42500000",)),
            capability(2, "Snøbrøyting", "Vi brøyter veier.", nationwide=True),
        ],
        [],
    )
    assert ram_index.match(profile(fylker=("46",), cpv=("48180000",))) == []
    assert ram_index.match(profile(text="", nationwide=True)) == []


def test_only_the_asked_kind_is_returned(ram_index, need, capability):
    ram_index.apply([need(1, "Journalsystem", JOURNAL), capability(2, "Journalsystem", JOURNAL)], [])
    assert [(h.kind, h.id) for h in ram_index.match(profile(kind=NEED))] == [(NEED, 1)]
    assert [(h.kind, h.id) for h in ram_index.match(profile(kind=CAPABILITY))] == [(CAPABILITY, 2)]


def test_exclude_owners_and_ids(ram_index, need):
    ram_index.apply(
        [
            need(1, "Journalsystem", JOURNAL, owner_id=7),
            need(2, "Journalsystem", JOURNAL, owner_id=7),
            need(3, "Journalsystem", JOURNAL, owner_id=8),
            need(4, "Journalsystem", JOURNAL, owner_id=9),
        ],
        [],
    )
    hits = ram_index.match(profile(kind=NEED, exclude_owner_ids=(7,), exclude_ids=(4,)))
    assert [(h.id, h.owner_id) for h in hits] == [(3, 8)]


def test_stage_filter_applies_to_needs(ram_index, need):
    ram_index.apply(
        [
            need(1, "Journalsystem", JOURNAL, stage="open"),
            need(2, "Journalsystem", JOURNAL, stage="draft"),
            need(3, "Journalsystem", JOURNAL, stage="awarded"),
        ],
        [],
    )
    hits = ram_index.match(profile(kind=NEED, stages=("open", "awarded")))
    assert {h.id for h in hits} == {1, 3}


def test_limit_is_respected_best_first(ram_index, capability):
    ram_index.apply([capability(i, "Journalsystem", JOURNAL + " ekstra" * i) for i in range(1, 21)], [])
    hits = ram_index.match(profile(limit=5))
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert ram_index.match(profile(limit=0)) == []


def test_english_profile_matches_english_text(ram_index, capability):
    ram_index.apply(
        [
            capability(1, "Hospital logistics", "We track beds and porters in hospitals."),
            capability(2, "Road gritting", "Winter maintenance of roads."),
        ],
        [],
    )
    hits = ram_index.match(profile(text="Tracking hospital beds"))
    assert [h.id for h in hits] == [1]
    assert set(reason(hits[0], "terms").values) == {"Tracking", "hospital", "beds"}


@pytest.mark.parametrize("kind", ["unknown", ""])
def test_unknown_kind_matches_nothing(ram_index, capability, kind):
    ram_index.apply([capability(1, "Journalsystem", JOURNAL)], [])
    assert ram_index.match(profile(kind=kind)) == []


def test_ready_lists_are_dropped_when_the_index_changes(ram_index, capability):
    ram_index.apply([capability(1, "Journalsystem", JOURNAL)], [])
    query = profile()
    assert [h.id for h in ram_index.match(query)] == [1]
    ram_index.apply([capability(2, "Pasientjournal for legevakt og sykehus", JOURNAL)], [(CAPABILITY, 1)])
    assert [h.id for h in ram_index.match(query)] == [2]
    assert ram_index.match(query) == ram_index.match(query, use_cache=False)


def test_a_compound_profile_meets_records_using_its_parts(ram_index, capability):
    ram_index.apply(
        [
            capability(1, "Boliger med omsorg", "Sensorer i boliger for omsorg."),
            capability(2, "Snøbrøyting", "Brøyting av veier."),
        ],
        [],
    )
    hits = ram_index.match(profile(text="", title="Omsorgsboliger"))
    assert [h.id for h in hits] == [1]
    assert set(reason(hits[0], "terms").values) == {"omsorg", "boliger"}


def test_a_whole_word_weighs_more_than_a_compounds_part(ram_index, capability):
    ram_index.apply(
        [
            capability(1, "Legevakt", "Bemanning av legevakt."),
            capability(2, "Nattevakt", "Bemanning av nattevakt i boliger."),
            capability(3, "Vakt", "Vakthold i boliger."),
        ],
        [],
    )
    hits = ram_index.match(profile(title="Nattevakt", text="Nattevakt i omsorgsboliger."))
    assert [h.id for h in hits][0] == 2
    scores = {h.id: h.score for h in hits}
    # A record that says "vakt" on its own meets the profile's part better than another compound does.
    assert scores[3] > scores.get(1, 0.0)
    # "nattevakt" and "legevakt" share only the part "vakt": never a reason a person would accept.
    legevakt = next((h for h in hits if h.id == 1), None)
    assert legevakt is None or "vakt" not in (reason(legevakt, "terms") or Reason("terms")).values


def test_boilerplate_and_function_words_are_no_evidence(ram_index, need):
    ram_index.apply(
        [need(1, "Rammeavtale for kjøp av konsulenttjenester innen IKT", "Anskaffelse av tjenester.")], []
    )
    title = "Rammeavtale - Rådgivningstjenester innen energiledelse og Enøk"
    query = profile(kind=NEED, title=title, text="")
    assert ram_index.match(query) == []


def test_porten_never_meets_ports(ram_index, capability):
    ram_index.apply([capability(1, "Ports of Jersey - Branded Clothing", "Uniforms for port staff.")], [])
    assert ram_index.match(profile(text="Brukerstøtte for Altinn og ID-porten")) == []


def test_a_technical_term_bridges_the_languages(ram_index, capability):
    fhir = capability(1, "FHIR integration platform", "Sharing FHIR records between hospitals.")
    ram_index.apply([fhir], [])
    (hit,) = ram_index.match(profile(text="Deling av pasientdata med FHIR mellom sykehus og kommuner"))
    assert reason(hit, "terms").values == ("FHIR",)


def test_title_words_weigh_more_than_body_words(ram_index, capability):
    ram_index.apply(
        [capability(1, "Droner", "Inspeksjon av bruer."), capability(2, "Inspeksjon", "Droner over bruer.")],
        [],
    )
    hits = ram_index.match(profile(title="Droner", text="inspeksjon av bruer og tunneler"))
    assert hits[0].id == 1

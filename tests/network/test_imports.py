"""Bulk import: the DESIGN.md example, upserts by key, and all-or-nothing validation with line numbers."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from network.errors import ImportFileError
from network.extensions import db
from network.models import Capability, IndexEvent, Need, Organisation, OrgKind, Stage
from network.services.imports import import_lines, import_records
from search import SearchQuery

OSLO = {
    "type": "organisation",
    "key": "974760673",
    "kind": "public_body",
    "name": "Oslo kommune",
    "org_number": "974760673",
    "sector": "municipality",
    "kommune": "0301",
    "verified": True,
}
ACME = {
    "type": "organisation",
    "key": "acme",
    "kind": "supplier",
    "name": "Acme AS",
    "country": "NO",
    "org_number": "923609016",
}
NEED = {
    "type": "need",
    "key": "n-1",
    "organisation": "974760673",
    "title": "Velferdsteknologi for hjemmeboende eldre",
    "description": "Hjemmetjenesten mangler oversikt over eldre som bor alene og faller om natten.",
    "domain": "digital",
    "cpv": ["72000000"],
    "kommuner": ["0301"],
    "stage": "open",
}
CAPABILITY = {
    "type": "capability",
    "key": "c-1",
    "organisation": "acme",
    "title": "Fallsensorer med nattvarsling",
    "description": "Sensorer som varsler hjemmetjenesten når en bruker faller.",
    "domains": ["digital"],
    "cpv": ["72200000"],
    "fylker": ["03"],
}
EXAMPLE = [OSLO, ACME, NEED, CAPABILITY]


def lines_of(*records) -> list[str]:
    return [json.dumps(record, ensure_ascii=False) for record in records]


def counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Organisation, Need, Capability, IndexEvent)
    }


def by_key(model, key):
    return db.session.scalar(sa.select(model).where(model.key == key))


def found(index, text: str) -> set[tuple[str, int]]:
    return {(hit.kind, hit.id) for hit in index.search(SearchQuery(text=text)).hits}


def errors_of(excinfo) -> dict[int, str]:
    return dict(excinfo.value.errors)


# -- the example file ---------------------------------------------------------------------------


def test_design_example_creates_searchable_records(app, index):
    report = import_lines(lines_of(*EXAMPLE), index)

    assert report.created == {"organisation": 2, "need": 1, "capability": 1}
    assert report.summary() == "2 organisations, 1 need, 1 capability"
    oslo, acme = by_key(Organisation, "974760673"), by_key(Organisation, "acme")
    assert (oslo.kind, oslo.org_number, oslo.fylke) == (OrgKind.PUBLIC_BODY, "974760673", "03")
    assert oslo.verified
    assert oslo.verified_at is not None
    assert (acme.kind, acme.verified) == (OrgKind.SUPPLIER, False)
    need, cap = by_key(Need, "n-1"), by_key(Capability, "c-1")
    assert (need.organisation, cap.organisation) == (oslo, acme)
    assert need.stage == Stage.OPEN
    assert need.published_at is not None
    assert need.cpv == ["72000000"]
    assert need.language in ("nb", "nn")
    assert (cap.fylker, cap.domains) == (["03"], ["digital"])
    assert ("need", need.id) in found(index, "velferdsteknologi")
    assert ("capability", cap.id) in found(index, "fallsensorer")
    assert ("organisation", oslo.id) in found(index, "Oslo")


def test_defaults_for_optional_fields(app, index):
    import_records(
        [
            {"type": "organisation", "key": "b", "kind": "public_body", "name": "Bergen kommune"},
            {"type": "need", "key": "n", "organisation": "b", "title": "Renere luft rundt skolene"},
        ],
        index,
    )

    body, need = by_key(Organisation, "b"), by_key(Need, "n")
    assert (body.country, body.verified, body.is_example) == ("NO", False, False)
    assert (need.domain, need.stage) == ("other", Stage.OPEN)
    assert need.published_at is not None
    assert need.language is not None


def test_example_flag_and_draft_stage(app, index):
    import_records(
        [
            {**OSLO, "example": True},
            {**NEED, "stage": "draft"},
        ],
        index,
    )

    assert by_key(Organisation, OSLO["key"]).is_example
    need = by_key(Need, "n-1")
    assert (need.stage, need.published_at) == (Stage.DRAFT, None)
    assert ("need", need.id) not in found(index, "velferdsteknologi")


# -- upserts by key -----------------------------------------------------------------------------


def test_reimport_is_idempotent_and_updates(app, index):
    first = import_lines(lines_of(*EXAMPLE), index)
    before = counts()
    need = by_key(Need, "n-1")
    published_at, need_id = need.published_at, need.id

    again = import_lines(lines_of(*EXAMPLE), index)

    assert again.created == {"organisation": 0, "need": 0, "capability": 0}
    assert again.updated == first.created
    assert again.summary() == "2 organisations, 1 need, 1 capability (4 updated)"
    # Unchanged records are not even touched: no new rows, no new index events.
    assert counts() == before

    changed = {**NEED, "title": "Digital nattevakt for omsorgsboliger", "stage": "dialogue_closed"}
    import_lines(lines_of(OSLO, ACME, changed, CAPABILITY), index)

    need = by_key(Need, "n-1")
    assert need.id == need_id
    assert (need.title, need.stage) == ("Digital nattevakt for omsorgsboliger", Stage.DIALOGUE_CLOSED)
    assert need.published_at == published_at
    assert counts()["needs"] == before["needs"]
    assert ("need", need.id) in found(index, "nattevakt")
    assert ("need", need.id) not in found(index, "velferdsteknologi")


def test_verified_is_kept_when_a_later_file_leaves_it_out(app, index):
    import_records([OSLO], index)
    verified_at = by_key(Organisation, OSLO["key"]).verified_at

    import_records([{k: v for k, v in OSLO.items() if k != "verified"}], index)
    assert by_key(Organisation, OSLO["key"]).verified_at == verified_at

    import_records([{**OSLO, "verified": False}], index)
    oslo = by_key(Organisation, OSLO["key"])
    assert (oslo.verified, oslo.verified_at) == (False, None)


def test_later_file_refers_to_an_earlier_import(app, index):
    import_lines(lines_of(OSLO, ACME), index)

    report = import_lines(lines_of(NEED, CAPABILITY), index)

    assert report.created == {"organisation": 0, "need": 1, "capability": 1}
    assert by_key(Need, "n-1").organisation.key == OSLO["key"]
    assert by_key(Capability, "c-1").organisation.key == "acme"


def test_progress_is_reported_up_to_the_total(app, index):
    calls = []
    records = [ACME] + [{**CAPABILITY, "key": f"c-{n}"} for n in range(450)]

    import_records(records, index, progress=lambda done, total: calls.append((done, total)))

    assert calls[-1] == (451, 451)
    assert [done for done, _ in calls[:-1]] == [200, 400]


# -- all or nothing -----------------------------------------------------------------------------


def test_bad_lines_are_all_reported_and_nothing_is_written(app, index, make):
    make.need(title="Eksisterende behov")
    before = counts()
    bad = [
        ({**NEED, "key": "x-1", "colour": "blue"}, "unknown field 'colour'"),
        ({k: v for k, v in NEED.items() if k != "title"} | {"key": "x-2"}, "missing required field 'title'"),
        ({**ACME, "key": "bad-number", "org_number": "123456789"}, "invalid org_number '123456789'"),
        (
            {**NEED, "key": "x-3", "organisation": "nobody"},
            "organisation 'nobody' is not in this file or the database",
        ),
        ("{not json", "invalid JSON"),
        ({**NEED, "key": "n-3"}, "duplicate key 'n-3' for type need (first on line 8)"),
        ({**NEED, "key": "x-4", "cpv": "72000000"}, "cpv must be a list of strings"),
        ({**ACME, "key": "x-5", "is_sme": "yes"}, "is_sme must be true or false"),
        ([1, 2], "not a JSON object"),
        ({**NEED, "key": "x-6", "cpv": ["99999999"]}, "99999999"),
        ({**NEED, "key": "x-7", "stage": "done"}, "stage must be one of draft, open"),
        ({**NEED, "key": "x-8", "deadline": "31.12.2025"}, "deadline must be an ISO date YYYY-MM-DD"),
        ({**NEED, "key": "x-9", "organisation": "acme"}, "'acme' is a supplier"),
    ]
    # Lines 1-2 organisations, line 3 blank (skipped, but counted), then needs n-0 … n-39 with a bad
    # line after every third good one: n-3 lands on line 8.
    entries = [(OSLO, None), (ACME, None), ("", None)]
    for n in range(40):
        entries.append(({**NEED, "key": f"n-{n}", "title": f"Ladestasjoner for bydel {n}"}, None))
        if n % 3 == 2 and bad:
            entries.append(bad.pop(0))
    assert not bad
    lines = [entry if isinstance(entry, str) else json.dumps(entry) for entry, _ in entries]
    expected = {number: reason for number, (_, reason) in enumerate(entries, start=1) if reason}
    assert json.loads(lines[7])["key"] == "n-3"

    with pytest.raises(ImportFileError) as excinfo:
        import_lines(lines, index)

    reported = errors_of(excinfo)
    assert set(reported) == set(expected)
    for number, reason in expected.items():
        assert reason in reported[number]
    assert counts() == before
    assert not found(index, "ladestasjoner")


def test_record_errors_use_positions_and_name_the_field(app, index):
    with pytest.raises(ImportFileError) as excinfo:
        import_records(
            [
                OSLO,
                {**NEED, "language": "de"},
                {**NEED, "key": "n-2", "budget_min": 10, "budget_max": "many"},
                {"type": "offer", "key": "o"},
                {"key": "k"},
                {**ACME, "key": ""},
            ],
            index,
        )

    reported = errors_of(excinfo)
    # One language per line: the services' messages come in English like the import's own reasons.
    assert reported[2] == "invalid language 'de': Language must be nb, nn or en."
    assert reported[3] == "budget_max must be a whole number, not a string"
    assert reported[4].startswith("type must be one of organisation, need, capability")
    assert reported[5] == "missing required field 'type'"
    assert reported[6] == "key must be a non-empty string"
    assert 1 not in reported
    assert counts()["organisations"] == 0


def test_owner_kind_must_fit(app, index):
    records = [OSLO, ACME, {**NEED, "organisation": "acme"}, {**CAPABILITY, "organisation": OSLO["key"]}]
    with pytest.raises(ImportFileError) as excinfo:
        import_records(records, index)

    assert errors_of(excinfo) == {
        3: "organisation 'acme' is a supplier; a need must belong to a public body",
        4: "organisation '974760673' is a public body; a capability must belong to a supplier",
    }


def test_org_number_belongs_to_one_organisation(app, index, make):
    make.supplier(name="Registrert AS", org_number="923609016")

    with pytest.raises(ImportFileError) as excinfo:
        import_records([OSLO, {**OSLO, "key": "oslo-2", "name": "Oslo igjen"}, ACME], index)

    reported = errors_of(excinfo)
    assert reported[2] == "org_number 974760673 is also given to organisation '974760673' on line 1"
    assert "org_number 923609016 already belongs to 'Registrert AS'" in reported[3]
    assert 1 not in reported


def test_kind_of_an_existing_organisation_cannot_change(app, index):
    import_records([ACME], index)

    with pytest.raises(ImportFileError) as excinfo:
        import_records([{**ACME, "kind": "public_body"}], index)

    assert "kind cannot change" in errors_of(excinfo)[1]
    assert by_key(Organisation, "acme").kind == OrgKind.SUPPLIER


def test_failed_import_leaves_earlier_pending_changes_unflushed(app, index):
    org = Organisation(kind=OrgKind.SUPPLIER, name="Ikke lagret AS")
    db.session.add(org)

    with pytest.raises(ImportFileError):
        import_records([{**NEED, "organisation": "missing"}], index)

    assert counts() == {"organisations": 0, "needs": 0, "capabilities": 0, "index_events": 0}


# -- dates of registration and publication ------------------------------------------------------


def test_registered_and_published_dates_are_kept(app, index):
    import_lines(
        lines_of(
            {**OSLO, "registered": "2026-02-01"},
            {**ACME, "registered": "2026-03-15T08:30:00Z"},
            {**NEED, "published": "2026-05-20T09:15:00+02:00"},
            {**CAPABILITY, "published": "2026-04-02"},
        ),
        index,
    )

    oslo, acme = by_key(Organisation, OSLO["key"]), by_key(Organisation, "acme")
    assert oslo.created_at == datetime(2026, 2, 1)
    assert acme.created_at == datetime(2026, 3, 15, 8, 30)
    need = by_key(Need, "n-1")
    # Stored in UTC, like every other timestamp.
    assert need.published_at == datetime(2026, 5, 20, 7, 15)
    assert need.created_at <= need.published_at
    assert need.updated_at == need.created_at
    cap = by_key(Capability, "c-1")
    assert (cap.created_at, cap.updated_at) == (datetime(2026, 4, 2), datetime(2026, 4, 2))


def test_reimport_with_the_same_dates_changes_nothing(app, index):
    dated = [{**OSLO, "registered": "2026-02-01"}, {**NEED, "published": "2026-05-20"}]
    import_records(dated, index)
    before = counts()

    import_records(dated, index)

    assert counts() == before
    assert by_key(Need, "n-1").published_at == datetime(2026, 5, 20)


def test_created_at_is_never_later_than_published(app, index):
    import_records([OSLO, {**NEED, "published": "2026-01-10"}], index)
    assert by_key(Need, "n-1").created_at == datetime(2026, 1, 10)

    # Published again later (say after a pause): it was still written in January.
    import_records([OSLO, {**NEED, "published": "2026-03-01"}], index)

    need = by_key(Need, "n-1")
    assert (need.created_at, need.published_at) == (datetime(2026, 1, 10), datetime(2026, 3, 1))


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({**OSLO, "registered": "01.02.2026"}, "registered must be an ISO date YYYY-MM-DD or date and time"),
        ({**NEED, "published": "2026-02-30"}, "published must be an ISO date YYYY-MM-DD or date and time"),
        ({**NEED, "published": "2026-W05-3"}, "published must be an ISO date YYYY-MM-DD or date and time"),
        ({**NEED, "published": 20260201}, "published must be an ISO date YYYY-MM-DD or date and time"
         " YYYY-MM-DDTHH:MM:SS, not a number"),
        ({**CAPABILITY, "published": "2026-04-02T25:00"}, "published must be an ISO date"),
        ({**NEED, "published": "2999-01-01"}, "published '2999-01-01' is in the future"),
        ({**OSLO, "registered": "2999-01-01T00:00Z"}, "registered '2999-01-01T00:00Z' is in the future"),
        ({**NEED, "stage": "draft", "published": "2026-02-01"}, "a draft has no publication date"),
        ({**CAPABILITY, "registered": "2026-02-01"}, "unknown field 'registered' for type capability"),
    ],
)  # fmt: skip
def test_bad_dates_are_line_errors(app, index, record, reason):
    records = [OSLO, ACME, NEED, CAPABILITY]
    position = next(n for n, r in enumerate(records) if r["type"] == record["type"]) + 1
    records[position - 1] = record
    lines = ["", *lines_of(*records)]

    with pytest.raises(ImportFileError) as excinfo:
        import_lines(lines, index)

    reported = errors_of(excinfo)
    assert list(reported) == [position + 1]
    assert reason in reported[position + 1]
    assert counts() == {"organisations": 0, "needs": 0, "capabilities": 0, "index_events": 0}

"""WhooshIndex writing and full-text search: upserts, deletes, rebuild, filters, facets, highlights, pages."""

from __future__ import annotations

import threading
import traceback
from datetime import UTC, datetime

import pytest
from whoosh.fields import ID, Schema
from whoosh.filedb.filestore import FileStorage

from search import CAPABILITY, NEED, ORGANISATION, IndexUnavailableError, SearchQuery, open_index


def ids(result):
    return [(hit.kind, hit.id) for hit in result.hits]


def test_apply_twice_is_idempotent(ram_index, need):
    doc = need(1, "Omsorgsboliger med sensorer")
    ram_index.apply([doc], [])
    ram_index.apply([doc], [])
    ram_index.apply([doc, doc], [])
    assert ram_index.search(SearchQuery()).total == 1
    assert ram_index.fingerprints() == {(NEED, 1): "need-1-v1"}


def test_upsert_replaces_the_document(ram_index, need):
    ram_index.apply([need(1, "Snøbrøyting av gang- og sykkelveier")], [])
    ram_index.apply([need(1, "Lading av elbusser", fingerprint="v2")], [])
    assert ids(ram_index.search(SearchQuery(text="elbusser"))) == [(NEED, 1)]
    assert ids(ram_index.search(SearchQuery(text="snøbrøyting"))) == []
    assert ram_index.fingerprints() == {(NEED, 1): "v2"}


def test_delete_removes_only_that_kind_and_id(ram_index, need, capability):
    ram_index.apply([need(1, "Digital tvilling"), capability(1, "Digital tvilling for vann")], [])
    ram_index.apply([], [(NEED, 1)])
    ram_index.apply([], [(NEED, 1), (NEED, 99)])
    assert ram_index.fingerprints() == {(CAPABILITY, 1): "capability-1-v1"}


def test_a_document_both_upserted_and_deleted_is_deleted(ram_index, need):
    ram_index.apply([need(1, "Først")], [])
    ram_index.apply([need(1, "Så")], [(NEED, 1)])
    assert ram_index.fingerprints() == {}


def test_rebuild_replaces_everything(ram_index, need, capability):
    ram_index.apply([need(1, "Gammel"), need(2, "Også gammel")], [])
    count = ram_index.rebuild(iter([need(3, "Ny"), capability(3, "Ny evne")]))
    assert count == 2
    assert set(ram_index.fingerprints()) == {(NEED, 3), (CAPABILITY, 3)}


def test_rebuild_refuses_duplicates_and_keeps_the_old_index(ram_index, need):
    ram_index.apply([need(1, "Gammel")], [])
    with pytest.raises(ValueError, match="need:2 appears twice"):
        ram_index.rebuild([need(2, "Ny"), need(2, "Ny igjen")])
    assert set(ram_index.fingerprints()) == {(NEED, 1)}


def test_norwegian_and_english_stemming(ram_index, need, capability):
    ram_index.apply(
        [
            need(1, "Bolig for unge", "Kommunen trenger en bolig for unge voksne."),
            capability(2, "Hospital logistics", "Tracking beds in a hospital."),
        ],
        [],
    )
    assert ids(ram_index.search(SearchQuery(text="boliger"))) == [(NEED, 1)]
    assert ids(ram_index.search(SearchQuery(text="hospitals"))) == [(CAPABILITY, 2)]


def test_title_weighs_more_than_body(ram_index, need):
    ram_index.apply(
        [
            need(1, "Renhold av skoler", "Gjelder også ventilasjon."),
            need(2, "Ventilasjon i skoler", "Renhold."),
        ],
        [],
    )
    assert ids(ram_index.search(SearchQuery(text="ventilasjon")))[0] == (NEED, 2)


def test_stop_words_alone_match_everything_like_an_empty_query(ram_index, need):
    ram_index.apply([need(1, "Sensorer"), need(2, "Droner")], [])
    assert ram_index.search(SearchQuery(text="og for the")).total == 2


def test_query_syntax_is_read_as_words(ram_index, need):
    ram_index.apply([need(1, "Droner"), need(2, "Magic", "A kind of need")], [])
    # Field syntax would find need 1 by its kind; as words, only need 2 has them.
    assert ids(ram_index.search(SearchQuery(text="kind:need"))) == [(NEED, 2)]
    assert ids(ram_index.search(SearchQuery(text="magic*"))) == [(NEED, 2)]
    assert ram_index.search(SearchQuery(text='"unbalanced (quote')).total == 0


@pytest.fixture
def catalogue(ram_index, need, capability, organisation):
    ram_index.apply(
        [
            need(1, "Sensorer i omsorgsboliger", domains=("health",), cpv=("33100000",), fylker=("03",)),
            need(
                2, "Sensorer for flom", domains=("climate",), cpv=("38000000",), fylker=("46",), stage="draft"
            ),
            need(
                3,
                "Digital journal",
                domains=("digital", "health"),
                cpv=("48180000", "72000000"),
                fylker=("46",),
                stage="awarded",
            ),
            capability(
                4, "Sensorer og IoT", domains=("health", "digital"), cpv=("38500000",), nationwide=True
            ),
            capability(
                5, "Flomvarsling med sensorer", domains=("climate",), cpv=("38000000",), fylker=("50",)
            ),
            organisation(6, "Sensorer AS", org_kind="supplier", owner_id=None),
        ],
        [],
    )
    return ram_index


def test_kinds_filter(catalogue):
    result = catalogue.search(SearchQuery(text="sensorer", kinds=(CAPABILITY,)))
    assert set(ids(result)) == {(CAPABILITY, 4), (CAPABILITY, 5)}
    assert catalogue.search(SearchQuery(kinds=())).total == 0


def test_domain_filter(catalogue):
    result = catalogue.search(SearchQuery(domains=("health",)))
    assert set(ids(result)) == {(NEED, 1), (NEED, 3), (CAPABILITY, 4)}


def test_fylke_filter_includes_nationwide_capabilities(catalogue):
    result = catalogue.search(SearchQuery(fylker=("46",)))
    assert set(ids(result)) == {(NEED, 2), (NEED, 3), (CAPABILITY, 4)}


def test_cpv_division_filter(catalogue):
    assert set(ids(catalogue.search(SearchQuery(cpv_divisions=("38",))))) == {
        (NEED, 2),
        (CAPABILITY, 4),
        (CAPABILITY, 5),
    }
    assert ids(catalogue.search(SearchQuery(cpv_divisions=("72000000",)))) == [(NEED, 3)]


def test_cpv_prefix_filter_at_any_depth(catalogue):
    assert ids(catalogue.search(SearchQuery(cpv_prefixes=("4818",)))) == [(NEED, 3)]
    assert ids(catalogue.search(SearchQuery(cpv_prefixes=("481800",)))) == [(NEED, 3)]
    assert ids(catalogue.search(SearchQuery(cpv_prefixes=("48180000",)))) == [(NEED, 3)]
    assert set(ids(catalogue.search(SearchQuery(cpv_prefixes=("385", "331"))))) == {
        (NEED, 1),
        (CAPABILITY, 4),
    }
    assert catalogue.search(SearchQuery(cpv_prefixes=("4819",))).total == 0


def test_stage_filter_returns_only_needs_in_those_stages(catalogue):
    result = catalogue.search(SearchQuery(stages=("open", "draft")))
    assert set(ids(result)) == {(NEED, 1), (NEED, 2)}


def test_filters_combine(catalogue):
    result = catalogue.search(SearchQuery(text="sensorer", domains=("climate",), fylker=("50",)))
    assert ids(result) == [(CAPABILITY, 5)]


def test_facets_count_the_whole_filtered_result(catalogue):
    result = catalogue.search(SearchQuery(text="sensorer", per_page=1))
    assert result.total == 5
    assert len(result.hits) == 1
    assert result.facets["kind"] == {NEED: 2, CAPABILITY: 2, ORGANISATION: 1}
    assert result.facets["domain"] == {"climate": 2, "health": 2, "digital": 1}
    assert result.facets["cpv_division"] == {"38": 3, "33": 1}
    assert result.facets["stage"] == {"draft": 1, "open": 1}
    # The nationwide capability 4 is found under every fylke filter, so it counts under each fylke.
    assert result.facets["fylke"] == {"03": 2, "46": 2, "50": 2}
    assert set(result.facets) == {"kind", "domain", "fylke", "cpv_division", "stage"}


def test_facet_count_equals_the_filtered_total(catalogue):
    facets = catalogue.search(SearchQuery()).facets
    for fylke, count in facets["fylke"].items():
        assert catalogue.search(SearchQuery(fylker=(fylke,))).total == count
    for domain, count in facets["domain"].items():
        assert catalogue.search(SearchQuery(domains=(domain,))).total == count


def test_highlights_mark_matches_and_escape_everything_else(ram_index, need):
    body = "Før <script>alert('x')</script> & etter: vi trenger boliger med sensorer. " + "Fyll. " * 80
    ram_index.apply([need(1, "Trygge <b>boliger</b>", body)], [])
    hit = ram_index.search(SearchQuery(text="bolig")).hits[0]
    assert hit.highlights["title"] == 'Trygge &lt;b&gt;<mark class="match term0">boliger</mark>&lt;/b&gt;'
    body_html = hit.highlights["body"]
    assert '<mark class="match term0">boliger</mark>' in body_html
    assert "<script>" not in body_html
    assert "&lt;script&gt;" in body_html or "alert" not in body_html
    assert body_html.endswith("…")
    assert len(body_html) < 400


def test_highlights_cover_both_analyzers(ram_index, capability):
    ram_index.apply([capability(1, "Hospital beds", "Hospitals need beds; sykehus trenger senger.")], [])
    body = ram_index.search(SearchQuery(text="hospital sykehusene")).hits[0].highlights["body"]
    assert body.count("<mark") == 2
    assert '<mark class="match term0">Hospitals</mark>' in body
    assert ">sykehus</mark>" in body


def test_without_text_the_highlight_is_the_escaped_start_of_the_body(ram_index, need):
    ram_index.apply([need(1, "A < B", "x > y " * 100)], [])
    highlights = ram_index.search(SearchQuery()).hits[0].highlights
    assert highlights["title"] == "A &lt; B"
    assert highlights["body"].startswith("x &gt; y x &gt; y")
    assert highlights["body"].endswith("…")
    assert "<mark" not in highlights["body"]


def test_pages_and_past_the_end(ram_index, need):
    ram_index.apply([need(i, f"Behov nummer {i}") for i in range(1, 8)], [])
    pages = [ram_index.search(SearchQuery(text="behov", page=p, per_page=3)) for p in (1, 2, 3, 4)]
    assert [len(p.hits) for p in pages] == [3, 3, 1, 0]
    assert all(p.total == 7 for p in pages)
    assert len({hit.id for p in pages for hit in p.hits}) == 7
    assert (pages[3].page, pages[3].per_page) == (4, 3)


def test_order_by_date_is_newest_first_and_undated_last(ram_index, need):
    ram_index.apply(
        [
            need(1, "Sensor", date=datetime(2023, 5, 1)),
            need(2, "Sensor sensor sensor", date=datetime(2022, 1, 1)),
            need(3, "Sensor", date=datetime(2024, 3, 1, 10, tzinfo=UTC)),
            need(4, "Sensor", date=None),
        ],
        [],
    )
    assert [h.id for h in ram_index.search(SearchQuery(text="sensor", order="date")).hits] == [3, 1, 2, 4]
    # Without text there is no relevance: newest first too.
    assert [h.id for h in ram_index.search(SearchQuery()).hits] == [3, 1, 2, 4]
    relevance = ram_index.search(SearchQuery(text="sensor")).hits
    assert relevance[0].id == 2
    assert relevance[0].score > relevance[-1].score > 0


def test_hits_carry_the_owner(ram_index, need, organisation):
    ram_index.apply([need(1, "Droner", owner_id=42), organisation(2, "Droner AS", owner_id=None)], [])
    owners = {(h.kind, h.id): h.owner_id for h in ram_index.search(SearchQuery(text="droner")).hits}
    assert owners == {(NEED, 1): 42, (ORGANISATION, 2): None}


def test_owner_name_is_searchable(ram_index, need):
    ram_index.apply(
        [need(1, "Droner", owner_name="Bergen kommune"), need(2, "Droner", owner_name="Oslo")], []
    )
    assert ids(ram_index.search(SearchQuery(text="bergen"))) == [(NEED, 1)]


def test_file_index_persists_and_other_readers_see_commits(tmp_path, need):
    writer = open_index(str(tmp_path / "index"))
    reader = open_index(str(tmp_path / "index"))
    try:
        assert reader.search(SearchQuery()).total == 0
        writer.apply([need(1, "Sensorer")], [])
        # The reader opened its searcher before the commit; it must refresh to see it.
        assert reader.search(SearchQuery(text="sensorer")).total == 1
    finally:
        writer.close()
        reader.close()
    reopened = open_index(str(tmp_path / "index"))
    try:
        assert reopened.fingerprints() == {(NEED, 1): "need-1-v1"}
    finally:
        reopened.close()


def test_an_index_with_another_schema_is_unavailable_until_rebuilt(tmp_path, need):
    path = tmp_path / "old"
    path.mkdir()
    FileStorage(str(path)).create_index(Schema(uid=ID(unique=True, stored=True))).close()
    index = open_index(str(path))
    try:
        with pytest.raises(IndexUnavailableError, match="another schema"):
            index.search(SearchQuery())
        with pytest.raises(IndexUnavailableError):
            index.apply([need(1, "Sensorer")], [])
        assert index.rebuild([need(1, "Sensorer")]) == 1
        assert index.search(SearchQuery(text="sensorer")).total == 1
    finally:
        index.close()


def test_a_held_write_lock_makes_the_index_unavailable(tmp_path, need):
    index = open_index(str(tmp_path), writer_timeout=0.2)
    # Another process's writer, as Whoosh sees it: the lock file is taken.
    other = FileStorage(str(tmp_path)).open_index()
    writer = other.writer()
    try:
        with pytest.raises(IndexUnavailableError, match="locked"):
            index.apply([need(1, "Sensorer")], [])
    finally:
        writer.cancel()
        other.close()
    index.apply([need(1, "Sensorer")], [])
    assert index.search(SearchQuery()).total == 1
    index.close()


def test_threads_can_search_while_another_writes(ram_index, need):
    ram_index.apply([need(i, f"Sensor {i}") for i in range(1, 30)], [])
    errors = []

    def read():
        try:
            for _ in range(20):
                assert ram_index.search(SearchQuery(text="sensor")).total >= 29
        except Exception:  # collected: an assertion in a thread would not fail the test
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for i in range(30, 40):
        ram_index.apply([need(i, f"Sensor {i}")], [])
    for thread in threads:
        thread.join()
    assert errors == []
    assert ram_index.search(SearchQuery(text="sensor")).total == 39


def test_a_searcher_opened_while_a_commit_deletes_its_segments_opens_the_new_index(
    ram_index, capability, monkeypatch
):
    """Whoosh reads the table of contents, then opens the segments it lists: a commit in between can
    delete them. Whoosh then opens the index again, on a missing file in memory as in a folder."""
    documents = [capability(1, "Trygghetsalarmer", "Alarmer for eldre.")]
    ram_index.apply(documents, [])
    toc_class = type(ram_index.open())
    original = toc_class._read_toc
    rebuilt = []

    def read_then_rebuilt(self):
        toc = original(self)
        if not rebuilt:
            rebuilt.append("started")  # the rebuild reads the table too
            rebuilt.append(ram_index.rebuild(documents))
        return toc

    monkeypatch.setattr(toc_class, "_read_toc", read_then_rebuilt)
    assert [hit.id for hit in ram_index.search(SearchQuery(text="trygghetsalarmer")).hits] == [1]
    assert rebuilt == ["started", 1]


def test_ram_indexes_written_at_once_keep_their_scratch_files_apart(need):
    # Whoosh's RAM storage puts every RAM index's scratch files in one folder named after the index;
    # two writers at once (threads here, other test processes in practice) deleted each other's files.
    indexes = [open_index(None) for _ in range(3)]
    errors = []

    def write(index):
        try:
            for i in range(15):
                index.apply([need(i, f"Sensor {i}", "tekst " * 200)], [])
        except Exception:  # collected: an exception in a thread would not fail the test
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=write, args=(index,)) for index in indexes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [index.search(SearchQuery()).total for index in indexes] == [15, 15, 15]
    for index in indexes:
        index.close()


def test_facets_and_totals_leave_out_replaced_and_deleted_records(ram_index, need):
    ram_index.apply([need(1, "Sensorer", domains=("health",)), need(2, "Sensorer", domains=("health",))], [])
    ram_index.apply([need(1, "Sensorer", domains=("climate",), fingerprint="v2")], [(NEED, 2)])
    result = ram_index.search(SearchQuery(text="sensorer"))
    assert result.total == 1
    assert result.facets["domain"] == {"climate": 1}


def test_a_search_for_a_part_finds_the_compound(ram_index, need):
    ram_index.apply([need(1, "Flere omsorgsboliger"), need(2, "Helseteknologi i hjemmet")], [])
    assert ids(ram_index.search(SearchQuery(text="bolig"))) == [(NEED, 1)]
    assert ids(ram_index.search(SearchQuery(text="teknologi"))) == [(NEED, 2)]

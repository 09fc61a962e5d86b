"""Kept match lists (search.match_cache): read ready, shared by processes, and dropped by percolation exactly
when a change could alter them; and reads that another process's rebuild overtakes."""

from __future__ import annotations

import os
import random
import sqlite3
from contextlib import closing, contextmanager

import pytest

from search import CAPABILITY, NEED, MatchQuery, SearchQuery, open_index
from search.match_cache import AGE_MIN_RECORDS, AGE_SHARE, FILE_NAME, age_limit
from search.whoosh.tuning import READ_ATTEMPTS

SUBJECT = (NEED, 1)
ALARMS_SAID = "Alarmer og sensorer som varsler hjemmetjenesten om fall og uro om natten."


def profile(**fields) -> MatchQuery:
    fields.setdefault("kind", CAPABILITY)
    fields.setdefault("title", "Trygghetsalarmer for hjemmeboende eldre")
    fields.setdefault("text", "Alarmer og sensorer som varsler hjemmetjenesten om fall og uro om natten.")
    fields.setdefault("limit", 3)
    return MatchQuery(**fields)


class Counting:
    """Counts how often an index computes a list instead of reading a kept one."""

    def __init__(self, index, monkeypatch):
        self.computed = 0
        original = index._match

        def counted(*args, **kwargs):
            self.computed += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(index, "_match", counted)


def ids(hits) -> list[int]:
    return [hit.id for hit in hits]


@pytest.fixture
def filled(ram_index, capability):
    ram_index.apply(
        [
            capability(1, "Trygghetsalarmer", "Alarmer for hjemmeboende eldre, med sensorer for fall."),
            capability(2, "Sensorer i omsorgsboliger", "Sensorer som varsler hjemmetjenesten."),
            capability(3, "Alarmer for eldre", "Trygghetsalarmer med GPS."),
            capability(4, "Snøbrøyting", "Brøyting og strøing av veier."),
            capability(5, "Kantinedrift", "Mat til ansatte."),
        ],
        [],
    )
    return ram_index


def test_a_kept_list_is_read_ready_until_a_change_may_alter_it(filled, capability, monkeypatch):
    counting = Counting(filled, monkeypatch)
    first = filled.match(profile(), subject=SUBJECT)
    assert ids(first)
    assert counting.computed == 1
    assert filled.match(profile(), subject=SUBJECT) == first
    assert counting.computed == 1

    # A record that shares nothing with the profile cannot enter: the list stays kept.
    filled.apply([capability(6, "Asfaltering", "Asfalt på kommunale veier.")], [])
    assert filled.match(profile(), subject=SUBJECT) == first
    assert counting.computed == 1

    # One that outranks the lowest hit enters: the list is computed again and holds it.
    filled.apply(
        [capability(7, "Trygghetsalarmer for hjemmeboende eldre", "Alarmer og sensorer, fall, uro.")], []
    )
    again = filled.match(profile(), subject=SUBJECT)
    assert counting.computed == 2
    assert 7 in ids(again)


def test_a_weak_newcomer_to_a_full_list_keeps_it(filled, capability, monkeypatch):
    counting = Counting(filled, monkeypatch)
    kept = filled.match(profile(limit=2), subject=SUBJECT)
    assert len(kept) == 2
    # Shares one common word with the profile, far below the list's lowest score.
    filled.apply([capability(8, "Kantine for eldre", "Middag og kaffe i kantinen, levert med bil.")], [])
    assert filled.match(profile(limit=2), subject=SUBJECT) == kept
    assert counting.computed == 1
    assert ids(filled.match(profile(limit=2), use_cache=False)) == ids(kept)


def test_members_edited_or_removed_leave_the_list(filled, capability):
    kept = ids(filled.match(profile(), subject=SUBJECT))
    assert 1 in kept
    filled.apply([capability(1, "Snøbrøyting", "Brøyting av veier.")], [])
    assert 1 not in ids(filled.match(profile(), subject=SUBJECT))
    member = ids(filled.match(profile(), subject=SUBJECT))[0]
    filled.apply([], [(CAPABILITY, member)])
    assert member not in ids(filled.match(profile(), subject=SUBJECT))


def test_a_word_no_record_held_reaches_lists_that_wanted_it(filled, capability):
    wanting = profile(title="Droner til inspeksjon av bruer", text="Droner som inspiserer bruer.", limit=5)
    assert filled.match(wanting, subject=SUBJECT) == []
    filled.apply([capability(9, "Droner", "Inspeksjon med droner.")], [])
    assert ids(filled.match(wanting, subject=SUBJECT)) == [9]


def test_a_list_ages_once_enough_records_changed_since_it_was_computed(filled, capability, monkeypatch):
    """Changes a list does not percolate still move term statistics: once more records changed than
    the age limit allows, the list is computed afresh and no longer counts as kept."""
    counting = Counting(filled, monkeypatch)
    kept = filled.match(profile(), subject=SUBJECT)
    limit = age_limit(5 + AGE_MIN_RECORDS + 1)
    assert limit == AGE_MIN_RECORDS  # the corpus here is small: the floor applies

    def unrelated(first: int, count: int) -> list:
        return [
            capability(100 + i, f"Kontormøbler {i}", "Stoler og pulter.") for i in range(first, first + count)
        ]

    filled.apply(unrelated(0, limit), [])
    assert filled.match(profile(), subject=SUBJECT) == kept
    assert counting.computed == 1
    assert SUBJECT in filled.kept_subjects(CAPABILITY, 3)

    filled.apply(unrelated(limit, 1), [])
    assert SUBJECT not in filled.kept_subjects(CAPABILITY, 3)  # the indexer will refresh it
    # The same records (their order may follow the statistics that moved).
    assert set(ids(filled.match(profile(), subject=SUBJECT))) == set(ids(kept))
    assert counting.computed == 2
    # Computed afresh, it is kept again and young.
    assert SUBJECT in filled.kept_subjects(CAPABILITY, 3)
    filled.match(profile(), subject=SUBJECT)
    assert counting.computed == 2


def test_the_age_limit_grows_with_the_index():
    assert age_limit(0) == AGE_MIN_RECORDS
    assert age_limit(150_000) == int(150_000 * AGE_SHARE)


def test_filters_of_a_list_are_respected_by_percolation(ram_index, need, monkeypatch):
    ram_index.apply([need(2, "Trygghetsalarmer for eldre", "Sensorer og alarmer.", owner_id=20)], [])
    peers = profile(kind=NEED, stages=("open",), exclude_owner_ids=(10,), limit=5)
    counting = Counting(ram_index, monkeypatch)
    assert ids(ram_index.match(peers, subject=SUBJECT)) == [2]
    # The body's own need and a draft-like stage are never in the list, so they change nothing.
    ram_index.apply([need(3, "Trygghetsalarmer for eldre", "Sensorer og alarmer.", owner_id=10)], [])
    ram_index.apply([need(4, "Trygghetsalarmer for eldre", "Sensorer.", owner_id=30, stage="cancelled")], [])
    assert ids(ram_index.match(peers, subject=SUBJECT)) == [2]
    assert counting.computed == 1


def test_a_changed_profile_is_computed_afresh(filled, monkeypatch):
    counting = Counting(filled, monkeypatch)
    filled.match(profile(), subject=SUBJECT)
    other = filled.match(profile(title="Snøbrøyting", text="Brøyting av veier."), subject=SUBJECT)
    assert ids(other) == [4]
    assert counting.computed == 2
    # A record that is the subject of kept lists drops them when it changes (its own text changed).
    filled.apply([], [SUBJECT])
    filled.match(profile(title="Snøbrøyting", text="Brøyting av veier."), subject=SUBJECT)
    assert counting.computed == 3


def test_lists_are_shared_by_processes_and_dropped_for_all(tmp_path, capability, monkeypatch):
    folder = str(tmp_path / "index")
    writer, reader = open_index(folder), open_index(folder)
    try:
        writer.apply([capability(1, "Trygghetsalarmer", "Alarmer for eldre.")], [])
        kept = writer.match(profile(), subject=SUBJECT)
        assert os.path.exists(os.path.join(folder, FILE_NAME))
        counting = Counting(reader, monkeypatch)
        assert reader.match(profile(), subject=SUBJECT) == kept
        assert counting.computed == 0
        writer.apply([capability(2, "Trygghetsalarmer for hjemmeboende eldre", "Alarmer og sensorer.")], [])
        assert 2 in ids(reader.match(profile(), subject=SUBJECT))
        assert counting.computed == 1
    finally:
        writer.close()
        reader.close()


def test_a_list_computed_across_a_change_is_not_kept(filled, capability, monkeypatch):
    ready = filled._ready
    token = ready.token()
    original = filled._match

    def change_meanwhile(*args, **kwargs):
        found = original(*args, **kwargs)
        # Another process commits a change while this one is computing from the older index.
        filled.apply([capability(7, "Trygghetsalarmer for hjemmeboende eldre", "Alarmer og sensorer.")], [])
        return found

    monkeypatch.setattr(filled, "_match", change_meanwhile)
    stale = filled.match(profile(), subject=SUBJECT)
    assert 7 not in ids(stale)
    monkeypatch.setattr(filled, "_match", original)
    assert 7 in ids(filled.match(profile(), subject=SUBJECT))
    assert ready.token() != token


def test_a_change_that_died_midway_clears_every_list(filled, capability):
    ready = filled._ready
    filled.match(profile(), subject=SUBJECT)
    assert ready.count() == 1
    ready.begin_change([], [], {})
    # The process died before its commit: nothing may be kept meanwhile ...
    assert ready.token() is None
    # ... and the next change drops every list, since what the dead one meant to drop is unknown.
    filled.apply([capability(6, "Asfaltering", "Asfalt.")], [])
    assert ready.count() == 0
    assert ready.token() is not None


def test_a_damaged_store_degrades_to_computing_and_a_rebuild_replaces_it(tmp_path, capability):
    folder = str(tmp_path / "index")
    index = open_index(folder)
    try:
        documents = [capability(1, "Trygghetsalarmer", "Alarmer for eldre.")]
        index.apply(documents, [])
        index.match(profile(), subject=SUBJECT)
        index.close()
        with open(os.path.join(folder, FILE_NAME), "wb") as f:
            f.write(b"not a database at all" * 100)
        assert ids(index.match(profile(), subject=SUBJECT)) == [1]
        index.rebuild(documents)
        assert ids(index.match(profile(), subject=SUBJECT)) == [1]
        assert index._ready.count() == 1
    finally:
        index.close()


WORDS = [
    "alarm",
    "sensor",
    "eldre",
    "fall",
    "natt",
    "hjemmetjeneste",
    "bolig",
    "omsorg",
    "journal",
    "pasient",
    "legevakt",
    "veier",
    "brøyting",
    "asfalt",
    "skole",
    "elev",
    "læring",
    "energi",
    "sol",
    "varme",
    "avfall",
    "sortering",
    "transport",
    "buss",
]


def test_kept_lists_always_agree_with_lists_computed_afresh(ram_index, capability):
    """Random edits, additions and removals: after each, every kept list holds each changed record
    exactly when a list computed from scratch does (scores elsewhere may drift with term statistics)."""
    rng = random.Random(7)

    def text(n):
        return " ".join(rng.choice(WORDS) for _ in range(n))

    def record(id):
        codes = rng.choice([(), ("48180000",), ("33100000",), ("90511000",), ("48000000",)])
        domains = rng.choice([(), ("health",), ("climate",)])
        return capability(
            id, text(3), text(12), cpv=codes, domains=domains, fylker=(rng.choice(["03", "46"]),)
        )

    ram_index.apply([record(id) for id in range(1, 40)], [])
    profiles = [
        (
            (NEED, number),
            MatchQuery(
                kind=CAPABILITY,
                title=text(3),
                text=text(10),
                cpv=rng.choice([(), ("48180000",), ("33100000",)]),
                domains=rng.choice([(), ("health",)]),
                fylker=("03",),
                limit=rng.choice([3, 8]),
            ),
        )
        for number in range(12)
    ]
    present = set(range(1, 40))
    for step in range(60):
        for subject, query in profiles:
            ram_index.match(query, subject=subject)
        id = rng.randint(1, 50)
        if id in present and rng.random() < 0.3:
            ram_index.apply([], [(CAPABILITY, id)])
            present.discard(id)
        else:
            ram_index.apply([record(id)], [])
            present.add(id)
        for subject, query in profiles:
            kept = ids(ram_index.match(query, subject=subject))
            fresh = ids(ram_index.match(query, use_cache=False))
            assert (id in kept) == (id in fresh), (step, subject, id, kept, fresh)


def test_a_store_of_another_version_is_made_anew(tmp_path, capability):
    folder = str(tmp_path / "index")
    index = open_index(folder)
    try:
        index.apply([capability(1, "Trygghetsalarmer", "Alarmer for eldre.")], [])
        index.match(profile(), subject=SUBJECT)
        index.close()
        with closing(sqlite3.connect(os.path.join(folder, FILE_NAME))) as connection:
            connection.execute("PRAGMA user_version = 999")
        assert ids(index.match(profile(), subject=SUBJECT)) == [1]
        assert index._ready.count() == 1
    finally:
        index.close()


def overtaken(monkeypatch, reader, method: str, writer, documents, times: int = 1) -> list[int]:
    """Make `writer` rebuild the index inside the next `times` calls of the reader's `method`, after
    its searcher is open and before it has read what the rebuild deletes. Returns the rebuilds made."""
    original = getattr(reader, method)
    rebuilds: list[int] = []

    def rebuilt_meanwhile(*args, **kwargs):
        if len(rebuilds) < times:
            rebuilds.append(writer.rebuild(documents))
        return original(*args, **kwargs)

    monkeypatch.setattr(reader, method, rebuilt_meanwhile)
    return rebuilds


def test_a_read_that_a_rebuild_overtakes_is_read_again(tmp_path, capability, monkeypatch):
    """A rebuild in another process deletes the old segments' files while this process is reading
    them: the read is made again from the new index instead of failing."""
    folder = str(tmp_path / "index")
    documents = [capability(1, "Trygghetsalarmer", "Alarmer for eldre.")]
    writer, reader = open_index(folder), open_index(folder)
    try:
        writer.apply(documents, [])
        reader.generation()  # its searcher is open; no stored field has been read yet
        rebuilt = overtaken(monkeypatch, reader, "_bitmaps_for", writer, documents)
        assert ids(reader.match(profile(), subject=SUBJECT)) == [1]
        assert rebuilt == [1]
    finally:
        writer.close()
        reader.close()


def test_a_search_that_a_rebuild_overtakes_is_made_again(tmp_path, capability, monkeypatch):
    folder = str(tmp_path / "index")
    documents = [capability(1, "Trygghetsalarmer", "Alarmer for eldre.")]
    writer, reader = open_index(folder), open_index(folder)
    try:
        writer.apply(documents, [])
        reader.generation()
        rebuilt = overtaken(monkeypatch, reader, "_text_query", writer, documents)
        assert [hit.id for hit in reader.search(SearchQuery(text="trygghetsalarmer")).hits] == [1]
        assert rebuilt == [1]
    finally:
        writer.close()
        reader.close()


def test_a_read_overtaken_in_memory_is_read_again_though_another_thread_renewed_the_searcher(
    ram_index, capability, monkeypatch
):
    """In one process: a rebuild deletes the segment files a read has not opened yet (Whoosh then
    fails on a missing length column), and another thread's read renews the shared searcher before
    this read asks whether the index changed. The read is still made again."""
    documents = [capability(1, "Trygghetsalarmer", "Alarmer for eldre.")]
    ram_index.apply(documents, [])
    ram_index.generation()
    original_check = ram_index._changed_since

    def another_thread_reads_first(generation):
        ram_index.generation()  # what a concurrent request does between the failure and the check
        return original_check(generation)

    rebuilt = overtaken(monkeypatch, ram_index, "_text_query", ram_index, documents)
    monkeypatch.setattr(ram_index, "_changed_since", another_thread_reads_first)
    assert [hit.id for hit in ram_index.search(SearchQuery(text="trygghetsalarmer")).hits] == [1]
    assert rebuilt == [1]


def test_reads_overtaken_again_and_again_give_up_after_read_attempts(ram_index, capability, monkeypatch):
    documents = [capability(1, "Trygghetsalarmer", "Alarmer for eldre.")]
    ram_index.apply(documents, [])
    # Overtaken every time but the last: the last read answers.
    ram_index.generation()
    with monkeypatch.context() as patch:
        rebuilds = overtaken(patch, ram_index, "_text_query", ram_index, documents, times=READ_ATTEMPTS - 1)
        assert [hit.id for hit in ram_index.search(SearchQuery(text="trygghetsalarmer")).hits] == [1]
        assert len(rebuilds) == READ_ATTEMPTS - 1
    # Overtaken every time: Whoosh's own error comes through rather than a wrong answer.
    ram_index.apply(documents, [])  # a searcher that has read no segment's lengths yet
    ram_index.generation()
    rebuilds = overtaken(monkeypatch, ram_index, "_text_query", ram_index, documents, times=READ_ATTEMPTS)
    with pytest.raises(TypeError):
        ram_index.search(SearchQuery(text="trygghetsalarmer"))
    assert len(rebuilds) == READ_ATTEMPTS


def test_fingerprints_overtaken_by_a_rebuild_are_read_again(ram_index, capability, monkeypatch):
    documents = [capability(1, "Trygghetsalarmer", "Alarmer for eldre.")]
    ram_index.apply(documents, [])
    ram_index.generation()  # its searcher is open; no stored field has been read yet
    original = ram_index._reading
    rebuilt = []

    @contextmanager
    def rebuilt_meanwhile():
        with original() as searcher:
            if not rebuilt:
                rebuilt.append(ram_index.rebuild(documents))
            yield searcher

    monkeypatch.setattr(ram_index, "_reading", rebuilt_meanwhile)
    assert ram_index.fingerprints() == {(CAPABILITY, 1): "capability-1-v1"}
    assert rebuilt == [1]


def test_a_short_confident_list_is_kept_when_a_weak_record_arrives(filled, capability, monkeypatch):
    """A list shorter than its size has room, but only for a record that could clear its confidence
    floor: a save of a weakly related record leaves it kept (this keeps the need pages cheap)."""
    counting = Counting(filled, monkeypatch)
    confident = profile(limit=10, min_confidence=0.5)
    everything = profile(limit=10)
    first = filled.match(confident, subject=SUBJECT)
    assert 0 < len(first) < 10
    filled.match(everything, subject=(NEED, 2))
    assert counting.computed == 2

    # One shared word ("sensorer") cannot make a confident match: the confident list stays kept, while
    # the list without a floor (room for anyone sharing a word) is computed again.
    filled.apply([capability(8, "Kontorstoler", "Stoler med sensorer for sittestilling.")], [])
    assert filled.match(confident, subject=SUBJECT) == first
    assert counting.computed == 2
    filled.match(everything, subject=(NEED, 2))
    assert counting.computed == 3

    # A strong newcomer enters.
    filled.apply([capability(9, "Trygghetsalarmer for hjemmeboende eldre", ALARMS_SAID)], [])
    assert 9 in ids(filled.match(confident, subject=SUBJECT))
    assert counting.computed == 4

"""The Whoosh implementation of SearchIndex: file storage for the site, RAM storage for tests."""

from __future__ import annotations

import html
import itertools
import logging
import math
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from whoosh import index as whoosh_index
from whoosh import sorting
from whoosh.analysis import Token
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.highlight import (
    FIRST,
    BasicFragmentScorer,
    ContextFragmenter,
    HtmlFormatter,
    mkfrag,
    top_fragments,
)
from whoosh.qparser import FieldsPlugin, MultifieldParser, OrGroup, RangePlugin, WildcardPlugin
from whoosh.query import And, AndMaybe, ConstantScoreQuery, Every, NullQuery, Or, Prefix, Query, Term
from whoosh.util import random_name
from whoosh.writing import CLEAR

from search.analysis import ENGLISH, ENGLISH_ANALYZER, NORWEGIAN, NORWEGIAN_ANALYZER, word_spans, word_term
from search.base import (
    KINDS,
    NEED,
    Document,
    Hit,
    IndexUnavailableError,
    MatchQuery,
    Reason,
    SearchQuery,
    SearchResult,
    cpv_levels,
)
from search.cpv import normalise_cpv
from search.language import detect_language

log = logging.getLogger(__name__)

# Text fields per language. Search looks in all of them, titles weighing more than bodies; the owner's
# name is searchable too ("Bergen kommune" finds Bergen's needs) but match() ignores it: it is no
# evidence that two records are about the same thing.
TITLE_FIELDS = {NORWEGIAN: "title_no", ENGLISH: "title_en"}
BODY_FIELDS = {NORWEGIAN: "body_no", ENGLISH: "body_en"}
TEXT_BOOSTS = {"title_no": 2.0, "title_en": 2.0, "body_no": 1.0, "body_en": 1.0, "owner_name": 0.5}

# Facet name in SearchResult → index field.
FACET_FIELDS = {
    "kind": "kind",
    "domain": "domain",
    "fylke": "region",
    "cpv_division": "cpv_div",
    "stage": "stage",
}
# The `region` field holds a document's fylker, or only this for a nationwide one (see _fields).
NATIONWIDE_KEY = "*"

# Stored bodies feed highlighting only; beyond this the snippet would not reach anyway.
STORED_BODY_CHARS = 20_000
SNIPPET_CHARS = 240
MAX_QUERY_WORDS = 32

UNDATED = datetime(1900, 1, 1)

WRITER_TIMEOUT = 10.0
REBUILD_LIMIT_MB = 256

# match(): candidates taken from Whoosh before rescoring, and how many profile words make the query.
MATCH_CANDIDATES = 100
MATCH_TERMS = 15
# Rescoring: the text score is normalised to 0..1 against the best candidate, then bonuses are added.
CPV_BONUS = {"code": 0.5, "class": 0.35, "group": 0.25, "division": 0.12}
CPV_LEVEL_DIGITS = (("code", 8), ("class", 4), ("group", 3), ("division", 2))
DOMAIN_BONUS = 0.12
REGION_BONUS = 0.1
# Sharing only a region (or being nationwide) says where, not what: such documents are not matches.
QUALIFYING_REASONS = frozenset({"terms", "cpv", "domain"})
# Constant scores that rank structural candidates (cpv levels add up: a same-code hit also shares
# the class, group and division terms).
STRUCTURE_SCORES = {8: 4.0, 5: 1.0, 4: 2.0, 3: 1.0, 2: 0.5}
STRUCTURE_DOMAIN_SCORE = 0.5
STRUCTURE_REGION_SCORE = 0.25


def build_schema() -> Schema:
    """The index schema. Only what hits, reasons, highlights and verification need is stored.

    Title and body are stored (bodies are short, < 5k characters) because Whoosh highlighting needs the
    original text and the interface gives the index nothing else to highlight from. The analysed text
    fields are not stored, and there are no term vectors (a BufferedWriter crashes on them).
    """
    return Schema(
        uid=ID(unique=True, stored=True),
        kind=ID,
        owner=ID(stored=True),
        org_kind=ID,
        stage=ID,
        domain=KEYWORD(stored=True),
        fylke=KEYWORD(stored=True),
        region=KEYWORD,
        kommune=KEYWORD,
        nationwide=BOOLEAN(stored=True),
        cpv=STORED,
        cpv_all=KEYWORD,
        cpv_div=KEYWORD,
        date=DATETIME(sortable=True),
        fingerprint=STORED,
        title=STORED,
        body=STORED,
        title_no=TEXT(analyzer=NORWEGIAN_ANALYZER),
        body_no=TEXT(analyzer=NORWEGIAN_ANALYZER),
        title_en=TEXT(analyzer=ENGLISH_ANALYZER),
        body_en=TEXT(analyzer=ENGLISH_ANALYZER),
        owner_name=TEXT(analyzer=NORWEGIAN_ANALYZER),
    )


def open_index(path: str | None, *, writer_timeout: float = WRITER_TIMEOUT) -> WhooshIndex:
    """The index in folder `path` (created when missing); None keeps it in memory, for tests.

    An index written with another schema is not an error here: reads and writes raise
    IndexUnavailableError until `rebuild` replaces it, so the rebuild command can always run. A write
    waits up to `writer_timeout` seconds for another writer's lock, then raises IndexUnavailableError.
    """
    if path is None:
        storage = _RamStorage()
    else:
        try:
            os.makedirs(path, exist_ok=True)
            storage = FileStorage(path)
        except OSError as exc:
            raise IndexUnavailableError(f"cannot use {path} for the search index: {exc}") from exc
    index = WhooshIndex(storage, writer_timeout)
    try:
        index.open()
    except IndexUnavailableError as exc:
        log.warning("%s", exc)
    return index


class _RamStorage(RamStorage):
    """RamStorage whose writers keep their scratch files in a folder of this storage's own.

    Whoosh puts a RAM index's scratch files in "/tmp/MAIN.tmp", named after the index, so every RAM
    index on the machine shares it — other test processes too — and one writer's cleanup deletes
    another's files mid-commit.
    """

    def __init__(self):
        super().__init__()
        self._scratch = tempfile.mkdtemp(prefix="whoosh-ram-")
        weakref.finalize(self, shutil.rmtree, self._scratch, True)

    def temp_storage(self, name=None):
        # Keep Whoosh's name: the segment writer and its per-document writer share "MAIN.tmp" and
        # the segment writer removes it when done.
        return FileStorage(os.path.join(self._scratch, name or random_name())).create()


def _same_schema(found: Schema, wanted: Schema) -> bool:
    # Whoosh's own field equality fails for DATETIME after a pickle round trip (it compares struct and
    # column objects), so compare what decides the index layout: types, flags and text analyzers.
    def signature(schema: Schema) -> dict:
        return {
            name: (
                type(field).__name__,
                field.stored,
                field.unique,
                field.analyzer if isinstance(field, TEXT) else None,
            )
            for name, field in schema.items()
        }

    return signature(found) == signature(wanted)


def _uid(kind: str, id: int) -> str:
    return f"{kind}:{id}"


def _parse_uid(uid: str) -> tuple[str, int]:
    kind, _, id = uid.partition(":")
    return kind, int(id)


def _keyword(value: str) -> str:
    # KEYWORD fields split on whitespace; a value must stay one term.
    return "_".join(str(value).split())


def _keywords(values: Iterable[str]) -> str:
    return " ".join(dict.fromkeys(_keyword(v) for v in values if str(v).strip()))


def _cpv_codes(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in map(normalise_cpv, codes) if c))


def _naive_utc(value: datetime | date) -> datetime:
    # Whoosh subtracts a naive datetime.min from the value, so aware datetimes must become naive UTC.
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _fields(doc: Document) -> dict:
    codes = _cpv_codes(doc.cpv)
    fields: dict = {
        "uid": _uid(doc.kind, doc.id),
        "kind": doc.kind,
        "nationwide": bool(doc.nationwide),
        "cpv": codes,
        "fingerprint": doc.fingerprint,
        "title": doc.title,
        "body": doc.body[:STORED_BODY_CHARS],
        "title_no": doc.title,
        "title_en": doc.title,
        "body_no": doc.body,
        "body_en": doc.body,
    }
    optional = {
        "owner": str(doc.owner_id) if doc.owner_id is not None else "",
        "owner_name": doc.owner_name,
        "org_kind": doc.org_kind,
        "stage": doc.stage or "",
        "domain": _keywords(doc.domains),
        "fylke": _keywords(doc.fylker),
        # A nationwide document counts once under every fylke facet; see _facets.
        "region": NATIONWIDE_KEY if doc.nationwide else _keywords(doc.fylker),
        "kommune": _keywords(doc.kommuner),
        "cpv_all": _keywords(level for code in codes for level in (*cpv_levels(code), code)),
        "cpv_div": _keywords(code[:2] for code in codes),
    }
    fields.update((name, value) for name, value in optional.items() if value)
    # Whoosh sorts a missing value before every date when newest come first; undated go last instead.
    fields["date"] = _naive_utc(doc.date) if doc.date is not None else UNDATED
    return fields


def _any_of(field: str, values: Iterable[str], extra: Sequence[Query] = ()) -> Query:
    return Or([Term(field, _keyword(v)) for v in values] + list(extra))


class _ArrayOr(Or):
    """An Or that always preloads its sub-matchers: about 6× faster for long OR queries in Whoosh."""

    matcher_type = Or.ARRAY_MATCHER


@dataclass
class _Concept:
    """One word of a match profile: the surface form shown in reasons and its terms per field."""

    surface: str
    count: int
    terms: dict[str, str]
    weight: float = 0.0


class WhooshIndex:
    """SearchIndex on one Whoosh index. One process writes; every process may read.

    The searcher is shared, refreshed before each query (so commits of other processes show), and
    guarded by a lock: Whoosh searchers are not safe across threads, and the Flask server is threaded.
    """

    def __init__(self, storage, writer_timeout: float = WRITER_TIMEOUT):
        self._storage = storage
        self._schema = build_schema()
        self._ix = None
        self._writer_timeout = writer_timeout
        self._read_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._searcher = None
        self._parser = MultifieldParser(
            list(TEXT_BOOSTS), self._schema, fieldboosts=TEXT_BOOSTS, group=OrGroup.factory(0.9)
        )
        # People type words, not query syntax: "kind:need", "a*" or "[a TO b]" should be plain text.
        for plugin in (FieldsPlugin, WildcardPlugin, RangePlugin):
            self._parser.remove_plugin_class(plugin)

    def open(self):
        """The Whoosh index, created when missing; IndexUnavailableError when unreadable or outdated."""
        if self._ix is not None:
            return self._ix
        try:
            if not self._storage.index_exists():
                self._ix = self._storage.create_index(self._schema)
                return self._ix
            ix = self._storage.open_index()
        except (OSError, EOFError, whoosh_index.IndexError) as exc:
            raise IndexUnavailableError(f"cannot open the search index: {exc}") from exc
        if not _same_schema(ix.schema, self._schema):
            ix.close()
            raise IndexUnavailableError("the search index was built with another schema: rebuild it")
        self._ix = ix
        return ix

    # -- writing --------------------------------------------------------------------------------

    @contextmanager
    def _writer(self, fresh: bool = False, **kwargs) -> Iterator:
        if not self._write_lock.acquire(timeout=self._writer_timeout):
            raise IndexUnavailableError("the search index is being written by another thread")
        try:
            try:
                ix = self.open()
            except IndexUnavailableError:
                if not fresh:
                    raise
                # Only a rebuild may replace an outdated or broken index, since it rewrites everything.
                ix = self._ix = self._storage.create_index(self._schema)
            try:
                writer = ix.writer(timeout=self._writer_timeout, **kwargs)
            except whoosh_index.LockError as exc:
                raise IndexUnavailableError("the search index is locked by another writer") from exc
            try:
                yield writer
            finally:
                # Whatever went wrong (or was forgotten), an uncommitted writer must let go of the lock.
                if not writer.is_closed:
                    writer.cancel()
        except OSError as exc:
            # A full disk or a vanished folder: the caller treats it like any unavailable index.
            raise IndexUnavailableError(f"cannot write the search index: {exc}") from exc
        finally:
            self._write_lock.release()

    def apply(self, upserts: Iterable[Document], deletes: Iterable[tuple[str, int]]) -> None:
        deleted = {_uid(kind, id) for kind, id in deletes}
        # Last version wins; a record both upserted and deleted in one call is deleted.
        documents = {_uid(doc.kind, doc.id): doc for doc in upserts}
        for uid in deleted:
            documents.pop(uid, None)
        if not documents and not deleted:
            return
        with self._writer() as writer:
            # One searcher for all the deletes: update_document/delete_by_term open a new one per call,
            # which made a large batch cost the square of the index size.
            with writer.searcher() as searcher:
                for uid in deleted | documents.keys():
                    writer.delete_by_term("uid", uid, searcher=searcher)
            for doc in documents.values():
                writer.add_document(**_fields(doc))
            writer.commit()

    def rebuild(self, documents: Iterable[Document]) -> int:
        seen: set[str] = set()
        with self._writer(fresh=True, procs=1, limitmb=REBUILD_LIMIT_MB) as writer:
            for doc in documents:
                uid = _uid(doc.kind, doc.id)
                if uid in seen:
                    raise ValueError(f"{uid} appears twice in the rebuild")
                seen.add(uid)
                writer.add_document(**_fields(doc))
            # CLEAR drops the old segments in the same commit: readers see the old index until then.
            writer.commit(mergetype=CLEAR)
        return len(seen)

    # -- reading --------------------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator:
        with self._read_lock:
            try:
                if self._searcher is None:
                    self._searcher = self.open().searcher()
                else:
                    self._searcher = self._searcher.refresh()
            except (OSError, whoosh_index.IndexError) as exc:
                raise IndexUnavailableError(f"cannot read the search index: {exc}") from exc
            yield self._searcher

    def fingerprints(self) -> dict[tuple[str, int], str]:
        with self._reading() as searcher:
            return {
                _parse_uid(stored["uid"]): stored.get("fingerprint", "")
                for stored in searcher.reader().all_stored_fields()
            }

    def close(self) -> None:
        with self._read_lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            if self._ix is not None:
                self._ix.close()
                self._ix = None

    # -- search ---------------------------------------------------------------------------------

    def _search_filter(self, query: SearchQuery) -> Query | None:
        kinds = [kind for kind in query.kinds if kind in KINDS]
        if query.stages:
            # Only needs have a stage: asking for stages means asking for needs in those stages.
            kinds = [kind for kind in kinds if kind == NEED]
        if not kinds:
            return None
        parts = [_any_of("kind", kinds)]
        if query.stages:
            parts.append(_any_of("stage", query.stages))
        if query.domains:
            parts.append(_any_of("domain", query.domains))
        if query.fylker:
            parts.append(_any_of("fylke", query.fylker, [Term("nationwide", True)]))
        if query.cpv_divisions:
            divisions = [d[:2] for d in (normalise_cpv(c) for c in query.cpv_divisions) if d]
            parts.append(_any_of("cpv_div", divisions))
        if query.cpv_prefixes:
            # cpv_all holds each code and its 2–5 digit prefixes; any term starting with the prefix
            # comes from a code starting with it, so a Prefix query finds codes at every depth.
            prefixes = ["".join(ch for ch in p if ch.isdigit())[:8] for p in query.cpv_prefixes]
            parts.append(Or([Prefix("cpv_all", p) for p in dict.fromkeys(prefixes) if p]))
        return parts[0] if len(parts) == 1 else And(parts)

    def _text_query(self, text: str) -> Query | None:
        if not text.strip():
            return None
        # A pasted page would make a query of hundreds of OR groups (a 1,000-character one took 0.7 s
        # at 5,000 documents); people search with a few words.
        spans = list(itertools.islice(word_spans(text), MAX_QUERY_WORDS + 1))
        if len(spans) > MAX_QUERY_WORDS:
            text = text[: spans[MAX_QUERY_WORDS][0]]
        parsed = self._parser.parse(text)
        return None if parsed == NullQuery else parsed

    def search(self, query: SearchQuery) -> SearchResult:
        page = max(1, query.page)
        per_page = max(1, query.per_page)
        empty = SearchResult(
            hits=[], total=0, page=page, per_page=per_page, facets={n: {} for n in FACET_FIELDS}
        )
        search_filter = self._search_filter(query)
        if search_filter is None:
            return empty
        with self._reading() as searcher:
            text_query = self._text_query(query.text)
            by_date = query.order == "date" or text_query is None
            facets = {
                name: sorting.FieldFacet(field, allow_overlap=True) for name, field in FACET_FIELDS.items()
            }
            start = (page - 1) * per_page
            limit = max(1, min(page * per_page, searcher.doc_count_all()))
            results = searcher.search(
                text_query or Every(),
                filter=search_filter,
                limit=limit,
                sortedby=sorting.FieldFacet("date", reverse=True) if by_date else None,
                groupedby=facets,
                maptype=sorting.Count,
            )
            total = len(results)
            terms = _highlight_terms(text_query)
            hits = []
            for hit in results[start:limit]:
                stored = hit.fields()
                kind, id = _parse_uid(stored["uid"])
                hits.append(
                    Hit(
                        kind=kind,
                        id=id,
                        # A date-ordered result has no relevance score to report.
                        score=0.0 if by_date else float(hit.score),
                        owner_id=_owner(stored),
                        highlights=_highlights(stored, terms),
                    )
                )
            return SearchResult(hits=hits, total=total, page=page, per_page=per_page, facets=_facets(results))

    # -- match ----------------------------------------------------------------------------------

    def _concepts(self, searcher, text: str) -> list[_Concept]:
        """The profile's most distinctive words (count × IDF), each with its terms that are in the index.

        Every document is indexed through both analyzers, so one language's fields already reach
        documents in either language, and querying both would double the postings read (a third of
        the time of a match). The profile's language picks the analyzer; only a text that shows no
        language (a few words) is looked up through both.
        """
        detected = detect_language(text, default="")
        languages = (ENGLISH,) if detected == "en" else (NORWEGIAN,) if detected else (NORWEGIAN, ENGLISH)
        concepts: dict[str, _Concept] = {}
        absent: set[str] = set()
        for start, end, word in word_spans(text):
            by_language = {language: word_term(word, language) for language in languages}
            key = next((term for term in by_language.values() if term), None)
            if key is None or key in absent:
                continue
            if key in concepts:
                concept = concepts[key]
                concept.count += 1
                # Show a word as the text mostly writes it: "boliger", not the sentence-initial "Boliger".
                surface = text[start:end]
                if surface.islower() and not concept.surface.islower():
                    concept.surface = surface
                continue
            terms = {
                field: term
                for language, term in by_language.items()
                if term
                for field in (TITLE_FIELDS[language], BODY_FIELDS[language])
                if searcher.doc_frequency(field, term)
            }
            if terms:
                concepts[key] = _Concept(surface=text[start:end], count=1, terms=terms)
            else:
                absent.add(key)
        for concept in concepts.values():
            idf = max(searcher.idf(field, term) for field, term in concept.terms.items())
            concept.weight = (1 + math.log(concept.count)) * idf
        ranked = sorted(concepts.values(), key=lambda c: -c.weight)
        return ranked[:MATCH_TERMS]

    def match(self, query: MatchQuery) -> list[Hit]:
        if query.kind not in KINDS or query.limit <= 0:
            return []
        codes = _cpv_codes(query.cpv)
        domains = [_keyword(d) for d in query.domains if d.strip()]
        fylker = {_keyword(f) for f in query.fylker if f.strip()}
        match_filter = Term("kind", query.kind)
        if query.kind == NEED and query.stages:
            match_filter = And([match_filter, _any_of("stage", query.stages)])
        excluded = [Term("owner", str(owner)) for owner in query.exclude_owner_ids]
        excluded += [Term("uid", _uid(query.kind, id)) for id in query.exclude_ids]
        mask = Or(excluded) if excluded else None

        with self._reading() as searcher:
            concepts = self._concepts(searcher, query.text)
            clauses = [
                (field, term, TEXT_BOOSTS[field] * (1 + math.log(concept.count)), index)
                for index, concept in enumerate(concepts)
                for field, term in concept.terms.items()
            ]
            candidates: set[int] = set()
            if clauses:
                text_query = _ArrayOr([Term(field, term, boost=boost) for field, term, boost, _ in clauses])
                results = searcher.search(text_query, filter=match_filter, mask=mask, limit=MATCH_CANDIDATES)
                candidates.update(hit.docnum for hit in results)
            structure = _structure_query(codes, domains, fylker, query.nationwide)
            if structure is not None:
                results = searcher.search(structure, filter=match_filter, mask=mask, limit=MATCH_CANDIDATES)
                candidates.update(hit.docnum for hit in results)
            if not candidates:
                return []

            text_scores, shared = _text_scores(searcher, sorted(candidates), clauses)
            best_text = max(text_scores.values(), default=0.0)
            hits = []
            for docnum in candidates:
                stored = searcher.stored_fields(docnum)
                text_score = text_scores.get(docnum, 0.0) / best_text if best_text else 0.0
                reasons, bonus = _structure_reasons(stored, codes, domains, fylker, query.nationwide)
                if docnum in shared:
                    # Concepts are ordered most distinctive first; the reason lists them so.
                    words = tuple(concepts[index].surface for index in sorted(shared[docnum]))
                    reasons.insert(0, Reason(kind="terms", values=words))
                if not QUALIFYING_REASONS.intersection(r.kind for r in reasons):
                    continue
                kind, id = _parse_uid(stored["uid"])
                hits.append(
                    Hit(
                        kind=kind,
                        id=id,
                        score=round(text_score + bonus, 6),
                        owner_id=_owner(stored),
                        reasons=tuple(reasons),
                    )
                )
        hits.sort(key=lambda h: (-h.score, h.id))
        return hits[: query.limit]


def _owner(stored: dict) -> int | None:
    owner = stored.get("owner")
    return int(owner) if owner else None


def _split(stored: dict, field: str) -> list[str]:
    return (stored.get(field) or "").split()


def _facets(results) -> dict[str, dict[str, int]]:
    facets = {}
    for name in FACET_FIELDS:
        counts = {key: count for key, count in results.groups(name).items() if key is not None}
        facets[name] = counts
    # Filtering by a fylke also returns the nationwide documents, so each fylke's count includes them.
    nationwide = facets["fylke"].pop(NATIONWIDE_KEY, 0)
    facets["fylke"] = {fylke: count + nationwide for fylke, count in facets["fylke"].items()}
    return {
        name: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) for name, counts in facets.items()
    }


def _structure_query(codes: Sequence[str], domains: Sequence[str], fylker: set[str], nationwide: bool):
    clauses: list[Query] = []
    for code in codes:
        for level in (code, *cpv_levels(code)):
            clauses.append(ConstantScoreQuery(Term("cpv_all", level), STRUCTURE_SCORES[len(level)]))
    clauses += [ConstantScoreQuery(Term("domain", d), STRUCTURE_DOMAIN_SCORE) for d in domains]
    if not clauses:
        return None
    what = Or(clauses)
    if nationwide or not fylker:
        return what
    # Region only reorders candidates that share something else; it never brings one in by itself.
    where = Or([Term("fylke", f) for f in sorted(fylker)] + [Term("nationwide", True)])
    return AndMaybe(what, ConstantScoreQuery(where, STRUCTURE_REGION_SCORE))


def _text_scores(searcher, docnums: list[int], clauses) -> tuple[dict[int, float], dict[int, set[int]]]:
    """Each candidate's text score and shared concepts (by index), read from the profile terms' postings.

    The candidate search cannot report matched terms itself: the preloading Or matcher keeps no
    per-document term information.
    """
    scores: dict[int, float] = {}
    shared: dict[int, set[int]] = {}
    for field, term, boost, concept in clauses:
        matcher = searcher.postings(field, term)
        for docnum in docnums:
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                scores[docnum] = scores.get(docnum, 0.0) + matcher.score() * boost
                shared.setdefault(docnum, set()).add(concept)
    return scores, shared


def _structure_reasons(
    stored: dict, codes: Sequence[str], domains: Sequence[str], fylker: set[str], nationwide: bool
) -> tuple[list[Reason], float]:
    reasons: list[Reason] = []
    bonus = 0.0
    doc_codes = stored.get("cpv") or ()
    for level, digits in CPV_LEVEL_DIGITS:
        pairs = tuple(f"{q}~{d}" for q in codes for d in doc_codes if q[:digits] == d[:digits])
        if pairs:
            reasons.append(Reason(kind="cpv", values=pairs, detail=level))
            bonus += CPV_BONUS[level]
            break
    shared_domains = tuple(d for d in _split(stored, "domain") if d in domains)
    if shared_domains:
        reasons.append(Reason(kind="domain", values=shared_domains))
        bonus += DOMAIN_BONUS
    shared_fylker = tuple(f for f in _split(stored, "fylke") if f in fylker)
    if shared_fylker:
        reasons.append(Reason(kind="region", values=shared_fylker, detail="fylke"))
        bonus += REGION_BONUS
    elif nationwide or stored.get("nationwide"):
        reasons.append(Reason(kind="region", detail="nationwide"))
        bonus += REGION_BONUS
    return reasons, bonus


# -- highlighting -------------------------------------------------------------------------------


def _highlight_terms(query: Query | None) -> dict[str, frozenset[str]]:
    terms: dict[str, set[str]] = {NORWEGIAN: set(), ENGLISH: set()}
    if query is not None:
        for field, text in query.iter_all_terms():
            if field.endswith("_en"):
                terms[ENGLISH].add(text)
            else:
                terms[NORWEGIAN].add(text)
    return {language: frozenset(found) for language, found in terms.items()}


def _tokens(text: str, terms: dict[str, frozenset[str]]) -> Iterator[Token]:
    # Each word is marked when its Norwegian or its English term was searched for, so one snippet shows
    # the matches of both analyzers.
    for start, end, word in word_spans(text):
        token = Token(chars=True)
        token.text, token.startchar, token.endchar, token.boost = word, start, end, 1.0
        token.matched = any(word_term(word, language) in found for language, found in terms.items() if found)
        yield token


def _highlight(text: str, terms: dict[str, frozenset[str]], fragmenter, top: int) -> str | None:
    if not any(terms.values()):
        return None
    fragments = top_fragments(
        fragmenter.fragment_tokens(text, _tokens(text, terms)), top, BasicFragmentScorer(), FIRST
    )
    if not fragments:
        return None
    # HtmlFormatter escapes the text between matches; the matches themselves are escaped too.
    formatter = HtmlFormatter(tagname="mark", classname="match", termclass="term")
    parts = []
    for fragment in fragments:
        snippet = formatter.format_fragment(fragment)
        if fragment.startchar > 0:
            snippet = "…" + snippet
        if fragment.endchar < len(text):
            snippet += "…"
        parts.append(snippet)
    return " ".join(parts)


class _WholeText:
    """Fragmenter for titles: the whole text is one fragment."""

    @staticmethod
    def fragment_tokens(text, tokens):
        matched = [token.copy() for token in tokens if token.matched]
        return [mkfrag(text, matched, startchar=0, endchar=len(text))] if matched else []


def _plain_snippet(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text, quote=False)
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return html.escape(text[: cut if cut > 0 else SNIPPET_CHARS].rstrip(), quote=False) + "…"


def _highlights(stored: dict, terms: dict[str, frozenset[str]]) -> dict[str, str]:
    title = stored.get("title", "")
    body = stored.get("body", "")
    return {
        "title": _highlight(title, terms, _WholeText, 1) or html.escape(title, quote=False),
        "body": _highlight(body, terms, ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60), 2)
        or _plain_snippet(body),
    }

"""search(): the records a query's filters allow, its words as a query, and the ranked page of hits."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from whoosh.query import Or, Query, Term

from search.analysis import ENGLISH_MARK, PART_MARK, query_word_terms, word_index_terms, word_spans
from search.base import KINDS, NEED, SearchQuery, SearchResult
from search.cpv import normalise_cpv
from search.evidence import PART
from search.whoosh.bitmaps import Bitmaps, docnums
from search.whoosh.documents import keyword, stored_hit
from search.whoosh.highlighting import highlight_terms, highlights
from search.whoosh.postings import accumulate, best_allowed, common, rescore
from search.whoosh.schema import (
    BODY_FIELD,
    FACET_FIELDS,
    LANGUAGES,
    MATCH_FIELDS,
    NATIONWIDE_KEY,
    TEXT_BOOSTS,
)
from search.whoosh.tuning import (
    COMMON_MIN,
    COMMON_SHARE,
    MAX_QUERY_WORDS,
    RARE_COMPOUND,
    RESCORE_EXTRA,
    WORD_COVERAGE_BONUS,
)


def search_filter(bitmaps: Bitmaps, query: SearchQuery) -> int:
    """The documents the query's filters allow, as bits (0 when none)."""
    kinds = [kind for kind in query.kinds if kind in KINDS]
    if query.stages:
        # Only needs have a stage: asking for stages means asking for needs in those stages.
        kinds = [kind for kind in kinds if kind == NEED]
    allowed = bitmaps.any_of("kind", kinds)
    if allowed and query.stages:
        allowed &= bitmaps.any_of("stage", map(keyword, query.stages))
    if allowed and query.domains:
        allowed &= bitmaps.any_of("domain", map(keyword, query.domains))
    if allowed and query.fylker:
        allowed &= bitmaps.any_of("region", map(keyword, (*query.fylker, NATIONWIDE_KEY)))
    if allowed and query.cpv_divisions:
        divisions = [d[:2] for d in (normalise_cpv(c) for c in query.cpv_divisions) if d]
        allowed &= bitmaps.any_of("cpv_div", divisions)
    if allowed and query.cpv_prefixes:
        # cpv_all holds each code and its 2–5 digit prefixes; any term starting with the prefix
        # comes from a code starting with it, so the prefix finds codes at every depth.
        prefixes = dict.fromkeys("".join(ch for ch in p if ch.isdigit())[:8] for p in query.cpv_prefixes)
        terms = {term for prefix in prefixes if prefix for term in bitmaps.prefixed("cpv_all", prefix)}
        allowed &= bitmaps.any_of("cpv_all", sorted(terms))
    return allowed


def text_query(searcher, text: str) -> Query | None:
    """Each word of `text` looked up by its terms in both languages, in titles, bodies and owner
    names; a record needs any word, and more words score more. People type words, not query
    syntax: "kind:need", "a*" or '"quoted' are plain words here.

    A word is found said on its own and as a compound's part ("bolig" finds "omsorgsbolig"), the
    part weighing less. A compound's own parts are searched only when no record holds the
    compound itself: the parts of a common compound ("rammeavtale" → ramme, avtale) would match
    most of the index."""
    groups: dict[tuple[str, ...], Query] = {}
    # A pasted page would make a query of hundreds of OR groups; people search with a few words.
    for _, _, word in itertools.islice(word_spans(text), MAX_QUERY_WORDS):
        terms = query_word_terms(word)
        whole = _whole_terms(word)
        if sum(searcher.doc_frequency(f, t) for f in MATCH_FIELDS for t in whole) >= RARE_COMPOUND:
            terms = (*whole, *(PART_MARK + t for t in whole if not t.startswith(ENGLISH_MARK)))
        if terms and terms not in groups:
            groups[terms] = Or(
                [
                    Term(field, term, boost=boost * (PART if _is_part(term, whole) else 1.0))
                    for field, boost in TEXT_BOOSTS.items()
                    for term in terms
                ]
            )
    if not groups:
        return None
    queries = list(groups.values())
    return queries[0] if len(queries) == 1 else Or(queries)


def search_page(
    searcher, bitmaps: Bitmaps, query: SearchQuery, matched: int, words: Query | None
) -> SearchResult:
    """The page of hits the query asks for, with its total and facets: `matched` the records its
    filters allow (search_filter), `words` its text as a query (text_query; None for no text)."""
    page = max(1, query.page)
    per_page = max(1, query.per_page)
    empty = SearchResult(hits=[], total=0, page=page, per_page=per_page, facets={n: {} for n in FACET_FIELDS})
    if matched and words is not None:
        matched &= bitmaps.any_of_terms(words)
    if not matched:
        return empty
    by_date = query.order == "date" or words is None
    start = (page - 1) * per_page
    limit = page * per_page
    if by_date:
        # A date-ordered result has no relevance score to report.
        members = matched.to_bytes(bitmaps.bytes, "little")
        found_docnums = itertools.islice(
            (d for d in bitmaps.newest_first() if members[d >> 3] >> (d & 7) & 1), start, limit
        )
        found = [(docnum, 0.0) for docnum in found_docnums]
    else:
        found = _ranked(searcher, bitmaps, words, matched, limit)[start:limit]
    terms = highlight_terms(words)
    hits = []
    for docnum, score in found:
        stored = searcher.stored_fields(docnum)
        hits.append(stored_hit(stored, score, highlights=highlights(stored, terms)))
    return SearchResult(
        hits=hits,
        total=matched.bit_count(),
        page=page,
        per_page=per_page,
        facets=_facets(bitmaps, matched),
    )


def _ranked(searcher, bitmaps: Bitmaps, text_query: Query, matched: int, limit: int):
    """The best `limit` (docnum, score) of the matched records: BM25F over the query's terms, times a
    bonus for the share of the query's words a record holds (two words found beat one word twice).

    Whoosh's own scoring walks a tree of matchers per posting: over a second for three common
    words at 150,000 records. The postings are read a block at a time instead, ranked without
    length normalisation, and the best few rescored exactly."""
    clauses = []
    groups = []
    for number, group in enumerate(_word_groups(text_query)):
        for leaf in group.subqueries if isinstance(group, Or) else [group]:
            weight = leaf.boost * bitmaps.idf(leaf.fieldname, leaf.text)
            if weight:
                clauses.append((leaf.fieldname, leaf.text, weight))
                groups.append(number)
    word_count = max(groups, default=0) + 1
    # A common word's body postings are not read (they are most of the cost): titles and names
    # find the candidates, and the body counts for them as if the word were said once.
    # A word is common by all its forms together (the word, as a compound's part, in English).
    common_limit = max(COMMON_SHARE * searcher.doc_count_all(), COMMON_MIN)
    body = [n for n, (field_name, _, _) in enumerate(clauses) if field_name == BODY_FIELD]
    common_body = common(body, groups, [bitmaps.df(BODY_FIELD, clauses[n][1]) for n in body], common_limit)
    approx, frequencies = accumulate(
        searcher, [(f, t, 0.0 if n in common_body else w) for n, (f, t, w) in enumerate(clauses)]
    )
    members = matched.to_bytes(bitmaps.bytes, "little")
    candidates = best_allowed(approx, members, limit + RESCORE_EXTRA)
    if len(candidates) < limit + RESCORE_EXTRA:
        # Too few titles hold the words: take records in index order to fill the page.
        seen = set(candidates)
        candidates += [d for d in docnums(matched, limit + RESCORE_EXTRA) if d not in seen]
    for number in common_body:
        field_name, term, _ = clauses[number]
        holders = bitmaps.term(field_name, term).to_bytes(bitmaps.bytes, "little")
        frequencies[number] = {d: 1.0 for d in candidates if holders[d >> 3] >> (d & 7) & 1}
    scores, found = rescore(searcher, candidates, [(f, w) for f, _, w in clauses], frequencies)
    for docnum, numbers in found.items():
        words = len({groups[number] for number in numbers})
        scores[docnum] *= 1 + WORD_COVERAGE_BONUS * (words - 1) / max(1, word_count - 1)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]


def _word_groups(query: Query) -> list[Query]:
    """The per-word OR groups of a search query made by text_query."""
    if isinstance(query, Or) and all(isinstance(sub, Or) for sub in query.subqueries):
        return list(query.subqueries)
    return [query]


def _whole_terms(word: str) -> tuple[str, ...]:
    """A typed word's whole-word index terms in both languages (no parts)."""
    return tuple(
        dict.fromkeys(terms[0] for terms in (word_index_terms(word, lang) for lang in LANGUAGES) if terms)
    )


def _is_part(term: str, whole: Sequence[str]) -> bool:
    """Whether a searched index term is a part (of the record's compound, or of the typed word)."""
    return term not in whole


def _facets(bitmaps: Bitmaps, matched: int) -> dict[str, dict[str, int]]:
    facets = {}
    for name, field_name in FACET_FIELDS.items():
        counts = {}
        for value in bitmaps.values(field_name):
            count = (matched & bitmaps.term(field_name, value)).bit_count()
            if count:
                counts[value] = count
        facets[name] = counts
    # Filtering by a fylke also returns the nationwide documents, so each fylke's count includes them.
    nationwide = facets["fylke"].pop(NATIONWIDE_KEY, 0)
    facets["fylke"] = {fylke: count + nationwide for fylke, count in facets["fylke"].items()}
    return {
        name: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) for name, counts in facets.items()
    }

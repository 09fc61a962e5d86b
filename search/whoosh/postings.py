"""Posting-level scoring: posting lists read a block at a time, BM25 accumulated over them, and the
best candidates rescored exactly.

This is the only module that touches Whoosh's private internals (W3LeafMatcher's block arrays and a
segment reader's `_perdoc`, both of Whoosh 2.7): a Whoosh upgrade is checked here.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from search.whoosh.tuning import BM25_B, BM25_K1


def posting_blocks(searcher, field_name: str, term: str) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """(docnums, term frequencies) of a term's postings, a block at a time, in every segment.

    Deleted records are included: callers check each docnum against bits built from postings, which
    leave them out. Whoosh's on-disk postings are read through their block arrays; anything else (an
    inlined short posting list) through the plain matcher interface.
    """
    for leaf, offset in searcher.leaf_searchers():
        try:
            matcher = leaf.reader().postings(field_name, term)
        except TermNotFound:
            continue
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child
        if isinstance(matcher, W3LeafMatcher):
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                ids = matcher._ids
                yield (ids if not offset else [d + offset for d in ids]), matcher._weights
                matcher._next_block()
        else:
            ids, weights = [], []
            while matcher.is_active():
                ids.append(matcher.id() + offset)
                weights.append(matcher.weight())
                matcher.next()
            yield ids, weights


def deleted_docs(reader) -> Iterable[int]:
    """The deleted docnums of one segment (Whoosh 2.7 exposes them only on the per-document reader)."""
    if not reader.has_deletions():
        return ()
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None:
        return perdoc.deleted_docs()
    return (docnum for docnum in range(reader.doc_count_all()) if reader.is_deleted(docnum))


def common(numbers: Sequence[int], owner: Sequence[int], dfs: Sequence[int], limit: float) -> set[int]:
    """The clauses (of `numbers`, with their document frequencies `dfs`) whose word or concept
    (`owner[number]`) is held by more records than `limit` in all its forms together: their postings
    are not read. A word split over several terms (as a part, in English) is as common as before."""
    totals: dict[int, int] = {}
    for number, df in zip(numbers, dfs, strict=True):
        totals[owner[number]] = totals.get(owner[number], 0) + df
    return {number for number in numbers if totals[owner[number]] > limit}


def accumulate(searcher, clauses: Sequence[tuple[str, str, float]]) -> tuple[dict[int, float], list[dict]]:
    """Read each (field, term, weight) clause's postings once: an approximate score per docnum (BM25
    without length normalisation) and, per clause, docnum → term frequency. A weight of 0 skips the
    clause (its frequencies stay empty)."""
    approx: dict[int, float] = {}
    get = approx.get
    frequencies: list[dict] = []
    for field_name, term, weight in clauses:
        found: dict = {}
        frequencies.append(found)
        if not weight:
            continue
        scale = weight * (BM25_K1 + 1)
        for ids, tfs in posting_blocks(searcher, field_name, term):
            found.update(zip(ids, tfs, strict=True))
            for docnum, tf in zip(ids, tfs, strict=True):
                approx[docnum] = get(docnum, 0.0) + scale * tf / (tf + BM25_K1)
    return approx, frequencies


def best_allowed(approx: dict[int, float], members: bytes, count: int) -> list[int]:
    """The `count` best-scored docnums whose bit is set in `members`."""

    def allowed(docnums):
        return [d for d in docnums if members[d >> 3] >> (d & 7) & 1]

    found = allowed(heapq.nlargest(count * 2, approx, key=approx.__getitem__))
    if len(found) < count and len(approx) > count * 2:
        # The filter is narrow: look at every scored record, not only the best.
        found = allowed(approx)
        found = heapq.nlargest(count, found, key=approx.__getitem__)
    return found[:count]


def rescore(
    searcher, candidates: Iterable[int], clauses: Sequence[tuple[str, float]], frequencies: Sequence[dict]
) -> tuple[dict[int, float], dict[int, list[int]]]:
    """Exact BM25F for the candidates: each (field, weight) clause's term frequency, normalised by the
    record's field length. Also which clauses each candidate matched."""
    average = {name: searcher.avg_field_length(name) or 1.0 for name, _ in clauses}
    scores: dict[int, float] = {}
    matched: dict[int, list[int]] = {}
    for docnum in candidates:
        score = 0.0
        numbers = []
        norms: dict[str, float] = {}
        for number, (field_name, weight) in enumerate(clauses):
            tf = frequencies[number].get(docnum)
            if tf is None:
                continue
            norm = norms.get(field_name)
            if norm is None:
                length = searcher.doc_field_length(docnum, field_name, 0)
                norm = norms[field_name] = 1 - BM25_B + BM25_B * length / average[field_name]
            score += weight * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm)
            numbers.append(number)
        if numbers:
            scores[docnum] = score
            matched[docnum] = numbers
    return scores, matched

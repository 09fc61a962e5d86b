"""Index terms' documents as bit sets, kept for one index generation: filters and facet counts."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from whoosh.query import Query

from search.whoosh.postings import deleted_docs, posting_blocks
from search.whoosh.tuning import BITMAP_TERMS


class Bitmaps:
    """The documents of index terms as Python integers used as bit sets, for one index generation.

    Facet counts are then one AND and one popcount each, done in C, where Whoosh's grouping walks every
    hit in Python (over two seconds for a common word at 150,000 records). Bit d stands for docnum d.
    """

    def __init__(self, searcher):
        self._searcher = searcher
        self._reader = searcher.reader()
        self.bytes = self._reader.doc_count_all() // 8 + 1
        self._terms: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._values: dict[str, list[str]] = {}
        self._dates: list[int] | None = None
        self._idf: dict[tuple[str, str], float] = {}
        self._df: dict[tuple[str, str], int] = {}
        # Raw postings still list deleted records.
        deleted = bytearray(self.bytes)
        for leaf, offset in searcher.leaf_searchers():
            for docnum in deleted_docs(leaf.reader()):
                deleted[(docnum + offset) >> 3] |= 1 << ((docnum + offset) & 7)
        self._deleted = int.from_bytes(deleted, "little")

    def term(self, field: str, text: str) -> int:
        key = (field, text)
        found = self._terms.get(key)
        if found is not None:
            self._terms.move_to_end(key)
            return found
        bits = bytearray(self.bytes)
        for ids, _ in posting_blocks(self._searcher, field, text):
            for docnum in ids:
                bits[docnum >> 3] |= 1 << (docnum & 7)
        found = int.from_bytes(bits, "little")
        if self._deleted:
            found &= ~self._deleted
        self._terms[key] = found
        while len(self._terms) > BITMAP_TERMS:
            self._terms.popitem(last=False)
        return found

    def df(self, field: str, text: str) -> int:
        """How many records hold the term in the field, kept for the generation."""
        key = (field, text)
        found = self._df.get(key)
        if found is None:
            if len(self._df) > BITMAP_TERMS * 50:
                self._df.clear()
            found = self._df[key] = self._reader.doc_frequency(field, text)
        return found

    def idf(self, field: str, text: str) -> float:
        """The term's IDF in the field, 0.0 when no record holds it; kept for the generation, since
        profiles share most of their words."""
        key = (field, text)
        found = self._idf.get(key)
        if found is None:
            if len(self._idf) > BITMAP_TERMS * 50:
                self._idf.clear()
            found = self._idf[key] = self._searcher.idf(field, text) if self.df(field, text) else 0.0
        return found

    def any_of(self, field: str, texts: Iterable[str]) -> int:
        found = 0
        for text in texts:
            found |= self.term(field, text)
        return found

    def values(self, field: str) -> list[str]:
        if field not in self._values:
            self._values[field] = list(self._reader.field_terms(field))
        return self._values[field]

    def prefixed(self, field: str, prefix: str) -> list[str]:
        return [value for value in self.values(field) if value.startswith(prefix)]

    def any_of_terms(self, query: Query) -> int:
        """The documents holding any term of a query."""
        found = 0
        for field_name, text in query.iter_all_terms():
            found |= self.term(field_name, text)
        return found

    def newest_first(self) -> list[int]:
        """Every docnum, newest first (undated last; of equal dates, the last indexed first)."""
        if self._dates is None:
            dates = list(self._reader.column_reader("date"))
            self._dates = sorted(range(len(dates)), key=lambda d: (-dates[d], -d))
        return self._dates


def docnums(bits: int, limit: int) -> list[int]:
    """The first `limit` docnums set in `bits`."""
    found: list[int] = []
    if limit <= 0 or not bits:
        return found
    for index, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) // 8, "little")):
        if byte:
            found.extend(index * 8 + bit for bit in range(8) if byte >> bit & 1)
            if len(found) >= limit:
                return found[:limit]
    return found

"""One need against many saved searches: which of them would show it, decided by the index's own rules."""

from __future__ import annotations

from collections.abc import Iterable

from network.indexing.documents import need_document
from network.models import Need
from search import Document, SearchQuery, open_index


def queries_showing_need(need: Need, queries: Iterable[SearchQuery]) -> set[SearchQuery]:
    """The queries among these whose results would show this need, decided by an index that holds
    only this need: the site's analyzers and filters decide, exactly as on the search page, but the
    answer does not wait for the site's index (updated after the commit, or by `flask index follow`),
    and each query costs a fraction of a millisecond whatever the size of the site."""
    document = need_document(need)
    candidates = {query for query in queries if _filters_could_match(query, document)}
    if not candidates:
        return set()
    index = open_index(None)
    try:
        index.apply([document], [])
        return {query for query in candidates if any(hit.id == need.id for hit in index.search(query).hits)}
    finally:
        index.close()


def _filters_could_match(query: SearchQuery, doc: Document) -> bool:
    """A cheap first sieve with the index's own filter rules, on the need's own index document; the
    index decides the rest. It only ever rejects what the index would reject too."""
    checks = (
        (query.kinds, {doc.kind}),
        (query.stages, {doc.stage}),
        (query.domains, set(doc.domains)),
        (query.fylker, set(doc.fylker)),
        (query.cpv_divisions, {"".join(ch for ch in code if ch.isdigit())[:2] for code in doc.cpv}),
    )
    return all(not wanted or set(wanted) & values for wanted, values in checks)

"""Full-text search over needs, capabilities and organisations: index hits turned into rows."""

from __future__ import annotations

from dataclasses import dataclass

from network.models import Capability, Need, Organisation
from network.services.matching import load_in_order
from search import CAPABILITY, KINDS, NEED, ORGANISATION, Hit, SearchIndex, SearchQuery

# The search page's kinds of record, for views that may not import search/.
__all__ = ["KINDS", "SearchItem", "SearchPage", "SearchQuery", "search"]

_MODELS = {NEED: Need, CAPABILITY: Capability, ORGANISATION: Organisation}


@dataclass
class SearchItem:
    hit: Hit
    record: object

    @property
    def kind(self) -> str:
        return self.hit.kind


@dataclass
class SearchPage:
    items: list[SearchItem]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(index: SearchIndex, query: SearchQuery) -> SearchPage:
    """One page of results in the index's order; rows deleted since indexing are dropped."""
    result = index.search(query)
    records: dict[tuple[str, int], object] = {}
    for kind, model in _MODELS.items():
        ids = [h.id for h in result.hits if h.kind == kind]
        rows = load_in_order(model, ids)
        # Hidden needs and capabilities leave the index; one indexed before the change is still left out.
        records.update({(kind, row.id): row for row in rows if not getattr(row, "is_hidden", False)})
    items = [
        SearchItem(hit=h, record=records[(h.kind, h.id)]) for h in result.hits if (h.kind, h.id) in records
    ]
    return SearchPage(
        items=items, total=result.total, page=result.page, per_page=result.per_page, facets=result.facets
    )

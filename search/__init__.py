"""Search and matching behind a small interface; Whoosh is the implementation. Imports nothing of network/."""

from search.base import (
    CAPABILITY,
    KINDS,
    NEED,
    ORGANISATION,
    Document,
    Entered,
    Hit,
    IndexUnavailableError,
    MatchQuery,
    Reason,
    SearchIndex,
    SearchQuery,
    SearchResult,
)
from search.confidence import CONFIDENT
from search.cpv import CpvSuggester
from search.language import detect_language
from search.match_cache import FILES as READY_LISTS_FILES
from search.whoosh.index import WhooshIndex, open_index

__all__ = [
    "CAPABILITY",
    "CONFIDENT",
    "KINDS",
    "NEED",
    "ORGANISATION",
    "READY_LISTS_FILES",
    "CpvSuggester",
    "Document",
    "Entered",
    "Hit",
    "IndexUnavailableError",
    "MatchQuery",
    "Reason",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "WhooshIndex",
    "detect_language",
    "open_index",
]

"""The only bridge between the site's models and search/: models → search documents and match profiles
(documents), the index handle (handle), keeping the index in step with the database (sync), and which
saved searches would show a need (saved_searches). The few names of search/ the rest of the site uses
(the record kinds, the error of an index that cannot be read) are handed on from here."""

from network.indexing.documents import (
    capability_document,
    need_match_query,
    need_text,
    signal_domains,
    supplier_match_query,
)
from network.indexing.handle import close_index, get_index
from network.indexing.saved_searches import queries_showing_need
from network.indexing.sync import (
    VerifyReport,
    after_commit,
    apply_pending,
    follow,
    pending_count,
    register_index_events,
    reindex,
    verify,
)
from search import CAPABILITY, NEED, IndexUnavailableError

__all__ = [
    "CAPABILITY",
    "NEED",
    "IndexUnavailableError",
    "VerifyReport",
    "after_commit",
    "apply_pending",
    "capability_document",
    "close_index",
    "follow",
    "get_index",
    "need_match_query",
    "need_text",
    "pending_count",
    "queries_showing_need",
    "register_index_events",
    "reindex",
    "signal_domains",
    "supplier_match_query",
    "verify",
]

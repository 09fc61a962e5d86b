"""The only bridge between the site's models and search/: models → search documents and match profiles
(documents), the index handle (handle), keeping the index in step with the database (sync), and which
saved searches would show a need (saved_searches). The few names of search/ the rest of the site uses
(the record kinds, the error of an index that cannot be read) are handed on from here."""

from network.indexing.documents import (
    capability_document,
    document_for,
    is_indexed,
    need_document,
    need_fylker,
    need_match_query,
    need_text,
    organisation_document,
    signal_domains,
    supplier_match_query,
)
from network.indexing.handle import STATE_NAME, LazyIndex, close_index, get_index
from network.indexing.saved_searches import queries_showing_need
from network.indexing.sync import (
    DEFAULT_BATCH,
    VerifyReport,
    after_commit,
    all_documents,
    apply_pending,
    apply_pending_quietly,
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
    "DEFAULT_BATCH",
    "STATE_NAME",
    "LazyIndex",
    "VerifyReport",
    "after_commit",
    "all_documents",
    "apply_pending",
    "apply_pending_quietly",
    "capability_document",
    "close_index",
    "document_for",
    "follow",
    "get_index",
    "is_indexed",
    "need_document",
    "need_fylker",
    "need_match_query",
    "need_text",
    "organisation_document",
    "pending_count",
    "queries_showing_need",
    "register_index_events",
    "reindex",
    "signal_domains",
    "supplier_match_query",
    "verify",
]

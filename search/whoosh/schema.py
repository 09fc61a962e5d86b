"""The index schema: its fields, their names and what the text fields weigh."""

from __future__ import annotations

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from search.analysis import ENGLISH, NORWEGIAN, TERM_TOKENIZER

# Text is analysed before Whoosh sees it (search.analysis.text_terms), in the record's own language:
# one field per part of a record instead of one per part and language halves the postings written and
# read. A query word is looked up with both languages' terms, so an English word in a Norwegian record
# is still found. The owner's name is searchable ("Bergen kommune" finds Bergen's needs) but match()
# ignores it: it is no evidence that two records are about the same thing.
# The field names carry the analysis's version: an index whose terms were made another way has other
# fields, so its schema differs and `flask setup` / `flask reindex` rebuild it (search.analysis marks).
TITLE_FIELD = "title_terms2"
BODY_FIELD = "body_terms2"
OWNER_FIELD = "owner_terms2"
TEXT_BOOSTS = {TITLE_FIELD: 2.0, BODY_FIELD: 1.0, OWNER_FIELD: 0.5}
MATCH_FIELDS = (TITLE_FIELD, BODY_FIELD)
# The languages a typed word is looked up (and highlighted) in.
LANGUAGES = (NORWEGIAN, ENGLISH)

# Facet name in SearchResult → index field.
FACET_FIELDS = {
    "kind": "kind",
    "domain": "domain",
    "fylke": "region",
    "cpv_division": "cpv_div",
    "stage": "stage",
}
# The `region` field holds a document's fylker, or only this for a nationwide one (see
# search.whoosh.documents.index_fields).
NATIONWIDE_KEY = "*"

# Whoosh sorts a missing value before every date when newest come first; undated records get the
# oldest date instead, so they come last.
UNDATED = -(2**62)


def build_schema() -> Schema:
    """The index schema. Only what hits, reasons, highlights and verification need is stored.

    Title and body are stored (bodies cut to STORED_BODY_CHARS) because highlighting needs the original
    text and the interface gives the index nothing else to highlight from. The text fields hold terms
    analysed in advance, without positions (no query needs them) and without term vectors (a
    BufferedWriter crashes on them).
    """
    return Schema(
        uid=ID(unique=True, stored=True),
        kind=ID,
        owner=ID(stored=True),
        stage=ID,
        domain=KEYWORD(stored=True),
        # Stored for reasons; the fylke filter and facet read `region`.
        fylke=STORED,
        region=KEYWORD,
        nationwide=STORED,
        cpv=STORED,
        cpv_all=KEYWORD,
        cpv_div=KEYWORD,
        # Only for ordering: a column, no postings (a DATETIME field writes four terms per record).
        date=COLUMN(NumericColumn("q")),
        fingerprint=STORED,
        title=STORED,
        body=STORED,
        **{name: TEXT(analyzer=TERM_TOKENIZER, phrase=False) for name in TEXT_BOOSTS},
    )


def same_schema(found: Schema, wanted: Schema) -> bool:
    """Whether an index written with `found` has the layout `wanted` describes."""

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

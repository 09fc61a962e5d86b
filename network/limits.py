"""How long each free text may be: one place for the forms' Length checks, the services and the import."""

from __future__ import annotations

# A title of a need, capability or meeting: the column is String(300).
TITLE_MAX = 300
# A need's or a capability's description: a long page of text, far below what would slow indexing.
DESCRIPTION_MAX = 20_000
# A need's "who is affected" and "what a good outcome is".
DETAIL_MAX = 10_000
# A capability's references.
REFERENCES_MAX = 5_000
# What an organisation says about itself.
ORG_DESCRIPTION_MAX = 5_000
# A supplier's message in a response to a need.
RESPONSE_MAX = 5_000
# A search query (the search page cuts it here; the API answers 400 past it).
QUERY_MAX = 500

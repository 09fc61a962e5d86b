"""Saved searches: a user keeps a search of the search page and is told when a new need matches it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from network import reference
from network.errors import ConflictError, NotFoundError, ValidationError
from network.extensions import db
from network.indexing import queries_showing_need
from network.models import Domain, Need, SavedSearch, Stage, User
from network.text import clean, one_line
from search import KINDS, NEED, SearchQuery

log = logging.getLogger(__name__)

MAX_SAVED_SEARCHES = 50
# The saved-search filters, named as the search page's parameters.
SEARCH_FILTERS = ("domain", "fylke", "cpv", "stage", "kind")


@dataclass(frozen=True)
class SavedSearchDraft:
    name: str
    query: str = ""
    domain: tuple[str, ...] = ()
    fylke: tuple[str, ...] = ()
    cpv: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()


def _allowed_filter_values() -> dict[str, set[str]]:
    return {
        "domain": {d.value for d in Domain},
        "fylke": {f.number for f in reference.fylker()},
        "cpv": {c.code[:2] for c in reference.cpv_entries()},
        "stage": {s.value for s in Stage if s != Stage.DRAFT},
        "kind": set(KINDS),
    }


def check_saved_search(draft: SavedSearchDraft) -> dict:
    name = one_line(draft.name)
    if not name:
        raise ValidationError(_("Give the search a name."), field="name")
    if len(name) > 200:
        raise ValidationError(_("The name can be at most %(n)d characters.", n=200), field="name")
    query = clean(draft.query)
    if len(query) > 500:
        raise ValidationError(_("The search text can be at most %(n)d characters.", n=500), field="query")
    allowed = _allowed_filter_values()
    filters = {}
    for param in SEARCH_FILTERS:
        values = sorted(set(getattr(draft, param)))
        if any(v not in allowed[param] for v in values):
            raise ValidationError(_("The search has a filter the site does not know."), field=param)
        if values:
            filters[param] = values
    if filters.get("kind") and NEED not in filters["kind"]:
        raise ValidationError(
            _("A saved search tells you about new needs: include needs in the kinds."), field="kind"
        )
    return {"name": name, "query": query, "filters": filters}


def save_search(user: User, draft: SavedSearchDraft) -> SavedSearch:
    values = check_saved_search(draft)
    mine = saved_searches(user)
    if any(s.query == values["query"] and (s.filters or {}) == values["filters"] for s in mine):
        raise ConflictError(_("You have already saved this search."))
    if len(mine) >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            _("You can keep at most %(n)d saved searches. Delete one first.", n=MAX_SAVED_SEARCHES)
        )
    saved = SavedSearch(user_id=user.id, **values)
    db.session.add(saved)
    db.session.commit()
    return saved


def saved_searches(user: User) -> list[SavedSearch]:
    return list(
        db.session.scalars(
            sa.select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.id.desc())
        )
    )


def get_saved_search(user: User, search_id: int) -> SavedSearch:
    """The user's own saved search; another user's is answered as missing."""
    saved = db.session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != user.id:
        raise NotFoundError(_("No such saved search."))
    return saved


def delete_saved_search(user: User, search_id: int) -> None:
    db.session.delete(get_saved_search(user, search_id))
    db.session.commit()


def saved_search_query(query: str, filters: dict, per_page: int = 20) -> SearchQuery:
    """The search page's query for a saved search, restricted to needs (what it is told about)."""
    filters = filters or {}
    return SearchQuery(
        text=query or "",
        kinds=(NEED,),
        domains=tuple(filters.get("domain", ())),
        fylker=tuple(filters.get("fylke", ())),
        cpv_divisions=tuple(filters.get("cpv", ())),
        stages=tuple(filters.get("stage", ())),
        per_page=per_page,
    )


def searches_showing(need: Need, exclude_user_id: int) -> dict[int, str]:
    """user id → the name of their first saved search that shows this need (a newly published one),
    for everyone but `exclude_user_id`. The search bridge decides each search as the search page
    would, on an index that holds this one need, without waiting for the site's index."""
    rows = db.session.execute(
        sa.select(SavedSearch.user_id, SavedSearch.name, SavedSearch.query, SavedSearch.filters)
        .where(SavedSearch.user_id != exclude_user_id)
        .order_by(SavedSearch.id)
    ).all()
    if not rows:
        return {}
    searches = [(row, saved_search_query(row.query, row.filters, per_page=1)) for row in rows]
    try:
        shown = queries_showing_need(need, [query for _row, query in searches])
    except Exception:
        # The need is published all the same; only these notices are lost, and the log says so.
        log.exception("saved searches not matched against need %s", need.id)
        return {}
    matched: dict[int, str] = {}
    for row, query in searches:
        if query in shown:
            matched.setdefault(row.user_id, row.name)
    return matched

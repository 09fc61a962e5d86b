"""The search page: full text over needs, capabilities and organisations, with facets."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from network import reference
from network.indexing import IndexUnavailableError, get_index
from network.limits import QUERY_MAX
from network.models import Domain, Stage
from network.services import searching as searching_service
from network.views import throttle
from network.views.forms_util import page_arg

bp = Blueprint("search", __name__)

# Every kind the index holds, which a query covers unless told otherwise.
KINDS = searching_service.KINDS


def _multi(name: str, allowed) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in request.args.getlist(name) if v in allowed))


def query_from_args() -> searching_service.SearchQuery:
    return searching_service.SearchQuery(
        text=request.args.get("q", "")[:QUERY_MAX].strip(),
        kinds=_multi("kind", KINDS) or KINDS,
        domains=_multi("domain", {d.value for d in Domain}),
        fylker=_multi("fylke", {f.number for f in reference.fylker()}),
        cpv_divisions=_multi("cpv", {c.code[:2] for c in reference.cpv_entries()}),
        stages=_multi("stage", {s.value for s in Stage if s != Stage.DRAFT}),
        order="date" if request.args.get("order") == "date" else "relevance",
        page=page_arg(),
        per_page=current_app.config["PER_PAGE"],
    )


@bp.get("/search")
def index():
    throttle.check_search()
    query = query_from_args()
    results, error = None, None
    try:
        results = searching_service.search(get_index(), query)
    except IndexUnavailableError:
        error = _("Search is unavailable for a moment. Please try again shortly.")
    selected = {
        "kind": set(request.args.getlist("kind")),
        "domain": set(query.domains),
        "fylke": set(query.fylker),
        "cpv": set(query.cpv_divisions),
        "stage": set(query.stages),
    }
    return render_template("search/index.html", query=query, results=results, error=error, selected=selected)

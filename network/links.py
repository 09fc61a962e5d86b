"""Links into the site: paths for notices and redirects, the one way to link a need, and absolute links
(every one built on SITE_URL, never on the Host a request names)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from flask import current_app, has_request_context, request, url_for

from network.config import is_development

log = logging.getLogger(__name__)


def site_path(endpoint: str, **values) -> str:
    """A link into the site as a path ("/needs/5"). Notices are made in web requests and in commands
    alike; outside a request Flask cannot build URLs without SERVER_NAME, but a path needs no host."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def need_path(need_id: int, anchor: str = "") -> str:
    """A need's page as a path, at a part of it ("#responses") when `anchor` names one."""
    return site_path("needs.detail", need_id=need_id) + (f"#{anchor}" if anchor else "")


def is_local_path(link: str | None) -> bool:
    """A path on this site: "/x", never "//host/x" or "/\\host" (browsers read both as another host),
    and never a control character (a line break would end the Location header early)."""
    return (
        bool(link)
        and link.startswith("/")
        and not link.startswith("//")
        and "\\" not in link
        and not any(ord(ch) < 32 or ord(ch) == 127 for ch in link)
    )


def stored_link(link: str | None) -> str | None:
    """The link a notice keeps: a path into the site; an absolute URL (a model's .url) is kept as its
    path, and anything that is no path on this site is dropped."""
    if not link:
        return None
    parts = urlsplit(link)
    path = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    return path if is_local_path(path) else None


def site_root() -> str:
    """scheme://host[/prefix] of every absolute link the site sends or returns (mails, the API, .ics):
    SITE_URL (FLASK_SITE_URL), never the Host a request names, which its sender chooses. Only a
    developer's machine without SITE_URL falls back to the request's address or http://localhost:5000
    (production does not start without SITE_URL, see network.config.site_url_problem)."""
    config = current_app.config
    if config.get("SITE_URL"):
        return str(config["SITE_URL"]).rstrip("/")
    if not (is_development(config) or config.get("TESTING")):
        raise RuntimeError("SITE_URL is not set: set FLASK_SITE_URL to the site's public address.")
    if has_request_context():
        return request.url_root.rstrip("/")
    log.warning("SITE_URL is not set: links in mails point to http://localhost:5000")
    return "http://localhost:5000"


def absolute_url(endpoint: str, _anchor: str = "", **values) -> str:
    """The one way to an absolute link: site_root() and the endpoint's path ("#anchor" when given)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return site_root() + path + (f"#{_anchor}" if _anchor else "")

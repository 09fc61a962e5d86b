"""Blueprints, one per file; register_views attaches them and the template helpers."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from network.views import (
    account,
    admin,
    announcements,
    api,
    attachments,
    audit,
    auth,
    capabilities,
    coordination,
    dialogue,
    health,
    legal,
    main,
    moderation,
    needs,
    notifications,
    organisations,
    search,
    sessions,
    twofactor,
)
from network.views.forms_util import MAX_ID
from network.views.helpers import register_template_helpers

BLUEPRINT_MODULES = (
    main,
    auth,
    needs,
    capabilities,
    organisations,
    search,
    admin,
    api,
    dialogue,
    attachments,
    announcements,
    coordination,
    notifications,
    audit,
    sessions,
    legal,
    twofactor,
    account,
    moderation,
    health,
)


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: a number beyond the database's ids is no record (404), not an out-of-range
    error from the database (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_views(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    for module in BLUEPRINT_MODULES:
        app.register_blueprint(module.bp)
    register_template_helpers(app)

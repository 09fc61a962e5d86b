"""Blueprints, one per file; register_views attaches them, the error pages and template helpers."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: a number beyond the database's 64-bit ids is no record (404), not an
    overflow error from the database driver (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def register_views(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    from network.views import (
        admin,
        api,
        audit,
        auth,
        capabilities,
        coordination,
        dialogue,
        main,
        needs,
        notifications,
        organisations,
        search,
    )
    from network.views.helpers import register_template_helpers

    for module in (
        main,
        auth,
        needs,
        capabilities,
        organisations,
        search,
        admin,
        api,
        dialogue,
        coordination,
        notifications,
        audit,
    ):
        app.register_blueprint(module.bp)
    register_template_helpers(app)

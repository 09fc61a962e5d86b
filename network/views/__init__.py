"""Blueprints, one per file; register_views attaches them, the error pages and template helpers."""

from __future__ import annotations

from flask import Flask


def register_views(app: Flask) -> None:
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

"""notifications views (being built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications", __name__)


def need_context(need, user) -> dict:
    """What the need page shows of this part of the site, for this user."""
    return {}

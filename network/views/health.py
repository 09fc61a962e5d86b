"""Health checks for load balancers and orchestrators: /healthz (the process answers) and /readyz
(the database answers too). Plain text, no session, open to any Host (they are called by address)."""

from __future__ import annotations

from flask import Blueprint, Response

from network import queries

bp = Blueprint("health", __name__)

# The paths the trusted-host check lets through whatever Host they name (views/security.py).
PATHS = ("/healthz", "/readyz")


def _plain(text: str, status: int = 200) -> Response:
    return Response(text + "\n", status, mimetype="text/plain", headers={"Cache-Control": "no-store"})


@bp.get("/healthz")
def healthz():
    return _plain("ok")


@bp.get("/readyz")
def readyz():
    if queries.database_answers():
        return _plain("ready")
    return _plain("database unavailable", 503)

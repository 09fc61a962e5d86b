"""Expressions of interest: a supplier responds to a need; only it and the need's body see it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from network import signals
from network.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.limits import RESPONSE_MAX
from network.models import Need, Response, ResponseStatus, User, dialogue_is_open
from network.services import commit, rules
from network.text import clean, one_line


@dataclass(frozen=True)
class ResponseDraft:
    message: str
    link: str | None = None


def own_response(user: User | None, need: Need) -> Response | None:
    if user is None or not user.is_authenticated or user.organisation_id is None:
        return None
    return db.session.scalar(
        sa.select(Response).where(
            Response.need_id == need.id, Response.organisation_id == user.organisation_id
        )
    )


def submit_response(actor: User, need: Need, draft: ResponseDraft) -> Response:
    if actor.organisation is None or not actor.organisation.is_supplier:
        raise NotAllowedError(_("Only suppliers can express interest in a need."))
    # Interest closes with the dialogue: when the need leaves "open" or its dialogue deadline ends.
    if not dialogue_is_open(need):
        raise NotAllowedError(_("This need's dialogue is closed: it takes no more expressions of interest."))
    message = clean(draft.message)
    if not message:
        raise ValidationError(_("Write a short message to the public body."), field="message")
    message = rules.limited_text(message, RESPONSE_MAX, "message")
    link = one_line(draft.link) or None
    if link and not link.startswith(("https://", "http://")):
        raise ValidationError(_("The link must start with https:// or http://."), field="link")
    if own_response(actor, need) is not None:
        raise ConflictError(_("Your organisation has already responded to this need."))
    response = Response(
        need=need, organisation_id=actor.organisation_id, user=actor, message=message, link=link
    )
    db.session.add(response)
    signals.response_submitted.send(actor, response=response)
    commit(None)
    return response


def responses_for_need(actor: User, need: Need) -> list[Response]:
    if not actor.belongs_to(need.organisation_id):
        raise NotAllowedError(_("Only the need's own organisation sees its responses."))
    return list(
        db.session.scalars(sa.select(Response).where(Response.need_id == need.id).order_by(Response.id))
    )


def set_status(actor: User, response_id: int, status: str) -> Response:
    response = db.session.get(Response, response_id)
    if response is None:
        raise NotFoundError(_("No such response."))
    if not actor.belongs_to(response.need.organisation_id):
        raise NotAllowedError(_("Only the need's own organisation can change a response's status."))
    previous = response.status
    try:
        response.status = ResponseStatus(status)
    except ValueError:
        raise ValidationError(_("Unknown status."), field="status") from None
    if response.status != previous:
        signals.response_status_changed.send(actor, response=response)
    commit(None)
    return response


def responses_of_supplier(actor: User) -> list[Response]:
    if actor.organisation_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Response)
            .where(Response.organisation_id == actor.organisation_id)
            .order_by(Response.created_at.desc())
        )
    )

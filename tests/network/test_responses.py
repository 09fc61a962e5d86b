"""Expressions of interest: who may send, see and judge them."""

from __future__ import annotations

import pytest

from network.errors import ConflictError, NotAllowedError, ValidationError
from network.models import ResponseStatus, Role, Stage
from network.services import responses


def _setup(make):
    body = make.public_body()
    need = make.need(body)
    supplier = make.supplier()
    return body, need, make.user(supplier)


def test_a_supplier_responds_once_and_the_body_sees_it(app, make):
    body, need, seller = _setup(make)
    response = responses.submit_response(
        seller, need, responses.ResponseDraft("Vi kan hjelpe.", "https://x.no")
    )
    assert response.status == ResponseStatus.SUBMITTED
    owner = make.user(body, role=Role.MEMBER)
    assert responses.responses_for_need(owner, need) == [response]
    with pytest.raises(ConflictError):
        responses.submit_response(seller, need, responses.ResponseDraft("Igjen"))


def test_nobody_else_sees_the_responses(app, make):
    body, need, seller = _setup(make)
    responses.submit_response(seller, need, responses.ResponseDraft("Hemmelig tilbud"))
    for outsider in (
        seller,
        make.user(make.supplier()),
        make.user(make.public_body()),
        make.user(site_admin=True),
    ):
        with pytest.raises(NotAllowedError):
            responses.responses_for_need(outsider, need)


def test_public_bodies_cannot_respond(app, make):
    body, need, _ = _setup(make)
    with pytest.raises(NotAllowedError):
        responses.submit_response(make.user(make.public_body()), need, responses.ResponseDraft("Hei"))


def test_closed_needs_take_no_responses(app, make):
    need = make.need(stage=Stage.DIALOGUE_CLOSED)
    with pytest.raises(NotAllowedError):
        responses.submit_response(make.user(make.supplier()), need, responses.ResponseDraft("Hei"))


def test_message_required_and_link_must_be_http(app, make):
    _, need, seller = _setup(make)
    with pytest.raises(ValidationError):
        responses.submit_response(seller, need, responses.ResponseDraft("   "))
    with pytest.raises(ValidationError):
        responses.submit_response(seller, need, responses.ResponseDraft("Hei", "javascript:alert(1)"))


def test_only_the_body_sets_the_status(app, make):
    body, need, seller = _setup(make)
    response = responses.submit_response(seller, need, responses.ResponseDraft("Vi kan hjelpe."))
    for outsider in (seller, make.user(make.public_body()), make.user(site_admin=True)):
        with pytest.raises(NotAllowedError):
            responses.set_status(outsider, response.id, "shortlisted")
    assert response.status == ResponseStatus.SUBMITTED
    responses.set_status(make.user(body), response.id, "shortlisted")
    assert response.status == ResponseStatus.SHORTLISTED
    with pytest.raises(ValidationError):
        responses.set_status(make.user(body), response.id, "married")

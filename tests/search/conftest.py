"""Fixtures for the search package's tests: RAM indexes and plain document builders, no Flask."""

from __future__ import annotations

from datetime import datetime

import pytest

from search import CAPABILITY, NEED, ORGANISATION, Document, open_index


@pytest.fixture
def ram_index():
    index = open_index(None)
    yield index
    index.close()


def _builder(kind: str):
    def build(id: int, title: str, body: str = "", **fields) -> Document:
        fields.setdefault("owner_id", 100 + id)
        if kind == NEED:
            fields.setdefault("stage", "open")
            fields.setdefault("org_kind", "public_body")
        elif kind == CAPABILITY:
            fields.setdefault("org_kind", "supplier")
        fields.setdefault("date", datetime(2024, 1, id % 28 + 1, 12, 0))
        fields.setdefault("fingerprint", f"{kind}-{id}-v1")
        return Document(kind=kind, id=id, title=title, body=body, **fields)

    return build


@pytest.fixture
def need():
    return _builder(NEED)


@pytest.fixture
def capability():
    return _builder(CAPABILITY)


@pytest.fixture
def organisation():
    return _builder(ORGANISATION)

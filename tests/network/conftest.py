"""Fixtures of the page tests: a public body and a supplier, each with a user.

A test module that needs other organisations defines its own fixtures of these names.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def body(make):
    return make.public_body(name="Eierkommune", kommune="0301")


@pytest.fixture
def body_admin(make, body):
    return make.user(body, name="Berit Byråkrat")


@pytest.fixture
def supplier(make):
    return make.supplier(name="Trygg Teknologi AS")


@pytest.fixture
def supplier_user(make, supplier):
    return make.user(supplier, name="Siri Selger")

"""Rate limits per client address on the API, the search page and starting coordination groups."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("english")


def test_the_api_answers_429_in_json_past_its_limit(app, client):
    app.config["API_LIMIT"] = 3

    for _ in range(3):
        assert client.get("/api/needs").status_code == 200
    response = client.get("/api/needs/1")

    assert response.status_code == 429
    assert response.is_json
    assert "Too many requests to the API" in response.get_json()["error"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # Another address has its own count.
    other = client.get("/api/needs", environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200


def test_the_search_page_says_kindly_to_wait(app, client):
    app.config["SEARCH_LIMIT"] = 3

    for _ in range(3):
        assert client.get("/search?q=sensor").status_code == 200
    response = client.get("/search?q=sensor")

    assert response.status_code == 429
    assert "You have searched very often in a short time" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) >= 1
    # The rest of the site still answers.
    assert client.get("/").status_code == 200


def test_the_window_ends(app, client, monkeypatch):
    app.config["SEARCH_LIMIT"] = 1
    app.config["SEARCH_LIMIT_SECONDS"] = 60
    now = [1_000_040.0]  # 20 seconds into a window
    monkeypatch.setattr("network.views.throttle._clock", lambda: now[0])

    assert client.get("/search").status_code == 200
    refused = client.get("/search")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "40"
    now[0] += 40
    assert client.get("/search").status_code == 200


def test_default_limits_are_generous(app):
    from network.config import defaults

    settings = defaults(app.instance_path)
    assert settings["API_LIMIT"] >= 100
    assert settings["SEARCH_LIMIT"] >= 30

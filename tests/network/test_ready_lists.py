"""Need pages read match lists kept ready by the indexer, and a change shows on them at once."""

from __future__ import annotations

import time

import pytest

from bench import harness
from network.models import Stage
from network.services import capabilities, matching
from search import match_cache


@pytest.fixture
def computed(index):
    """How many match lists the index computed instead of reading a kept one."""
    return harness.count_computed(index)


def _needs(make):
    body = make.public_body()
    published = [
        make.need(body, title="Trygghetsalarmer for hjemmeboende eldre", cpv=["33100000"]),
        make.need(body, title="Sensorer som varsler ved fall", cpv=["33100000"]),
    ]
    draft = make.need(body, stage=Stage.DRAFT, title="Utkast om droner")
    return published, draft


def test_warming_keeps_the_page_lists_of_published_needs(app, make, index, client, computed):
    (first, second), draft = _needs(make)
    make.capability(make.supplier(name="Alarm AS"), title="Trygghetsalarmer", cpv=["33100000"])
    report = matching.warm_need_lists(index)
    assert (report.kept, report.missing, report.finished) == (2, 2, True)
    assert computed() == 4
    kept = index.kept_subjects("capability", matching.PAGE_LIST * matching.SUPPLIER_HITS)
    assert kept == {("need", first.id), ("need", second.id)}
    assert ("need", draft.id) not in index.kept_subjects("need", matching.PAGE_LIST * matching.PEER_HITS)

    # A first view of the page reads both lists ready-made.
    page = client.get(f"/needs/{first.id}")
    assert page.status_code == 200
    assert "Alarm AS" in page.get_data(as_text=True)
    assert computed() == 4
    # Nothing is left to do.
    assert matching.warm_need_lists(index).missing == 0


def test_warming_refreshes_lists_that_have_aged(app, make, index, computed, monkeypatch):
    _needs(make)
    assert matching.warm_need_lists(index).kept == 2
    assert matching.warm_need_lists(index).missing == 0
    # Every changed record ages every list: one unrelated capability makes both needs' lists old.
    monkeypatch.setattr(match_cache, "AGE_MIN_RECORDS", 0)
    monkeypatch.setattr(match_cache, "AGE_SHARE", 0.0)
    make.capability(make.supplier(name="Møbel AS"), title="Kontormøbler", cpv=["39100000"])
    before = computed()
    report = matching.warm_need_lists(index)
    assert (report.kept, report.missing) == (2, 2)
    assert computed() == before + 4


def test_warming_stops_at_its_deadline_and_goes_on_later(app, make, index):
    _needs(make)
    report = matching.warm_need_lists(index, deadline=time.monotonic() - 1)
    assert (report.kept, report.finished) == (0, False)
    assert matching.warm_need_lists(index).kept == 2


def test_a_kept_need_page_shows_a_change_at_once(app, make, index, client):
    need = make.need(title="Trygghetsalarmer for hjemmeboende eldre", cpv=["33100000"], domain="health")
    supplier = make.supplier(name="Sensor AS")
    user = make.user(supplier)
    capability = make.capability(supplier, title="Snøbrøyting", description="Veier.", cpv=[], domains=[])
    matching.warm_need_lists(index)
    assert "Sensor AS" not in client.get(f"/needs/{need.id}").get_data(as_text=True)
    capabilities.update_capability(
        user,
        capability,
        capabilities.CapabilityDraft(
            title="Trygghetsalarmer for eldre", description="Alarmer for hjemmeboende.", cpv=["33100000"]
        ),
        index,
    )
    assert "Sensor AS" in client.get(f"/needs/{need.id}").get_data(as_text=True)


def test_the_warm_command_reports_its_progress(app, make, index):
    _needs(make)
    result = app.test_cli_runner().invoke(args=["index", "warm"])
    assert result.exit_code == 0, result.output
    assert "Kept the lists of 2 of 2 need(s)" in result.output
    assert "all kept" in result.output
    again = app.test_cli_runner().invoke(args=["index", "warm"])
    assert "Kept the lists of 0 of 0 need(s)" in again.output


def test_following_the_index_warms_between_polls(app, make, index):
    (first, _), _ = _needs(make)
    first_id = first.id
    result = app.test_cli_runner().invoke(args=["index", "follow", "--once"])
    assert result.exit_code == 0, result.output
    assert "Kept the lists of 2 of 2 need(s)" in result.output
    assert ("need", first_id) in index.kept_subjects("need", matching.PAGE_LIST * matching.PEER_HITS)
    quiet = app.test_cli_runner().invoke(args=["index", "follow", "--once", "--no-warm"])
    assert "Kept" not in quiet.output


def test_parts_of_the_warm_up_share_the_needs(app, make, index):
    (first, second), _ = _needs(make)
    runner = app.test_cli_runner()
    even = runner.invoke(args=["index", "warm", "--part", f"{first.id % 2}/2"])
    assert even.exit_code == 0, even.output
    assert "Kept the lists of 1 of 1 need(s)" in even.output
    rest = runner.invoke(args=["index", "warm", "--part", f"{second.id % 2}/2"])
    assert "Kept the lists of 1 of 1 need(s)" in rest.output
    for wrong in ("2/2", "x/2", "1", "-1/2"):
        refused = runner.invoke(args=["index", "warm", "--part", wrong])
        assert refused.exit_code == 2, wrong
        assert "K/N" in refused.output


def test_warming_keeps_the_needs_for_you_of_suppliers_with_users(app, make, index):
    _needs(make)
    seller = make.supplier(name="Alarm AS")
    make.user(seller)
    make.capability(seller, title="Trygghetsalarmer", cpv=["33100000"])
    # A supplier nobody logs in to reads no notices: its list is not kept.
    make.capability(make.supplier(name="Stille AS"), title="Trygghetsalarmer", cpv=["33100000"])
    result = app.test_cli_runner().invoke(args=["index", "warm"])
    assert result.exit_code == 0, result.output
    assert "Kept the needs-for-you lists of 1 of 1 supplier(s)." in result.output
    assert index.kept_subjects("need", matching.FOR_YOU_LIST) == {("organisation", seller.id)}

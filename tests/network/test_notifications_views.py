"""The notification pages: inbox, follow button, saved searches, settings, unsubscribe, the header count."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from network.extensions import db
from network.models import Follow, Frequency, Notification, SavedSearch, Stage, User
from network.services import notifications as service
from network.views import notifications as views
from tests.helpers import count, text

# Every route of the blueprint that needs a login, with a form body that would otherwise pass.
LOGIN_REQUIRED = [
    ("get", "/notifications"),
    ("post", "/notifications/read"),
    ("get", "/notifications/{notice}"),
    ("post", "/notifications/follows/{need}"),
    ("post", "/notifications/follows/{need}/delete"),
    ("post", "/notifications/searches"),
    ("get", "/notifications/searches/{search}/delete"),
    ("post", "/notifications/searches/{search}/delete"),
    ("get", "/notifications/settings"),
    ("post", "/notifications/settings"),
]


def make_anonymous():
    from flask_login import AnonymousUserMixin

    return AnonymousUserMixin()


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(make):
    body = make.public_body()
    need = make.need(body)
    reader = make.user(make.supplier())
    [notice] = service.notify([reader], "need_stage", lambda: ("Behovet er utlyst", "Tekst"), link="/needs/1")
    search = service.save_search(reader, service.SavedSearchDraft(name="Fall", query="fall"))
    db.session.commit()
    return {"body": body, "need": need, "reader": reader, "notice": notice, "search": search}


def test_every_route_but_unsubscribe_needs_a_login(client, world):
    ids = {"notice": world["notice"].id, "need": world["need"].id, "search": world["search"].id}
    for method, url in LOGIN_REQUIRED:
        response = getattr(client, method)(url.format(**ids), data={"name": "x", "need_stage": "off"})
        assert response.status_code == 302, (method, url)
        assert "/login?next=" in response.headers["Location"], (method, url)
    assert count(Notification, Notification.read_at.is_not(None)) == 0
    assert count(Follow) == 0
    assert count(SavedSearch) == 1


def test_the_list_above_has_every_route_of_the_blueprint_but_unsubscribe(app):
    adapter = app.url_map.bind("localhost")
    listed = {
        adapter.match(url.format(notice=1, need=1, search=1), method=method.upper())[0]
        for method, url in LOGIN_REQUIRED
    }
    ours = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("notifications.")}
    assert ours - listed == {"notifications.unsubscribe"}


def test_every_kind_of_notice_has_a_label():
    from network.models import NOTIFICATION_KINDS

    assert set(views.KIND_LABELS) == set(NOTIFICATION_KINDS)


# -- the follow button --------------------------------------------------------------------------


def test_a_logged_in_user_follows_and_unfollows_from_the_need_page(client, login, world):
    need, reader = world["need"], world["reader"]
    assert "Follow this need" not in text(client.get(f"/needs/{need.id}"))  # anonymous: no button
    login(reader)
    page = text(client.get(f"/needs/{need.id}"))
    assert f'action="/notifications/follows/{need.id}"' in page
    response = client.post(f"/notifications/follows/{need.id}")
    assert response.headers["Location"] == f"/needs/{need.id}"
    assert service.is_following(reader, need)
    page = text(client.get(f"/needs/{need.id}"))
    assert f'action="/notifications/follows/{need.id}/delete"' in page
    client.post(f"/notifications/follows/{need.id}/delete")
    assert not service.is_following(reader, need)


def test_the_needs_own_body_gets_no_follow_button(client, login, make, world):
    login(make.user(world["body"]))
    page = text(client.get(f"/needs/{world['need'].id}"))
    assert "/notifications/follows/" not in page
    # The title is followed at once by the stage line (the e2e steps rely on it).
    assert re.search(r"</h1>\s*<p class=\"meta\">", page)


def test_following_another_bodys_draft_is_not_found(client, login, make, world):
    draft = make.need(stage=Stage.DRAFT)
    login(world["reader"])
    assert client.post(f"/notifications/follows/{draft.id}").status_code == 404
    assert count(Follow) == 0


def test_the_need_page_asks_one_query_whether_the_user_follows(app, world):
    need, reader = world["need"], world["reader"]
    service.follow(reader, need.id)
    # Loaded as the page has them by then.
    db.session.refresh(need)
    db.session.refresh(reader)
    statements = []

    def _count(*args):
        statements.append(args)

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        context = views.need_context(need, reader)
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)
    assert context == {"can_follow": True, "follows_need": True}
    assert len(statements) == 1
    assert views.need_context(need, make_anonymous()) == {"can_follow": False, "follows_need": False}


# -- the inbox ----------------------------------------------------------------------------------


def test_the_inbox_lists_notices_and_the_header_counts_the_unread(client, login, world):
    login(world["reader"])
    page = text(client.get("/notifications"))
    assert "Behovet er utlyst" in page
    assert "Unread" in page
    assert re.search(r'class="badge unread-count">1<', page)
    # The saved search and the following list are on the same page.
    assert "Fall" in page
    assert f"/notifications/searches/{world['search'].id}/delete" in page


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, login, world):
    login(world["reader"])
    response = client.get(f"/notifications/{world['notice'].id}")
    assert response.headers["Location"] == "/needs/1"
    assert count(Notification, Notification.read_at.is_(None)) == 0
    assert "unread-count" not in text(client.get("/notifications"))


def test_a_notice_never_leads_off_the_site(client, login, world):
    notice = world["notice"]
    notice.link = "//evil.example/x"
    db.session.commit()
    login(world["reader"])
    assert client.get(f"/notifications/{notice.id}").headers["Location"] == "/notifications"


def test_nobody_opens_another_users_notice(client, login, make, world):
    login(make.user(make.supplier()))
    assert client.get(f"/notifications/{world['notice'].id}").status_code == 404
    assert count(Notification, Notification.read_at.is_not(None)) == 0


def test_mark_all_read(client, login, world):
    login(world["reader"])
    assert client.post("/notifications/read").headers["Location"] == "/notifications"
    assert service.unread_count(world["reader"]) == 0


# -- saved searches -----------------------------------------------------------------------------


def test_the_search_page_offers_to_save_the_search_to_logged_in_users(client, login, world):
    assert "Save this search" not in text(client.get("/search?q=fall"))
    login(world["reader"])
    page = text(client.get("/search?q=sensorer&domain=health&fylke=03"))
    assert 'action="/notifications/searches"' in page
    assert '<input type="hidden" name="domain" value="health">' in page
    assert '<input type="hidden" name="fylke" value="03">' in page
    # Capabilities only: nothing a saved search would tell about.
    assert "Save this search" not in text(client.get("/search?q=x&kind=capability"))


def test_saving_a_search_from_the_search_page(client, login, world):
    reader = world["reader"]
    login(reader)
    form = {"name": "Sensorer i Oslo", "q": "sensorer", "domain": ["health"], "fylke": ["03"]}
    response = client.post("/notifications/searches", data=form)
    assert response.headers["Location"].startswith("/search?")
    assert "q=sensorer" in response.headers["Location"]
    search = db.session.scalar(sa.select(SavedSearch).where(SavedSearch.name == "Sensorer i Oslo"))
    assert search.user_id == reader.id
    assert search.query == "sensorer"
    assert search.filters == {"domain": ["health"], "fylke": ["03"]}
    # The same search again, or a nameless one, is refused with a message.
    client.post("/notifications/searches", data=form)
    client.post("/notifications/searches", data={**form, "name": "", "q": "annet"})
    client.post("/notifications/searches", data={**form, "name": "Rart", "domain": ["astrology"]})
    assert count(SavedSearch, SavedSearch.user_id == reader.id) == 2  # Fall, Sensorer i Oslo
    page = text(client.get("/search"))
    assert "You have already saved this search." in page
    assert "The search was not saved." in page
    assert "The search has a filter the site does not know." in page


def test_deleting_a_saved_search_asks_first_and_only_its_owner_may(client, login, make, world):
    search = world["search"]
    url = f"/notifications/searches/{search.id}/delete"
    login(make.user(make.supplier()))
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    login(world["reader"])
    assert "Delete the saved search" in text(client.get(url))
    assert count(SavedSearch) == 1
    assert client.post(url).status_code == 302
    assert count(SavedSearch) == 0


# -- settings -------------------------------------------------------------------------------------


def test_the_settings_page_has_a_labelled_radio_group_per_kind(client, login, world):
    login(world["reader"])
    page = text(client.get("/notifications/settings"))
    # Every kind but the site administrators' own.
    offered = set(views.KIND_LABELS) - views.ADMIN_KINDS
    assert page.count("<fieldset") == len(offered)
    assert page.count("<legend>") == len(offered)
    checked = {
        (re.search(r'name="(\w+)"', tag).group(1), re.search(r'value="(\w+)"', tag).group(1))
        for tag in re.findall(r"<input[^>]*>", page)
        if "checked" in tag and 'type="radio"' in tag
    }
    assert ("saved_search", "daily") in checked
    assert ("need_stage", "immediately") in checked
    assert len(checked) == len(offered)


def test_saving_the_settings_changes_only_ones_own(client, login, make, world):
    reader, other = world["reader"], make.user(make.supplier())
    login(reader)
    choices = {kind: "immediately" for kind in views.KIND_LABELS} | {
        "need_stage": "weekly",
        "new_response": "off",
    }
    response = client.post("/notifications/settings", data=choices)
    assert response.headers["Location"] == "/notifications/settings"
    assert service.preferences(reader)["need_stage"] == Frequency.WEEKLY
    assert service.preferences(reader)["new_response"] == Frequency.OFF
    assert service.preferences(other)["need_stage"] == Frequency.IMMEDIATELY
    bad = client.post("/notifications/settings", data={**choices, "need_stage": "hourly"})
    assert bad.status_code == 422
    assert service.preferences(reader)["need_stage"] == Frequency.WEEKLY


# -- unsubscribe ----------------------------------------------------------------------------------


def test_unsubscribe_works_without_login_and_without_a_form_token(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    reader = world["reader"]
    token = service.unsubscribe_token(reader, ["need_stage"])
    page = text(client.get(f"/notifications/unsubscribe/{token}"))
    assert "Stop these e-mails" in page
    assert str(views.KIND_LABELS["need_stage"]) in page
    assert service.preferences(reader)["need_stage"] == Frequency.IMMEDIATELY  # GET changes nothing
    # A mail program's one-click POST (RFC 8058) carries no CSRF token.
    done = client.post(f"/notifications/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You will get no more of these e-mails" in text(done)
    assert service.preferences(reader)["need_stage"] == Frequency.OFF
    # Other forms still need their token.
    assert client.post("/language", data={"lang": "en"}).status_code == 400


def test_a_tampered_unsubscribe_link_is_not_found(client, world):
    token = service.unsubscribe_token(world["reader"], ["need_stage"])
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "nonsense"):
        assert client.get(f"/notifications/unsubscribe/{bad}").status_code == 404
        assert client.post(f"/notifications/unsubscribe/{bad}").status_code == 404
    assert service.preferences(world["reader"])["need_stage"] == Frequency.IMMEDIATELY


# -- language -------------------------------------------------------------------------------------


def test_the_language_switch_is_remembered_for_a_logged_in_users_mail(client, login, world):
    reader = world["reader"]
    client.post("/language", data={"lang": "en", "next": "/"})  # anonymous: the session only
    login(reader)
    client.post("/language", data={"lang": "en", "next": "/"})
    db.session.expire_all()
    assert db.session.get(User, reader.id).locale == "en"
    client.post("/language", data={"lang": "xx", "next": "/"})
    db.session.expire_all()
    assert db.session.get(User, reader.id).locale == "en"

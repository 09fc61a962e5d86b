"""Coordination groups on the site and in the API: status codes, forms, who sees and may do what."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import (
    CoordinationGroup,
    GroupMember,
    GroupPost,
    GroupStage,
    MembershipStatus,
    Need,
    Notification,
    Organisation,
    Role,
    Stage,
    User,
)
from network.services import coordination as service
from tests.helpers import count

SECRET = "Internt: vi ser for oss et budsjett på to millioner."

# Every write of the blueprint; an anonymous visitor is sent to the login.
WRITES = [
    ("/needs/{need_a}/coordination/invite", "coordination.invite"),
    ("/coordination-groups/start", "coordination.start"),
    ("/coordination-groups/{group}/invitation", "coordination.answer"),
    ("/coordination-groups/{group}/request", "coordination.request_to_join"),
    ("/coordination-groups/{group}/requests/{c}", "coordination.decide"),
    ("/coordination-groups/{group}/needs", "coordination.add_need"),
    ("/coordination-groups/{group}/stage", "coordination.stage"),
    ("/coordination-groups/{group}/posts", "coordination.post"),
    ("/coordination-groups/{group}/leave", "coordination.leave"),
]
PUBLIC = {"coordination.index", "coordination.detail"}
ANY_FORM = {"peer_need_id": "1", "answer": "accept", "need_id": "1", "stage": "agreed", "text": "Hei"}


@dataclass
class World:
    a: Organisation
    a_user: User
    need_a: Need
    b: Organisation
    b_user: User
    need_b: Need
    c: Organisation
    c_user: User
    need_c: Need
    supplier_user: User
    group: CoordinationGroup | None = None

    def url(self, template: str) -> str:
        return template.format(
            need_a=self.need_a.id,
            need_b=self.need_b.id,
            need_c=self.need_c.id,
            group=self.group.id if self.group else 0,
            c=self.c.id,
        )


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def in_request(app):
    """Runs service calls the way a request would (notices link to pages, built with url_for)."""

    def _run(work, *args, **kwargs):
        with app.test_request_context():
            return work(*args, **kwargs)

    return _run


@pytest.fixture
def world(make) -> World:
    a = make.public_body(name="Oslo kommune")
    b = make.public_body(name="Bergen kommune", kommune="4601")
    c = make.public_body(name="Trondheim kommune", kommune="5001")
    return World(
        a=a,
        a_user=make.user(a),
        need_a=make.need(a, title="Fallvarsling på sykehjem om natten"),
        b=b,
        b_user=make.user(b),
        need_b=make.need(b, title="Varsling ved fall på sykehjem"),
        c=c,
        c_user=make.user(c),
        need_c=make.need(c, title="Sensorer mot fall på sykehjem"),
        supplier_user=make.user(make.supplier()),
    )


@pytest.fixture
def joined(world, in_request) -> World:
    """A leads a group with B as a member, and A has written in the discussion."""
    world.group = in_request(service.invite_peer, world.a_user, world.need_a, world.need_b)
    in_request(service.answer_invitation, world.b_user, world.group, True)
    in_request(service.post_message, world.a_user, world.group, SECRET)
    return world


@pytest.fixture
def as_user(client, login):
    def _as(user):
        client.post("/logout")
        if user is not None:
            login(user)
        return client

    return _as


def page(response) -> str:
    return response.get_data(as_text=True)


def status(group_id: int, org_id: int) -> MembershipStatus | None:
    db.session.expire_all()
    member = db.session.scalar(
        sa.select(GroupMember).where(GroupMember.group_id == group_id, GroupMember.organisation_id == org_id)
    )
    return member.status if member else None


# -- routes and the login ---------------------------------------------------------------------


def test_every_coordination_route_is_public_or_needs_a_login(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("coordination.")}

    assert endpoints == PUBLIC | {endpoint for _, endpoint in WRITES}


def test_anonymous_writes_go_to_the_login_and_change_nothing(client, joined):
    before = (count(CoordinationGroup), count(GroupMember), count(GroupPost))

    for url, _ in WRITES:
        response = client.post(joined.url(url), data=ANY_FORM)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
        assert "next=" in response.headers["Location"], url

    assert (count(CoordinationGroup), count(GroupMember), count(GroupPost)) == before


# -- the public pages -------------------------------------------------------------------------


def test_anyone_sees_the_list_and_the_groups_public_parts(client, joined):
    listing = page(client.get("/coordination-groups"))
    response = client.get(joined.url("/coordination-groups/{group}"))
    html = page(response)

    assert joined.group.title in listing
    assert response.status_code == 200
    for text in (joined.group.title, joined.a.name, joined.b.name, joined.need_a.title, joined.need_b.title):
        assert text in html
    assert "Exploring" in html
    assert f'href="/needs/{joined.need_b.id}"' in html


def test_the_discussion_is_hidden_from_anonymous_visitors(client, joined):
    html = page(client.get(joined.url("/coordination-groups/{group}")))

    assert SECRET not in html
    assert 'id="discussion"' not in html
    assert "/posts" not in html


def test_a_missing_group_is_404(client):
    assert client.get("/coordination-groups/999").status_code == 404
    assert client.get("/api/coordination-groups/999").status_code == 404
    assert client.get("/api/coordination-groups/999").get_json() == {"error": "No such coordination group."}


def test_the_list_pages(client, make, world, in_request):
    for n in range(3):
        peer = make.need(make.public_body(), title=f"Fallvarsling {n}")
        in_request(service.invite_peer, world.a_user, make.need(world.a, title=f"Tilsyn {n}"), peer)

    first = page(client.get("/coordination-groups"))
    beyond = client.get("/coordination-groups?page=99")

    assert first.count('class="card"') == 3
    assert beyond.status_code == 200
    assert "Tilsyn" not in page(beyond)


def test_the_need_page_names_its_group_for_everyone(client, joined):
    html = page(client.get(joined.url("/needs/{need_b}")))

    assert 'id="need-group"' in html
    assert "Part of coordination group" in html
    assert joined.url('href="/coordination-groups/{group}"') in html
    assert "2 bodies" in html


# -- who sees the discussion ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lead", "member"])
def test_members_see_the_discussion_and_its_form(as_user, joined, who):
    client = as_user(joined.a_user if who == "lead" else joined.b_user)

    html = page(client.get(joined.url("/coordination-groups/{group}")))

    assert SECRET in html
    assert joined.url('action="/coordination-groups/{group}/posts"') in html
    assert 'name="csrf_token"' in html


@pytest.mark.parametrize("who", ["invited", "supplier", "other_body", "site_admin"])
def test_non_members_neither_see_nor_write_the_discussion(as_user, make, joined, in_request, who):
    if who == "invited":
        in_request(service.invite_peer, joined.a_user, joined.need_a, joined.need_c)
    user = {
        "invited": joined.c_user,
        "supplier": joined.supplier_user,
        "other_body": make.user(make.public_body()),
        "site_admin": make.user(site_admin=True),
    }[who]
    client = as_user(user)

    html = page(client.get(joined.url("/coordination-groups/{group}")))
    response = client.post(joined.url("/coordination-groups/{group}/posts"), data={"text": "Kan vi lese?"})

    assert SECRET not in html
    assert 'id="discussion"' not in html
    assert response.status_code == 403
    assert count(GroupPost) == 1


def test_a_member_posts_and_an_empty_message_is_shown_again_with_an_error(as_user, joined):
    client = as_user(joined.b_user)

    ok = client.post(joined.url("/coordination-groups/{group}/posts"), data={"text": "Bergen er med."})
    empty = client.post(joined.url("/coordination-groups/{group}/posts"), data={"text": "   "})

    assert ok.status_code == 302
    assert ok.headers["Location"].endswith("#discussion")
    assert "Bergen er med." in page(client.get(joined.url("/coordination-groups/{group}")))
    assert empty.status_code == 422
    assert 'aria-invalid="true"' in page(empty)
    assert count(GroupPost) == 2


# -- inviting from the need page --------------------------------------------------------------


def test_the_owner_sees_an_invite_button_for_each_peer(as_user, world):
    client = as_user(world.a_user)

    html = page(client.get(world.url("/needs/{need_a}")))

    assert world.url('action="/needs/{need_a}/coordination/invite"') in html
    assert f'name="peer_need_id" value="{world.need_b.id}"' in html
    assert f'name="peer_need_id" value="{world.need_c.id}"' in html


@pytest.mark.parametrize("who", ["anonymous", "supplier", "other_body"])
def test_others_see_no_invite_button(as_user, world, who):
    client = as_user({"anonymous": None, "supplier": world.supplier_user, "other_body": world.c_user}[who])

    html = page(client.get(world.url("/needs/{need_a}")))

    assert world.need_b.title in html  # the peers panel is there ...
    assert "coordination/invite" not in html  # ... without the buttons


def test_inviting_from_the_need_page(as_user, world):
    client = as_user(world.a_user)

    response = client.post(
        world.url("/needs/{need_a}/coordination/invite"), data={"peer_need_id": world.need_b.id}
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(world.url("/needs/{need_a}#h-peers"))
    group = db.session.scalar(sa.select(CoordinationGroup))
    assert status(group.id, world.b.id) == MembershipStatus.INVITED
    html = page(client.get(world.url("/needs/{need_a}")))
    assert "is invited to the coordination group" in html
    assert "Invited to the group" in html  # the peer's button became a label
    assert f'name="peer_need_id" value="{world.need_b.id}"' not in html


def test_inviting_twice_is_told_not_failed(as_user, world):
    client = as_user(world.a_user)
    client.post(world.url("/needs/{need_a}/coordination/invite"), data={"peer_need_id": world.need_b.id})

    response = client.post(
        world.url("/needs/{need_a}/coordination/invite"),
        data={"peer_need_id": world.need_b.id},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "already invited" in page(response)
    assert count(GroupMember) == 2


@pytest.mark.parametrize("who", ["supplier", "other_body", "unverified_body", "site_admin"])
def test_only_the_owning_verified_body_invites(as_user, make, world, who):
    user = {
        "supplier": world.supplier_user,
        "other_body": world.c_user,
        "unverified_body": make.user(make.public_body(verified=False)),
        "site_admin": make.user(site_admin=True),
    }[who]

    response = as_user(user).post(
        world.url("/needs/{need_a}/coordination/invite"), data={"peer_need_id": world.need_b.id}
    )

    assert response.status_code == 403
    assert count(CoordinationGroup) == 0


def test_inviting_needs_an_existing_published_peer(as_user, make, world):
    client = as_user(world.a_user)
    other_draft = make.need(world.b, stage=Stage.DRAFT)
    url = world.url("/needs/{need_a}/coordination/invite")

    assert client.post(url, data={}).status_code == 400
    assert client.post(url, data={"peer_need_id": "abc"}).status_code == 400
    assert client.post(url, data={"peer_need_id": "999999"}).status_code == 404
    assert client.post(url, data={"peer_need_id": other_draft.id}).status_code == 404
    assert (
        client.post("/needs/999999/coordination/invite", data={"peer_need_id": world.need_b.id}).status_code
        == 404
    )
    assert count(CoordinationGroup) == 0


def test_a_member_that_does_not_lead_is_told_who_invites(as_user, joined):
    html = page(as_user(joined.b_user).get(joined.url("/needs/{need_b}")))

    assert f"Only the group's lead body, {joined.a.name}, invites" in html
    assert "coordination/invite" not in html


# -- answering --------------------------------------------------------------------------------


def test_the_invited_body_accepts_on_the_group_page(as_user, world, in_request):
    world.group = in_request(service.invite_peer, world.a_user, world.need_a, world.need_b)
    client = as_user(world.b_user)

    before = page(client.get(world.url("/coordination-groups/{group}")))
    response = client.post(world.url("/coordination-groups/{group}/invitation"), data={"answer": "accept"})
    after = page(client.get(world.url("/coordination-groups/{group}")))

    assert 'id="invitation"' in before
    assert world.url('action="/coordination-groups/{group}/invitation"') in before
    assert response.status_code == 302
    assert status(world.group.id, world.b.id) == MembershipStatus.MEMBER
    assert 'id="discussion"' in after
    assert 'id="invitation"' not in after


def test_the_invited_body_may_answer_from_its_need_page(as_user, world, in_request):
    world.group = in_request(service.invite_peer, world.a_user, world.need_a, world.need_b)

    html = page(as_user(world.b_user).get(world.url("/needs/{need_b}")))

    assert 'id="need-invitation"' in html
    assert world.url('action="/coordination-groups/{group}/invitation"') in html


def test_declining(as_user, world, in_request):
    world.group = in_request(service.invite_peer, world.a_user, world.need_a, world.need_b)

    response = as_user(world.b_user).post(
        world.url("/coordination-groups/{group}/invitation"), data={"answer": "decline"}
    )

    assert response.status_code == 302
    assert status(world.group.id, world.b.id) == MembershipStatus.DECLINED


@pytest.mark.parametrize("who", ["lead", "third_body", "supplier"])
def test_only_the_invited_body_answers(as_user, world, in_request, who):
    world.group = in_request(service.invite_peer, world.a_user, world.need_a, world.need_b)
    client = as_user({"lead": world.a_user, "third_body": world.c_user, "supplier": world.supplier_user}[who])

    response = client.post(world.url("/coordination-groups/{group}/invitation"), data={"answer": "accept"})

    assert response.status_code == 403
    assert status(world.group.id, world.b.id) == MembershipStatus.INVITED


def test_an_answer_must_be_accept_or_decline(as_user, world, in_request):
    world.group = in_request(service.invite_peer, world.a_user, world.need_a, world.need_b)

    response = as_user(world.b_user).post(
        world.url("/coordination-groups/{group}/invitation"), data={"answer": "maybe"}
    )

    assert response.status_code == 400
    assert status(world.group.id, world.b.id) == MembershipStatus.INVITED


# -- asking to join and deciding --------------------------------------------------------------


def test_a_verified_body_asks_to_join_and_the_lead_accepts(as_user, joined):
    client = as_user(joined.c_user)
    form = page(client.get(joined.url("/coordination-groups/{group}")))
    asked = client.post(
        joined.url("/coordination-groups/{group}/request"), data={"need_id": joined.need_c.id}
    )

    lead = as_user(joined.a_user)
    lead_page = page(lead.get(joined.url("/coordination-groups/{group}")))
    decided = lead.post(joined.url("/coordination-groups/{group}/requests/{c}"), data={"answer": "accept"})

    assert joined.url('action="/coordination-groups/{group}/request"') in form
    assert f'<option value="{joined.need_c.id}">' in form
    assert asked.status_code == 302
    assert joined.url('action="/coordination-groups/{group}/requests/{c}"') in lead_page
    assert decided.status_code == 302
    assert status(joined.group.id, joined.c.id) == MembershipStatus.MEMBER
    assert service.group_id_of_need(joined.need_c.id) == joined.group.id


@pytest.mark.parametrize("who", ["supplier", "unverified_body"])
def test_only_verified_public_bodies_ask_to_join(as_user, make, joined, who):
    user = joined.supplier_user if who == "supplier" else make.user(make.public_body(verified=False))
    client = as_user(user)

    html = page(client.get(joined.url("/coordination-groups/{group}")))
    response = client.post(joined.url("/coordination-groups/{group}/request"), data={})

    assert "/request" not in html
    assert "Only verified public bodies take part" in html
    assert response.status_code == 403
    assert count(GroupMember) == 2


@pytest.mark.parametrize("who", ["member", "requester", "other_body"])
def test_only_the_lead_decides_requests(as_user, make, joined, in_request, who):
    in_request(service.request_to_join, joined.c_user, joined.group, joined.need_c)
    user = {"member": joined.b_user, "requester": joined.c_user, "other_body": make.user(make.public_body())}[
        who
    ]
    client = as_user(user)

    html = page(client.get(joined.url("/coordination-groups/{group}")))
    response = client.post(joined.url("/coordination-groups/{group}/requests/{c}"), data={"answer": "accept"})

    assert "/requests/" not in html
    assert response.status_code == 403
    assert status(joined.group.id, joined.c.id) == MembershipStatus.REQUESTED


def test_deciding_a_request_that_does_not_exist_is_404(as_user, joined):
    response = as_user(joined.a_user).post(
        joined.url("/coordination-groups/{group}/requests/{c}"), data={"answer": "accept"}
    )

    assert response.status_code == 404


def test_a_member_adds_another_need(as_user, make, joined):
    later = make.need(joined.b, title="Nattlig tilsyn i omsorgsboliger")
    client = as_user(joined.b_user)

    html = page(client.get(joined.url("/coordination-groups/{group}")))
    response = client.post(joined.url("/coordination-groups/{group}/needs"), data={"need_id": later.id})

    assert f'<option value="{later.id}">' in html
    assert response.status_code == 302
    assert service.group_id_of_need(later.id) == joined.group.id


# -- the stage --------------------------------------------------------------------------------


def test_the_lead_changes_the_stage(as_user, joined):
    client = as_user(joined.a_user)

    html = page(client.get(joined.url("/coordination-groups/{group}")))
    response = client.post(joined.url("/coordination-groups/{group}/stage"), data={"stage": "agreed"})
    skipped = client.post(
        joined.url("/coordination-groups/{group}/stage"), data={"stage": "done"}, follow_redirects=True
    )

    assert joined.url('action="/coordination-groups/{group}/stage"') in html
    assert response.status_code == 302
    assert skipped.status_code == 200
    assert "one stage on or one stage back" in page(skipped)
    db.session.expire_all()
    assert db.session.get(CoordinationGroup, joined.group.id).stage == GroupStage.AGREED


@pytest.mark.parametrize("who", ["member", "supplier", "other_body"])
def test_only_the_lead_changes_the_stage(as_user, make, joined, who):
    user = {"member": joined.b_user, "supplier": joined.supplier_user, "other_body": joined.c_user}[who]
    client = as_user(user)

    html = page(client.get(joined.url("/coordination-groups/{group}")))
    response = client.post(joined.url("/coordination-groups/{group}/stage"), data={"stage": "agreed"})

    assert "/stage" not in html
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(CoordinationGroup, joined.group.id).stage == GroupStage.EXPLORING


# -- CSRF -------------------------------------------------------------------------------------


def test_the_forms_are_protected_against_cross_site_requests(app, as_user, joined):
    client = as_user(joined.a_user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        html = page(client.get(joined.url("/needs/{need_a}")))
        response = client.post(
            joined.url("/needs/{need_a}/coordination/invite"), data={"peer_need_id": joined.need_c.id}
        )
        stage = client.post(joined.url("/coordination-groups/{group}/stage"), data={"stage": "agreed"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False

    form = html[html.index('class="inline invite-peer"') :]
    form = form[: form.index("</form>")]
    assert 'name="csrf_token"' in form
    assert response.status_code == 400
    assert stage.status_code == 400
    assert status(joined.group.id, joined.c.id) is None
    db.session.expire_all()
    assert db.session.get(CoordinationGroup, joined.group.id).stage == GroupStage.EXPLORING


# -- while writing a need ---------------------------------------------------------------------

SIMILAR = {"title": "Varsling ved fall på sykehjem om natten", "cpv": "48000000", "domain": "health"}


def test_the_similar_panel_offers_to_join_a_group_or_to_start_one(as_user, make, joined):
    loner = make.need(make.public_body(name="Tromsø kommune"), title="Fallvarsling på sykehjem i nord")
    client = as_user(joined.c_user)

    html = page(client.get("/needs/similar", query_string=SIMILAR))

    assert joined.url('action="/coordination-groups/{group}/request"') in html
    assert 'target="_blank"' in html  # the need being written stays in its tab
    assert 'name="csrf_token"' in html
    assert loner.title in html
    assert f'name="peer_need_id" value="{loner.id}"' in html
    assert "Start a coordination group with them" in html


def test_the_similar_panel_offers_to_start_a_group_with_the_body_of_an_ungrouped_need(as_user, make, world):
    client = as_user(world.c_user)

    html = page(client.get("/needs/similar", query_string=SIMILAR))

    form = html[html.index('action="/coordination-groups/start"') :]
    form = form[: form.index("</form>")]
    assert 'class="inline start-group-form"' in form
    assert 'target="_blank"' in form
    assert 'name="csrf_token"' in form
    assert "Start a coordination group with them" in form
    assert f'name="peer_need_id" value="{world.need_a.id}"' in html
    assert f'name="peer_need_id" value="{world.need_b.id}"' in html
    # Its own organisation's need is not offered.
    assert f'name="peer_need_id" value="{world.need_c.id}"' not in html


@pytest.mark.parametrize("who", ["supplier", "unverified_body"])
def test_only_a_verified_body_is_offered_to_start_a_group(as_user, make, world, who):
    user = world.supplier_user if who == "supplier" else make.user(make.public_body(verified=False))

    html = page(as_user(user).get("/needs/similar", query_string=SIMILAR))

    assert world.need_b.title in html
    assert "/coordination-groups/start" not in html


def test_starting_a_group_from_the_similar_panel(as_user, world):
    client = as_user(world.c_user)

    response = client.post("/coordination-groups/start", data={"peer_need_id": world.need_b.id})

    group = db.session.scalar(sa.select(CoordinationGroup))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/coordination-groups/{group.id}")
    assert group.lead_id == world.c.id
    assert group.title == world.need_b.title
    assert group.needs == []
    assert status(group.id, world.c.id) == MembershipStatus.MEMBER
    assert status(group.id, world.b.id) == MembershipStatus.INVITED
    html = page(client.get(f"/coordination-groups/{group.id}"))
    assert "is invited to the new coordination group" in html
    assert "can be added to the group once it is published" in html
    assert 'id="add-need"' in html  # C's published need can be brought now


def test_starting_a_group_is_refused_for_a_grouped_peer_and_for_others(as_user, make, joined):
    client = as_user(joined.c_user)

    response = client.post(
        "/coordination-groups/start", data={"peer_need_id": joined.need_b.id}, follow_redirects=True
    )

    assert response.status_code == 200
    assert "already part of the coordination group" in page(response)
    assert count(CoordinationGroup) == 1
    supplier = as_user(joined.supplier_user)
    assert (
        supplier.post("/coordination-groups/start", data={"peer_need_id": joined.need_c.id}).status_code
        == 403
    )
    assert supplier.post("/coordination-groups/start", data={}).status_code == 400
    assert count(CoordinationGroup) == 1


def test_the_similar_panel_tells_an_unverified_body_why_it_cannot_join(as_user, make, joined):
    client = as_user(make.user(make.public_body(verified=False)))

    html = page(client.get("/needs/similar", query_string=SIMILAR))

    assert joined.need_a.title in html
    assert "/request" not in html
    assert "must be verified by an administrator before it can join" in html


def test_a_drafts_page_offers_to_join_the_group_of_a_similar_need(as_user, make, joined):
    draft = make.need(joined.c, stage=Stage.DRAFT, title="Varsling ved fall på sykehjem om natten")
    client = as_user(joined.c_user)

    html = page(client.get(f"/needs/{draft.id}"))

    assert joined.url('action="/coordination-groups/{group}/request"') in html
    assert 'target="_blank"' not in html


def test_the_peers_panel_offers_to_join_with_a_need_that_is_in_no_group(as_user, joined):
    html = page(as_user(joined.c_user).get(joined.url("/needs/{need_c}")))

    assert joined.url('action="/coordination-groups/{group}/request"') in html
    assert f'name="need_id" value="{joined.need_c.id}"' in html


# -- the API ----------------------------------------------------------------------------------


def test_the_api_lists_groups_with_their_public_parts(client, joined, in_request):
    in_request(service.invite_peer, joined.a_user, joined.need_a, joined.need_c)

    listing = client.get("/api/coordination-groups").get_json()
    one = client.get(joined.url("/api/coordination-groups/{group}")).get_json()

    assert listing["total"] == 1
    assert listing["page"] == 1
    assert listing["items"] == [one]
    assert one["id"] == joined.group.id
    assert one["url"].endswith(joined.url("/coordination-groups/{group}"))
    assert one["stage"] == "exploring"
    assert one["lead"]["name"] == joined.a.name
    assert {m["id"] for m in one["members"]} == {joined.a.id, joined.b.id}
    assert {n["id"] for n in one["needs"]} == {joined.need_a.id, joined.need_b.id}
    assert {"id", "key", "url", "title"} <= set(one["needs"][0])
    assert SECRET not in str(one)
    assert joined.c.name not in str(one)  # an open invitation is not public


def test_the_api_pages_and_refuses_bad_parameters(client, make, world, in_request):
    for n in range(3):
        in_request(service.invite_peer, world.a_user, make.need(world.a, title=f"Tilsyn {n}"), world.need_b)
        world.need_b = make.need(world.b, title=f"Fall {n}")

    second = client.get("/api/coordination-groups?per_page=2&page=2").get_json()
    bad = client.get("/api/coordination-groups?per_page=0")

    assert second["total"] == 3
    assert len(second["items"]) == 1
    assert bad.status_code == 400
    assert "per_page" in bad.get_json()["error"]


def test_need_objects_carry_their_group(client, joined):
    assert client.get(joined.url("/api/needs/{need_b}")).get_json()["coordination_group"] == joined.group.id
    assert client.get(joined.url("/api/needs/{need_c}")).get_json()["coordination_group"] is None


def test_the_need_page_reads_the_group_with_few_queries(app, client, make, joined, in_request):
    for n in range(4):
        body = make.public_body(name=f"Kommune {n}")
        make.user(body)
        peer = make.need(body, title=f"Fallvarsling {n}")
        in_request(service.invite_peer, joined.a_user, joined.need_a, peer)
        in_request(service.answer_invitation, body.users[0], joined.group, True)
    statements = []

    def _count(conn, cursor, statement, *args):
        statements.append(statement)

    from network.views import coordination as views

    sa.event.listen(db.engine, "before_cursor_execute", _count)
    try:
        with app.test_request_context():
            db.session.expire_all()
            info = views.need_context(db.session.get(Need, joined.need_a.id), None)["coordination"]
            assert len(info.members) == 6
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", _count)

    # The need, then its group with the lead, the memberships with their organisations, the needs.
    assert len(statements) <= 4, statements


def test_roles_do_not_matter_inside_a_body(as_user, make, world):
    colleague = make.user(world.a, role=Role.MEMBER)

    response = as_user(colleague).post(
        world.url("/needs/{need_a}/coordination/invite"), data={"peer_need_id": world.need_b.id}
    )

    assert response.status_code == 302
    assert count(CoordinationGroup) == 1


# -- group spam -------------------------------------------------------------------------------


def test_starting_again_with_the_same_peer_need_leads_to_the_open_group(as_user, world):
    client = as_user(world.c_user)

    first = client.post("/coordination-groups/start", data={"peer_need_id": world.need_b.id})
    again = [client.post("/coordination-groups/start", data={"peer_need_id": world.need_b.id}) for _ in "ab"]

    group = db.session.scalar(sa.select(CoordinationGroup))
    assert count(CoordinationGroup) == 1
    for response in (first, *again):
        assert response.headers["Location"].endswith(f"/coordination-groups/{group.id}")
    html = page(client.get(f"/coordination-groups/{group.id}"))
    assert "Bergen kommune is already invited with this need to your coordination group" in html
    assert count(Notification) == 1


def test_inviting_a_peer_need_already_invited_from_another_need_adds_no_group(as_user, make, world):
    client = as_user(world.a_user)
    client.post(f"/needs/{world.need_a.id}/coordination/invite", data={"peer_need_id": world.need_b.id})
    other_need = make.need(world.a, title="Trygghetsalarm med fallsensor")

    response = client.post(
        f"/needs/{other_need.id}/coordination/invite",
        data={"peer_need_id": world.need_b.id},
        follow_redirects=True,
    )

    assert "Bergen kommune is already invited with this need" in page(response)
    assert count(CoordinationGroup) == 1


def test_a_user_starts_a_limited_number_of_groups_a_day(app, as_user, make, world):
    app.config["GROUPS_PER_DAY"] = 2
    client = as_user(world.c_user)
    third_peer = make.need(world.b, title="Lysstyring i omsorgsboliger")
    for need in (world.need_a, world.need_b):
        client.post("/coordination-groups/start", data={"peer_need_id": need.id})

    response = client.post(
        "/coordination-groups/start", data={"peer_need_id": third_peer.id}, follow_redirects=True
    )

    assert "You have started 2 coordination groups in the last 24 hours" in page(response)
    assert count(CoordinationGroup) == 2
    # The limit is per user: a user of another body is not held back by it.
    other = as_user(world.a_user)
    other.post(f"/needs/{world.need_a.id}/coordination/invite", data={"peer_need_id": third_peer.id})
    assert count(CoordinationGroup) == 3


def test_group_starts_from_one_address_are_rate_limited(app, as_user, world):
    app.config["GROUP_LIMIT"] = 3
    client = as_user(world.c_user)
    for _ in range(3):
        client.post("/coordination-groups/start", data={"peer_need_id": world.need_b.id})

    response = client.post("/coordination-groups/start", data={"peer_need_id": world.need_a.id})

    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert count(CoordinationGroup) == 1

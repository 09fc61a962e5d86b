"""Every permission rule of the web layer: the wrong user is turned away and nothing changes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from network.extensions import db
from network.models import (
    Capability,
    Invitation,
    Need,
    Organisation,
    Response,
    ResponseStatus,
    Role,
    Stage,
    User,
)
from network.services import responses as responses_service
from tests.factories import PASSWORD

LOGIN = "login"  # expected answer of a login-required route to an anonymous visitor: 302 to /login


NEED_FORM = {
    "title": "Endret tittel",
    "description": "Endret beskrivelse",
    "domain": "health",
    "route": "undecided",
}
CAPABILITY_FORM = {
    "title": "Endret evne",
    "description": "Endret beskrivelse",
    "domains": ["health"],
    "maturity": "pilot",
}
RESPONSE_MESSAGE = "Vi har levert trygghetsteknologi til tolv kommuner og vil gjerne i dialog."


# -- helpers ----------------------------------------------------------------------------------


def state(model, row_id: int) -> dict | None:
    """The row as the database has it now (a session of its own, so nothing cached is read)."""
    with Session(db.engine) as session:
        row = session.get(model, row_id)
        if row is None:
            return None
        return {column.key: getattr(row, column.key) for column in model.__table__.columns}


def count(model) -> int:
    with Session(db.engine) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def outbox(app) -> list[Path]:
    return sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))


def denial_error(response, expected) -> str | None:
    """None when the response turns the user away as expected, else what happened instead."""
    if expected == LOGIN:
        if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
            return None
    elif response.status_code == expected:
        return None
    return f"got {response.status_code} {response.headers.get('Location', '')}, expected {expected}"


def assert_denied(response, expected) -> None:
    error = denial_error(response, expected)
    assert error is None, f"{error}: {response.get_data(as_text=True)[:300]}"


def expected_for(kind: str, status: int):
    """Anonymous visitors meet the login before any rule; everyone else gets the rule's answer."""
    return LOGIN if kind == "anonymous" else status


def user_of_kind(make, kind: str, world=None):
    """A user of one kind; 'member' is a plain member of the world's public body, 'supplier_member' of
    its supplier, and 'responder' the user whose supplier responded to the world's open need."""
    if kind == "anonymous":
        return None
    if kind == "supplier":
        return make.user(make.supplier())
    if kind == "other_body":
        return make.user(make.public_body())
    if kind == "unverified_body":
        return make.user(make.public_body(verified=False))
    if kind == "site_admin":
        return make.user(site_admin=True)
    if kind == "no_organisation":
        return make.user(None, role=Role.MEMBER)
    if kind == "member":
        return make.user(world.body, role=Role.MEMBER)
    if kind == "supplier_member":
        return make.user(world.supplier, role=Role.MEMBER)
    if kind == "responder":
        return world.supplier_user
    raise AssertionError(kind)


@dataclass
class World:
    body: Organisation
    admin: User
    draft: Need
    need: Need
    supplier: Organisation
    supplier_user: User
    cap: Capability
    response: Response

    def url(self, template: str) -> str:
        return template.format(
            draft=self.draft.id,
            need=self.need.id,
            cap=self.cap.id,
            body=self.body.id,
            supplier=self.supplier.id,
            response=self.response.id,
        )


@pytest.fixture
def world(make):
    body = make.public_body(name="Eierkommune")
    admin = make.user(body)
    draft = make.need(body, stage=Stage.DRAFT, title="Hemmelig utkast om velferdsteknologi")
    need = make.need(body, title="Digitalt tilsyn for hjemmeboende")
    supplier = make.supplier(name="Svarende Leverandør AS")
    supplier_user = make.user(supplier)
    cap = make.capability(supplier)
    response = responses_service.submit_response(
        supplier_user, need, responses_service.ResponseDraft(message=RESPONSE_MESSAGE)
    )
    return World(body, admin, draft, need, supplier, supplier_user, cap, response)


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def as_user(client, login):
    def _as(user):
        if user is not None:
            login(user)
        return client

    return _as


def send(client, method: str, url: str, data=None):
    return client.open(url, method=method.upper(), data=data or {})


def check_all(client, requests, expected) -> list[str]:
    """Send each (method, url, data); the list of those that were not turned away as expected."""
    failures = []
    for method, url, data in requests:
        error = denial_error(send(client, method, url, data), expected)
        if error:
            failures.append(f"{method.upper()} {url}: {error}")
    return failures


# -- anonymous visitors and the login ---------------------------------------------------------

LOGIN_REQUIRED = [
    ("get", "/dashboard", "main.dashboard"),
    ("post", "/logout", "auth.logout"),
    ("get", "/needs/mine", "needs.mine"),
    ("get", "/needs/new", "needs.create"),
    ("post", "/needs/new", "needs.create"),
    ("get", "/needs/similar?title=tilsyn", "needs.similar"),
    ("get", "/needs/{need}/edit", "needs.edit"),
    ("post", "/needs/{need}/edit", "needs.edit"),
    ("post", "/needs/{draft}/publish", "needs.publish"),
    ("post", "/needs/{need}/stage", "needs.stage"),
    ("get", "/needs/{draft}/delete", "needs.delete"),
    ("post", "/needs/{draft}/delete", "needs.delete"),
    ("post", "/needs/{need}/responses", "needs.respond"),
    ("post", "/needs/responses/{response}/status", "needs.response_status"),
    ("get", "/capabilities/new", "capabilities.create"),
    ("post", "/capabilities/new", "capabilities.create"),
    ("get", "/capabilities/{cap}/edit", "capabilities.edit"),
    ("post", "/capabilities/{cap}/edit", "capabilities.edit"),
    ("get", "/capabilities/{cap}/delete", "capabilities.delete"),
    ("post", "/capabilities/{cap}/delete", "capabilities.delete"),
    ("get", "/organisations/{body}/edit", "organisations.edit"),
    ("post", "/organisations/{body}/edit", "organisations.edit"),
    ("get", "/organisations/members", "organisations.members"),
    ("post", "/organisations/members", "organisations.members"),
    ("get", "/organisations/for-you", "organisations.for_you"),
    ("get", "/admin/organisations", "admin.organisations"),
    ("post", "/admin/organisations/{body}/verify", "admin.verify"),
    ("get", "/needs/{need}/questions", "dialogue.ask"),
    ("post", "/needs/{need}/questions", "dialogue.ask"),
    ("get", "/questions/1/answer", "dialogue.answer"),
    ("post", "/questions/1/answer", "dialogue.answer"),
    ("get", "/needs/{need}/meetings", "dialogue.schedule"),
    ("post", "/needs/{need}/meetings", "dialogue.schedule"),
    ("get", "/meetings/1", "dialogue.meeting"),
    ("post", "/meetings/1/signup", "dialogue.signup"),
    ("post", "/meetings/1/cancel", "dialogue.cancel_signup"),
    ("get", "/meetings/1/calendar.ics", "dialogue.calendar"),
    ("get", "/needs/{need}/message", "dialogue.message"),
    ("get", "/meetings/1/minutes", "dialogue.meeting_minutes"),
    ("post", "/meetings/1/minutes", "dialogue.meeting_minutes"),
    ("get", "/needs/{need}/slots", "dialogue.offer_slots"),
    ("post", "/needs/{need}/slots", "dialogue.offer_slots"),
    ("post", "/slots/1/book", "dialogue.book_slot"),
    ("get", "/slots/1/cancel", "dialogue.cancel_slot_booking"),
    ("post", "/slots/1/cancel", "dialogue.cancel_slot_booking"),
    ("get", "/slots/1/minutes", "dialogue.slot_minutes"),
    ("get", "/slots/1/withdraw", "dialogue.withdraw_slot"),
    ("get", "/slots/1/calendar.ics", "dialogue.slot_calendar"),
    ("post", "/slots/1/withdraw", "dialogue.withdraw_slot"),
    ("post", "/slots/1/minutes", "dialogue.slot_minutes"),
    ("post", "/needs/{need}/message", "dialogue.message"),
    ("post", "/needs/{need}/coordination/invite", "coordination.invite"),
    ("post", "/coordination-groups/start", "coordination.start"),
    ("post", "/coordination-groups/1/invitation", "coordination.answer"),
    ("post", "/coordination-groups/1/request", "coordination.request_to_join"),
    ("post", "/coordination-groups/1/requests/1", "coordination.decide"),
    ("post", "/coordination-groups/1/needs", "coordination.add_need"),
    ("post", "/coordination-groups/1/stage", "coordination.stage"),
    ("post", "/coordination-groups/1/posts", "coordination.post"),
    ("get", "/coordination-groups/1/leave", "coordination.leave"),
    ("post", "/coordination-groups/1/leave", "coordination.leave"),
    ("get", "/notifications", "notifications.inbox"),
    ("post", "/notifications/read", "notifications.read_all"),
    ("get", "/notifications/1", "notifications.open_notice"),
    ("post", "/notifications/follows/{need}", "notifications.follow"),
    ("post", "/notifications/follows/{need}/delete", "notifications.unfollow"),
    ("post", "/notifications/searches", "notifications.save_search"),
    ("get", "/notifications/searches/1/delete", "notifications.delete_search"),
    ("post", "/notifications/searches/1/delete", "notifications.delete_search"),
    ("get", "/notifications/settings", "notifications.preferences"),
    ("post", "/notifications/settings", "notifications.preferences"),
    ("get", "/audit", "audit.index"),
    ("get", "/account/two-factor", "twofactor.index"),
    ("post", "/account/two-factor", "twofactor.enable"),
    ("post", "/account/two-factor/recovery-codes", "twofactor.recovery_codes"),
    ("post", "/account/two-factor/disable", "twofactor.disable"),
    ("get", "/account", "account.index"),
    ("post", "/account", "account.index"),
    ("get", "/account/password", "account.password"),
    ("post", "/account/password", "account.password"),
    ("get", "/account/email", "account.email"),
    ("post", "/account/email", "account.email"),
    ("get", "/account/deactivate", "account.deactivate"),
    ("post", "/account/deactivate", "account.deactivate"),
    ("post", "/account/export", "account.export"),
    ("get", "/account/delete", "account.delete"),
    ("post", "/account/delete", "account.delete"),
    ("post", "/organisations/members/1/role", "organisations.change_role"),
    ("get", "/organisations/members/1/remove", "organisations.remove_member"),
    ("post", "/organisations/members/1/remove", "organisations.remove_member"),
    ("post", "/organisations/invitations/1/withdraw", "organisations.withdraw_invitation"),
    ("post", "/organisations/join-requests/1/approve", "organisations.approve_join_request"),
    ("get", "/organisations/join-requests/1/refuse", "organisations.refuse_join_request"),
    ("post", "/organisations/join-requests/1/refuse", "organisations.refuse_join_request"),
    ("get", "/admin/organisations/{body}/reject", "admin.reject"),
    ("post", "/admin/organisations/{body}/reject", "admin.reject"),
    ("get", "/admin/organisations/{body}/unverify", "admin.unverify"),
    ("post", "/admin/organisations/{body}/unverify", "admin.unverify"),
    ("get", "/account/sessions", "sessions.index"),
    ("get", "/account/sessions/1/end", "sessions.end"),
    ("post", "/account/sessions/1/end", "sessions.end"),
    ("get", "/account/sessions/end-others", "sessions.end_others"),
    ("post", "/account/sessions/end-others", "sessions.end_others"),
    ("get", "/report/need/{need}", "moderation.report"),
    ("post", "/report/need/{need}", "moderation.report"),
    ("get", "/admin/reports", "moderation.queue"),
    ("get", "/admin/reports/need/{need}/hide", "moderation.hide"),
    ("post", "/admin/reports/need/{need}/hide", "moderation.hide"),
    ("post", "/admin/reports/need/{need}/unhide", "moderation.unhide"),
    ("post", "/admin/reports/need/{need}/dismiss", "moderation.dismiss"),
    ("get", "/admin/organisations/{body}/suspend", "moderation.suspend"),
    ("post", "/admin/organisations/{body}/suspend", "moderation.suspend"),
    ("post", "/admin/organisations/{body}/unsuspend", "moderation.unsuspend"),
    ("get", "/needs/{need}/attachments", "attachments.to_need"),
    ("post", "/needs/{need}/attachments", "attachments.to_need"),
    ("get", "/questions/1/attachments", "attachments.to_question"),
    ("post", "/questions/1/attachments", "attachments.to_question"),
    ("get", "/meetings/1/attachments", "attachments.to_meeting"),
    ("post", "/meetings/1/attachments", "attachments.to_meeting"),
    ("get", "/attachments/1/delete", "attachments.delete"),
    ("post", "/attachments/1/delete", "attachments.delete"),
    ("get", "/needs/{need}/doffin", "announcements.doffin"),
    ("post", "/needs/{need}/doffin", "announcements.doffin"),
]

# Routes anyone may open (what they show is checked by the rules below and in the test_*_views.py files).
PUBLIC_ENDPOINTS = {
    "static",
    "main.index",
    "main.set_language",
    "main.about",
    "legal.terms",
    "legal.privacy",
    "legal.accessibility",
    "auth.register",
    "auth.login",
    "auth.accept_invitation",
    "needs.index",
    "needs.detail",
    "capabilities.detail",
    "organisations.index",
    "organisations.detail",
    "search.index",
    "coordination.index",
    "coordination.detail",
    "notifications.unsubscribe",
    "auth.forgot_password",
    "auth.reset_password",
    # Only after the right password in the same browser; otherwise it sends to the login.
    "twofactor.login_code",
    # The link mailed to a new e-mail address: the token in the address is the proof.
    "account.confirm_email",
    "health.healthz",
    "health.readyz",
    # Whoever may see the record downloads its attachments (services/attachments.may_download).
    "attachments.download",
}

# One form body that would pass every form above, so a refusal is never just a form error.
ANY_FORM = {
    **NEED_FORM,
    "message": RESPONSE_MESSAGE,
    "status": "declined",
    "email": "x@example.no",
    "stage": "cancelled",
    "name": "Kapret",
}


def test_anonymous_visitors_are_sent_to_the_login_and_change_nothing(client, world):
    rows = [
        (Need, world.need.id),
        (Need, world.draft.id),
        (Response, world.response.id),
        (Capability, world.cap.id),
        (Organisation, world.body.id),
    ]
    before = [state(model, row_id) for model, row_id in rows]
    counts = [count(model) for model in (Need, Capability, Response, Invitation, User)]

    failures = []
    for method, url, _ in LOGIN_REQUIRED:
        response = send(client, method, world.url(url), ANY_FORM)
        error = denial_error(response, LOGIN)
        if error is None and "next=" not in response.headers["Location"]:
            error = "the login does not lead back"
        if error:
            failures.append(f"{method.upper()} {url}: {error}")

    assert failures == []
    assert [state(model, row_id) for model, row_id in rows] == before
    assert [count(model) for model in (Need, Capability, Response, Invitation, User)] == counts


def test_every_route_is_either_public_or_covered_by_the_login_test(app):
    """A new route must join one of the lists above, so that someone thinks about who may use it."""
    login_required = {endpoint for _, _, endpoint in LOGIN_REQUIRED}
    site = {rule.endpoint for rule in app.url_map.iter_rules() if not rule.endpoint.startswith("api.")}
    assert site - PUBLIC_ENDPOINTS - login_required == set()
    assert login_required & PUBLIC_ENDPOINTS == set()


def test_the_json_api_only_reads(app):
    writes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"GET", "HEAD", "OPTIONS"}
    }
    assert writes == set()


# -- drafts are visible to their own organisation only ----------------------------------------

DRAFT_ACTIONS = [
    ("get", "/needs/{draft}/edit", None),
    ("post", "/needs/{draft}/edit", NEED_FORM),
    ("post", "/needs/{draft}/publish", None),
    ("get", "/needs/{draft}/delete", None),
    ("post", "/needs/{draft}/delete", None),
    ("post", "/needs/{draft}/stage", {"stage": "open"}),
    ("post", "/needs/{draft}/stage", {"stage": "cancelled"}),
    ("post", "/needs/{draft}/responses", {"message": RESPONSE_MESSAGE}),
]


@pytest.mark.parametrize("kind", ["anonymous", "supplier", "other_body", "site_admin"])
def test_a_draft_is_missing_for_outsiders(as_user, make, world, kind):
    client = as_user(user_of_kind(make, kind))
    before = state(Need, world.draft.id)

    page = client.get(world.url("/needs/{draft}"))
    failures = check_all(client, [(m, world.url(u), d) for m, u, d in DRAFT_ACTIONS], expected_for(kind, 404))

    # The page itself is public, so even an anonymous visitor is told it is missing, not to log in.
    assert_denied(page, 404)
    assert world.draft.title not in page.get_data(as_text=True)
    assert failures == []
    assert state(Need, world.draft.id) == before
    assert count(Response) == 1


@pytest.fixture
def lone_draft(make):
    """A body whose only need is a draft: the lists show nothing of it to outsiders."""
    return make.need(make.public_body(), stage=Stage.DRAFT, title="Hemmelig utkast om velferdsteknologi")


@pytest.mark.parametrize("kind", ["anonymous", "supplier", "other_body", "site_admin"])
def test_drafts_are_not_listed_anywhere_outsiders_look(as_user, make, lone_draft, kind):
    client = as_user(user_of_kind(make, kind))
    urls = [
        "/",
        "/needs",
        f"/organisations/{lone_draft.organisation_id}",
        "/search?q=velferdsteknologi",
        "/search",
        "/api/needs",
    ]
    if kind in ("supplier", "other_body"):
        urls.append("/dashboard")
    for url in urls:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert lone_draft.title not in response.get_data(as_text=True), url


def test_similar_needs_never_show_another_bodys_draft(as_user, make, lone_draft):
    client = as_user(user_of_kind(make, "other_body"))
    published = make.need(make.public_body(), title="Velferdsteknologi i hjemmetjenesten")

    response = client.get(
        "/needs/similar", query_string={"title": lone_draft.title, "cpv": "48000000", "domain": "health"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert published.title in page  # the search worked ...
    assert lone_draft.title not in page  # ... and left the draft out


def test_a_member_of_the_owning_body_sees_and_edits_the_draft(as_user, make, world):
    client = as_user(user_of_kind(make, "member", world))

    assert world.draft.title in client.get(world.url("/needs/{draft}")).get_data(as_text=True)
    assert world.draft.title in client.get(world.url("/organisations/{body}")).get_data(as_text=True)
    assert client.get(world.url("/needs/{draft}/edit")).status_code == 200
    response = client.post(world.url("/needs/{draft}/edit"), data=NEED_FORM)

    assert response.status_code == 302
    assert state(Need, world.draft.id)["title"] == "Endret tittel"


def test_cancelling_a_draft_does_not_make_it_public(as_user, client, world):
    as_user(world.admin).post(world.url("/needs/{draft}/stage"), data={"stage": "cancelled"})
    client.post("/logout")

    assert client.get(world.url("/needs/{draft}")).status_code == 404
    assert world.draft.title not in client.get("/api/needs").get_data(as_text=True)


# -- only the owning body changes its need ----------------------------------------------------

OWNER_ACTIONS = [
    ("get", "/needs/{need}/edit", None),
    ("post", "/needs/{need}/edit", NEED_FORM),
    ("post", "/needs/{need}/publish", None),
    ("post", "/needs/{need}/stage", {"stage": "cancelled"}),
    ("get", "/needs/{need}/delete", None),
    ("post", "/needs/{need}/delete", None),
]


@pytest.mark.parametrize("kind", ["anonymous", "supplier", "other_body", "site_admin"])
def test_only_the_owning_body_changes_a_published_need(as_user, make, world, kind):
    client = as_user(user_of_kind(make, kind))
    before = state(Need, world.need.id)

    failures = check_all(client, [(m, world.url(u), d) for m, u, d in OWNER_ACTIONS], expected_for(kind, 403))

    assert failures == []
    assert state(Need, world.need.id) == before


def test_any_member_of_the_owning_body_may_change_its_need(as_user, make, world):
    client = as_user(user_of_kind(make, "member", world))

    response = client.post(world.url("/needs/{need}/stage"), data={"stage": "dialogue_closed"})

    assert response.status_code == 302
    assert state(Need, world.need.id)["stage"] == Stage.DIALOGUE_CLOSED


def test_a_closed_need_cannot_be_edited_even_by_its_owner(as_user, make, world):
    needs = [make.need(world.body, stage=stage) for stage in (Stage.AWARDED, Stage.CANCELLED)]
    before = [state(Need, need.id) for need in needs]
    requests = [("post", f"/needs/{need.id}/edit", NEED_FORM) for need in needs]

    failures = check_all(as_user(world.admin), requests, 403)

    assert failures == []
    assert [state(Need, need.id) for need in needs] == before


def test_a_published_need_cannot_be_deleted_even_by_its_owner(as_user, world):
    response = as_user(world.admin).post(world.url("/needs/{need}/delete"))

    # The owner is sent back to the need with a message (cancel instead), and nothing is deleted.
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/needs/{world.need.id}")
    assert state(Need, world.need.id) is not None


# -- unverified bodies draft but do not publish -----------------------------------------------


@pytest.fixture
def unverified(make):
    body = make.public_body(verified=False)
    return make.user(body), make.need(body, stage=Stage.DRAFT, title="Utkast fra ny kommune")


def test_an_unverified_body_cannot_publish_and_is_told_why(as_user, client, unverified):
    user, draft = unverified
    as_user(user)
    before = state(Need, draft.id)

    page = client.get(f"/needs/{draft.id}").get_data(as_text=True)
    response = client.post(f"/needs/{draft.id}/publish")
    after = client.get(response.headers["Location"]).get_data(as_text=True)

    assert "must be verified by an administrator" in page
    assert f'action="/needs/{draft.id}/publish"' not in page
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/needs/{draft.id}")
    assert "not verified yet" in after
    assert state(Need, draft.id) == before
    assert before["stage"] == Stage.DRAFT


def test_an_unverified_body_cannot_publish_through_the_stage_form_either(as_user, unverified):
    user, draft = unverified
    before = state(Need, draft.id)

    client = as_user(user)
    response = client.post(f"/needs/{draft.id}/stage", data={"stage": "open"}, follow_redirects=True)

    # Like the publish button: the owner is told why, and the need stays a draft.
    assert response.status_code == 200
    assert "not verified" in response.get_data(as_text=True)
    assert state(Need, draft.id) == before


def test_an_unverified_body_may_still_write_drafts(as_user, make):
    user = make.user(make.public_body(verified=False))

    response = as_user(user).post("/needs/new", data=NEED_FORM)

    assert response.status_code == 302
    assert count(Need) == 1


def test_a_verified_body_publishes(as_user, make):
    body = make.public_body(verified=True)
    draft = make.need(body, stage=Stage.DRAFT)
    client = as_user(make.user(body, role=Role.MEMBER))

    assert f'action="/needs/{draft.id}/publish"' in client.get(f"/needs/{draft.id}").get_data(as_text=True)
    response = client.post(f"/needs/{draft.id}/publish")

    assert response.status_code == 302
    assert state(Need, draft.id)["stage"] == Stage.OPEN


# -- only public bodies write needs -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["anonymous", "supplier", "site_admin", "no_organisation"])
def test_only_public_bodies_write_needs(as_user, make, kind):
    client = as_user(user_of_kind(make, kind))
    requests = [("get", "/needs/new", None), ("post", "/needs/new", NEED_FORM), ("get", "/needs/mine", None)]

    failures = check_all(client, requests, expected_for(kind, 403))

    assert failures == []
    assert count(Need) == 0


def test_a_public_body_member_reaches_the_need_form_and_its_needs(as_user, make):
    client = as_user(make.user(make.public_body(), role=Role.MEMBER))

    assert client.get("/needs/new").status_code == 200
    assert client.get("/needs/mine").status_code == 200


# -- capabilities: only suppliers, and only the owning one ------------------------------------


@pytest.mark.parametrize(
    "kind", ["anonymous", "other_body", "unverified_body", "site_admin", "no_organisation"]
)
def test_only_suppliers_describe_capabilities(as_user, make, kind):
    client = as_user(user_of_kind(make, kind))
    requests = [("get", "/capabilities/new", None), ("post", "/capabilities/new", CAPABILITY_FORM)]

    failures = check_all(client, requests, expected_for(kind, 403))

    assert failures == []
    assert count(Capability) == 0


@pytest.mark.parametrize("kind", ["anonymous", "supplier", "member", "site_admin"])
def test_only_the_owning_supplier_changes_a_capability(as_user, make, world, kind):
    client = as_user(user_of_kind(make, kind, world))
    before = state(Capability, world.cap.id)
    requests = [
        ("get", world.url("/capabilities/{cap}/edit"), None),
        ("post", world.url("/capabilities/{cap}/edit"), CAPABILITY_FORM),
        ("get", world.url("/capabilities/{cap}/delete"), None),
        ("post", world.url("/capabilities/{cap}/delete"), None),
    ]

    failures = check_all(client, requests, expected_for(kind, 403))

    assert failures == []
    assert state(Capability, world.cap.id) == before
    assert "/edit" not in client.get(world.url("/capabilities/{cap}")).get_data(as_text=True)


def test_a_member_of_the_owning_supplier_may_change_its_capability(as_user, make, world):
    client = as_user(user_of_kind(make, "supplier_member", world))

    response = client.post(world.url("/capabilities/{cap}/edit"), data=CAPABILITY_FORM)

    assert response.status_code == 302
    assert state(Capability, world.cap.id)["title"] == "Endret evne"


# -- responses: only suppliers respond, only to open needs ------------------------------------


@pytest.mark.parametrize("kind", ["anonymous", "other_body", "member", "site_admin", "no_organisation"])
def test_only_suppliers_respond_to_a_need(as_user, make, world, kind):
    client = as_user(user_of_kind(make, kind, world))
    url = world.url("/needs/{need}/responses")
    # Refused whether the message is good or empty: an empty one must not reach a form page either.
    requests = [("post", url, {"message": RESPONSE_MESSAGE}), ("post", url, {"message": ""})]

    failures = check_all(client, requests, expected_for(kind, 403))

    assert failures == []
    assert count(Response) == 1


def test_a_need_that_is_not_open_takes_no_responses(as_user, make, world):
    closed = [
        make.need(world.body, stage=stage)
        for stage in (Stage.DIALOGUE_CLOSED, Stage.TENDERED, Stage.AWARDED, Stage.CANCELLED)
    ]
    client = as_user(make.user(make.supplier()))
    requests = [("post", f"/needs/{n.id}/responses", {"message": RESPONSE_MESSAGE}) for n in closed]

    failures = check_all(client, requests, 403)

    assert failures == []
    assert count(Response) == 1


def test_a_supplier_responds_to_an_open_need(as_user, make, world):
    client = as_user(make.user(make.supplier()))

    response = client.post(world.url("/needs/{need}/responses"), data={"message": RESPONSE_MESSAGE})

    assert response.status_code == 302
    assert count(Response) == 2


# -- responses are seen by the need's body and the responding supplier only -------------------


@pytest.mark.parametrize("kind", ["anonymous", "supplier", "other_body", "site_admin"])
def test_a_response_is_hidden_from_everyone_else(as_user, make, world, kind):
    client = as_user(user_of_kind(make, kind))

    response = client.get(world.url("/needs/{need}"))

    assert response.status_code == 200
    assert world.need.title in response.get_data(as_text=True)
    assert RESPONSE_MESSAGE not in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["member", "responder"])
def test_a_response_is_seen_by_the_body_and_the_responder(as_user, make, world, kind):
    client = as_user(user_of_kind(make, kind, world))

    response = client.get(world.url("/needs/{need}"))

    assert response.status_code == 200
    assert RESPONSE_MESSAGE in response.get_data(as_text=True)


def test_another_suppliers_start_page_does_not_list_the_response(as_user, make, world):
    client = as_user(make.user(make.supplier()))

    page = client.get("/organisations/for-you").get_data(as_text=True)

    assert world.need.title not in page


# -- only the need's body sets a response's status --------------------------------------------


@pytest.mark.parametrize("kind", ["anonymous", "responder", "supplier", "other_body", "site_admin"])
def test_only_the_needs_body_sets_a_responses_status(as_user, make, world, kind):
    client = as_user(user_of_kind(make, kind, world))

    response = client.post(world.url("/needs/responses/{response}/status"), data={"status": "shortlisted"})

    assert_denied(response, expected_for(kind, 403))
    assert state(Response, world.response.id)["status"] == ResponseStatus.SUBMITTED


def test_a_member_of_the_needs_body_sets_a_responses_status(as_user, make, world):
    client = as_user(make.user(world.body, role=Role.MEMBER))

    response = client.post(world.url("/needs/responses/{response}/status"), data={"status": "shortlisted"})

    assert response.status_code == 302
    assert state(Response, world.response.id)["status"] == ResponseStatus.SHORTLISTED


# -- only organisation admins invite colleagues -----------------------------------------------


@pytest.mark.parametrize("kind", ["anonymous", "member", "supplier_member", "no_organisation", "site_admin"])
def test_only_organisation_admins_invite(app, as_user, make, world, kind):
    client = as_user(user_of_kind(make, kind, world))

    response = client.post("/organisations/members", data={"email": "ny.kollega@example.no"})

    assert_denied(response, expected_for(kind, 403))
    assert count(Invitation) == 0
    assert outbox(app) == []


@pytest.mark.parametrize("kind", ["no_organisation", "site_admin"])
def test_the_members_page_needs_an_organisation(as_user, make, kind):
    response = as_user(user_of_kind(make, kind)).get("/organisations/members")

    assert response.status_code == 403


def test_members_see_their_colleagues_but_neither_the_invitations_nor_the_form(app, as_user, make, world):
    admin_client = app.test_client()  # a browser of its own, so its messages stay there
    admin_client.post("/login", data={"email": world.admin.email, "password": PASSWORD})
    invited = admin_client.post("/organisations/members", data={"email": "ny.kollega@example.no"})
    assert invited.status_code == 302
    member = make.user(world.body, role=Role.MEMBER, name="Kari Kollega")

    page = as_user(member).get("/organisations/members").get_data(as_text=True)

    assert "Kari Kollega" in page
    assert "ny.kollega@example.no" not in page
    assert 'name="email"' not in page


def test_an_organisation_admin_invites_a_colleague(app, as_user, world):
    response = as_user(world.admin).post("/organisations/members", data={"email": "ny.kollega@example.no"})

    assert response.status_code == 302
    assert count(Invitation) == 1
    assert len(outbox(app)) == 1


# -- only organisation admins (and site admins) edit a profile --------------------------------


@pytest.mark.parametrize("kind", ["anonymous", "member", "other_body", "supplier"])
def test_only_the_organisations_admins_edit_its_profile(as_user, make, world, kind):
    client = as_user(user_of_kind(make, kind, world))
    before = state(Organisation, world.body.id)
    url = world.url("/organisations/{body}/edit")

    failures = check_all(
        client, [("get", url, None), ("post", url, {"name": "Kapret kommune"})], expected_for(kind, 403)
    )

    assert failures == []
    assert state(Organisation, world.body.id) == before


@pytest.mark.parametrize("who", ["org_admin", "site_admin"])
def test_the_org_admin_and_site_admins_edit_a_profile(as_user, make, world, who):
    client = as_user(world.admin if who == "org_admin" else make.user(site_admin=True))

    assert client.get(world.url("/organisations/{body}/edit")).status_code == 200
    response = client.post(
        world.url("/organisations/{body}/edit"),
        data={"name": "Nytt navn kommune", "sector": "municipality", "kommune": "0301"},
    )

    assert response.status_code == 302
    assert state(Organisation, world.body.id)["name"] == "Nytt navn kommune"


# -- only site administrators verify ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["anonymous", "body_admin", "own_admin", "supplier", "member"])
def test_only_site_admins_see_and_verify_pending_bodies(as_user, make, world, kind):
    pending = make.public_body(verified=False, name="Venter kommune")
    if kind == "body_admin":
        user = world.admin
    elif kind == "own_admin":
        user = make.user(pending)  # the unverified body's own admin cannot verify it either
    else:
        user = user_of_kind(make, kind, world)
    client = as_user(user)
    before = state(Organisation, pending.id)
    expected = expected_for(kind, 403)

    listing = client.get("/admin/organisations")
    verify = client.post(f"/admin/organisations/{pending.id}/verify")

    assert_denied(listing, expected)
    assert "Venter kommune" not in listing.get_data(as_text=True)
    assert_denied(verify, expected)
    assert state(Organisation, pending.id) == before


def test_a_site_admin_sees_and_verifies_a_pending_body(as_user, make):
    pending = make.public_body(verified=False, name="Venter kommune")
    client = as_user(make.user(site_admin=True))

    listing = client.get("/admin/organisations")
    verify = client.post(f"/admin/organisations/{pending.id}/verify")

    assert listing.status_code == 200
    assert "Venter kommune" in listing.get_data(as_text=True)
    assert verify.status_code == 302
    assert state(Organisation, pending.id)["verified"] is True

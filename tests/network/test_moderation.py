"""Moderation through the pages: reporting an item, the site administrators' queue, hiding and
unhiding (gone from every public list, search, match list and the API, still shown to its own
organisation and site administrators), dismissing, and suspending an organisation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from network.extensions import db
from network.models import AuditEntry, GroupMember, MembershipStatus, Report, ReportOutcome, utcnow
from network.services import coordination, dialogue
from network.services.mail import outbox_messages
from tests.factories import PASSWORD
from tests.helpers import HEALTH_TEXT, count, location, rows, sign_in, text

pytestmark = pytest.mark.usefixtures("english")

HIDDEN_TITLE = "Fallforebygging for hjemmeboende eldre"
REASON = "Contains the name and address of a resident"


@pytest.fixture
def signed_in(app):
    """A fresh browser signed in as `user`, reading English."""

    def _sign_in(user):
        client = app.test_client()
        with client.session_transaction() as session:
            session["lang"] = "en"
        if user is not None:
            # The code step too, for accounts with two-factor sign-in (every site administrator).
            response = sign_in(client, user)
            assert response.status_code == 302
        return client

    return _sign_in


@pytest.fixture
def site_admin(make):
    return make.user(site_admin=True, name="Sara Sideadmin")


@pytest.fixture
def need(make, body):
    return make.need(body, domain="health", cpv=["33000000"], title=HIDDEN_TITLE, description=HEALTH_TEXT)


@pytest.fixture
def peer_need(make):
    """Another body's need about the same challenge: its page lists `need` as a peer."""
    return make.need(
        make.public_body(name="Nabokommune"),
        domain="health",
        cpv=["33000000"],
        title="Fallforebygging i omsorgsboliger",
        description=HEALTH_TEXT,
    )


@pytest.fixture
def capability(make, supplier):
    return make.capability(
        supplier,
        title="Fallforebygging og fallalarm for eldre",
        domains=["health"],
        cpv=["33000000"],
        fylker=["03"],
        description="Sensorer varsler når eldre faller hjemme.",
    )


def mails_to(app, email):
    return [m for m in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])) if m["To"] == email]


def _report(client, kind, item_id, reason="personal_data", details="Navn og adresse"):
    return client.post(f"/report/{kind}/{item_id}", data={"reason": reason, "details": details})


def _hide(client, kind, item_id, reason=REASON):
    return client.post(f"/admin/reports/{kind}/{item_id}/hide", data={"reason": reason})


# -- reporting --------------------------------------------------------------------------------


def test_a_signed_in_user_reports_a_need_from_its_page(signed_in, need, supplier_user):
    client = signed_in(supplier_user)
    page = text(client.get(f"/needs/{need.id}"))
    assert f'href="/report/need/{need.id}"' in page

    form = client.get(f"/report/need/{need.id}")
    assert form.status_code == 200
    assert 'type="radio"' in text(form)
    assert "<legend>" in text(form)
    response = _report(client, "need", need.id)

    assert location(response).endswith(f"/needs/{need.id}")
    [report] = rows(Report)
    assert (report.kind, report.target_id, report.reporter_id) == ("need", need.id, supplier_user.id)
    assert report.details == "Navn og adresse"
    assert report.is_open


def test_each_kind_can_be_reported(
    app, signed_in, make, need, peer_need, capability, body_admin, supplier_user, site_admin
):
    with app.test_request_context():
        question = dialogue.ask_question(supplier_user, need, dialogue.QuestionDraft("Hva med personvern?"))
        group = coordination.start_group_with(body_admin, peer_need)
        post = coordination.post_message(body_admin, group, "Et innlegg i gruppen")
    client = signed_in(body_admin)

    for kind, item_id in (("capability", capability.id), ("question", question.id), ("post", post.id)):
        assert _report(client, kind, item_id, reason="spam").status_code == 302, kind

    assert sorted(r.kind.value for r in rows(Report)) == ["capability", "post", "question"]
    # The body sees the question and the post with their report links.
    assert f'href="/report/question/{question.id}"' in text(client.get(f"/needs/{need.id}"))
    assert f'href="/report/post/{post.id}"' in text(client.get(f"/coordination-groups/{group.id}"))
    queue = text(signed_in(site_admin).get("/admin/reports"))
    for label in ("Capability:", "Question in a market dialogue:", "Post in a coordination group:"):
        assert label in queue
    assert "Hva med personvern?" in queue
    assert "Et innlegg i gruppen" in queue


def test_what_one_cannot_see_one_cannot_report(app, signed_in, make, body, body_admin, supplier_user):
    draft = make.need(body, stage="draft", title="Et hemmelig utkast")
    with app.test_request_context():
        group = coordination.start_group_with(body_admin, make.need(make.public_body()))
        post = coordination.post_message(body_admin, group, "Bare for medlemmer")
    client = signed_in(supplier_user)

    assert client.get(f"/report/need/{draft.id}").status_code == 404
    assert _report(client, "post", post.id).status_code == 404
    assert client.get("/report/nonsense/1").status_code == 404
    assert count(Report) == 0


def test_reporting_again_says_it_is_already_reported(signed_in, need, supplier_user):
    client = signed_in(supplier_user)
    _report(client, "need", need.id)

    again = client.post(f"/report/need/{need.id}", data={"reason": "spam"}, follow_redirects=True)

    assert "already reported" in text(again)
    assert count(Report) == 1


def test_other_needs_a_text_and_the_text_is_length_limited(signed_in, need, supplier_user):
    client = signed_in(supplier_user)

    empty = _report(client, "need", need.id, reason="other", details="")
    long = _report(client, "need", need.id, reason="wrong", details="x" * 1001)
    no_reason = client.post(f"/report/need/{need.id}", data={"details": "Noe"})

    assert empty.status_code == 422
    assert 'id="details-error"' in text(empty)
    assert long.status_code == 422
    assert "x" * 1001 in text(long)
    assert no_reason.status_code == 422
    assert 'id="reason-error"' in text(no_reason)
    assert count(Report) == 0


def test_a_user_may_send_only_so_many_reports_a_day(app, signed_in, make, body, supplier_user):
    app.config["REPORTS_PER_DAY"] = 2
    needs = [make.need(body, title=f"Behov nummer {n}") for n in range(3)]
    client = signed_in(supplier_user)

    answers = [_report(client, "need", n.id).status_code for n in needs]

    assert answers == [302, 302, 429]
    assert count(Report) == 2


def test_anonymous_visitors_cannot_report(client, need):
    assert "/login" in location(client.get(f"/report/need/{need.id}"))
    assert "/login" in location(_report(client, "need", need.id))
    assert f"/report/need/{need.id}" not in text(client.get(f"/needs/{need.id}"))
    assert count(Report) == 0


# -- hiding -----------------------------------------------------------------------------------


def test_the_queue_shows_the_item_its_owner_and_the_reasons(signed_in, need, supplier_user, site_admin):
    _report(signed_in(supplier_user), "need", need.id, details="Det står et navn her")

    page = text(signed_in(site_admin).get("/admin/reports"))

    assert HIDDEN_TITLE in page
    assert "Eierkommune" in page
    assert "Personal data that should not be here" in page
    assert "Det står et navn her" in page


def test_a_hidden_need_is_gone_for_strangers_and_marked_for_its_owner_and_site_admins(
    app, signed_in, client, need, peer_need, body_admin, supplier_user, site_admin
):
    _report(signed_in(supplier_user), "need", need.id)
    stranger = client
    assert HIDDEN_TITLE in text(stranger.get(f"/needs/{peer_need.id}"))
    assert f'href="/needs/{need.id}"' in text(stranger.get("/search?q=eldre"))

    response = _hide(signed_in(site_admin), "need", need.id)

    assert location(response).endswith("/admin/reports")
    [report] = rows(Report)
    assert report.outcome == ReportOutcome.HIDDEN
    assert not report.is_open
    assert stranger.get(f"/needs/{need.id}").status_code == 404
    assert HIDDEN_TITLE not in text(stranger.get("/needs"))
    assert HIDDEN_TITLE not in text(stranger.get("/"))
    assert HIDDEN_TITLE not in text(stranger.get(f"/organisations/{need.organisation_id}"))
    assert f'href="/needs/{need.id}"' not in text(stranger.get("/search?q=eldre"))
    # The match lists on another need's page (peers) and the API.
    assert HIDDEN_TITLE not in text(stranger.get(f"/needs/{peer_need.id}"))
    assert stranger.get(f"/api/needs/{need.id}").status_code == 404
    assert stranger.get(f"/api/needs/{need.id}/suppliers").status_code == 404
    assert need.id not in [item["id"] for item in stranger.get("/api/needs?q=eldre").get_json()["items"]]
    assert HIDDEN_TITLE not in text(stranger.get(f"/api/needs/{peer_need.id}/peers"))
    assert signed_in(supplier_user).get(f"/needs/{need.id}").status_code == 404
    for viewer in (body_admin, site_admin):
        page = signed_in(viewer).get(f"/needs/{need.id}")
        assert page.status_code == 200
        assert "Hidden by a moderator:" in text(page)
        assert REASON in text(page)
    assert HIDDEN_TITLE in text(signed_in(body_admin).get("/needs/mine"))


def test_unhiding_restores_the_need_everywhere(signed_in, client, need, peer_need, site_admin):
    admin = signed_in(site_admin)
    _hide(admin, "need", need.id)
    assert client.get(f"/needs/{need.id}").status_code == 404

    response = admin.post(f"/admin/reports/need/{need.id}/unhide")

    assert location(response).endswith("/admin/reports")
    assert client.get(f"/needs/{need.id}").status_code == 200
    assert HIDDEN_TITLE in text(client.get("/needs"))
    assert f'href="/needs/{need.id}"' in text(client.get("/search?q=eldre"))
    assert HIDDEN_TITLE in text(client.get(f"/needs/{peer_need.id}"))
    assert client.get(f"/api/needs/{need.id}").status_code == 200
    assert need.id in [item["id"] for item in client.get("/api/needs?q=eldre").get_json()["items"]]


def test_a_hidden_capability_leaves_its_profile_the_match_lists_and_the_api(
    signed_in, client, need, capability, supplier, supplier_user, site_admin
):
    title = capability.title
    assert "Trygg Teknologi AS" in text(client.get(f"/needs/{need.id}"))

    _hide(signed_in(site_admin), "capability", capability.id)

    assert client.get(f"/capabilities/{capability.id}").status_code == 404
    assert client.get(f"/api/capabilities/{capability.id}").status_code == 404
    assert title not in text(client.get(f"/organisations/{supplier.id}"))
    assert f'href="/capabilities/{capability.id}"' not in text(client.get("/search?q=fallalarm"))
    assert "Trygg Teknologi AS" not in text(client.get(f"/needs/{need.id}"))
    own = signed_in(supplier_user)
    assert "Hidden by a moderator:" in text(own.get(f"/capabilities/{capability.id}"))
    assert title in text(own.get(f"/organisations/{supplier.id}"))


def test_the_owning_organisations_admins_are_told_by_mail(app, signed_in, need, body_admin, site_admin):
    _hide(signed_in(site_admin), "need", need.id)

    mails = mails_to(app, body_admin.email)
    assert len(mails) == 1
    assert REASON in mails[0].get_content()


def test_a_hidden_question_and_post_read_removed_to_others(
    app, signed_in, client, make, need, body, body_admin, supplier_user, site_admin
):
    with app.test_request_context():
        question = dialogue.ask_question(supplier_user, need, dialogue.QuestionDraft("Hvem er Ola Nordmann?"))
        dialogue.answer_question(
            body_admin, question.id, dialogue.AnswerDraft(text=question.text, answer="Han bor i Storgata 1")
        )
        member = make.public_body(name="Medlemskommune")
        member_user = make.user(member)
        group = coordination.start_group_with(body_admin, make.need(make.public_body()))
        group_id = group.id
        post = coordination.post_message(body_admin, group, "Ring meg på 99 99 99 99")
    admin = signed_in(site_admin)
    _hide(admin, "question", question.id)
    _hide(admin, "post", post.id)

    page = text(client.get(f"/needs/{need.id}"))
    assert "[removed by a moderator]" in page
    assert "Ola Nordmann" not in page
    assert "Storgata" not in page
    assert "Ola Nordmann" not in text(client.get(f"/api/needs/{need.id}"))
    # The asker's own organisation still sees its question, marked.
    own = text(signed_in(supplier_user).get(f"/needs/{need.id}"))
    assert "Ola Nordmann" in own
    assert "Hidden by a moderator:" in own
    # The post: removed for another member, shown marked to the author's body.
    db.session.add(GroupMember(group_id=group_id, organisation_id=member.id, status=MembershipStatus.MEMBER))
    db.session.commit()
    other = text(signed_in(member_user).get(f"/coordination-groups/{group_id}"))
    assert "[removed by a moderator]" in other
    assert "99 99 99 99" not in other
    assert "99 99 99 99" in text(signed_in(body_admin).get(f"/coordination-groups/{group_id}"))


def test_dismissing_closes_the_report_and_keeps_the_item(signed_in, client, need, supplier_user, site_admin):
    _report(signed_in(supplier_user), "need", need.id)

    response = signed_in(site_admin).post(f"/admin/reports/need/{need.id}/dismiss")

    assert location(response).endswith("/admin/reports")
    [report] = rows(Report)
    assert report.outcome == ReportOutcome.DISMISSED
    assert client.get(f"/needs/{need.id}").status_code == 200
    # Closed: the same user may report it again.
    assert _report(signed_in(supplier_user), "need", need.id).status_code == 302
    assert count(Report) == 2


def test_hiding_needs_a_reason(signed_in, need, site_admin):
    response = _hide(signed_in(site_admin), "need", need.id, reason="")

    assert response.status_code == 422
    assert 'id="reason-error"' in text(response)
    db.session.expire_all()
    assert need.hidden_at is None


def test_every_moderation_action_is_in_the_audit_log(
    signed_in, make, need, supplier, supplier_user, site_admin
):
    _report(signed_in(supplier_user), "need", need.id)
    admin = signed_in(site_admin)
    admin.post(f"/admin/reports/need/{need.id}/dismiss")
    _hide(admin, "need", need.id)
    admin.post(f"/admin/reports/need/{need.id}/unhide")
    admin.post(f"/admin/organisations/{supplier.id}/suspend", data={"reason": "Falske opplysninger"})
    admin.post(f"/admin/organisations/{supplier.id}/unsuspend")

    actions = [e.action for e in rows(AuditEntry)]
    for action in (
        "moderation.dismiss",
        "moderation.hide",
        "moderation.unhide",
        "organisation.suspend",
        "organisation.unsuspend",
    ):
        assert action in actions
    log = text(admin.get("/audit"))
    assert "Hidden by a moderator" in log
    assert "Organisation suspended" in log
    assert "Report dismissed" in log


# -- suspending an organisation ---------------------------------------------------------------


def test_a_suspended_organisations_user_cannot_sign_in_and_its_needs_are_gone(
    app, signed_in, client, need, body, body_admin, site_admin
):
    session = signed_in(body_admin)
    assert session.get("/needs/mine").status_code == 200

    response = signed_in(site_admin).post(
        f"/admin/organisations/{body.id}/suspend", data={"reason": "Brudd på vilkårene"}
    )

    assert location(response).endswith(f"/organisations/{body.id}")
    # The existing session ends at its next request, with a page that says why.
    ended = session.get("/needs/mine")
    assert ended.status_code == 403
    assert "Your organisation is suspended" in text(ended)
    assert "Brudd på vilkårene" in text(ended)
    assert "/login" in location(session.get("/needs/mine"))
    # Signing in again does not give a session.
    fresh = app.test_client()
    fresh.post("/login", data={"email": body_admin.email, "password": PASSWORD})
    assert "/login" in location(fresh.get("/needs/mine"))
    # Its needs are hidden from the public.
    assert HIDDEN_TITLE not in text(client.get("/needs"))
    assert client.get(f"/needs/{need.id}").status_code == 404
    assert f'href="/needs/{need.id}"' not in text(client.get("/search?q=eldre"))
    assert "Brudd på vilkårene" in mails_to(app, body_admin.email)[0].get_content()


def test_lifting_the_suspension_restores_sign_in_and_the_needs(
    app, signed_in, client, need, body, body_admin, site_admin
):
    admin = signed_in(site_admin)
    admin.post(f"/admin/organisations/{body.id}/suspend", data={"reason": "Brudd på vilkårene"})

    response = admin.post(f"/admin/organisations/{body.id}/unsuspend")

    assert location(response).endswith(f"/organisations/{body.id}")
    assert signed_in(body_admin).get("/needs/mine").status_code == 200
    assert HIDDEN_TITLE in text(client.get("/needs"))
    assert f'href="/needs/{need.id}"' in text(client.get("/search?q=eldre"))


def test_suspending_needs_a_reason_and_is_offered_on_the_organisation_page(signed_in, body, site_admin):
    admin = signed_in(site_admin)
    assert f'href="/admin/organisations/{body.id}/suspend"' in text(admin.get(f"/organisations/{body.id}"))

    response = admin.post(f"/admin/organisations/{body.id}/suspend", data={"reason": "  "})

    assert response.status_code == 422
    assert 'id="reason-error"' in text(response)
    db.session.expire_all()
    assert body.suspended_at is None


# -- only site administrators moderate --------------------------------------------------------


def test_no_one_but_a_site_admin_may_moderate(signed_in, make, need, body, body_admin, supplier_user):
    _report(signed_in(supplier_user), "need", need.id)
    for user in (body_admin, supplier_user):
        client = signed_in(user)
        assert client.get("/admin/reports").status_code == 403
        assert client.get(f"/admin/reports/need/{need.id}/hide").status_code == 403
        assert _hide(client, "need", need.id).status_code == 403
        assert client.post(f"/admin/reports/need/{need.id}/unhide").status_code == 403
        assert client.post(f"/admin/reports/need/{need.id}/dismiss").status_code == 403
        assert client.get(f"/admin/organisations/{body.id}/suspend").status_code == 403
        suspend = client.post(f"/admin/organisations/{body.id}/suspend", data={"reason": "Nei"})
        assert suspend.status_code == 403
        assert client.post(f"/admin/organisations/{body.id}/unsuspend").status_code == 403
    db.session.expire_all()
    assert need.hidden_at is None
    assert body.suspended_at is None
    assert rows(Report)[0].is_open


def test_reports_older_than_a_day_do_not_count_towards_the_limit(app, signed_in, make, body, supplier_user):
    app.config["REPORTS_PER_DAY"] = 1
    first, second = make.need(body, title="Første behov"), make.need(body, title="Andre behov")
    client = signed_in(supplier_user)
    _report(client, "need", first.id)
    [report] = rows(Report)
    report.created_at = utcnow() - timedelta(days=2)
    db.session.commit()

    assert _report(client, "need", second.id).status_code == 302


def test_a_hidden_capability_is_logged_as_a_capability(signed_in, capability, site_admin):
    _hide(signed_in(site_admin), "capability", capability.id)

    [entry] = [e for e in rows(AuditEntry) if e.action == "moderation.hide"]
    assert (entry.target_type, entry.target_id) == ("capability", capability.id)

"""The authorization matrix: every route that changes or reveals non-public data, tried by each kind of
user, with the answer each must get. Built against the app's URL map: a route that is neither in the
matrix nor listed as public fails the test, so someone decides who may use it.

Kinds of user: anonymous; a supplier's user (of a supplier that has nothing to do with the record);
the admin of an unverified public body; the admin of another (verified) body; a member and the admin
of the organisation that owns the record; a site administrator (who belongs to no organisation)."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from network.extensions import db
from network.models import (
    GroupStage,
    Invitation,
    JoinRequest,
    Need,
    Notification,
    Report,
    Role,
    SavedSearch,
    Stage,
    UserSession,
    utcnow,
)
from network.models.notifications import Frequency
from network.services import attachments, coordination, dialogue, needs, responses, sessions
from network.services.needs import NeedDraft
from tests.helpers import sign_in

pytestmark = pytest.mark.slow

ROLES = ("anonymous", "supplier", "unverified", "other_body", "member", "admin", "site_admin")
LOGIN = "login"  # a redirect to the login page
OK, MOVED, DENIED, MISSING, BAD, INVALID = 200, 302, 403, 404, 400, 422
SHOWN_AGAIN = 422  # a form shown again with its errors (here: a wrong current password)

# Open to anyone by design; what they show is public (published needs, profiles, the open data API)
# or protected by a token in the address (invitations, password resets, unsubscribe links).
PUBLIC = {
    ("static", "GET"),
    ("main.index", "GET"),
    ("main.about", "GET"),
    ("legal.terms", "GET"),
    ("legal.privacy", "GET"),
    ("legal.accessibility", "GET"),
    ("main.set_language", "POST"),
    ("auth.login", "GET"),
    ("auth.login", "POST"),
    ("auth.register", "GET"),
    ("auth.register", "POST"),
    ("auth.forgot_password", "GET"),
    ("auth.forgot_password", "POST"),
    ("auth.reset_password", "GET"),
    ("auth.reset_password", "POST"),
    ("auth.accept_invitation", "GET"),
    ("auth.accept_invitation", "POST"),
    # The code step of a login: only after the right password in the same browser (else to the login).
    ("twofactor.login_code", "GET"),
    ("twofactor.login_code", "POST"),
    ("account.confirm_email", "GET"),
    ("account.confirm_email", "POST"),
    ("needs.index", "GET"),
    ("capabilities.detail", "GET"),
    ("organisations.index", "GET"),
    ("organisations.detail", "GET"),
    ("search.index", "GET"),
    ("coordination.index", "GET"),
    ("notifications.unsubscribe", "GET"),
    ("notifications.unsubscribe", "POST"),
    # Health checks for load balancers: "ok" or "ready", nothing of the site's data.
    ("health.healthz", "GET"),
    ("health.readyz", "GET"),
}

NEED_FORM = {
    "title": "Endret tittel",
    "description": "Endret beskrivelse",
    "domain": "health",
    "route": "undecided",
}
CAPABILITY_FORM = {
    "title": "Endret evne",
    "description": "Beskrivelse",
    "domains": ["health"],
    "maturity": "pilot",
}
ORG_FORM = {"name": "Nytt navn kommune", "sector": "municipality", "kommune": "0301"}
DRAFT_SECRET = "Hemmelig utkast om velferdsteknologi"
RESPONSE_SECRET = "Vi har levert trygghetsteknologi til tolv kommuner"
POST_SECRET = "Intern drøfting i gruppen om budsjett"
NOTICE_SECRET = "Personlig varsel til eieren"
SEARCH_SECRET = "Personlig lagret søk"
MEETING_SECRET = "Påmeldte leverandører"
WRONG_PASSWORD = {"current_password": "not-the-password"}
PDF = b"%PDF-1.4\n%%EOF\n"


def pdf_upload(_w=None) -> dict:
    return {"file": (io.BytesIO(PDF), "Vedlegg.pdf", "application/pdf")}


def expect(default, **roles) -> dict[str, object]:
    """`default` for every logged-in kind of user, LOGIN for anonymous, unless named."""
    table = {role: default for role in ROLES}
    table["anonymous"] = LOGIN
    table.update(roles)
    return table


def only(allowed: object, *who: str, others: object = DENIED, **extra) -> dict[str, object]:
    table = expect(others, **extra)
    for role in who:
        table[role] = allowed
    return table


@dataclass
class Entry:
    endpoint: str
    method: str
    url: Callable  # World -> str; may create fresh rows for a write that would disturb other entries
    expected: dict[str, object]
    data: Callable | dict | None = None
    owner: str = "body"  # whose member/admin the 'member' and 'admin' kinds are: body or supplier
    secret: str | None = None  # text only the kinds in `sees` may find in a 200 answer
    sees: tuple[str, ...] = ("member", "admin")


@dataclass
class World:
    make: object
    app: object
    body: object = None
    users: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)

    def fresh_need(self, stage=Stage.OPEN, title="Ekstra behov om tilsyn"):
        return self.make.need(self.body, stage=stage, title=title).id

    def fresh_member(self):
        return self.make.user(self.body, role=Role.MEMBER, name="Kollega som skal fjernes").id

    def fresh_invitation(self):
        invitation = Invitation(
            organisation_id=self.body.id,
            email=f"invitert{utcnow().timestamp()}@example.no",
            token_hash=secrets.token_hex(32),
            expires_at=utcnow() + timedelta(days=1),
        )
        db.session.add(invitation)
        db.session.commit()
        return invitation.id

    def fresh_join_request(self):
        request = JoinRequest(
            organisation_id=self.body.id,
            name="Ber om å bli med",
            email=f"ber{utcnow().timestamp()}@example.no",
            password_hash="pbkdf2:sha256:1000$x$y",
        )
        db.session.add(request)
        db.session.commit()
        return request.id

    def fresh_capability(self):
        return self.make.capability(self.rows["supplier"]).id

    def fresh_session(self):
        """An open session of the owning body's admin, on another browser."""
        sessions.start(self.users["body.admin"], "192.0.2.50", "Firefox/128.0 (X11; Linux)")
        return db.session.scalar(sa.select(sa.func.max(UserSession.id)))

    def fresh_membership(self):
        """A new group led by another body, in which the owning body is a member (not the lead)."""
        lead = self.make.public_body(name="Enda en ledende kommune")
        lead_user = self.make.user(lead)
        with self.app.test_request_context():
            group = coordination.invite_peer(
                lead_user,
                self.make.need(lead, title="Felles tilsyn"),
                self.make.need(self.body, title="Tilsyn"),
            )
            coordination.answer_invitation(self.users["body.admin"], group, True)
        return group.id

    def fresh_attachment(self, need_id=None):
        """A PDF the owning body attached to the need (or to `need_id`)."""
        need = db.session.get(Need, need_id or self.rows["need"])
        upload = attachments.Upload("Vedlegg.pdf", io.BytesIO(PDF))
        return attachments.attach(self.users["body.admin"], need, upload).id

    def hidden_need(self):
        need = self.make.need(self.body, title="Skjult behov om tilsyn")
        need.hidden_at, need.hidden_reason = utcnow(), "Personopplysninger"
        db.session.commit()
        return need.id

    def reported_need(self):
        need = self.make.need(self.body, title="Rapportert behov om tilsyn")
        db.session.add(Report(kind="need", target_id=need.id, reporter=self.users["supplier"], reason="spam"))
        db.session.commit()
        return need.id

    def fresh_booked_slot(self):
        """A one-to-one slot on a fresh need of the body, booked by the owning supplier's admin."""
        need = self.make.need(self.body, title="Behov med samtaler")
        start = utcnow() + timedelta(days=8)
        with self.app.test_request_context(), force_locale("en"):
            slot = dialogue.offer_slots(
                self.users["body.admin"], need, dialogue.SlotDraft(start, 30, 1, place="Rådhuset")
            )[0]
            dialogue.book_slot(self.users["supplier.admin"], slot.id)
        return slot.id

    def fresh_free_slot(self):
        need = self.make.need(self.body, title="Behov med ledige samtaler")
        with self.app.test_request_context(), force_locale("en"):
            slot = dialogue.offer_slots(
                self.users["body.admin"],
                need,
                dialogue.SlotDraft(utcnow() + timedelta(days=8), 30, 1, place="Rådhuset"),
            )[0]
        return slot.id

    def suspended_organisation(self):
        org = self.make.supplier(suspended_at=utcnow(), suspended_reason="Falske opplysninger")
        return org.id


def build_world(make, app) -> World:
    w = World(make=make, app=app)
    body = w.body = make.public_body(name="Eierkommune")
    supplier = make.supplier(name="Svarende Leverandør AS")
    other, peer_lead, asker = (
        make.public_body(name=n) for n in ("Annen kommune", "Ledende kommune", "Spør kommune")
    )
    w.users = {
        "supplier": make.user(make.supplier(name="Uvedkommende AS")),
        "unverified": make.user(make.public_body(verified=False, name="Ny kommune")),
        "other_body": make.user(other),
        "site_admin": make.user(site_admin=True),
        "body.member": make.user(body, role=Role.MEMBER),
        "body.admin": make.user(body),
        "supplier.member": make.user(supplier, role=Role.MEMBER),
        "supplier.admin": make.user(supplier),
    }
    lead_user, asker_user = make.user(peer_lead), make.user(asker)
    admin = w.users["body.admin"]
    need = make.need(body, title="Digitalt tilsyn for hjemmeboende")
    invited_need = make.need(body, title="Fall om natten på sykehjem")
    lead_need = make.need(peer_lead, title="Fallsensorer i omsorgsboliger")
    asker_need = make.need(asker, title="Nattlig tilsyn med sensorer")
    other_need = make.need(other, title="Tilsyn med sensorer om natten")
    with app.test_request_context(), force_locale("en"):
        draft = needs.create_need(admin, NeedDraft(title=DRAFT_SECRET), None)
        response = responses.submit_response(
            w.users["supplier.admin"], need, responses.ResponseDraft(message=RESPONSE_SECRET)
        )
        question = dialogue.ask_question(
            w.users["supplier.admin"], need, dialogue.QuestionDraft("Hva med data?")
        )
        start = utcnow() + timedelta(days=10)
        meeting = dialogue.schedule_meeting(
            admin,
            need,
            dialogue.MeetingDraft(
                title="Dialogmøte",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                capacity=10,
                place="Rådhuset",
            ),
        )
        dialogue.sign_up(w.users["supplier.admin"], meeting.id)
        slot_start = utcnow() + timedelta(days=8)
        free_slot, booked_slot = dialogue.offer_slots(
            admin, need, dialogue.SlotDraft(slot_start, 30, 2, place="Rådhuset")
        )
        dialogue.book_slot(w.users["supplier.admin"], booked_slot.id)
        # A meeting and a booked slot (on another of the body's needs) that have been held: minutes.
        held_meeting = dialogue.schedule_meeting(
            admin,
            invited_need,
            dialogue.MeetingDraft(
                title="Holdt møte",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                capacity=5,
                place="Rådhuset",
            ),
        )
        held_slot = dialogue.offer_slots(
            admin, invited_need, dialogue.SlotDraft(slot_start, 30, 1, place="Rådhuset")
        )[0]
        dialogue.book_slot(w.users["supplier.admin"], held_slot.id)
        held_meeting.starts_at = utcnow() - timedelta(days=2)
        held_meeting.ends_at = held_meeting.starts_at + timedelta(hours=1)
        held_slot.starts_at = utcnow() - timedelta(days=2)
        # The body leads a group with a request to join pending; it is invited to another group.
        own_group = coordination.invite_peer(admin, need, other_need)
        coordination.request_to_join(asker_user, own_group, asker_need)
        post = coordination.post_message(admin, own_group, POST_SECRET)
        inviting_group = coordination.invite_peer(lead_user, lead_need, invited_need)
        open_group = coordination.start_group_with(lead_user, asker_need)
    notice = Notification(
        user=admin, kind="need_published", subject=NOTICE_SECRET, link="/needs", frequency=Frequency.OFF
    )
    search = SavedSearch(user=admin, name=SEARCH_SECRET, query="tilsyn", filters={})
    pending = make.public_body(verified=False, name="Venter på verifisering kommune")
    db.session.add_all([notice, search])
    db.session.commit()
    w.rows = {
        "supplier": supplier,
        "need": need.id,
        "draft": draft.id,
        "response": response.id,
        "question": question.id,
        "meeting": meeting.id,
        "free_slot": free_slot.id,
        "booked_slot": booked_slot.id,
        "held_meeting": held_meeting.id,
        "held_slot": held_slot.id,
        "own_group": own_group.id,
        "inviting_group": inviting_group.id,
        "open_group": open_group.id,
        "asker": asker.id,
        "cap": make.capability(supplier).id,
        "notice": notice.id,
        "search": search.id,
        "pending": pending.id,
        "other_need": other_need.id,
        "post": post.id,
        "lead_need": lead_need.id,
    }
    with app.test_request_context(), force_locale("en"):
        w.rows["attachment"] = w.fresh_attachment()
        w.rows["draft_attachment"] = w.fresh_attachment(draft.id)
    return w


def r(name):
    return lambda w: w.rows[name]


MATRIX = [
    # -- pages of one's own ------------------------------------------------------------------
    Entry("main.dashboard", "GET", lambda w: "/dashboard", expect(MOVED)),
    Entry("auth.logout", "POST", lambda w: "/logout", expect(MOVED)),
    Entry("account.index", "GET", lambda w: "/account", expect(OK)),
    Entry("account.index", "POST", lambda w: "/account", expect(MOVED), {"name": "Nytt Navn"}),
    # The account's own changes, each sent with a wrong password so the user stays as it was.
    Entry("account.password", "GET", lambda w: "/account/password", expect(OK)),
    Entry(
        "account.password",
        "POST",
        lambda w: "/account/password",
        expect(SHOWN_AGAIN),
        {
            "current_password": "not-the-password",
            "password": "tre ulike ord her",
            "password2": "tre ulike ord her",
        },
    ),
    Entry("account.email", "GET", lambda w: "/account/email", expect(OK)),
    Entry(
        "account.email",
        "POST",
        lambda w: "/account/email",
        expect(SHOWN_AGAIN),
        {"email": "ny.adresse@example.no", "current_password": "not-the-password"},
    ),
    Entry("account.deactivate", "GET", lambda w: "/account/deactivate", expect(OK)),
    Entry("account.deactivate", "POST", lambda w: "/account/deactivate", expect(SHOWN_AGAIN), WRONG_PASSWORD),
    Entry("account.delete", "GET", lambda w: "/account/delete", expect(OK)),
    Entry(
        "account.delete",
        "POST",
        lambda w: "/account/delete",
        expect(SHOWN_AGAIN),
        {**WRONG_PASSWORD, "confirm": "DELETE"},
    ),
    Entry(
        # One's own data only: the body's admin owns the notice and the saved search.
        "account.export",
        "POST",
        lambda w: "/account/export",
        expect(OK),
        secret=NOTICE_SECRET,
        sees=("admin",),
    ),
    Entry("needs.mine", "GET", lambda w: "/needs/mine", expect(OK, supplier=DENIED, site_admin=DENIED)),
    Entry("needs.create", "GET", lambda w: "/needs/new", expect(OK, supplier=DENIED, site_admin=DENIED)),
    Entry(
        "needs.create",
        "POST",
        lambda w: "/needs/new",
        expect(MOVED, supplier=DENIED, site_admin=DENIED),
        NEED_FORM,
    ),
    Entry(
        # Published needs only (public anyway), to help whoever writes a need; never a draft.
        "needs.similar",
        "GET",
        lambda w: "/needs/similar?title=Hemmelig+utkast+om+velferdsteknologi",
        expect(OK),
        secret=DRAFT_SECRET,
        sees=(),
    ),
    # -- a need: drafts are missing for outsiders, published needs are changed by their body only --
    Entry(
        "needs.detail",
        "GET",
        lambda w: f"/needs/{w.rows['draft']}",
        only(OK, "member", "admin", others=MISSING, anonymous=MISSING),
        secret=DRAFT_SECRET,
    ),
    Entry(
        "needs.detail",
        "GET",
        lambda w: f"/needs/{w.rows['need']}",
        expect(OK, anonymous=OK),
        secret=RESPONSE_SECRET,
    ),
    Entry(
        "needs.edit",
        "GET",
        lambda w: f"/needs/{w.rows['draft']}/edit",
        only(OK, "member", "admin", others=MISSING),
    ),
    Entry("needs.edit", "GET", lambda w: f"/needs/{w.rows['need']}/edit", only(OK, "member", "admin")),
    Entry(
        "needs.edit",
        "POST",
        lambda w: f"/needs/{w.rows['need']}/edit",
        only(MOVED, "member", "admin"),
        NEED_FORM,
    ),
    Entry(
        "needs.publish",
        "POST",
        lambda w: f"/needs/{w.fresh_need(Stage.DRAFT)}/publish",
        only(MOVED, "member", "admin", others=MISSING),
    ),
    Entry(
        "needs.stage",
        "POST",
        lambda w: f"/needs/{w.fresh_need()}/stage",
        only(MOVED, "member", "admin"),
        {"stage": "dialogue_closed"},
    ),
    Entry(
        "needs.delete",
        "GET",
        lambda w: f"/needs/{w.fresh_need(Stage.DRAFT)}/delete",
        only(OK, "member", "admin", others=MISSING),
    ),
    Entry(
        "needs.delete",
        "POST",
        lambda w: f"/needs/{w.fresh_need(Stage.DRAFT)}/delete",
        only(MOVED, "member", "admin", others=MISSING),
    ),
    Entry(
        "needs.respond",
        "POST",
        lambda w: f"/needs/{w.fresh_need()}/responses",
        only(MOVED, "supplier"),
        {"message": "Vi vil gjerne i dialog om dette behovet."},
    ),
    Entry(
        "needs.response_status",
        "POST",
        lambda w: f"/needs/responses/{w.rows['response']}/status",
        only(MOVED, "member", "admin"),
        {"status": "shortlisted"},
    ),
    # -- capabilities belong to their supplier -----------------------------------------------
    Entry(
        "capabilities.create",
        "GET",
        lambda w: "/capabilities/new",
        only(OK, "supplier", "member", "admin"),
        owner="supplier",
    ),
    Entry(
        "capabilities.create",
        "POST",
        lambda w: "/capabilities/new",
        only(MOVED, "supplier", "member", "admin"),
        CAPABILITY_FORM,
        owner="supplier",
    ),
    Entry(
        "capabilities.edit",
        "GET",
        lambda w: f"/capabilities/{w.rows['cap']}/edit",
        only(OK, "member", "admin"),
        owner="supplier",
    ),
    Entry(
        "capabilities.edit",
        "POST",
        lambda w: f"/capabilities/{w.rows['cap']}/edit",
        only(MOVED, "member", "admin"),
        CAPABILITY_FORM,
        owner="supplier",
    ),
    Entry(
        "capabilities.delete",
        "GET",
        lambda w: f"/capabilities/{w.fresh_capability()}/delete",
        only(OK, "member", "admin"),
        owner="supplier",
    ),
    Entry(
        "capabilities.delete",
        "POST",
        lambda w: f"/capabilities/{w.fresh_capability()}/delete",
        only(MOVED, "member", "admin"),
        owner="supplier",
    ),
    # -- the organisation --------------------------------------------------------------------
    Entry(
        "organisations.edit",
        "GET",
        lambda w: f"/organisations/{w.body.id}/edit",
        only(OK, "admin", "site_admin"),
    ),
    Entry(
        "organisations.edit",
        "POST",
        lambda w: f"/organisations/{w.body.id}/edit",
        only(MOVED, "admin", "site_admin"),
        ORG_FORM,
    ),
    Entry("organisations.members", "GET", lambda w: "/organisations/members", expect(OK, site_admin=DENIED)),
    Entry(
        "organisations.members",
        "POST",
        lambda w: "/organisations/members",
        expect(MOVED, member=DENIED, site_admin=DENIED),
        {"email": "ny.kollega@example.no"},
    ),
    # Colleagues are changed by their own organisation's admin; for another organisation's admin they
    # do not exist.
    Entry(
        "organisations.change_role",
        "POST",
        lambda w: f"/organisations/members/{w.users['body.member'].id}/role",
        only(MOVED, "admin", others=MISSING, member=DENIED, site_admin=DENIED),
        {"role": "member"},
    ),
    Entry(
        "organisations.remove_member",
        "GET",
        lambda w: f"/organisations/members/{w.users['body.member'].id}/remove",
        only(OK, "admin", others=MISSING, member=DENIED, site_admin=DENIED),
    ),
    Entry(
        "organisations.remove_member",
        "POST",
        lambda w: f"/organisations/members/{w.fresh_member()}/remove",
        only(MOVED, "admin", others=MISSING, member=DENIED, site_admin=DENIED),
    ),
    Entry(
        "organisations.withdraw_invitation",
        "POST",
        lambda w: f"/organisations/invitations/{w.fresh_invitation()}/withdraw",
        only(MOVED, "admin", others=MISSING, member=DENIED, site_admin=DENIED),
    ),
    # Requests to join are answered by the organisation's own admins; for others they do not exist.
    Entry(
        "organisations.approve_join_request",
        "POST",
        lambda w: f"/organisations/join-requests/{w.fresh_join_request()}/approve",
        only(MOVED, "admin", others=MISSING, member=DENIED, site_admin=DENIED),
    ),
    Entry(
        "organisations.refuse_join_request",
        "GET",
        lambda w: f"/organisations/join-requests/{w.fresh_join_request()}/refuse",
        only(OK, "admin", others=MISSING, member=DENIED, site_admin=DENIED),
    ),
    Entry(
        "organisations.refuse_join_request",
        "POST",
        lambda w: f"/organisations/join-requests/{w.fresh_join_request()}/refuse",
        only(MOVED, "admin", others=MISSING, member=DENIED, site_admin=DENIED),
    ),
    Entry(
        "organisations.for_you",
        "GET",
        lambda w: "/organisations/for-you",
        only(OK, "supplier", "member", "admin"),
        owner="supplier",
    ),
    Entry(
        "audit.index",
        "GET",
        lambda w: "/audit",
        expect(OK, member=DENIED),
        secret=DRAFT_SECRET,
        sees=("admin", "site_admin"),
    ),
    # -- site administration -----------------------------------------------------------------
    Entry("admin.organisations", "GET", lambda w: "/admin/organisations", only(OK, "site_admin")),
    Entry(
        "admin.verify",
        "POST",
        lambda w: f"/admin/organisations/{w.rows['pending']}/verify",
        only(MOVED, "site_admin"),
    ),
    Entry(
        "admin.unverify",
        "GET",
        lambda w: f"/admin/organisations/{w.body.id}/unverify",
        only(OK, "site_admin"),
    ),
    Entry(
        "admin.unverify",
        "POST",
        lambda w: f"/admin/organisations/{w.make.public_body(name='Trekkes tilbake kommune').id}/unverify",
        only(MOVED, "site_admin"),
        {"reason": "Feil organisasjonsnummer."},
    ),
    Entry(
        "admin.reject",
        "GET",
        lambda w: f"/admin/organisations/{w.rows['pending']}/reject",
        only(OK, "site_admin"),
    ),
    Entry(
        "admin.reject",
        "POST",
        lambda w: (
            f"/admin/organisations/{w.make.public_body(verified=False, name='Avvises kommune').id}/reject"
        ),
        only(MOVED, "site_admin"),
        {"reason": "Nummeret hører til en annen."},
    ),
    # -- moderation: anyone signed in reports what they can see; only site admins moderate -----
    Entry(
        "moderation.report",
        "GET",
        lambda w: f"/report/need/{w.rows['need']}",
        expect(OK),
    ),
    Entry(
        "moderation.report",
        "POST",
        lambda w: f"/report/need/{w.fresh_need(title='Et behov å rapportere')}",
        expect(MOVED),
        {"reason": "spam"},
    ),
    Entry(
        # A group's discussion is for its members: nobody else may see (or report) a post.
        "moderation.report",
        "GET",
        lambda w: f"/report/post/{w.rows['post']}",
        only(OK, "member", "admin", others=MISSING),
        secret=POST_SECRET,
    ),
    Entry(
        "moderation.report",
        "GET",
        # Only published needs are reported: a draft is missing, even for its own body.
        lambda w: f"/report/need/{w.rows['draft']}",
        expect(MISSING),
        secret=DRAFT_SECRET,
        sees=(),
    ),
    Entry("moderation.queue", "GET", lambda w: "/admin/reports", only(OK, "site_admin")),
    Entry(
        "moderation.hide",
        "GET",
        lambda w: f"/admin/reports/need/{w.rows['need']}/hide",
        only(OK, "site_admin"),
    ),
    Entry(
        "moderation.hide",
        "POST",
        lambda w: f"/admin/reports/need/{w.fresh_need(title='Et behov å skjule')}/hide",
        only(MOVED, "site_admin"),
        {"reason": "Personopplysninger"},
    ),
    Entry(
        "moderation.unhide",
        "POST",
        lambda w: f"/admin/reports/need/{w.hidden_need()}/unhide",
        only(MOVED, "site_admin"),
    ),
    Entry(
        "moderation.dismiss",
        "POST",
        lambda w: f"/admin/reports/need/{w.reported_need()}/dismiss",
        only(MOVED, "site_admin"),
    ),
    Entry(
        "moderation.suspend",
        "GET",
        lambda w: f"/admin/organisations/{w.rows['pending']}/suspend",
        only(OK, "site_admin"),
    ),
    Entry(
        "moderation.suspend",
        "POST",
        lambda w: f"/admin/organisations/{w.make.supplier().id}/suspend",
        only(MOVED, "site_admin"),
        {"reason": "Falske opplysninger"},
    ),
    Entry(
        "moderation.unsuspend",
        "POST",
        lambda w: f"/admin/organisations/{w.suspended_organisation()}/unsuspend",
        only(MOVED, "site_admin"),
    ),
    # -- early market dialogue ---------------------------------------------------------------
    Entry(
        "dialogue.ask",
        "GET",
        lambda w: f"/needs/{w.rows['need']}/questions",
        only(OK, "supplier", "other_body"),
    ),
    Entry(
        "dialogue.ask",
        "POST",
        lambda w: f"/needs/{w.rows['need']}/questions",
        only(MOVED, "supplier", "other_body"),
        {"question-text": "Kan dere si mer om dagens system?"},
    ),
    Entry(
        "dialogue.answer",
        "GET",
        lambda w: f"/questions/{w.rows['question']}/answer",
        only(OK, "member", "admin"),
    ),
    Entry(
        "dialogue.answer",
        "POST",
        lambda w: f"/questions/{w.rows['question']}/answer",
        only(MOVED, "member", "admin"),
        lambda w: {
            f"answer-{w.rows['question']}-text": "Spørsmål",
            f"answer-{w.rows['question']}-answer": "Svar",
        },
    ),
    Entry(
        "dialogue.schedule", "GET", lambda w: f"/needs/{w.rows['need']}/meetings", only(OK, "member", "admin")
    ),
    Entry(
        "dialogue.schedule",
        "POST",
        lambda w: f"/needs/{w.rows['need']}/meetings",
        only(MOVED, "member", "admin"),
        lambda w: {
            "meeting-title": "Nytt møte",
            "meeting-starts_at": (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
            "meeting-ends_at": (utcnow() + timedelta(days=20, hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "meeting-place": "Rådhuset",
            "meeting-capacity": "5",
        },
    ),
    Entry(
        "dialogue.meeting",
        "GET",
        lambda w: f"/meetings/{w.rows['meeting']}",
        only(OK, "member", "admin"),
    ),
    Entry(
        "dialogue.calendar",
        "GET",
        lambda w: f"/meetings/{w.rows['meeting']}/calendar.ics",
        only(OK, "member", "admin"),
        owner="supplier",
    ),
    Entry(
        "dialogue.cancel_signup",
        "POST",
        lambda w: f"/meetings/{w.rows['meeting']}/cancel",
        only(MOVED, "member", "admin"),
        owner="supplier",
    ),
    # After the two above: the unrelated supplier has no seat (no calendar, nothing to cancel) until
    # it signs up here.
    Entry(
        "dialogue.signup", "POST", lambda w: f"/meetings/{w.rows['meeting']}/signup", only(MOVED, "supplier")
    ),
    Entry(
        "dialogue.meeting_minutes",
        "GET",
        lambda w: f"/meetings/{w.rows['held_meeting']}/minutes",
        only(OK, "member", "admin"),
    ),
    Entry(
        "dialogue.meeting_minutes",
        "POST",
        lambda w: f"/meetings/{w.rows['held_meeting']}/minutes",
        only(MOVED, "member", "admin"),
        {"minutes": "Referat fra møtet."},
    ),
    Entry(
        "dialogue.offer_slots", "GET", lambda w: f"/needs/{w.rows['need']}/slots", only(OK, "member", "admin")
    ),
    Entry(
        "dialogue.offer_slots",
        "POST",
        lambda w: f"/needs/{w.rows['need']}/slots",
        only(MOVED, "member", "admin"),
        lambda w: {
            "slot-starts_at": (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
            "slot-length_minutes": "30",
            "slot-count": "2",
            "slot-place": "Rådhuset",
        },
    ),
    Entry(
        "dialogue.slot_minutes",
        "GET",
        lambda w: f"/slots/{w.rows['held_slot']}/minutes",
        only(OK, "member", "admin"),
    ),
    Entry(
        "dialogue.slot_minutes",
        "POST",
        lambda w: f"/slots/{w.rows['held_slot']}/minutes",
        only(MOVED, "member", "admin"),
        {"minutes": "Referat fra samtalen."},
    ),
    Entry(
        "dialogue.slot_calendar",
        "GET",
        lambda w: f"/slots/{w.rows['booked_slot']}/calendar.ics",
        only(OK, "member", "admin"),
        owner="supplier",
    ),
    Entry(
        "dialogue.slot_calendar",
        "GET",
        lambda w: f"/slots/{w.rows['booked_slot']}/calendar.ics",
        only(OK, "member", "admin"),
    ),
    # The booking supplier and the need's body may cancel a booking (after a confirmation page).
    Entry(
        "dialogue.cancel_slot_booking",
        "GET",
        lambda w: f"/slots/{w.rows['booked_slot']}/cancel",
        only(OK, "member", "admin"),
        owner="supplier",
    ),
    Entry(
        "dialogue.cancel_slot_booking",
        "GET",
        lambda w: f"/slots/{w.rows['booked_slot']}/cancel",
        only(OK, "member", "admin"),
    ),
    Entry(
        "dialogue.cancel_slot_booking",
        "POST",
        lambda w: f"/slots/{w.fresh_booked_slot()}/cancel",
        only(MOVED, "member", "admin"),
        owner="supplier",
    ),
    Entry(
        "dialogue.cancel_slot_booking",
        "POST",
        lambda w: f"/slots/{w.fresh_booked_slot()}/cancel",
        only(MOVED, "member", "admin"),
    ),
    Entry(
        "dialogue.withdraw_slot",
        "GET",
        lambda w: f"/slots/{w.rows['free_slot']}/withdraw",
        only(OK, "member", "admin"),
    ),
    Entry(
        "dialogue.withdraw_slot",
        "POST",
        lambda w: f"/slots/{w.fresh_free_slot()}/withdraw",
        only(MOVED, "member", "admin"),
    ),
    # Only a supplier without a slot on the need books (the owning supplier has one already).
    Entry(
        "dialogue.book_slot", "POST", lambda w: f"/slots/{w.rows['free_slot']}/book", only(MOVED, "supplier")
    ),
    Entry(
        "dialogue.message", "GET", lambda w: f"/needs/{w.rows['need']}/message", only(OK, "member", "admin")
    ),
    Entry(
        "dialogue.message",
        "POST",
        lambda w: f"/needs/{w.rows['need']}/message",
        only(MOVED, "member", "admin"),
        {"subject": "Til alle", "text": "Takk for svarene."},
    ),
    # -- attachments (the need's body adds and deletes; whoever sees the record downloads) ------
    Entry(
        "attachments.to_need",
        "GET",
        lambda w: f"/needs/{w.rows['need']}/attachments",
        only(OK, "member", "admin"),
    ),
    Entry(
        "attachments.to_need",
        "POST",
        lambda w: f"/needs/{w.rows['need']}/attachments",
        only(MOVED, "member", "admin"),
        pdf_upload,
    ),
    Entry(
        "attachments.to_question",
        "GET",
        lambda w: f"/questions/{w.rows['question']}/attachments",
        only(OK, "member", "admin"),
    ),
    Entry(
        "attachments.to_question",
        "POST",
        lambda w: f"/questions/{w.rows['question']}/attachments",
        only(MOVED, "member", "admin"),
        pdf_upload,
    ),
    Entry(
        "attachments.to_meeting",
        "GET",
        lambda w: f"/meetings/{w.rows['meeting']}/attachments",
        only(OK, "member", "admin"),
    ),
    Entry(
        "attachments.to_meeting",
        "POST",
        lambda w: f"/meetings/{w.rows['meeting']}/attachments",
        only(MOVED, "member", "admin"),
        pdf_upload,
    ),
    Entry(
        "attachments.download",
        "GET",
        lambda w: f"/attachments/{w.rows['attachment']}",
        expect(OK, anonymous=OK),
    ),
    Entry(
        "attachments.download",
        "GET",
        lambda w: f"/attachments/{w.rows['draft_attachment']}",
        only(OK, "member", "admin", others=MISSING, anonymous=MISSING),
    ),
    Entry(
        "attachments.delete",
        "GET",
        lambda w: f"/attachments/{w.rows['attachment']}/delete",
        only(OK, "member", "admin", anonymous=LOGIN),
    ),
    Entry(
        "attachments.delete",
        "POST",
        lambda w: f"/attachments/{w.fresh_attachment()}/delete",
        only(MOVED, "member", "admin"),
    ),
    # -- the Doffin announcement (the need's body) ---------------------------------------------
    Entry(
        "announcements.doffin",
        "GET",
        lambda w: f"/needs/{w.rows['need']}/doffin",
        only(OK, "member", "admin"),
    ),
    Entry(
        "announcements.doffin",
        "POST",
        lambda w: f"/needs/{w.rows['need']}/doffin",
        only(MOVED, "member", "admin"),
        {"doffin_ref": "2026-123456"},
    ),
    # -- coordination groups -----------------------------------------------------------------
    Entry(
        "coordination.detail",
        "GET",
        lambda w: f"/coordination-groups/{w.rows['own_group']}",
        expect(OK, anonymous=OK),
        secret=POST_SECRET,
    ),
    Entry(
        "coordination.invite",
        "POST",
        lambda w: f"/needs/{w.rows['need']}/coordination/invite",
        only(MOVED, "member", "admin"),
        lambda w: {"peer_need_id": str(w.rows["lead_need"])},
    ),
    Entry(
        "coordination.start",
        "POST",
        lambda w: "/coordination-groups/start",
        only(MOVED, "other_body", "member", "admin"),
        lambda w: {"peer_need_id": str(w.rows["lead_need"])},
    ),
    Entry(
        "coordination.answer",
        "POST",
        lambda w: f"/coordination-groups/{w.rows['inviting_group']}/invitation",
        only(MOVED, "member", "admin"),
        {"answer": "accept"},
    ),
    Entry(
        "coordination.request_to_join",
        "POST",
        lambda w: f"/coordination-groups/{w.rows['open_group']}/request",
        only(MOVED, "other_body", "member", "admin"),
        {"need_id": ""},
    ),
    Entry(
        "coordination.decide",
        "POST",
        lambda w: f"/coordination-groups/{w.rows['own_group']}/requests/{w.rows['asker']}",
        only(MOVED, "member", "admin"),
        {"answer": "accept"},
    ),
    Entry(
        "coordination.add_need",
        "POST",
        lambda w: f"/coordination-groups/{w.rows['own_group']}/needs",
        only(MOVED, "member", "admin"),
        lambda w: {"need_id": str(w.fresh_need(title="Enda et behov om tilsyn"))},
    ),
    Entry(
        "coordination.stage",
        "POST",
        lambda w: f"/coordination-groups/{w.rows['own_group']}/stage",
        only(MOVED, "member", "admin"),
        {"stage": GroupStage.AGREED.value},
    ),
    Entry(
        "coordination.post",
        "POST",
        lambda w: f"/coordination-groups/{w.rows['own_group']}/posts",
        only(MOVED, "member", "admin"),
        {"text": "Et innlegg"},
    ),
    Entry(
        "coordination.leave",
        "GET",
        lambda w: f"/coordination-groups/{w.fresh_membership()}/leave",
        only(OK, "member", "admin"),
    ),
    Entry(
        "coordination.leave",
        "POST",
        lambda w: f"/coordination-groups/{w.fresh_membership()}/leave",
        only(MOVED, "member", "admin"),
    ),
    # -- notifications: one's own only -------------------------------------------------------
    Entry(
        "notifications.inbox",
        "GET",
        lambda w: "/notifications",
        expect(OK),
        secret=NOTICE_SECRET,
        sees=("admin",),
    ),
    Entry("notifications.read_all", "POST", lambda w: "/notifications/read", expect(MOVED)),
    Entry(
        "notifications.open_notice",
        "GET",
        lambda w: f"/notifications/{w.rows['notice']}",
        only(MOVED, "admin", others=MISSING),
    ),
    Entry(
        "notifications.follow", "POST", lambda w: f"/notifications/follows/{w.rows['need']}", expect(MOVED)
    ),
    Entry(
        "notifications.unfollow",
        "POST",
        lambda w: f"/notifications/follows/{w.rows['need']}/delete",
        expect(MOVED),
    ),
    Entry(
        "notifications.save_search",
        "POST",
        lambda w: "/notifications/searches",
        expect(MOVED),
        {"name": "Mitt søk", "q": "tilsyn"},
    ),
    Entry(
        "notifications.delete_search",
        "GET",
        lambda w: f"/notifications/searches/{w.rows['search']}/delete",
        only(OK, "admin", others=MISSING),
        secret=SEARCH_SECRET,
        sees=("admin",),
    ),
    Entry(
        "notifications.delete_search",
        "POST",
        lambda w: f"/notifications/searches/{w.rows['search']}/delete",
        only(MOVED, "admin", others=MISSING),
    ),
    # -- the account's sessions: one's own only ---------------------------------------------
    Entry("sessions.index", "GET", lambda w: "/account/sessions", expect(OK)),
    Entry(
        "sessions.end",
        "GET",
        lambda w: f"/account/sessions/{w.fresh_session()}/end",
        only(OK, "admin", others=MISSING),
    ),
    Entry(
        "sessions.end",
        "POST",
        lambda w: f"/account/sessions/{w.fresh_session()}/end",
        only(MOVED, "admin", others=MISSING),
    ),
    Entry("sessions.end_others", "GET", lambda w: "/account/sessions/end-others", expect(OK)),
    Entry("sessions.end_others", "POST", lambda w: "/account/sessions/end-others", expect(MOVED)),
    Entry("notifications.preferences", "GET", lambda w: "/notifications/settings", expect(OK)),
    Entry("notifications.preferences", "POST", lambda w: "/notifications/settings", expect(MOVED), {}),
    # -- two-factor sign-in: one's own; the site administrator has it on, the others do not ----------
    Entry("twofactor.index", "GET", lambda w: "/account/two-factor", expect(OK)),
    Entry("twofactor.enable", "POST", lambda w: "/account/two-factor", expect(INVALID, site_admin=MOVED), {}),
    Entry(
        "twofactor.recovery_codes",
        "POST",
        lambda w: "/account/two-factor/recovery-codes",
        expect(MOVED, site_admin=INVALID),
        {},
    ),
    Entry(
        "twofactor.disable",
        "POST",
        lambda w: "/account/two-factor/disable",
        expect(MOVED, site_admin=INVALID),
        {},
    ),
]


def test_every_route_is_in_the_matrix_or_public(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    in_matrix = {(e.endpoint, e.method) for e in MATRIX}

    assert routes - in_matrix - PUBLIC == set(), "add these routes to MATRIX (or, if public, to PUBLIC)"
    assert in_matrix & PUBLIC == set()
    assert (in_matrix | PUBLIC) - routes == set(), "entries for routes that no longer exist"


def user_for(world: World, role: str, owner: str):
    if role in ("member", "admin"):
        return world.users[f"{owner}.{role}"]
    return world.users.get(role)


def answer_error(response, expected) -> str | None:
    if expected == LOGIN:
        if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
            return None
    elif response.status_code == expected:
        if expected == MOVED and "/login" in response.headers.get("Location", ""):
            return "sent to the login"
        return None
    return f"got {response.status_code} {response.headers.get('Location', '')}, expected {expected}"


@pytest.mark.parametrize("role", ROLES)
def test_the_matrix(app, make, role):
    world = build_world(make, app)
    clients = {}

    def client_for(owner):
        user = user_for(world, role, owner)
        key = user.id if user is not None else None
        if key not in clients:
            client = app.test_client()
            with client.session_transaction() as session:
                session["lang"] = "en"
            if user is not None:
                login = sign_in(client, user)
                assert login.status_code == 302
            clients[key] = client
        return clients[key]

    failures = []
    for entry in MATRIX:
        client = client_for(entry.owner)
        url = entry.url(world)
        data = entry.data(world) if callable(entry.data) else entry.data
        response = client.open(url, method=entry.method, data=data or {})
        expected = entry.expected[role]
        error = answer_error(response, expected)
        shown = (
            entry.secret and response.status_code == 200 and entry.secret in response.get_data(as_text=True)
        )
        if error is None and shown and role not in entry.sees:
            error = f"shows {entry.secret!r}"
        if error:
            failures.append(f"{entry.method} {url} ({entry.endpoint}): {error}")
        if entry.endpoint == "auth.logout":
            clients.clear()

    assert failures == [], "\n".join(failures)

"""Property-based tests: arbitrary text, odd unicode, huge values and missing fields thrown at every
form, every API parameter and the bulk import. Never a 500; always a clear message; nothing written by
a request that was turned away.

The forms are found by reading the pages each kind of user sees, so a new form is fuzzed without a
line here, and a test fails when a POST route is on no page we read.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urlparse

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app import create_app
from network import indexing
from network.extensions import db
from network.indexing import get_index
from network.models import EmailChange, JoinRequest, Report, Role, SavedSearch, Stage, UserSession, utcnow
from network.models.security import PasswordReset
from network.services import (
    accounts,
    attachments,
    coordination,
    dialogue,
    notifications,
    profile,
    security,
    sessions,
)
from network.services import responses as responses_service
from tests import conftest
from tests.factories import Make
from tests.helpers import give_two_factor, sign_in

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# Tables a turned-away request may legitimately write: failed sign-ins are counted for the rate limit.
WRITTEN_WHEN_REFUSED = {"auth_attempts"}  # and security events: see _counted
# POST routes that take no input worth fuzzing.
NOT_FUZZED = {
    "auth.logout",
    "main.set_language",
    # The code step of a sign-in is shown only between the password and the code; its one field is
    # tried with wrong, used and malformed codes in test_twofactor_views.py.
    "twofactor.login_code",
}

# -- values -----------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",  # Hebrew and Arabic (right to left)
    "e\u0301\u0301\u0301\u0301\u0301",  # combining marks
    "Z\u0351\u0360\u0361\u035c" * 40,
    "\ufeff\u200b\u200d",
    "\U0001f600\U0001f469\u200d\U0001f4bb",
    "\U0001d518\U0001d52b\U0001d526",
    "\uffff\U0010ffff",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "\u0661\u0662\u0663",  # Arabic-Indic digits
    "\u00b2",
    "\u216b",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31T23:59",
    "1970-01-01T00:00",
    "2030-13-01T25:61",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "javascript:alert(1)",
    "http://",
    "https://exa mple.no",
    "%00%ff",
    "\r\n\r\n",
    "../../etc/passwd",
    "@",
    "a@",
    "@b.no",
    "a@b",
    "\u00e6\u00f8\u00e5@\u00e6\u00f8\u00e5.no",
]
HUGE = [
    "x" * 100_001,
    "\u00f8" * 30_000,
    "9" * 5_000,
    "lang tekst " * 3_000,
    "\U0001f600" * 20_000,
]
ODD_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
NUMBER = st.one_of(st.integers(min_value=-(10**30), max_value=10**30), st.integers(-3, 3)).map(str)
FUZZ = st.one_of(ODD_TEXT, st.sampled_from(NASTY), st.sampled_from(HUGE), NUMBER)
FUZZ_VALUE = st.one_of(FUZZ, FUZZ, st.lists(FUZZ, min_size=2, max_size=3))

PLAUSIBLE = {
    "text": "Digitalt tilsyn for hjemmeboende",
    "textarea": "Hjemmetjenesten trenger bedre oversikt over brukere som bor alene.",
    "email": "ny.person@example.no",
    "password": "et langt og trygt passord 2026",
    "number": "5",
    "date": "2031-05-01",
    "datetime-local": "2031-05-01T10:00",
    "url": "https://example.no/side",
    "search": "tilsyn",
    "hidden": "",
}


# -- reading forms off pages ------------------------------------------------------------------


class _Forms(HTMLParser):
    """Every POST form on a page: its action and, per field name, the input type and the values the
    page offers (options, radio values, the prefilled value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = {"action": a.get("action") or "", "fields": {}} if method == "post" else None
            if self._form is not None:
                self.forms.append(self._form)
            return
        if self._form is None or "name" not in a:
            if tag == "option" and self._select is not None and self._form is not None:
                self._field(self._select, "select", a.get("value", ""))
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                if a.get("value"):
                    self._field(name, "submit", a["value"])
                return
            value = a.get("value", "on" if kind in {"checkbox", "radio"} else "")
            self._field(name, kind, value)
        elif tag == "select":
            self._select = name
            self._field(name, "select", None)
        elif tag == "textarea":
            self._textarea = name
            self._field(name, "textarea", None)
        elif tag == "button" and a.get("value"):
            self._field(name, "submit", a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None and data.strip():
            self._field(self._textarea, "textarea", data)

    def _field(self, name, kind, value):
        field = self._form["fields"].setdefault(name, {"kind": kind, "values": []})
        if value is not None and value not in field["values"]:
            field["values"].append(value)


def post_forms(html: str, page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = urlparse(form["action"]).path or urlparse(page).path
    return parser.forms


# -- the world the forms act on ---------------------------------------------------------------


def _login(app, email):
    client = app.test_client()
    if email is not None:
        response = sign_in(client, email)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def build_world(app, make) -> dict:
    """One of everything a form acts on; returns plain ids, tokens and e-mail addresses."""
    body = make.public_body(name="Fjordvik kommune")
    body_admin = make.user(body)
    member = make.user(body, role=Role.MEMBER)
    need = make.need(body, title="Digitalt tilsyn for hjemmeboende eldre")
    draft = make.need(body, stage=Stage.DRAFT, title="Utkast om velferdsteknologi")
    peer_body = make.public_body(name="Nabovik kommune")
    peer_admin = make.user(peer_body)
    # An organisation admin with two-factor sign-in on, who may turn it off (a site admin may not).
    give_two_factor(peer_admin)
    peer_need = make.need(peer_body, title="Digitalt tilsyn for eldre som bor hjemme")
    third_body = make.public_body(name="Tredje kommune")
    third_admin = make.user(third_body)
    make.need(third_body, title="Tilsyn med hjemmeboende eldre")
    unverified_body = make.public_body(verified=False, name="Walk Testfirma")
    unverified_admin = make.user(unverified_body)
    supplier = make.supplier(name="Trygg Teknologi AS")
    supplier_user = make.user(supplier)
    cap = make.capability(supplier)
    other_supplier_user = make.user(make.supplier(name="Annen Leverandør AS"))
    site_admin = make.user(site_admin=True)
    # A second open need of the lead body, which it can bring into the group.
    second_need = make.need(body, title="Varslingsløsning for trygghetsalarmer")
    asking_body = make.public_body(name="Spørrevik kommune")
    asking_admin = make.user(asking_body)
    asking_need = make.need(asking_body, title="Tilsyn og trygghet for hjemmeboende")
    # Needs unlike the others (a group takes its needs out of the peers' invite buttons).
    road_body = make.public_body(name="Brøytevik kommune")
    road_admin = make.user(road_body)
    road_need = make.need(road_body, title="Snøbrøyting av kommunale veier", domain="other", cpv=["90620000"])
    asking_road_need = make.need(
        asking_body, title="Brøyting og strøing av gang- og sykkelveier", domain="other", cpv=["90620000"]
    )
    # Moderation: an open report, a hidden need, a suspended organisation for the queue's forms.
    hidden = make.need(third_body, title="Skjult behov om tilsyn")
    hidden.hidden_at, hidden.hidden_reason = utcnow(), "Personopplysninger"
    make.supplier(name="Suspendert AS", suspended_at=utcnow(), suspended_reason="Falske opplysninger")
    db.session.add(Report(kind="need", target_id=peer_need.id, reporter=supplier_user, reason="spam"))
    # Someone who registered with the body's number asks to join it.
    join_request = JoinRequest(
        organisation=body, name="Per Prøver", email="per@fjordvik.kommune.no", password_hash="pbkdf2:x"
    )
    db.session.add(join_request)
    # A change of e-mail address waiting for its link, and the admin signed in on another browser.
    email_token = secrets.token_urlsafe(16)
    db.session.add(
        EmailChange(
            user=member,
            new_email="ny.adresse@fjordvik.kommune.no",
            token_hash=profile._hash_token(email_token),
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    db.session.commit()
    sessions.start(body_admin, "192.0.2.9", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    other_session = db.session.scalar(sa.select(sa.func.max(UserSession.id)))
    reset_token = secrets.token_urlsafe(16)
    db.session.add(
        PasswordReset(
            user=member,
            token_hash=security._hash_token(reset_token),
            expires_at=utcnow() + timedelta(hours=1),
        )
    )

    # The services write links into notices: they run as in a request.
    with app.test_request_context():
        question = dialogue.ask_question(
            supplier_user, need, dialogue.QuestionDraft(text="Hvor mange brukere?")
        )
        starts = utcnow() + timedelta(days=30)
        meeting = dialogue.schedule_meeting(
            body_admin,
            need,
            dialogue.MeetingDraft(
                title="Dialogmøte",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=10,
                place="Rådhuset",
            ),
        )
        response = responses_service.submit_response(
            supplier_user, need, responses_service.ResponseDraft(message="Vi kan hjelpe med dette.")
        )
        group = coordination.invite_peer(body_admin, need, peer_need)
        coordination.request_to_join(asking_admin, group, asking_need)
        # A group the asking body is a member of (not its lead), for the page that leaves it.
        member_group = coordination.invite_peer(road_admin, road_need, asking_road_need)
        coordination.answer_invitation(asking_admin, member_group, True)
        dialogue.sign_up(supplier_user, meeting.id)
        # Free one-to-one slots on the need; a meeting and a booked slot held on the second need
        # (minutes can be written, the booking neither cancelled nor withdrawn any more).
        dialogue.offer_slots(body_admin, need, dialogue.SlotDraft(starts, 30, 3, place="Rådhuset"))
        held_meeting = dialogue.schedule_meeting(
            body_admin,
            second_need,
            dialogue.MeetingDraft(
                title="Holdt møte",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                capacity=5,
                place="Rådhuset",
            ),
        )
        held_slot = dialogue.offer_slots(
            body_admin, second_need, dialogue.SlotDraft(starts, 30, 1, place="Rådhuset")
        )[0]
        dialogue.book_slot(supplier_user, held_slot.id)
        held_meeting.starts_at = held_slot.starts_at = utcnow() - timedelta(days=2)
        held_meeting.ends_at = held_meeting.starts_at + timedelta(hours=1)
        notifications.save_search(body_admin, notifications.SavedSearchDraft(name="Tilsyn", query="tilsyn"))
        notifications.follow(body_admin, peer_need.id)
        _invitation, invitation_token = accounts.invite_colleague(body_admin, "kollega@fjordvik.kommune.no")
        unsubscribe = notifications.unsubscribe_token(body_admin, "need_stage")
        attachment = attachments.attach(
            body_admin, need, attachments.Upload("Vedlegg.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"))
        )
        db.session.commit()
    ids = {
        "need": need.id,
        "draft": draft.id,
        "peer_need": peer_need.id,
        "cap": cap.id,
        "body": body.id,
        "supplier": supplier.id,
        "question": question.id,
        "meeting": meeting.id,
        "held_meeting": held_meeting.id,
        "held_slot": held_slot.id,
        "attachment": attachment.id,
        "response": response.id,
        "group": group.id,
        "member_group": member_group.id,
        "invitation": invitation_token,
        "unsubscribe": unsubscribe,
        "reset": reset_token,
        "email_token": email_token,
        "session": other_session,
        "member": member.id,
        "join_request": join_request.id,
        "unverified_body": unverified_body.id,
        "search": db.session.scalar(sa.select(SavedSearch.id)),
    }
    users = {
        "anonymous": None,
        "body_admin": body_admin.email,
        "member": member.email,
        "peer_admin": peer_admin.email,
        "third_admin": third_admin.email,
        "asking_admin": asking_admin.email,
        "unverified_admin": unverified_admin.email,
        "supplier": supplier_user.email,
        "other_supplier": other_supplier_user.email,
        "site_admin": site_admin.email,
    }
    return {"ids": ids, "users": users}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The world built once per module into a SQLite file that each test copies: building it takes
    seconds (dozens of commits). On PostgreSQL each test builds its own."""
    if os.environ.get("FLASK_SQLALCHEMY_DATABASE_URI"):
        return None
    folder = tmp_path_factory.mktemp("world")
    app = create_app(conftest.test_config(folder))
    with app.app_context():
        db.create_all()
        world = build_world(app, Make(get_index(app)))
        db.session.remove()
        db.engine.dispose()
    return folder / "test.db", world


@pytest.fixture
def app(app_config, template, tmp_path):
    """The conftest's app, on a copy of the module's world when there is one."""
    if template is not None:
        shutil.copyfile(template[0], tmp_path / "test.db")
        app_config = {**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.db'}"}
    app = create_app(app_config)
    app.test_client_class = conftest.Client
    with app.app_context():
        if template is None:
            db.drop_all()
            db.create_all()
        else:
            indexing.reindex(get_index(app))
        yield app
        db.session.remove()
        if template is None:
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def world(app, template):
    if template is not None:
        return template[1]
    return build_world(app, Make(get_index(app)))


# (who, page): the pages whose POST forms are fuzzed, as that user.
PAGES = [
    ("anonymous", "/login"),
    ("anonymous", "/register"),
    ("anonymous", "/password/forgot"),
    ("anonymous", "/invitations/{invitation}"),
    ("anonymous", "/notifications/unsubscribe/{unsubscribe}"),
    ("anonymous", "/password/reset/{reset}"),
    ("body_admin", "/needs/new"),
    ("body_admin", "/needs/{need}"),
    ("body_admin", "/needs/{need}/edit"),
    ("body_admin", "/needs/{draft}"),
    ("body_admin", "/needs/{draft}/delete"),
    ("body_admin", "/needs/{need}/meetings"),
    ("body_admin", "/needs/{need}/message"),
    ("body_admin", "/questions/{question}/answer"),
    ("body_admin", "/organisations/{body}/edit"),
    ("body_admin", "/organisations/members"),
    ("body_admin", "/organisations/join-requests/{join_request}/refuse"),
    ("body_admin", "/notifications/settings"),
    ("body_admin", "/notifications"),
    ("body_admin", "/notifications/searches/{search}/delete"),
    ("body_admin", "/search?q=tilsyn"),
    ("body_admin", "/coordination-groups/{group}"),
    ("body_admin", "/needs/{peer_need}"),
    ("member", "/needs/{need}"),
    ("peer_admin", "/coordination-groups/{group}"),
    ("third_admin", "/coordination-groups/{group}"),
    ("asking_admin", "/coordination-groups/{member_group}/leave"),
    ("unverified_admin", "/needs/new"),
    ("supplier", "/capabilities/new"),
    ("supplier", "/capabilities/{cap}/edit"),
    ("supplier", "/capabilities/{cap}/delete"),
    ("supplier", "/needs/{need}"),
    ("other_supplier", "/needs/{need}"),
    ("supplier", "/needs/{need}/questions"),
    ("body_admin", "/meetings/{meeting}"),
    ("body_admin", "/meetings/{held_meeting}/minutes"),
    ("body_admin", "/needs/{need}/slots"),
    ("body_admin", "/slots/{held_slot}/minutes"),
    ("body_admin", "/slots/{held_slot}/cancel"),
    ("body_admin", "/slots/{held_slot}/withdraw"),
    ("body_admin", "/needs/{need}/attachments"),
    ("body_admin", "/attachments/{attachment}/delete"),
    ("body_admin", "/needs/{need}/doffin"),
    ("supplier", "/organisations/for-you"),
    ("site_admin", "/admin/organisations"),
    ("body_admin", "/account"),
    ("body_admin", "/account/password"),
    ("body_admin", "/account/email"),
    ("member", "/account/deactivate"),
    ("member", "/account/delete"),
    ("anonymous", "/account/email/confirm/{email_token}"),
    ("body_admin", "/account/two-factor"),
    ("site_admin", "/account/two-factor"),
    ("peer_admin", "/account/two-factor"),
    ("body_admin", "/account/sessions/{session}/end"),
    ("body_admin", "/account/sessions/end-others"),
    ("body_admin", "/organisations/members/{member}/remove"),
    ("site_admin", "/admin/organisations/{body}/unverify"),
    ("site_admin", "/admin/organisations/{unverified_body}/reject"),
    ("supplier", "/report/need/{need}"),
    ("site_admin", "/admin/reports"),
    ("site_admin", "/admin/reports/need/{need}/hide"),
    ("site_admin", "/admin/organisations/{supplier}/suspend"),
]


def _forms_of(app, world, who, page, clients=None):
    # `clients` keeps one signed-in browser per user across pages (a site admin's code works once).
    if clients is None or who not in clients:
        client = _login(app, world["users"][who])
        if clients is not None:
            clients[who] = client
    client = clients[who] if clients is not None else client
    url = page.format(**world["ids"])
    response = client.get(url)
    assert response.status_code == 200, (who, url, response.status_code)
    forms = [f for f in post_forms(response.get_data(as_text=True), url) if _endpoint(app, f["action"])]
    return client, [f for f in forms if _endpoint(app, f["action"]) not in NOT_FUZZED]


def _endpoint(app, path: str) -> str | None:
    try:
        return app.url_map.bind("localhost").match(path, method="POST")[0]
    except Exception:
        return None


def _counted(table) -> tuple:
    # A wrong password on a form that asks for it is a security event of the account, recorded like a
    # failed sign-in even though the request is refused; every other audit entry is a change.
    if table.name == "audit_entries":
        return (~table.c.action.startswith("security."),)
    return ()


def row_counts() -> dict[str, int]:
    """Rows per table, in one query (it runs twice per example)."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in WRITTEN_WHEN_REFUSED]
    counts = [
        sa.select(sa.func.count()).select_from(t).where(*_counted(t)).scalar_subquery().label(t.name)
        for t in tables
    ]
    with Session(db.engine) as session:
        return dict(session.execute(sa.select(*counts)).one()._mapping)


def assert_clear_answer(response, what) -> None:
    status = response.status_code
    assert status < 500, what
    if status >= 400:
        body = response.get_data(as_text=True)
        if response.is_json:
            assert isinstance(response.get_json().get("error"), str), what
        else:
            # A form shown again with its errors, or the error page's headline.
            assert 'role="alert"' in body or re.search(r"<h1>[^<]+</h1>", body), (what, body[:500])


@st.composite
def form_data(draw, fields: dict) -> dict:
    """Mostly what the page offers, with some fields fuzzed, some left out and an unknown one added."""
    data = {}
    for name, field in fields.items():
        if name == "csrf_token":
            continue
        choice = draw(st.sampled_from(("offered", "offered", "fuzz", "missing")))
        if choice == "missing":
            continue
        if choice == "fuzz" or field["kind"] == "submit" and not field["values"]:
            data[name] = draw(FUZZ_VALUE)
        elif field["values"]:
            values = [v for v in field["values"] if v != ""] or [""]
            if field["kind"] in {"select", "checkbox"} and len(values) > 1:
                data[name] = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))
            else:
                data[name] = draw(st.sampled_from(values))
        else:
            data[name] = PLAUSIBLE.get(field["kind"], "tekst")
    if draw(st.booleans()):
        data[draw(st.sampled_from(("unknown", "id", "organisation_id", "is_site_admin", "stage")))] = draw(
            FUZZ
        )
    return data


# -- every form -------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "page"), PAGES, ids=[f"{who}:{page}" for who, page in PAGES])
def test_no_form_input_gives_a_500_or_writes_when_refused(app, world, who, page):
    client, forms = _forms_of(app, world, who, page)
    for form in forms:
        _fuzz_form(client, who, form["action"], form["fields"])


def _fuzz_form(client, who, action, fields):
    @SETTINGS
    @given(data=form_data(fields))
    def fuzz(data):
        before = row_counts()
        response = client.post(action, data=data)
        what = (who, action, {k: (v[:80] if isinstance(v, str) else v) for k, v in data.items()})
        assert_clear_answer(response, what)
        if response.status_code >= 400:
            assert row_counts() == before, ("a refused request wrote rows", what)

    fuzz()


def test_every_post_route_is_on_a_page_we_fuzz(app, world):
    found, clients = set(), {}
    for who, page in PAGES:
        _client, forms = _forms_of(app, world, who, page, clients)
        found.update(_endpoint(app, form["action"]) for form in forms)
    posts = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint not in NOT_FUZZED
    }
    assert posts - found == set(), "POST routes whose form no fuzzed page shows"


# -- every GET route and query parameter ------------------------------------------------------

PARAMS = (
    "q",
    "page",
    "per_page",
    "limit",
    "domain",
    "fylke",
    "cpv",
    "stage",
    "text",
    "kind",
    "order",
    "next",
    "title",
    "description",
    "exclude",
    "lang",
)
IDS = st.one_of(
    st.integers(min_value=0, max_value=50),
    st.sampled_from([2**31, 2**63 - 1, 2**63, 2**64, 10**30]),
)


@st.composite
def query_string(draw) -> str:
    names = draw(st.lists(st.sampled_from(PARAMS), max_size=5))
    pairs = [(name, draw(FUZZ)) for name in names]
    return urlencode(pairs)


def _get_rules(app):
    rules = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        rules.append(rule)
    return sorted(rules, key=lambda r: r.rule)


@pytest.mark.parametrize("who", ["anonymous", "body_admin", "supplier"])
def test_no_get_route_or_parameter_gives_a_500(app, world, who):
    client = _login(app, world["users"][who])
    rules = _get_rules(app)

    @SETTINGS
    @given(
        rule=st.sampled_from(rules),
        ids=st.lists(IDS, min_size=3, max_size=3),
        token=FUZZ,
        query=query_string(),
    )
    def fuzz(rule, ids, token, query):
        values = {}
        for n, arg in enumerate(sorted(rule.arguments)):
            converter = rule._converters[arg].__class__.__name__
            values[arg] = ids[n] if converter == "IntegerConverter" else token or "x"
        try:
            path = app.url_map.bind("localhost").build(rule.endpoint, values)
        except Exception:
            return
        before = row_counts()
        response = client.get(f"{path}{'&' if '?' in path else '?'}{query}")
        assert_clear_answer(response, (who, path, query[:300]))
        if path.startswith("/api/"):
            assert response.is_json, path
            if response.status_code == 200:
                assert isinstance(response.get_json(), dict)
        if response.status_code >= 400:
            assert row_counts() == before, ("a refused request wrote rows", path)

    fuzz()


@pytest.mark.parametrize(
    "path",
    [
        "/api/needs",
        "/api/capabilities",
        "/api/coordination-groups",
        "/api/cpv",
        "/api/cpv/suggest",
        "/search",
    ],
)
def test_api_parameters_each_fuzzed(app, world, path):
    """The documented parameters one by one, with every kind of bad value, against the listing routes
    (where a value reaches the index and the database)."""
    client = app.test_client()
    need = world["ids"]["need"]
    paths = [path, f"/api/needs/{need}/suppliers", f"/api/needs/{need}/peers"]

    @SETTINGS
    @given(
        target=st.sampled_from(paths),
        params=st.dictionaries(
            st.sampled_from(PARAMS), st.one_of(FUZZ, st.lists(FUZZ, max_size=3)), max_size=6
        ),
    )
    def fuzz(target, params):
        response = client.get(f"{target}?{urlencode(params, doseq=True)}")
        assert_clear_answer(response, (target, params))
        if target.startswith("/api/") and response.status_code == 200:
            body = response.get_json()
            assert isinstance(body.get("items"), list)

    fuzz()


# -- the bulk import --------------------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False),
    FUZZ,
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
    max_leaves=8,
)
FIELDS = {
    "organisation": [
        "kind",
        "name",
        "org_number",
        "country",
        "foreign_id",
        "sector",
        "kommune",
        "website",
        "description",
        "is_sme",
        "is_startup",
        "verified",
        "example",
    ],
    "need": [
        "organisation",
        "title",
        "description",
        "affected",
        "outcome",
        "domain",
        "cpv",
        "kommuner",
        "fylker",
        "route",
        "stage",
        "budget_min",
        "budget_max",
        "deadline",
        "doffin_ref",
        "language",
    ],
    "capability": [
        "organisation",
        "title",
        "description",
        "domains",
        "cpv",
        "fylker",
        "nationwide",
        "maturity",
        "references",
        "language",
    ],
}
GOOD = {
    "organisation": {
        "kind": "public_body",
        "name": "Importkommune",
        "sector": "municipality",
        "kommune": "0301",
    },
    "need": {"organisation": "org-1", "title": "Importert behov", "domain": "health", "cpv": ["33000000"]},
    "capability": {"organisation": "org-1", "title": "Importert evne", "domains": ["health"]},
}


@st.composite
def import_record(draw):
    kind = draw(st.sampled_from(["organisation", "need", "capability"]))
    record = {"type": kind, "key": draw(st.one_of(st.just(f"{kind}-1"), JSON_SCALARS)), **GOOD[kind]}
    for name in draw(st.lists(st.sampled_from(FIELDS[kind]), max_size=4)):
        if draw(st.booleans()):
            record.pop(name, None)
        else:
            record[name] = draw(JSON_VALUES)
    if draw(st.integers(0, 9)) == 0:
        record[draw(ODD_TEXT)] = draw(JSON_VALUES)
    if draw(st.integers(0, 9)) == 0:
        record.pop(draw(st.sampled_from(["type", "key"])), None)
    return record


@st.composite
def import_line(draw) -> str:
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return json.dumps(draw(JSON_VALUES))
    if choice == 1:
        return draw(ODD_TEXT)
    return json.dumps(draw(import_record()), ensure_ascii=draw(st.booleans()))


def test_the_import_reports_bad_lines_and_writes_nothing(app, world, tmp_path):
    path = tmp_path / "records.jsonl"
    runner = app.test_cli_runner()
    org_line = json.dumps({"type": "organisation", "key": "org-1", **GOOD["organisation"]})

    @SETTINGS
    @given(
        lines=st.lists(import_line(), min_size=1, max_size=6),
        prefix=st.booleans(),
        raw=st.binary(max_size=40),
    )
    def fuzz(lines, prefix, raw):
        content = "\n".join(([org_line] if prefix else []) + lines).encode("utf-8")
        if raw and raw[0] % 4 == 0:
            content += b"\n" + raw
        path.write_bytes(content)
        before = row_counts()
        db.session.remove()
        result = runner.invoke(args=["import", str(path)])
        db.session.remove()
        assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
        if result.exception is not None:
            assert isinstance(result.exception, SystemExit), repr(result.exception)
        if result.exit_code == 1:
            assert row_counts() == before, "a refused import wrote rows"
            assert (
                re.search(rf"{re.escape(str(path))}:\d+: \S", result.output) or "not UTF-8" in result.output
            ), result.output
        else:
            assert "Imported" in result.output

    fuzz()

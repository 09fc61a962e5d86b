"""Cross-site scripting: the usual payloads, typed into every text field of every form (and into the
query strings that pages echo), never come back executable on any page that shows them.

User text is plain text: Jinja's autoescape renders it; the only |safe in the templates is the search
highlighting, which escapes the text itself (checked here through the search page)."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from wtforms import PasswordField, StringField

from network import forms
from network.extensions import db
from network.models import Capability, GroupPost, Need, Organisation, Question, Role, User, utcnow
from network.services import accounts, coordination
from tests.factories import PASSWORD
from tests.helpers import sign_in

MARK = "Xq7"  # a word to search for: every payload carries it


def payload(field: str) -> str:
    return (
        f"{MARK} {field} <script>alert('{field}')</script>\"><img src=x onerror=alert(1)>"
        f'\'><svg onload=alert(1)><a href="javascript:alert(1)">lenke</a> {{{{7*7}}}}'
    )


SHORT = "<script>alert(1)</script>"


# Every text field of every form is either exercised below or listed here with the reason it cannot
# carry a payload to a page.
NOT_FREE_TEXT = {
    ("LoginForm", "email"): "never shown back except in the login form, escaped",
    ("LoginForm", "next"): "only ever used through safe_next, a local path",
    ("RegisterForm", "email"): "validated as an e-mail address",
    ("RegisterForm", "org_number"): "nine digits (regex)",
    ("RegisterForm", "country"): "two letters, checked by the service",
    ("ForgotPasswordForm", "email"): "validated as an e-mail address; never shown",
    ("InviteForm", "email"): "validated as an e-mail address",
    ("OrganisationForm", "org_number"): "nine digits (regex)",
    ("NeedForm", "cpv"): "CPV codes, each checked against the CPV list",
    ("CapabilityForm", "cpv"): "CPV codes, each checked against the CPV list",
    ("GroupInviteForm", "peer_need_id"): "digits (regex)",
    ("SignInCodeForm", "code"): "a code, compared and never stored; shown back only in its own field",
    ("EnableTwoFactorForm", "code"): "a code, compared and never stored; shown back only in its own field",
    ("DisableTwoFactorForm", "code"): "a code, compared and never stored; shown back only in its own field",
}


def text_fields() -> set[tuple[str, str]]:
    found = set()
    for name in dir(forms):
        cls = getattr(forms, name)
        if not (isinstance(cls, type) and issubclass(cls, forms.Form)) or cls is forms.Form:
            continue
        for field_name, unbound in vars(cls).items():
            kind = getattr(unbound, "field_class", None)
            if kind is None or not issubclass(kind, StringField) or issubclass(kind, PasswordField):
                continue
            found.add((cls.__name__, field_name))
        for base in cls.__mro__[1:]:
            for field_name, unbound in vars(base).items():
                kind = getattr(unbound, "field_class", None)
                if kind is not None and issubclass(kind, StringField) and not issubclass(kind, PasswordField):
                    found.add((cls.__name__, field_name))
    return found


class Executable(HTMLParser):
    """Collects whatever in a page a browser would run: inline scripts, event handler attributes,
    javascript:/data: URLs, and elements the payloads try to smuggle in (img src=x, svg)."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            self.found.append("inline <script>")
        if tag in ("svg", "iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        if tag == "img" and attributes.get("src") == "x":
            self.found.append("<img src=x>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in self.URL_ATTRIBUTES and value:
                compact = "".join(value.split()).lower()
                if compact.startswith(("javascript:", "data:text", "vbscript:")):
                    self.found.append(f"<{tag} {name}={value[:40]}>")

    handle_startendtag = handle_starttag


def executable(html: str) -> list[str]:
    parser = Executable()
    parser.feed(html)
    parser.close()
    return parser.found


def check_pages(client, urls, expect_echo=True) -> list[str]:
    problems = []
    for url in urls:
        response = client.get(url)
        html = response.get_data(as_text=True)
        if response.status_code != 200:
            problems.append(f"{url}: status {response.status_code}")
            continue
        problems += [f"{url}: {found}" for found in executable(html)]
        if "49" in html.replace(MARK, "") and "{{7*7}}" not in html and MARK in html:
            problems.append(f"{url}: template expression evaluated")
        if expect_echo and "&lt;script&gt;" not in html:
            problems.append(f"{url}: no payload shown, so nothing was checked")
    return problems


# -- the parser itself ------------------------------------------------------------------------


def test_the_checker_sees_what_a_browser_would_run():
    assert executable("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>") == []
    assert executable('<a href="/needs">x</a><script src="/static/js/site.js"></script>') == []
    assert executable("<script>alert(1)</script>") == ["inline <script>"]
    assert executable('<img src=x onerror="alert(1)">') == ["<img src=x>", "<img onerror=…>"]
    assert executable('<a href=" javascript:alert(1)">x</a>') == ["<a href= javascript:alert(1)>"]
    assert executable("<svg onload=alert(1)>") == ["<svg>", "<svg onload=…>"]


def test_every_text_field_of_every_form_is_covered():
    assert text_fields() - set(NOT_FREE_TEXT) == set(COVERED)


# -- the payloads, everywhere -----------------------------------------------------------------

COVERED = {
    ("RegisterForm", "org_name"),
    ("RegisterForm", "name"),
    ("AcceptInvitationForm", "name"),
    ("OrganisationForm", "name"),
    ("OrganisationForm", "website"),
    ("OrganisationForm", "description"),
    ("NeedForm", "title"),
    ("NeedForm", "description"),
    ("NeedForm", "affected"),
    ("NeedForm", "outcome"),
    ("StageForm", "doffin_ref"),
    ("CapabilityForm", "title"),
    ("CapabilityForm", "description"),
    ("CapabilityForm", "references"),
    ("ResponseForm", "message"),
    ("ResponseForm", "link"),
    ("GroupPostForm", "text"),
    ("QuestionForm", "text"),
    ("AnswerForm", "text"),
    ("AnswerForm", "answer"),
    ("MeetingForm", "title"),
    ("MeetingForm", "place"),
    ("MeetingForm", "video_link"),
    ("MeetingForm", "description"),
    ("RespondentsMessageForm", "subject"),
    ("RespondentsMessageForm", "text"),
    ("SavedSearchForm", "name"),
    ("SavedSearchForm", "q"),
    ("ReportForm", "details"),
    ("ModerationReasonForm", "reason"),
}


def browser(app, user=None):
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    if user is not None:
        response = sign_in(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def posted(response, what):
    page = response.get_data(as_text=True)
    errors = page[page.find('<div class="error-summary"') :][:1000] if "error-summary" in page else page[:800]
    assert response.status_code == 302, f"{what}: {response.status_code} {errors}"
    return response


@pytest.fixture
def site(app, make):
    """Every form filled with payloads, through the web, by the users who may fill it."""
    # Registration: a public body and a supplier whose names are payloads.
    body_client = browser(app)
    posted(
        body_client.post(
            "/register",
            data={
                "kind": "public_body",
                "org_name": payload("org_name"),
                "org_number": "974760673",
                "country": "NO",
                "sector": "municipality",
                "kommune": "0301",
                "name": payload("user_name"),
                "email": "body@example.no",
                "password": PASSWORD,
                "password2": PASSWORD,
                "accept_terms": "y",
            },
        ),
        "register body",
    )
    body = db.session.scalar(sa.select(Organisation).where(Organisation.kind == "public_body"))
    body.verified = True
    body_admin = db.session.scalar(sa.select(User).where(User.email == "body@example.no"))
    db.session.commit()
    supplier_client = browser(app)
    posted(
        supplier_client.post(
            "/register",
            data={
                "kind": "supplier",
                "org_name": payload("supplier_name"),
                "country": "NO",
                "name": payload("supplier_user"),
                "email": "supplier@example.no",
                "password": PASSWORD,
                "password2": PASSWORD,
                "accept_terms": "y",
            },
        ),
        "register supplier",
    )
    supplier = db.session.scalar(sa.select(Organisation).where(Organisation.kind == "supplier"))

    # The profile.
    refused = body_client.post(
        f"/organisations/{body.id}/edit",
        data={"name": payload("org_edit"), "website": "javascript:alert(1)", "sector": "municipality"},
    )
    assert refused.status_code == 422
    posted(
        body_client.post(
            f"/organisations/{body.id}/edit",
            data={
                "name": payload("org_edit"),
                "website": 'https://example.no/"><script>alert(1)</script>',
                "description": payload("org_description"),
                "sector": "municipality",
                "kommune": "0301",
            },
        ),
        "edit organisation",
    )

    # A need, published; a second one moved to tendered with a Doffin reference.
    need_form = {
        "title": payload("need_title"),
        "description": payload("need_description"),
        "affected": payload("need_affected"),
        "outcome": payload("need_outcome"),
        "domain": "health",
        "route": "undecided",
        "kommuner": "0301",
    }
    posted(body_client.post("/needs/new", data=need_form), "create need")
    posted(body_client.post("/needs/new", data={**need_form, "title": payload("need_two")}), "second need")
    need, second = db.session.scalars(sa.select(Need).order_by(Need.id)).all()
    posted(body_client.post(f"/needs/{need.id}/publish"), "publish")
    posted(body_client.post(f"/needs/{second.id}/publish"), "publish second")
    posted(
        body_client.post(f"/needs/{second.id}/stage", data={"stage": "tendered", "doffin_ref": SHORT}),
        "stage",
    )

    # The supplier: a capability, a response, a question.
    posted(
        supplier_client.post(
            "/capabilities/new",
            data={
                "title": payload("cap_title"),
                "description": payload("cap_description"),
                "references": payload("cap_references"),
                "domains": ["health"],
                "maturity": "pilot",
                "fylker": ["03"],
            },
        ),
        "capability",
    )
    refused = supplier_client.post(
        f"/needs/{need.id}/responses", data={"message": payload("response"), "link": "javascript:alert(1)"}
    )
    assert refused.status_code in (302, 422)
    posted(
        supplier_client.post(
            f"/needs/{need.id}/responses",
            data={"message": payload("response"), "link": 'https://example.no/?"><script>alert(1)</script>'},
        ),
        "response",
    )
    posted(
        supplier_client.post(f"/needs/{need.id}/questions", data={"question-text": payload("question")}),
        "question",
    )
    question = db.session.scalar(sa.select(Question))

    # The body answers (with a reworded question), schedules a meeting, writes to respondents.
    posted(
        body_client.post(
            f"/questions/{question.id}/answer",
            data={
                f"answer-{question.id}-text": payload("question_reworded"),
                f"answer-{question.id}-answer": payload("answer"),
            },
        ),
        "answer",
    )
    start = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    end = (utcnow() + timedelta(days=10, hours=2)).strftime("%Y-%m-%dT%H:%M")
    posted(
        body_client.post(
            f"/needs/{need.id}/meetings",
            data={
                "meeting-title": payload("meeting_title"),
                "meeting-starts_at": start,
                "meeting-ends_at": end,
                "meeting-place": payload("meeting_place"),
                "meeting-video_link": 'https://meet.example.no/"><script>alert(1)</script>',
                "meeting-capacity": "5",
                "meeting-description": payload("meeting_description"),
            },
        ),
        "meeting",
    )
    posted(
        body_client.post(
            f"/needs/{need.id}/message",
            data={"subject": payload("message_subject"), "text": payload("message_text")},
        ),
        "message to respondents",
    )

    # A coordination group with a payload post; a saved search; a colleague with a payload name.
    peer = make.public_body(name="Peer kommune")
    peer_user = make.user(peer)
    peer_need = make.need(peer, title="Fall om natten")
    with app.test_request_context(), force_locale("en"):
        group = coordination.invite_peer(body_admin, need, peer_need)
        coordination.answer_invitation(peer_user, group, accept=True)
    posted(
        body_client.post(f"/coordination-groups/{group.id}/posts", data={"text": payload("group_post")}),
        "post",
    )
    posted(
        supplier_client.post(
            "/notifications/searches",
            data={"name": payload("search_name"), "q": f"{MARK} <script>alert(1)</script>"},
        ),
        "saved search",
    )
    with app.test_request_context():
        _, token = accounts.invite_colleague(body_admin, "kollega@example.no")
    posted(
        browser(app).post(
            f"/invitations/{token}",
            data={
                "name": payload("colleague"),
                "password": PASSWORD,
                "password2": PASSWORD,
                "accept_terms": "y",
            },
        ),
        "accept invitation",
    )
    site_admin = make.user(site_admin=True)
    pending = make.public_body(verified=False, name=payload("pending_body"))

    # Moderation: a report with a payload, a group post hidden and a body suspended with payload reasons.
    posted(
        supplier_client.post(
            f"/report/need/{need.id}", data={"reason": "other", "details": payload("report_details")}
        ),
        "report",
    )
    admin_client = browser(app, site_admin)
    post_id = db.session.scalar(sa.select(GroupPost.id))
    posted(
        admin_client.post(f"/admin/reports/post/{post_id}/hide", data={"reason": payload("hide_reason")}),
        "hide",
    )
    posted(
        admin_client.post(
            f"/admin/organisations/{pending.id}/suspend", data={"reason": payload("suspend_reason")}
        ),
        "suspend",
    )
    return {
        "body": body,
        "body_admin": body_admin,
        "supplier": supplier,
        "need": need,
        "second": second,
        "group": group,
        "site_admin": site_admin,
        "pending": pending,
        "body_client": body_client,
        "supplier_client": supplier_client,
    }


def test_the_payloads_were_stored_as_typed(site):
    need = site["need"]
    assert need.title.startswith(f"{MARK} need_title <script>")
    assert site["body"].website.startswith("https://")
    assert db.session.scalar(sa.select(Capability.references)).startswith(MARK)


def test_public_pages_show_the_payloads_as_text(app, site):
    need, second, body, supplier, group = (site[k] for k in ("need", "second", "body", "supplier", "group"))
    cap = db.session.scalar(sa.select(Capability))
    pages = [
        "/",
        "/needs",
        f"/needs/{need.id}",
        f"/needs/{second.id}",
        f"/capabilities/{cap.id}",
        "/organisations",
        f"/organisations/{body.id}",
        f"/organisations/{supplier.id}",
        f"/search?q={MARK}",
        f"/search?q={MARK}&kind=need",
        f"/search?q={MARK}&kind=capability",
        f"/search?q={MARK}&kind=organisation",
        "/coordination-groups",
        f"/coordination-groups/{group.id}",
    ]

    assert check_pages(browser(app), pages) == []


def test_the_bodys_pages_show_the_payloads_as_text(app, site):
    need, body, group = site["need"], site["body"], site["group"]
    question = db.session.scalar(sa.select(Question))
    meeting_id = db.session.scalar(sa.text("select id from meetings"))
    pages = [
        "/needs/mine",
        f"/needs/{need.id}",
        f"/needs/{need.id}/edit",
        f"/organisations/{body.id}/edit",
        "/organisations/members",
        f"/questions/{question.id}/answer",
        f"/meetings/{meeting_id}",
        f"/coordination-groups/{group.id}",
        "/audit",
        "/notifications",
    ]

    assert check_pages(browser(app, site["body_admin"]), pages) == []


def test_the_suppliers_pages_show_the_payloads_as_text(app, site):
    need = site["need"]
    cap = db.session.scalar(sa.select(Capability))
    supplier_user = db.session.scalar(sa.select(User).where(User.email == "supplier@example.no"))
    meeting_id = db.session.scalar(sa.text("select id from meetings"))
    client = browser(app, supplier_user)
    client.post(f"/meetings/{meeting_id}/signup")
    pages = [
        "/organisations/for-you",
        f"/needs/{need.id}",
        f"/capabilities/{cap.id}/edit",
        "/notifications",
        "/notifications/settings",
        f"/search?q={MARK}",
    ]

    problems = check_pages(client, pages[:4])
    problems += check_pages(client, pages[4:], expect_echo=False)
    assert problems == []


def test_the_site_admins_pages_show_the_payloads_as_text(app, site):
    pages = [
        "/admin/organisations",
        "/audit",
        f"/audit?organisation={site['body'].id}",
        "/admin/reports",
        f"/organisations/{site['pending'].id}",
        f"/admin/reports/need/{site['need'].id}/hide",
    ]

    assert check_pages(browser(app, site["site_admin"]), pages) == []


REFLECTED = [
    "/search?q={p}",
    "/search?q={p}&domain={p}&fylke={p}&cpv={p}&stage={p}&kind={p}&sort={p}&page={p}",
    "/needs?domain={p}&stage={p}&fylke={p}&page={p}",
    "/needs/similar?title={p}&description={p}",
    "/login?next={p}",
    "/register?kind={p}",
    "/api/needs?q={p}",
    "/no-such-page/{p}",
    "/organisations?page={p}",
    "/coordination-groups?page={p}",
]


def test_query_strings_are_never_echoed_executable(app, make):
    client = browser(app, make.user(make.public_body(), role=Role.MEMBER))
    problems = []
    for template in REFLECTED:
        url = template.format(p=quote(payload("reflected"), safe=""))
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
        problems += [f"{template}: {found}" for found in executable(response.get_data(as_text=True))]

    assert problems == []


def test_json_is_served_as_json(app, site):
    response = browser(app).get(f"/api/needs/{site['need'].id}")

    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" in response.get_json()["title"]  # data, not markup: the client escapes it

"""One date and one date-time format per language, in Europe/Oslo, on every page that shows times; the
API keeps ISO 8601 with an offset."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import AuditEntry, Follow, Notification, Role
from network.services import dialogue
from tests.helpers import text

# Formats the walk through the site found side by side, none of which may show any more.
STRAY = {
    "numeric short date (12/3/26)": re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    "12-hour clock": re.compile(r"\d\s?(AM|PM|am|pm)\b"),
    "abbreviated English month (Dec 3)": re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d"),
    "numeric date (03.12.2026)": re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b"),
    "abbreviated Norwegian month (3. des.)": re.compile(
        r"\d\. (jan|feb|mar|apr|jun|jul|aug|sep|okt|nov|des)\."
    ),
}
# 07:57 UTC on 3 December is 08:57 in Oslo (winter time); 10:00 UTC on 1 June 2030 is 12:00 (summer).
WINTER = datetime(2026, 12, 3, 7, 57)
SUMMER = datetime(2030, 6, 1, 10, 0)
EXPECTED = {
    "nb": ("3. desember 2026, 08:57", "31. januar 2030", "1. juni 2030, 12:00"),
    "nn": ("3. desember 2026, 08:57", "31. januar 2030", "1. juni 2030, 12:00"),
    "en": ("3 December 2026, 08:57", "31 January 2030", "1 June 2030, 12:00"),
}


def _visible(page: str) -> str:
    """The page's text as a reader sees it: no tags, no attributes (the <time datetime> stays ISO)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _stray(page: str) -> list[str]:
    seen = _visible(page)
    return [name for name, pattern in STRAY.items() if pattern.search(seen)]


@pytest.fixture
def world(app, make):
    body = make.public_body(name="Datokommune")
    admin = make.user(body, role=Role.ADMIN)
    need = make.need(body, deadline=date(2030, 1, 31), title="Behov med frist")
    need.published_at = WINTER
    db.session.add(
        AuditEntry(
            actor_id=admin.id,
            actor_name=admin.name,
            organisation_id=body.id,
            action="need.publish",
            target_type="need",
            target_id=need.id,
            target_label=need.title,
            changes={"stage": ["draft", "open"]},
            created_at=WINTER,
        )
    )
    db.session.commit()
    follower = make.user(make.supplier(name="Følger AS"), email="folger@example.no")
    db.session.add(Follow(user_id=follower.id, need_id=need.id))
    db.session.commit()
    draft = dialogue.MeetingDraft(
        title="Dialogmøte",
        starts_at=SUMMER,
        ends_at=SUMMER.replace(hour=12),
        capacity=5,
        signup_deadline=SUMMER.replace(day=1, hour=8),
        place="Rådhuset",
        video_link="",
    )
    with app.test_request_context():
        meeting = dialogue.schedule_meeting(admin, need, draft)
    return {"admin": admin, "need": need, "meeting": meeting}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_pages_show_one_date_and_one_date_time_format_per_language(client, login, world, language):
    login(world["admin"])
    with client.session_transaction() as session:
        session["lang"] = language
    winter, deadline, summer = EXPECTED[language]
    need_page = text(client.get(f"/needs/{world['need'].id}"))
    audit_page = text(client.get("/audit"))
    meeting_page = text(client.get(f"/meetings/{world['meeting'].id}"))
    list_page = text(client.get("/needs"))

    assert deadline in _visible(need_page)
    assert winter in _visible(audit_page)
    assert summer in _visible(meeting_page)
    assert winter.split(",")[0] in _visible(list_page)
    pages = {"need": need_page, "audit": audit_page, "meeting": meeting_page, "list": list_page}
    for path, page in pages.items():
        assert _stray(page) == [], (language, path)
    for path in ("/account", "/account/sessions", "/notifications", "/needs/mine"):
        assert _stray(text(client.get(path))) == [], (language, path)


def test_the_api_keeps_iso_8601_with_an_offset(client, world):
    need = client.get(f"/api/needs/{world['need'].id}").get_json()
    assert need["published_at"] == "2026-12-03T07:57:00+00:00"
    assert need["deadline"] == "2030-01-31"


def test_notices_and_mails_about_a_meeting_use_the_same_format(world):
    notice = db.session.scalar(sa.select(Notification).where(Notification.kind == "need_meeting"))
    # The follower reads bokmål (the default): the meeting at 12:00 Oslo time, sign-up by 10:00.
    assert "1. juni 2030, 12:00" in notice.body
    assert "1. juni 2030, 10:00" in notice.body
    assert _stray(notice.body) == []

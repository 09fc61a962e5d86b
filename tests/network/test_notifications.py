"""Notifications through the services: follows, saved searches, who is told about what, the inbox,
preferences and unsubscribe tokens."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from network.errors import ConflictError, NotFoundError, ValidationError
from network.extensions import db
from network.models import (
    NOTIFICATION_KINDS,
    Follow,
    Frequency,
    Notification,
    NotificationPreference,
    Role,
    SavedSearch,
    Stage,
)
from network.services import accounts as accounts_service
from network.services import needs as needs_service
from network.services import notifications as service
from network.services import responses as responses_service
from network.services.notifications import searches

HEALTH_NEED = needs_service.NeedDraft(
    title="Varsling ved fall på sykehjem om natten",
    description="Nattevaktene trenger sensorer som varsler når beboere faller om natten.",
    domain="health",
    cpv=("48000000",),
    kommuner=("0301",),
)


def notices(user=None, kind=None) -> list[Notification]:
    db.session.expire_all()
    query = sa.select(Notification).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def recipients(kind: str) -> set[int]:
    return {n.user_id for n in notices(kind=kind)}


def saved(user, name="Søk", query="", **filters) -> SavedSearch:
    return service.save_search(user, service.SavedSearchDraft(name=name, query=query, **filters))


# -- following --------------------------------------------------------------------------------


def test_a_user_follows_and_unfollows_a_published_need(app, make):
    need = make.need()
    user = make.user(make.supplier())
    assert not service.is_following(user, need)
    service.follow(user, need.id)
    service.follow(user, need.id)  # again: nothing changes
    assert service.is_following(user, need)
    assert [f.need_id for f in service.follows_of(user)] == [need.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow)) == 1
    service.unfollow(user, need.id)
    assert not service.is_following(user, need)


def test_nobody_follows_another_bodys_draft_and_a_missing_need(app, make):
    draft = make.need(stage=Stage.DRAFT)
    outsider = make.user(make.public_body())
    with pytest.raises(NotFoundError):
        service.follow(outsider, draft.id)
    with pytest.raises(NotFoundError):
        service.follow(outsider, draft.id + 1000)
    # Its own body sees the draft, but there is nothing to follow before it is published.
    with pytest.raises(ValidationError):
        service.follow(make.user(draft.organisation), draft.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow)) == 0


# -- who is told about what -------------------------------------------------------------------


def test_a_stage_change_tells_the_followers_but_not_the_one_who_moved_it(app, make, index):
    body = make.public_body()
    need = make.need(body)
    officer = make.user(body)
    follower, other_follower, bystander = (make.user(make.supplier()) for _ in range(3))
    for user in (follower, other_follower, officer):
        service.follow(user, need.id)
    other_follower.locale = "en"
    db.session.commit()

    needs_service.move_stage(officer, need, "tendered", index, doffin_ref="2024-123456")

    assert recipients("need_stage") == {follower.id, other_follower.id}
    [nb] = notices(follower)
    [en] = notices(other_follower)
    # Each in the recipient's language (the stage's name at least; new sentences await translation).
    assert need.title in nb.subject
    assert "Utlyst" in nb.subject
    assert en.subject == f"“{need.title}” is now: Tendered"
    assert "2024-123456" in en.body
    assert en.link == f"/needs/{need.id}"
    assert en.need_id == need.id
    assert en.read_at is None
    assert en.emailed_at is None
    assert notices(bystander) == []
    assert notices(officer) == []


def test_a_published_need_tells_the_saved_searches_it_matches(app, make, index):
    body = make.public_body()
    officer = make.user(body)
    colleague_search = saved(make.user(body), "Kollegas søk", "sensorer")  # a colleague is told too
    matching = make.user(make.supplier())
    saved(matching, "Fall", "fall sykehjem")
    saved(matching, "Helse", domain=("health",))  # a second match: still one notice
    by_filter = make.user(make.supplier())
    saved(by_filter, "Helse i Oslo", domain=("health",), fylke=("03",), cpv=("48",), stage=("open",))
    wrong_words = make.user(make.supplier())
    saved(wrong_words, "Skole", "skolebuss")
    wrong_fylke = make.user(make.supplier())
    saved(wrong_fylke, "Vestland", "fall", fylke=("46",))
    wrong_stage = make.user(make.supplier())
    saved(wrong_stage, "Tildelt", "fall", stage=("awarded",))
    saved(officer, "Mitt eget", "fall")  # the publisher is never told

    need = needs_service.create_need(officer, HEALTH_NEED, index)
    assert notices() == []  # a draft tells nobody
    needs_service.publish_need(officer, need, index)

    assert recipients("saved_search") == {colleague_search.user_id, matching.id, by_filter.id}
    [notice] = notices(matching)
    assert "Fall" in notice.subject
    assert need.title in notice.subject
    assert notice.link == f"/needs/{need.id}"
    [filtered] = notices(by_filter)
    assert "Helse i Oslo" in filtered.subject
    # Saved searches are a daily digest unless the user chose otherwise.
    assert notice.frequency == Frequency.DAILY


def test_saved_search_matching_does_not_depend_on_the_sites_index(app, make, index):
    """The site's index may lag (several workers, `flask index follow`): the match is made anyway."""
    app.config["INDEX_INLINE"] = False
    body = make.public_body()
    officer = make.user(body)
    reader = make.user(make.supplier())
    saved(reader, "Fall", "fall")
    need = needs_service.create_need(officer, HEALTH_NEED, index)
    needs_service.publish_need(officer, need, index)
    assert recipients("saved_search") == {reader.id}


def test_a_response_tells_the_needs_body_but_not_the_supplier(app, make):
    body = make.public_body()
    need = make.need(body)
    officers = [make.user(body), make.user(body, role=Role.MEMBER)]
    supplier = make.supplier()
    seller, seller_colleague = make.user(supplier), make.user(supplier)
    response = responses_service.submit_response(
        seller, need, responses_service.ResponseDraft("Vi har sensorer som varsler fall.")
    )
    assert recipients("new_response") == {u.id for u in officers}
    [notice] = notices(officers[0])
    assert supplier.name in notice.subject
    assert "Vi har sensorer" in notice.body
    assert notice.link == f"/needs/{need.id}#responses"
    assert notices(seller) == notices(seller_colleague) == []
    assert response.id


def test_a_status_change_tells_the_responding_supplier_once(app, make):
    body = make.public_body()
    need = make.need(body)
    officer, officer_colleague = make.user(body), make.user(body)
    supplier = make.supplier()
    seller, seller_colleague = make.user(supplier), make.user(supplier)
    response = responses_service.submit_response(seller, need, responses_service.ResponseDraft("Hei"))
    responses_service.set_status(officer, response.id, "shortlisted")
    assert recipients("response_status") == {seller.id, seller_colleague.id}
    assert "Valgt ut" in notices(seller, "response_status")[0].subject
    # The same status again is no news.
    responses_service.set_status(officer, response.id, "shortlisted")
    assert len(notices(kind="response_status")) == 2
    assert notices(officer, "response_status") == notices(officer_colleague, "response_status") == []


def test_notify_refuses_unknown_kinds_and_keeps_links_inside_the_site(app, make):
    user = make.user(make.supplier())
    with pytest.raises(ValueError, match="unknown notification kind"):
        service.notify([user], "gossip", lambda: ("a", "b"))
    [absolute] = service.notify([user], "need_stage", lambda: ("a\nb", ""), link="https://x.no/needs/4?a=1#q")
    [evil] = service.notify(
        [user], "need_stage", lambda: ("s", ""), link="https://evil.example//evil.example/x"
    )
    [relative] = service.notify([user], "need_stage", lambda: ("s", ""), link="javascript:alert(1)")
    assert absolute.link == "/needs/4?a=1#q"
    assert absolute.subject == "a b"  # a subject is one line
    assert evil.link is None
    assert relative.link is None
    assert service.notify([user], "need_stage", lambda: ("s", ""), exclude=user) == []


# -- saved searches ---------------------------------------------------------------------------


def test_saved_search_rules(app, make):
    user = make.user(make.supplier())
    with pytest.raises(ValidationError):
        saved(user, "   ")
    with pytest.raises(ValidationError):
        saved(user, "Ukjent", domain=("astrology",))
    with pytest.raises(ValidationError):
        saved(user, "Utkast", stage=("draft",))
    with pytest.raises(ValidationError):
        saved(user, "Bare leverandører", kind=("capability",))
    first = saved(user, "Fall", "fall", domain=("health",), kind=("need", "capability"))
    assert first.filters == {"domain": ["health"], "kind": ["capability", "need"]}
    with pytest.raises(ConflictError):
        saved(user, "Samme igjen", "fall", domain=("health",), kind=("capability", "need"))
    assert [s.id for s in service.saved_searches(user)] == [first.id]


def test_saved_searches_are_their_owners_only(app, make):
    owner, other = make.user(make.supplier()), make.user(make.supplier())
    search = saved(owner, "Mitt")
    with pytest.raises(NotFoundError):
        service.get_saved_search(other, search.id)
    with pytest.raises(NotFoundError):
        service.delete_saved_search(other, search.id)
    assert service.saved_searches(other) == []
    service.delete_saved_search(owner, search.id)
    assert service.saved_searches(owner) == []


def test_a_user_keeps_a_bounded_number_of_saved_searches(app, make, monkeypatch):
    monkeypatch.setattr(searches, "MAX_SAVED_SEARCHES", 2)
    user = make.user(make.supplier())
    saved(user, "En", "en")
    saved(user, "To", "to")
    with pytest.raises(ValidationError):
        saved(user, "Tre", "tre")


# -- the inbox --------------------------------------------------------------------------------


def _two_notices(user):
    made = service.notify([user], "need_stage", lambda: ("Første", ""), link="/needs/1")
    made += service.notify([user], "need_stage", lambda: ("Andre", ""), link="/needs/2")
    db.session.commit()
    return made


def test_the_inbox_counts_and_marks_read(app, make):
    user = make.user(make.supplier())
    first, second = _two_notices(user)
    assert service.unread_count(user) == 2
    assert [n.subject for n in service.inbox(user, 1, 20).items] == ["Andre", "Første"]
    assert service.open_notice(user, first.id).link == "/needs/1"
    assert service.unread_count(user) == 1
    service.mark_read(user)
    assert service.unread_count(user) == 0


def test_nobody_reads_or_marks_another_users_notices(app, make):
    owner, other = make.user(make.supplier()), make.user(make.supplier())
    first, _ = _two_notices(owner)
    _two_notices(other)
    for action in (service.open_notice, service.mark_read, service.get_notice):
        with pytest.raises(NotFoundError):
            action(other, first.id)
    service.mark_read(other)  # "all" means all of one's own
    assert service.unread_count(owner) == 2
    assert service.inbox(other, 1, 20).total == 2
    assert first.id not in {n.id for n in service.inbox(other, 1, 20).items}


# -- preferences, language, unsubscribe ---------------------------------------------------------


def test_preferences_have_defaults_and_are_each_users_own(app, make):
    user, other = make.user(make.supplier()), make.user(make.supplier())
    assert service.preferences(user)["need_stage"] == Frequency.IMMEDIATELY
    assert service.preferences(user)["saved_search"] == Frequency.DAILY
    assert set(service.preferences(user)) == set(NOTIFICATION_KINDS)
    service.set_preferences(user, {"need_stage": "weekly", "saved_search": "off"})
    assert service.preferences(user)["need_stage"] == Frequency.WEEKLY
    assert service.preferences(other)["need_stage"] == Frequency.IMMEDIATELY
    [notice] = service.notify([user, other], "need_stage", lambda: ("s", ""))[:1]
    assert notice.frequency == Frequency.WEEKLY


def test_a_bad_choice_changes_nothing(app, make):
    user = make.user(make.supplier())
    for choices in (
        {"need_stage": "weekly", "gossip": "daily"},
        {"need_stage": "weekly", "new_response": "hourly"},
    ):
        with pytest.raises(ValidationError):
            service.set_preferences(user, choices)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationPreference)) == 0


def test_waiting_notices_follow_a_new_choice(app, make):
    user = make.user(make.supplier())
    [waiting] = service.notify([user], "need_stage", lambda: ("s", ""))
    db.session.commit()
    service.set_preferences(user, {"need_stage": "daily"})
    assert waiting.frequency == Frequency.DAILY
    service.set_preferences(user, {"need_stage": "off"})
    assert waiting.frequency == Frequency.OFF
    # Turned on again, what was left unsent while "off" stays unsent.
    service.set_preferences(user, {"need_stage": "immediately"})
    assert waiting.frequency == Frequency.OFF


def test_the_chosen_language_is_kept_on_the_user(app, make):
    user = make.user(make.supplier())
    accounts_service.set_locale(user, "en", ("nb", "en"))
    assert user.locale == "en"
    with pytest.raises(ValidationError):
        accounts_service.set_locale(user, "xx", ("nb", "en"))
    assert user.locale == "en"


def test_an_unsubscribe_token_turns_its_kinds_off_for_its_user_only(app, make):
    user, other = make.user(make.supplier()), make.user(make.supplier())
    token = service.unsubscribe_token(user, ["need_stage", "new_response"])
    assert service.read_unsubscribe_token(token) == (user, ("need_stage", "new_response"))
    service.unsubscribe(token)
    assert service.preferences(user)["need_stage"] == Frequency.OFF
    assert service.preferences(user)["new_response"] == Frequency.OFF
    assert service.preferences(user)["saved_search"] == Frequency.DAILY
    assert service.preferences(other)["need_stage"] == Frequency.IMMEDIATELY


def test_a_tampered_unsubscribe_token_is_not_found(app, make):
    user, other = make.user(make.supplier()), make.user(make.supplier())
    token = service.unsubscribe_token(user, "need_stage")
    forged_elsewhere = URLSafeSerializer("another-secret", salt="unsubscribe").dumps(
        [other.id, ["need_stage"]]
    )
    signed_bad_kind = URLSafeSerializer(app.config["SECRET_KEY"], salt="unsubscribe").dumps([user.id, ["x"]])
    signed_no_user = URLSafeSerializer(app.config["SECRET_KEY"], salt="unsubscribe").dumps(
        [10**6, ["need_stage"]]
    )
    payload, signature = token.rsplit(".", 1)
    tampered = [
        payload + "." + signature[::-1],
        payload[:-2] + "xx." + signature,
        forged_elsewhere,
        signed_bad_kind,
        signed_no_user,
        "",
        "not-a-token",
        "æøå.æøå",
    ]
    for bad in tampered:
        with pytest.raises(NotFoundError):
            service.unsubscribe(bad)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationPreference)) == 0

"""New strong matches: the notices the empty match lists promise, made from the percolation of kept
lists, checked against the confident list, once per list and record."""

from __future__ import annotations

import sqlalchemy as sa

from network.extensions import db
from network.models import AlertState, Frequency, MatchAlert, Notification, NotificationPreference
from network.services import capabilities, match_notices, matching, needs, notifications

ALARMS = "Trygghetsalarmer for hjemmeboende eldre"
ALARMS_TEXT = "Alarmer og sensorer som varsler hjemmetjenesten om fall og uro om natten."


def notices(user, kind: str | None = None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def alarm_capability(make, supplier, title="Trygghetsalarmer med fallsensor"):
    return make.capability(supplier, title=title, description=ALARMS_TEXT, cpv=["33195000"])


def shown_need(make, index, *lists: str):
    """A body's officer and its need about alarms, whose `lists` ("peers", "suppliers") a page showed
    (and so kept ready)."""
    body = make.public_body()
    officer = make.user(body)
    need = alarm_need(make, body)
    for kind in lists:
        shown = matching.peers_for_need if kind == "peers" else matching.suppliers_for_need
        shown(need, index)
    return officer, need


def alarm_need(make, body=None, **kw):
    kw.setdefault("cpv", ["33195000"])
    kw.setdefault("title", ALARMS)
    return make.need(body or make.public_body(), description=ALARMS_TEXT, **kw)


def test_a_body_is_told_when_another_body_publishes_the_same_challenge(make, index):
    body = make.public_body(name="Alarmby kommune")
    officer = make.user(body)
    need = alarm_need(make, body)
    assert matching.peers_for_need(need, index) == []  # the page showed the empty list (and kept it)

    other = make.public_body(name="Tryggby kommune")
    peer = alarm_need(make, other, title="Trygghetsalarmer og sensorer for eldre")

    (notice,) = notices(officer, "new_peer")
    assert notice.need_id == need.id
    assert "Tryggby kommune" in notice.body
    assert peer.title in notice.body
    assert notice.link == f"/needs/{need.id}#peers"
    # The body that published the new need is not told about its own need.
    assert notices(make.user(other), "new_peer") == []


def test_followers_of_the_need_are_told_too(make, index):
    need = alarm_need(make)
    supplier_user = make.user(make.supplier())
    notifications.follow(supplier_user, need.id)
    db.session.commit()
    matching.peers_for_need(need, index)
    alarm_need(make)
    assert len(notices(supplier_user, "new_peer")) == 1


def test_a_pair_is_announced_once_however_often_it_enters(make, index):
    officer, need = shown_need(make, index, "peers")
    other = make.public_body()
    other_user = make.user(other)
    peer = alarm_need(make, other)
    assert len(notices(officer, "new_peer")) == 1
    # Cancelled, it leaves the list; open again, it is back, but was announced already.
    needs.move_stage(other_user, peer, "cancelled", index)
    matching.peers_for_need(need, index)
    peer.stage = needs.Stage.OPEN
    db.session.commit()
    needs.update_need(other_user, peer, needs.NeedDraft(title=peer.title, description=ALARMS_TEXT), index)
    matching.peers_for_need(need, index)
    assert len(notices(officer, "new_peer")) == 1


def test_a_body_is_told_when_a_strong_supplier_appears(make, index):
    officer, need = shown_need(make, index)
    assert matching.suppliers_for_need(need, index) == []

    supplier = make.supplier(name="Varsling AS")
    make.user(supplier)
    make.capability(
        supplier, title="Trygghetsalarmer med fallsensor", description=ALARMS_TEXT, cpv=["33195000"]
    )
    (notice,) = notices(officer, "new_supplier")
    assert "Varsling AS" in notice.subject
    assert notice.link == f"/needs/{need.id}#suppliers"

    # A second capability of the same supplier is no news.
    make.capability(
        supplier, title="Trygghetsalarmer for omsorgsboliger", description=ALARMS_TEXT, cpv=["33195000"]
    )
    assert len(notices(officer, "new_supplier")) == 1


def test_a_weak_newcomer_is_no_news(make, index):
    officer, need = shown_need(make, index, "suppliers", "peers")
    make.capability(make.supplier(), title="Snøbrøyting", description="Brøyting av veier.", cpv=["90620000"])
    make.need(make.public_body(), title="Kantinedrift", description="Mat til ansatte.", cpv=["55500000"])
    assert notices(officer) == []


def test_a_supplier_is_told_of_a_new_need_for_it(make, index):
    supplier = make.supplier()
    seller = make.user(supplier)
    make.capability(
        supplier, title="Trygghetsalarmer med fallsensor", description=ALARMS_TEXT, cpv=["33195000"]
    )
    assert matching.needs_for_supplier(supplier, index, limit=matching.FOR_YOU_LIST) == []

    need = alarm_need(make)
    (notice,) = notices(seller, "new_need_for_you")
    assert notice.need_id == need.id
    assert notice.link == f"/needs/{need.id}"


def test_drafts_announce_nothing_until_published(make, index):
    officer, need = shown_need(make, index, "peers")
    other = make.public_body()
    author = make.user(other)
    draft = alarm_need(make, other, stage=needs.Stage.DRAFT)
    assert notices(officer, "new_peer") == []
    needs.publish_need(author, draft, index)
    assert len(notices(officer, "new_peer")) == 1


def test_organisations_without_users_are_not_checked(make, index):
    need = alarm_need(make)
    matching.peers_for_need(need, index)
    alarm_need(make)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MatchAlert)) == 0


def test_what_the_time_budget_leaves_is_checked_later(make, index, app):
    app.config["MATCH_ALERT_SECONDS"] = 0.0
    officer, need = shown_need(make, index, "peers")
    alarm_need(make)
    assert notices(officer) == []
    assert db.session.scalars(sa.select(MatchAlert.state)).all() == [AlertState.PENDING]
    assert match_notices.check_pending(index) == 1
    assert len(notices(officer, "new_peer")) == 1
    assert db.session.scalars(sa.select(MatchAlert.state)).all() == [AlertState.SENT]


def test_notify_send_checks_what_is_pending(make, index, app):
    app.config["MATCH_ALERT_SECONDS"] = 0.0
    officer, need = shown_need(make, index, "peers")
    alarm_need(make)
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    assert len(notices(officer, "new_peer")) == 1


def test_the_kind_follows_the_users_preference(make, index):
    officer, _need = shown_need(make, index, "peers")
    db.session.add(NotificationPreference(user_id=officer.id, kind="new_peer", frequency=Frequency.WEEKLY))
    db.session.commit()
    alarm_need(make)
    (notice,) = notices(officer, "new_peer")
    assert notice.frequency == Frequency.WEEKLY


def test_an_edit_that_makes_a_capability_strong_is_announced(make, index):
    officer, _need = shown_need(make, index, "suppliers")
    supplier = make.supplier()
    seller = make.user(supplier)
    capability = make.capability(
        supplier, title="Snøbrøyting", description="Brøyting av veier.", cpv=["90620000"]
    )
    assert notices(officer) == []
    capabilities.update_capability(
        seller,
        capability,
        capabilities.CapabilityDraft(
            title="Trygghetsalarmer med fallsensor", description=ALARMS_TEXT, cpv=("33195000",)
        ),
        index,
    )
    assert len(notices(officer, "new_supplier")) == 1

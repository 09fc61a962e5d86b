"""One-to-one dialogue slots: the body offers times of a given length; each supplier organisation
books at most one per need, and may cancel its booking until the slot starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from network.errors import ConflictError, NotAllowedError, ValidationError
from network.extensions import db
from network.models import DialogueSlot, Need, User, dialogue_is_open, utcnow
from network.services import commit, get_or_not_found
from network.services.dialogue.access import (
    authenticated,
    checked_place_and_link,
    is_need_body,
    is_supplier_user,
    moment_text,
    need_link,
    require_body,
    require_open_dialogue,
)
from network.services.dialogue.meetings import calendar_event
from network.services.notifications import notify
from network.text import clean

SLOT_MIN_MINUTES = 10
# Slots offered with one form: back to back from the first start.
SLOTS_AT_ONCE_MAX = 12
AGENDA_MAX = 5000


class SlotTakenError(ConflictError):
    """Another organisation booked the slot first."""


@dataclass(frozen=True)
class SlotDraft:
    """Times are naive UTC; `count` slots of `length_minutes` follow each other from `starts_at`."""

    starts_at: datetime | None
    length_minutes: int | None
    count: int | None = 1
    place: str = ""
    video_link: str | None = None
    agenda: str = ""


def _setting(name: str) -> int:
    return int(current_app.config[name])


def _checked(draft: SlotDraft, now: datetime) -> tuple[str, str | None, str]:
    if draft.starts_at is None:
        raise ValidationError(_("Say when the first slot starts."), field="starts_at")
    if draft.starts_at <= now:
        raise ValidationError(_("The slots must start in the future."), field="starts_at")
    longest = _setting("DIALOGUE_SLOT_MAX_MINUTES")
    if draft.length_minutes is None or not (SLOT_MIN_MINUTES <= draft.length_minutes <= longest):
        raise ValidationError(
            _("A slot lasts from %(min)d to %(max)d minutes.", min=SLOT_MIN_MINUTES, max=longest),
            field="length_minutes",
        )
    if draft.count is None or not (1 <= draft.count <= SLOTS_AT_ONCE_MAX):
        raise ValidationError(_("Offer from 1 to %(n)d slots at a time.", n=SLOTS_AT_ONCE_MAX), field="count")
    place, link = checked_place_and_link(draft.place, draft.video_link)
    agenda = clean(draft.agenda)
    if len(agenda) > AGENDA_MAX:
        raise ValidationError(_("At most %(n)d characters.", n=AGENDA_MAX), field="agenda")
    return place, link, agenda


def offer_slots(actor: User, need: Need, draft: SlotDraft, now: datetime | None = None) -> list[DialogueSlot]:
    """The body offers `count` back-to-back slots, each the same length, place and link."""
    now = now or utcnow()
    require_body(actor, need, _("Only the need's own organisation can offer one-to-one slots."))
    require_open_dialogue(need, now)
    place, link, agenda = _checked(draft, now)
    offered = db.session.scalar(
        sa.select(sa.func.count()).select_from(DialogueSlot).where(DialogueSlot.need_id == need.id)
    )
    most = _setting("DIALOGUE_SLOTS_PER_NEED")
    if offered + draft.count > most:
        raise ValidationError(
            _("A need can offer at most %(n)d one-to-one slots in all.", n=most), field="count"
        )
    length = timedelta(minutes=draft.length_minutes)
    slots = [
        DialogueSlot(
            need=need,
            starts_at=draft.starts_at + i * length,
            length_minutes=draft.length_minutes,
            place=place,
            video_link=link,
            agenda=agenda,
        )
        for i in range(draft.count)
    ]
    db.session.add_all(slots)
    commit(None)
    return slots


def get_slot(slot_id: int) -> DialogueSlot:
    return get_or_not_found(DialogueSlot, slot_id, _("No such slot."))


@dataclass(frozen=True)
class SlotRow:
    """A slot as one reader sees it on the need page."""

    slot: DialogueSlot
    is_own: bool  # booked by the reader's organisation
    is_past: bool  # started: no booking, no cancelling


@dataclass
class SlotLists:
    rows: list[SlotRow]
    # The reader's organisation's booking on this need (one at most).
    own: DialogueSlot | None
    # The reader may book a free slot now (a supplier, the dialogue open); with a booking of its
    # own that has not started, booking another moves it.
    can_book: bool


def slots_for(user: User | None, need: Need, now: datetime | None = None) -> SlotLists:
    """The need's slots, in time order, for this reader: one query."""
    now = now or utcnow()
    if not need.is_published:
        return SlotLists(rows=[], own=None, can_book=False)
    query = sa.select(DialogueSlot).where(DialogueSlot.need_id == need.id)
    if is_need_body(user, need):
        query = query.options(selectinload(DialogueSlot.organisation), selectinload(DialogueSlot.booked_by))
    slots = list(db.session.scalars(query.order_by(DialogueSlot.starts_at, DialogueSlot.id)))
    own_org = user.organisation_id if authenticated(user) else None
    rows = [
        SlotRow(
            slot=s,
            is_own=own_org is not None and s.organisation_id == own_org,
            is_past=s.starts_at <= now,
        )
        for s in slots
    ]
    own = next((r.slot for r in rows if r.is_own), None)
    can_book = (
        is_supplier_user(user)
        and (own is None or own.starts_at > now)
        and dialogue_is_open(need, now)
        and not is_need_body(user, need)
    )
    return SlotLists(rows=rows, own=own, can_book=can_book)


def book_slot(actor: User, slot_id: int, now: datetime | None = None) -> DialogueSlot:
    """Book a free slot for the actor's organisation, or move its booking on the need to it."""
    now = now or utcnow()
    slot = get_slot(slot_id)
    need = slot.need
    if not is_supplier_user(actor):
        raise NotAllowedError(_("Only suppliers can book one-to-one slots."))
    require_open_dialogue(need, now)
    if slot.starts_at <= now:
        raise ConflictError(_("This slot has already started."))
    if slot.organisation_id == actor.organisation_id:
        raise ConflictError(_("Your organisation has already booked this slot."))
    own = db.session.scalar(
        sa.select(DialogueSlot).where(
            DialogueSlot.need_id == need.id, DialogueSlot.organisation_id == actor.organisation_id
        )
    )
    if own is not None:
        # Booking another slot moves the organisation's booking there (one slot per need), while
        # the one it holds has not started.
        if own.starts_at <= now:
            raise ConflictError(_("Your organisation's slot on this need has already started."))
        db.session.execute(
            sa.update(DialogueSlot)
            .where(DialogueSlot.id == own.id)
            .values(organisation_id=None, booked_by_id=None, booked_at=None)
            .execution_options(synchronize_session=False)
        )
    # Booked only if still free: of two organisations booking the same slot at once, one gets it.
    try:
        taken = db.session.execute(
            sa.update(DialogueSlot)
            .where(DialogueSlot.id == slot.id, DialogueSlot.organisation_id.is_(None))
            .values(organisation_id=actor.organisation_id, booked_by_id=actor.id, booked_at=now)
            .execution_options(synchronize_session=False)
        )
    except IntegrityError:
        db.session.rollback()
        raise ConflictError(_("Your organisation already has a slot on this need.")) from None
    if taken.rowcount != 1:
        db.session.rollback()
        raise SlotTakenError(_("Another organisation booked this slot first. Choose another."))
    commit(None)
    db.session.refresh(slot)
    if own is not None:
        db.session.refresh(own)
    return slot


def cancel_booking(actor: User, slot_id: int, now: datetime | None = None) -> DialogueSlot:
    """The booking organisation, or the need's body, frees a booked slot before it starts. When the
    body cancels, the supplier's booker is told."""
    now = now or utcnow()
    slot = get_slot(slot_id)
    need = slot.need
    by_body = is_need_body(actor, need)
    own = authenticated(actor) and slot.organisation_id is not None
    own = own and slot.organisation_id == actor.organisation_id
    if not (by_body or own):
        raise NotAllowedError(
            _("Only the organisation that booked the slot, or the need's body, can cancel it.")
        )
    if not slot.is_booked:
        raise ConflictError(_("The slot is not booked."))
    if slot.starts_at <= now:
        raise ConflictError(_("The slot has started; its booking can no longer be cancelled."))
    booker = slot.booked_by
    if by_body and booker is not None:
        title, starts_at = need.title, slot.starts_at
        notify(
            [booker],
            "respondents_message",
            message=lambda: (
                _("Your one-to-one slot on “%(title)s” is cancelled", title=title),
                _(
                    "The public body cancelled your organisation's slot (%(when)s). "
                    "You may book another free slot on the need's page.",
                    when=moment_text(starts_at),
                ),
            ),
            link=need_link(need, "slots"),
            need_id=need.id,
            exclude=actor,
        )
    slot.organisation_id = None
    slot.booked_by_id = None
    slot.booked_at = None
    commit(None)
    return slot


def withdraw_slot(actor: User, slot_id: int, now: datetime | None = None) -> Need:
    """The body takes back a free slot it offered (a booked one is cancelled first, telling the
    supplier); a slot that has started stays, as part of the record."""
    now = now or utcnow()
    slot = get_slot(slot_id)
    need = slot.need
    require_body(actor, need, _("Only the need's own organisation can withdraw its slots."))
    if slot.is_booked:
        raise ConflictError(_("The slot is booked: cancel the booking first."))
    if slot.starts_at <= now:
        raise ConflictError(_("This slot has already started."))
    db.session.delete(slot)
    commit(None)
    return need


def slot_calendar_file(actor: User, slot_id: int, now: datetime | None = None) -> str:
    """A booked slot as an iCalendar file, for the booking organisation's users and the need's body."""
    slot = get_slot(slot_id)
    need = slot.need
    own = authenticated(actor) and slot.is_booked and slot.organisation_id == actor.organisation_id
    if not (own or (is_need_body(actor, need) and slot.is_booked)):
        raise NotAllowedError(_("The calendar file is for the organisation that booked the slot."))
    details = [need.title, need.organisation.name]
    if slot.video_link:
        details.append(slot.video_link)
    if slot.agenda:
        details.append(slot.agenda)
    return calendar_event(
        f"slot-{slot.id}",
        slot.starts_at,
        slot.ends_at,
        _("One-to-one meeting: %(title)s", title=need.title),
        slot.place or slot.video_link or "",
        details,
        need_link(need, f"slot-{slot.id}"),
        now,
    )

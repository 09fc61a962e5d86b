"""Minutes of the dialogue: what was said at a meeting or a one-to-one slot, published on the need's
page for every supplier, so that what one learns in the dialogue all can."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from network.errors import NotAllowedError
from network.models import DialogueSlot, Meeting, Need, User, utcnow
from network.services import commit
from network.services.dialogue.access import checked_text, need_link, require_body
from network.services.notifications import followers_of, notify

MINUTES_MAX = 20000


def publish_meeting_minutes(actor: User, meeting: Meeting, text: str, now: datetime | None = None) -> Meeting:
    """Publish (or correct) the minutes of a meeting that has started."""
    now = now or utcnow()
    require_body(actor, meeting.need, _("Only the need's own organisation can publish the minutes."))
    if meeting.starts_at > now:
        raise NotAllowedError(_("Minutes can be published once the meeting has started."))
    meeting.minutes = checked_text(text, MINUTES_MAX, "minutes", _("Write the minutes."))
    if meeting.minutes_published_at is None:
        _tell_followers(actor, meeting.need, meeting.title, f"meeting-{meeting.id}")
    meeting.minutes_published_at = now
    commit(None)
    return meeting


def publish_slot_minutes(
    actor: User, slot: DialogueSlot, text: str, now: datetime | None = None
) -> DialogueSlot:
    """Publish (or correct) the minutes of a booked one-to-one slot that has started."""
    now = now or utcnow()
    require_body(actor, slot.need, _("Only the need's own organisation can publish the minutes."))
    if not slot.is_booked:
        raise NotAllowedError(_("Nobody booked this slot: there is nothing to write minutes of."))
    if slot.starts_at > now:
        raise NotAllowedError(_("Minutes can be published once the meeting has started."))
    slot.minutes = checked_text(text, MINUTES_MAX, "minutes", _("Write the minutes."))
    if slot.minutes_published_at is None:
        _tell_followers(actor, slot.need, None, f"slot-{slot.id}")
    slot.minutes_published_at = now
    commit(None)
    return slot


def _tell_followers(actor: User, need: Need, meeting_title: str | None, anchor: str) -> None:
    """The first publication of minutes is news to those who follow the need (a correction is not)."""
    need_title = need.title
    notify(
        followers_of(need),
        "need_meeting",
        message=lambda: (
            _("Minutes published on “%(title)s”", title=need_title),
            _(
                "Minutes of the dialogue meeting “%(meeting)s” are published on the need's page.",
                meeting=meeting_title,
            )
            if meeting_title
            else _("Minutes of a one-to-one meeting are published on the need's page."),
        ),
        link=need_link(need, anchor),
        need_id=need.id,
        exclude=actor,
    )

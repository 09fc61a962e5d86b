"""Minutes of the dialogue: what was said at a meeting or a one-to-one slot, published on the need's
page for every supplier, so that what one learns in the dialogue all can."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from network.errors import NotAllowedError
from network.models import DialogueSlot, Meeting, User, utcnow
from network.services import commit
from network.services.dialogue.access import checked_text, require_body

MINUTES_MAX = 20000


def publish_meeting_minutes(actor: User, meeting: Meeting, text: str, now: datetime | None = None) -> Meeting:
    """Publish (or correct) the minutes of a meeting that has started."""
    now = now or utcnow()
    require_body(actor, meeting.need, _("Only the need's own organisation can publish the minutes."))
    if meeting.starts_at > now:
        raise NotAllowedError(_("Minutes can be published once the meeting has started."))
    meeting.minutes = checked_text(text, MINUTES_MAX, "minutes", _("Write the minutes."))
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
    slot.minutes_published_at = now
    commit(None)
    return slot

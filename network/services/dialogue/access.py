"""Who may do what in a need's dialogue, and what its parts share: checked text, times and links."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlparse

from flask_babel import gettext as _

from network import dates, links
from network.errors import NotAllowedError, ValidationError
from network.models import Need, Organisation, User
from network.models.dialogue import deadline_passed, dialogue_is_open
from network.text import clean, one_line


def authenticated(user: User | None) -> bool:
    return user is not None and user.is_authenticated


def is_need_body(user: User | None, need: Need) -> bool:
    return authenticated(user) and user.belongs_to(need.organisation_id)


def may_ask_as(organisation: Organisation | None) -> bool:
    """Suppliers and verified public bodies may ask; an unverified body is not known to be one."""
    if organisation is None:
        return False
    return organisation.is_supplier or (organisation.is_public_body and organisation.verified)


def takes_questions(need: Need, now: datetime | None = None) -> bool:
    return dialogue_is_open(need, now)


def closure(need: Need, now: datetime | None = None) -> str | None:
    """Why a published need's dialogue takes nothing new: "stage" (no longer open), "deadline" (its
    dialogue deadline has ended), or None while it is open. Drafts have no dialogue yet."""
    if not need.is_published:
        return None
    if not need.is_open:
        return "stage"
    if deadline_passed(need, now):
        return "deadline"
    return None


def closed_message(need: Need, now: datetime | None = None) -> str:
    """The refusal a closed dialogue gives to a question, a sign-up, a booking or an interest."""
    if closure(need, now) == "deadline":
        return _("The dialogue on this need is closed: its deadline has passed.")
    return _("The dialogue on this need is closed: the need is no longer open.")


def require_open_dialogue(need: Need, now: datetime | None = None) -> None:
    if not dialogue_is_open(need, now):
        raise NotAllowedError(closed_message(need, now))


def can_ask(user: User | None, need: Need) -> bool:
    return (
        authenticated(user)
        and may_ask_as(user.organisation)
        and not user.belongs_to(need.organisation_id)
        and takes_questions(need)
    )


def can_schedule(user: User | None, need: Need) -> bool:
    return is_need_body(user, need) and dialogue_is_open(need)


def is_supplier_user(user: User | None) -> bool:
    return authenticated(user) and user.organisation is not None and user.organisation.is_supplier


def require_body(actor: User, need: Need, message: str) -> None:
    if not is_need_body(actor, need):
        raise NotAllowedError(message)


def checked_text(value: str | None, limit: int, field_name: str, empty: str) -> str:
    text = clean(value)
    if not text:
        raise ValidationError(empty, field=field_name)
    if len(text) > limit:
        raise ValidationError(_("At most %(n)d characters.", n=limit), field=field_name)
    return text


PLACE_MAX = 300
LINK_MAX = 500


def checked_place_and_link(place_value: str | None, link_value: str | None) -> tuple[str, str | None]:
    """Where a meeting or a slot is held: a place, an https video link, or both (errors on their fields)."""
    place = one_line(place_value)
    if len(place) > PLACE_MAX:
        raise ValidationError(_("At most %(n)d characters.", n=PLACE_MAX), field="place")
    link = one_line(link_value) or None
    if link is not None:
        if len(link) > LINK_MAX:
            raise ValidationError(_("At most %(n)d characters.", n=LINK_MAX), field="video_link")
        parsed = urlparse(link)
        if parsed.scheme != "https" or not parsed.netloc:
            raise ValidationError(_("The video link must start with https://."), field="video_link")
    if not place and link is None:
        raise ValidationError(_("Give a place, a video link or both."), field="place")
    return place, link


def moment_text(value: datetime) -> str:
    """A stored (UTC) time in the reader's language and zone: "1. mai 2030, 10:00" (network/dates.py)."""
    return dates.datetime_text(value)


def need_link(need: Need, anchor: str = "") -> str:
    """A need's page as an absolute link, for mails."""
    return links.absolute_url("needs.detail", _anchor=anchor, need_id=need.id)

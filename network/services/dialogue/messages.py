"""One message from a need's body to every supplier that responded to it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from network.errors import NotAllowedError, ValidationError
from network.extensions import db
from network.models import Meeting, MeetingSignup, Need, Response, User
from network.services import commit
from network.services.dialogue.access import checked_text, need_link, require_body
from network.services.notifications import notify

SUBJECT_MAX = 200
MESSAGE_MAX = 10000


@dataclass(frozen=True)
class MessageDraft:
    subject: str
    text: str


def respondent_organisation_ids(actor: User, need: Need) -> set[int]:
    """Suppliers that expressed interest or hold a seat at one of the need's meetings."""
    require_body(actor, need, _("Only the need's own organisation can write to its respondents."))
    responded = sa.select(Response.organisation_id).where(Response.need_id == need.id)
    signed_up = (
        sa.select(MeetingSignup.organisation_id)
        .join(Meeting, Meeting.id == MeetingSignup.meeting_id)
        .where(Meeting.need_id == need.id, MeetingSignup.cancelled_at.is_(None))
    )
    return set(db.session.scalars(sa.union(responded, signed_up)))


def message_respondents(actor: User, need: Need, draft: MessageDraft) -> int:
    """A notice to every user of every respondent organisation; returns how many organisations."""
    require_body(actor, need, _("Only the need's own organisation can write to its respondents."))
    if not need.is_published:
        raise NotAllowedError(_("A draft has no respondents."))
    subject = checked_text(draft.subject, SUBJECT_MAX, "subject", _("Give the message a subject."))
    text = checked_text(draft.text, MESSAGE_MAX, "text", _("Write the message."))
    organisation_ids = respondent_organisation_ids(actor, need)
    if not organisation_ids:
        raise ValidationError(_("No supplier has expressed interest or signed up yet: nobody would get it."))
    users = db.session.scalars(sa.select(User).where(User.organisation_id.in_(organisation_ids)))
    sender, title = need.organisation.name, need.title
    notify(
        users,
        "respondents_message",
        message=lambda: (
            subject,
            _("%(body)s writes to the suppliers interested in “%(title)s”:", body=sender, title=title)
            + "\n\n"
            + text,
        ),
        link=need_link(need),
        need_id=need.id,
        exclude=actor,
    )
    commit(None)
    return len(organisation_ids)

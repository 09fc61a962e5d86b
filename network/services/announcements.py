"""The Doffin announcement of a need's market dialogue: a text ready to paste into Doffin, in the need's
language, and the notice's reference saved back on the need."""

from __future__ import annotations

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from network import links
from network.errors import NotAllowedError
from network.models import Need, User
from network.permissions import can_edit_need
from network.services import audit, commit, dialogue, doffin
from network.services.dialogue.access import moment_text
from network.text import clean, one_line

LANGUAGES = ("nb", "nn", "en")


def require_body(actor: User, need: Need) -> None:
    if not can_edit_need(actor, need):
        raise NotAllowedError(_("Only the need's public body can announce its dialogue."))
    if not need.is_published:
        raise NotAllowedError(_("Publish the need before you announce its dialogue on Doffin."))


def language_of(need: Need) -> str:
    return need.language if need.language in LANGUAGES else "nb"


def announcement_text(actor: User, need: Need) -> str:
    """The announcement in the need's language: what, why, until when, the meetings, where to read
    and ask, and whom to contact (the person preparing it: they can change it before pasting)."""
    require_body(actor, need)
    with force_locale(language_of(need)):
        return _compose(actor, need)


def _compose(actor: User, need: Need) -> str:
    lines = [
        _("Market dialogue: %(title)s", title=one_line(need.title)),
        "",
        _(
            "%(body)s invites suppliers to an early market dialogue about a need, before any procurement "
            "is decided.",
            body=one_line(need.organisation.name),
        ),
        "",
        _("The problem"),
        clean(need.description) or _("Not described yet."),
    ]
    if clean(need.outcome):
        lines += ["", _("Desired outcome"), clean(need.outcome)]
    lines.append("")
    if need.deadline:
        lines.append(_("The dialogue is open until %(date)s.", date=format_date(need.deadline)))
    meetings = [row.meeting for row in dialogue.meetings_for(actor, need) if not row.is_past]
    if meetings:
        lines += ["", _("Dialogue meetings:")]
        for meeting in meetings:
            place = one_line(meeting.place) or (_("Online") if meeting.video_link else "")
            where = f", {place}" if place else ""
            lines.append(f"- {one_line(meeting.title)}: {moment_text(meeting.starts_at)}{where}")
    lines += [
        "",
        _(
            "Questions and answers, meetings and documents are on Behovsbørsen. Every answer is "
            "published there for all suppliers, so that everyone gets the same information:"
        ),
        links.absolute_url("needs.detail", need_id=need.id),
        "",
        _("Contact: %(name)s, %(email)s", name=one_line(actor.name), email=actor.email),
    ]
    return "\n".join(lines)


def save_doffin_ref(actor: User, need: Need, value: str | None, index) -> Need:
    """Save (or, empty, remove) the Doffin notice's reference on the need; one commit."""
    require_body(actor, need)
    ref = doffin.parse_ref(value)
    audit.edit(actor, "need.doffin_ref", need, need.organisation_id, {"doffin_ref": ref})
    commit(index)
    return need

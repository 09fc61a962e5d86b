"""Needs: write a draft, edit it, publish it, move it through its stages; who may see and change it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from network import signals
from network.errors import NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.limits import DESCRIPTION_MAX, DETAIL_MAX
from network.models import STAGE_MOVES, Domain, Need, Organisation, Route, Stage, User, utcnow
from network.permissions import can_edit_need, can_view_need
from network.services import attachments, audit, commit, doffin, rules
from network.text import one_line

MAX_BUDGET = 10**13


@dataclass(frozen=True)
class NeedDraft:
    title: str
    description: str = ""
    affected: str = ""
    outcome: str = ""
    domain: str = "other"
    cpv: tuple[str, ...] = ()
    kommuner: tuple[str, ...] = ()
    fylker: tuple[str, ...] = ()
    route: str = "undecided"
    budget_min: int | None = None
    budget_max: int | None = None
    deadline: date | None = None
    language: str | None = None
    doffin_ref: str | None = None


def check_need(draft: NeedDraft, org: Organisation) -> dict:
    """The need's columns from a draft, every rule checked (shared by the form and the import)."""
    title = rules.title(draft.title, _("Give the need a title."))
    try:
        domain = Domain(draft.domain or "other")
    except ValueError:
        raise ValidationError(_("Unknown domain."), field="domain") from None
    try:
        route = Route(draft.route or "undecided")
    except ValueError:
        raise ValidationError(_("Unknown procurement route."), field="route") from None
    kommuner = rules.kommuner(draft.kommuner)
    fylker = rules.fylker(draft.fylker)
    if not kommuner and not fylker and org.kommune:
        # The default area of a need is the body's own.
        kommuner = [org.kommune]
    for value, name in ((draft.budget_min, "budget_min"), (draft.budget_max, "budget_max")):
        if value is not None and not (0 <= value <= MAX_BUDGET):
            raise ValidationError(_("The budget must be a positive number of kroner."), field=name)
    if draft.budget_min is not None and draft.budget_max is not None and draft.budget_min > draft.budget_max:
        raise ValidationError(_("The lowest budget cannot be above the highest."), field="budget_max")
    text = " ".join((title, draft.description, draft.affected, draft.outcome))
    return {
        "title": title,
        "description": rules.limited_text(draft.description, DESCRIPTION_MAX, "description"),
        "affected": rules.limited_text(draft.affected, DETAIL_MAX, "affected"),
        "outcome": rules.limited_text(draft.outcome, DETAIL_MAX, "outcome"),
        "domain": domain,
        "cpv": rules.cpv_codes(draft.cpv),
        "kommuner": kommuner,
        "fylker": fylker,
        "route": route,
        "budget_min": draft.budget_min,
        "budget_max": draft.budget_max,
        "deadline": draft.deadline,
        "language": rules.language(draft.language, text),
        "doffin_ref": one_line(draft.doffin_ref) or None,
    }


# -- who may do what --------------------------------------------------------------------------


def get_visible(user: User | None, need_id: int) -> Need:
    need = db.session.get(Need, need_id)
    if need is None or not can_view_need(user, need):
        # A draft of another organisation is answered as missing: its existence is not public either.
        raise NotFoundError(_("No such need."))
    return need


def _require_edit(actor: User, need: Need) -> None:
    if not can_edit_need(actor, need):
        raise NotAllowedError(_("Only the need's own organisation can change it."))


# -- writes -----------------------------------------------------------------------------------


def create_need(actor: User, draft: NeedDraft, index) -> Need:
    org = actor.organisation
    if org is None or not org.is_public_body:
        raise NotAllowedError(_("Only public bodies write needs."))
    need = Need(organisation=org, created_by=actor, stage=Stage.DRAFT, **check_need(draft, org))
    db.session.add(need)
    db.session.flush()
    audit.record(actor, "need.create", need, org.id, details={"stage": need.stage})
    commit(index)
    return need


def update_need(actor: User, need: Need, draft: NeedDraft, index) -> Need:
    _require_edit(actor, need)
    if need.stage in (Stage.AWARDED, Stage.CANCELLED):
        raise NotAllowedError(_("A closed need cannot be changed."))
    values = check_need(draft, need.organisation)
    audit.edit(actor, "need.edit", need, need.organisation_id, values)
    commit(index)
    return need


def publish_need(actor: User, need: Need, index) -> Need:
    _require_edit(actor, need)
    if not need.organisation.verified:
        raise NotAllowedError(
            _(
                "Your organisation is not verified yet. "
                "You can keep drafts until an administrator verifies it."
            )
        )
    if need.stage != Stage.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    need.stage = Stage.OPEN
    need.published_at = utcnow()
    audit.record(
        actor, "need.publish", need, need.organisation_id, details={"stage": [Stage.DRAFT, Stage.OPEN]}
    )
    signals.need_published.send(actor, need=need)
    commit(index)
    return need


def move_stage(actor: User, need: Need, stage: str, index, doffin_ref: str | None = None) -> Need:
    _require_edit(actor, need)
    try:
        target = Stage(stage)
    except ValueError:
        raise ValidationError(_("Unknown stage.")) from None
    if target == Stage.OPEN and need.stage == Stage.DRAFT:
        return publish_need(actor, need, index)
    if target not in STAGE_MOVES[need.stage]:
        raise ValidationError(_("A need cannot move from this stage to that one."))
    # Checked before anything changes: a reference not in Doffin's form refuses the whole move.
    ref = doffin.parse_ref(doffin_ref) if target == Stage.TENDERED else None
    audit.record(actor, "need.stage", need, need.organisation_id, details={"stage": [need.stage, target]})
    need.stage = target
    if ref:
        need.doffin_ref = ref
    signals.need_stage_changed.send(actor, need=need)
    commit(index)
    return need


def delete_draft(actor: User, need: Need, index) -> None:
    _require_edit(actor, need)
    if need.stage != Stage.DRAFT:
        raise NotAllowedError(_("Only drafts can be deleted; cancel a published need instead."))
    audit.record(actor, "need.delete", need, need.organisation_id)
    files = attachments.forget_need(need)
    db.session.delete(need)
    commit(index)
    attachments.remove_files(files)

"""The audit log as people read it: translated names of the changed fields and their values, and the
record each entry is about as its title with a link, instead of stored codes ("exploring → agreed",
"verified False → True", "need 302")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from network import dates, labels
from network.extensions import db
from network.models import AuditEntry, Need
from network.views.coordination import group_stage_label

FIELDS = {
    "stage": _l("Stage"),
    "verified": _l("Verified"),
    "kind": _l("Kind"),
    "title": _l("Title"),
    "description": _l("Description"),
    "affected": _l("Who is affected"),
    "outcome": _l("Desired outcome"),
    "domain": _l("Domain"),
    "domains": _l("Domains"),
    "route": _l("Intended procurement route"),
    "cpv": _l("CPV codes"),
    "kommune": _l("Municipality"),
    "kommuner": _l("Municipalities"),
    "fylke": _l("County"),
    "fylker": _l("Counties"),
    "budget_min": _l("Budget from (NOK)"),
    "budget_max": _l("Budget to (NOK)"),
    "deadline": _l("Dialogue deadline"),
    "language": _l("Language of the text"),
    "doffin_ref": _l("Doffin reference"),
    "name": _l("Name"),
    "org_number": _l("Organisation number"),
    "sector": _l("Sector"),
    "country": _l("Country"),
    "website": _l("Website"),
    "reason": _l("Reason"),
    "reports": _l("Reports"),
    "role": _l("Role"),
    "need": _l("Need"),
    "address": _l("Network address"),
    "known_browser": _l("Known browser"),
    "two_factor": _l("With two-factor sign-in"),
    "count": _l("Number"),
    "by": _l("By"),
}
ROLES = {"admin": _l("Administrator"), "member": _l("Member")}
TEXT_LANGUAGES = {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "en": "English"}
BY = {"operator": _l("the site's operator")}


@dataclass(frozen=True)
class Shown:
    """A value as shown: its text, and a link when it names a record."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Change:
    name: str
    old: Shown | None
    new: Shown


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    action: str
    target: Shown
    changes: list[Change] = field(default_factory=list)


def rows(entries, actions: dict) -> list[Row]:
    """The page's entries as rows to show, with one query for every need an entry's changes name."""
    need_ids = {
        value
        for entry in entries
        for name, value in (entry.changes or {}).items()
        if name == "need" and isinstance(value, int)
    }
    needs = {}
    if need_ids:
        needs = {n.id: n for n in db.session.scalars(sa.select(Need).where(Need.id.in_(need_ids)))}
    return [
        Row(
            entry=entry,
            action=str(actions.get(entry.action, entry.action)),
            target=_target(entry),
            changes=[_change(entry, name, value, needs) for name, value in (entry.changes or {}).items()],
        )
        for entry in entries
    ]


def _target(entry: AuditEntry) -> Shown:
    label = entry.target_label or ""
    endpoints = {
        "need": ("needs.detail", "need_id"),
        "capability": ("capabilities.detail", "capability_id"),
        "organisation": ("organisations.detail", "org_id"),
        "coordination_group": ("coordination.detail", "group_id"),
    }
    if entry.target_type in endpoints and entry.target_id is not None:
        endpoint, argument = endpoints[entry.target_type]
        # A deleted draft keeps its title in the log but has no page to link to.
        if entry.action != "need.delete":
            url = url_for(endpoint, **{argument: entry.target_id})
            return Shown(label or labels.kind(entry.target_type), url)
    return Shown(label or "—")


# Fields whose value is itself a list: a change of them is a pair of lists.
LIST_FIELDS = {"cpv", "kommuner", "fylker", "domains"}


def _change(entry: AuditEntry, name: str, value, needs: dict) -> Change:
    """A field's change: [old, new] as stored by audit.changes, or one value recorded as it was."""
    title = str(FIELDS.get(name, name.replace("_", " ")))
    pair = isinstance(value, list) and len(value) == 2
    if pair and name in LIST_FIELDS:
        pair = all(isinstance(v, list) or v is None for v in value)
    if pair:
        return Change(title, _value(entry, name, value[0], needs), _value(entry, name, value[1], needs))
    return Change(title, None, _value(entry, name, value, needs))


def _value(entry: AuditEntry, name: str, value, needs: dict) -> Shown:
    if value is None or value == "" or value == []:
        return Shown("—")
    if isinstance(value, bool):
        return Shown(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return Shown(", ".join(_value(entry, name, v, needs).text for v in value))
    if name == "need" and isinstance(value, int):
        need = needs.get(value)
        if need is None:
            return Shown(_("a deleted need"))
        return Shown(need.title, url_for("needs.detail", need_id=need.id))
    text = str(value)
    if name == "stage":
        return Shown(group_stage_label(text) if entry.action.startswith("group.") else labels.stage(text))
    translate = {
        "kind": labels.kind,
        "domain": labels.domain,
        "domains": labels.domain,
        "route": labels.route,
        "sector": labels.sector,
        "kommune": labels.kommune,
        "kommuner": labels.kommune,
        "fylke": labels.fylke,
        "fylker": labels.fylke,
        "country": labels.country,
        "role": lambda code: str(ROLES.get(code, code)),
        "language": lambda code: TEXT_LANGUAGES.get(code, code),
        "by": lambda code: str(BY.get(code, code)),
        "deadline": _date,
    }.get(name)
    return Shown(translate(text) if translate else text)


def _date(text: str) -> str:
    try:
        return dates.date_text(date.fromisoformat(text[:10]))
    except ValueError:
        return text

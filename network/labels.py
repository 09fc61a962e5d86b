"""Translated, human labels for the codes the site stores (stages, domains, routes, CPV, places)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from network import reference

DOMAINS = {
    "health": _l("Health and care"),
    "climate": _l("Climate and environment"),
    "digital": _l("ICT and digitalisation"),
    "other": _l("Other"),
}
STAGES = {
    "draft": _l("Draft"),
    "open": _l("Open for dialogue"),
    "dialogue_closed": _l("Dialogue closed"),
    "tendered": _l("Tendered"),
    "awarded": _l("Awarded"),
    "cancelled": _l("Cancelled"),
}
ROUTES = {
    "market_dialogue": _l("Market dialogue"),
    "innovation_partnership": _l("Innovation partnership"),
    "pre_commercial": _l("Pre-commercial procurement"),
    "competitive_dialogue": _l("Competitive dialogue"),
    "undecided": _l("Not decided yet"),
}
SECTORS = {
    "municipality": _l("Municipality"),
    "county": _l("County authority"),
    "state": _l("State agency"),
    "health_trust": _l("Health trust"),
    "other": _l("Other public body"),
}
MATURITY = {
    "idea": _l("Idea"),
    "prototype": _l("Prototype"),
    "pilot": _l("Pilot"),
    "in_use": _l("In use"),
}
RESPONSE_STATUS = {
    "submitted": _l("Submitted"),
    "shortlisted": _l("Shortlisted"),
    "invited": _l("Invited to dialogue"),
    "declined": _l("Declined"),
}
KINDS = {
    "need": _l("Need"),
    "capability": _l("Capability"),
    "organisation": _l("Organisation"),
    "public_body": _l("Public body"),
    "supplier": _l("Supplier"),
}
REPORT_REASONS = {
    "wrong": _l("Wrong or misleading"),
    "offensive": _l("Offensive"),
    "personal_data": _l("Personal data that should not be here"),
    "spam": _l("Spam or advertising"),
    "other": _l("Something else"),
}
REPORT_KINDS = {
    "need": _l("Need"),
    "capability": _l("Capability"),
    "question": _l("Question in a market dialogue"),
    "post": _l("Post in a coordination group"),
}
# The moderation entries of the audit log (views/audit.py shows them with the others).
MODERATION_ACTIONS = {
    "moderation.hide": _l("Hidden by a moderator"),
    "moderation.unhide": _l("Shown again by a moderator"),
    "moderation.dismiss": _l("Report dismissed"),
    "organisation.suspend": _l("Organisation suspended"),
    "organisation.unsuspend": _l("Suspension lifted"),
}
CPV_LEVELS = {
    "code": _l("same CPV code"),
    "class": _l("same CPV class"),
    "group": _l("same CPV group"),
    "division": _l("same CPV division"),
}


def _value(code) -> str:
    return getattr(code, "value", code) or ""


def domain(code) -> str:
    return str(DOMAINS.get(_value(code), _value(code)))


def stage(code) -> str:
    return str(STAGES.get(_value(code), _value(code)))


def route(code) -> str:
    return str(ROUTES.get(_value(code), _value(code)))


def sector(code) -> str:
    return str(SECTORS.get(_value(code), _value(code)))


def maturity(code) -> str:
    return str(MATURITY.get(_value(code), _value(code)))


def response_status(code) -> str:
    return str(RESPONSE_STATUS.get(_value(code), _value(code)))


def kind(code) -> str:
    return str(KINDS.get(_value(code), _value(code)))


def report_reason(code) -> str:
    return str(REPORT_REASONS.get(_value(code), _value(code)))


def report_kind(code) -> str:
    return str(REPORT_KINDS.get(_value(code), _value(code)))


def locale() -> str:
    return "en" if str(get_locale()) == "en" else "nb"


def cpv(code: str) -> str:
    return reference.cpv_label(code, locale())


def cpv_division(division: str) -> str:
    return reference.cpv_division_label(division, locale())


def kommune(number: str) -> str:
    found = reference.kommune(number)
    return found.name if found else number


def fylke(number: str) -> str:
    found = reference.fylke(number)
    return found.name if found else number


# Countries a supplier on the site is likely to come from; any other code is shown as it is stored.
COUNTRIES = {
    "NO": _l("Norway"),
    "SE": _l("Sweden"),
    "DK": _l("Denmark"),
    "FI": _l("Finland"),
    "IS": _l("Iceland"),
    "GB": _l("United Kingdom"),
    "IE": _l("Ireland"),
    "DE": _l("Germany"),
    "NL": _l("Netherlands"),
    "BE": _l("Belgium"),
    "FR": _l("France"),
    "ES": _l("Spain"),
    "IT": _l("Italy"),
    "PL": _l("Poland"),
    "EE": _l("Estonia"),
    "LV": _l("Latvia"),
    "LT": _l("Lithuania"),
    "CH": _l("Switzerland"),
    "AT": _l("Austria"),
    "US": _l("United States"),
}


def country(code: str | None) -> str:
    code = (code or "").upper()
    return str(COUNTRIES.get(code, code))


def is_foreign(country_code: str | None) -> bool:
    """True for an organisation based outside Norway (the site's default country)."""
    return bool(country_code) and country_code.upper() != "NO"

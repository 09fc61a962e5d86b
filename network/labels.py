"""Translated, human labels for the codes the site stores (stages, domains, routes, CPV, places)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
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
# Why a match matched (search.base.Reason), one wording for the pages and the API alike.
CPV_REASONS = {
    "code": _l("Same CPV code: %(codes)s"),
    "class": _l("Same CPV class: %(codes)s"),
    "group": _l("Same CPV group: %(codes)s"),
    "division": _l("Same CPV division: %(codes)s"),
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


# -- why something matched --------------------------------------------------------------------


def _cpv_codes(values, matched_only: bool = False) -> str:
    """The codes of "this record's code~the other's code" pairs, each code once, this record's first:
    both records' codes when they differ, one code when they are the same."""
    pairs = [value.partition("~") for value in values]
    ours = [] if matched_only else [own for own, _sep, _other in pairs]
    theirs = [other or own for own, _sep, other in pairs]
    codes = dict.fromkeys(code for code in [*ours, *theirs] if code)
    return ", ".join(f"{code} ({cpv(code)})" for code in codes)


def reason_text(reason) -> str:
    """One short sentence in the reader's language saying why a match matched."""
    values = list(reason.values)
    if reason.kind == "terms":
        return _("Shared words: %(words)s", words=", ".join(dict.fromkeys(values)))
    if reason.kind == "cpv":
        if reason.detail == "suggested":
            # The record has no codes; its text suggests the kind of purchase the match's code names.
            return _("The text suggests the same kind of purchase: %(codes)s", codes=_cpv_codes(values, True))
        codes = _cpv_codes(values)
        if reason.detail in CPV_REASONS:
            return str(CPV_REASONS[reason.detail]) % {"codes": codes}
        return _("Related CPV codes: %(codes)s", codes=codes)
    if reason.kind == "domain":
        return _("Same domain: %(domains)s", domains=_names(values, domain))
    if reason.kind == "region":
        if reason.detail == "nationwide":
            return _("Serves all of Norway")
        if reason.detail == "kommune":
            return _("Same municipality: %(names)s", names=_names(values, kommune))
        return _("Same county: %(names)s", names=_names(values, fylke))
    return ", ".join(values)


def _names(values, label) -> str:
    return ", ".join(label(value) for value in dict.fromkeys(values))

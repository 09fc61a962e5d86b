"""The bokmål and nynorsk catalogues: complete, up to date with the sources, placeholders intact, used."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "network" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
# Every catalogue the site offers besides English (the msgids); each must be complete.
CATALOGUES = {lang: TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po" for lang in ("nb", "nn")}
# The same keywords as `make messages` (pybabel extract -k _l -k lazy_gettext).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
MAKE_MESSAGES = "run `make messages` and translate the new strings in nb/ and nn/LC_MESSAGES/messages.po"


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _extracted() -> set:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, msgid, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add((context, msgid))
    return found


@pytest.fixture(scope="module")
def template():
    return _read(TEMPLATE)


@pytest.fixture(scope="module", params=sorted(CATALOGUES))
def catalogue(request):
    return _read(CATALOGUES[request.param])


def test_every_offered_language_but_english_has_a_catalogue(app):
    assert set(app.config["LANGUAGES"]) == {*CATALOGUES, "en"}


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _ids(catalog) -> set:
    return {(m.context, m.id) for m in catalog if m.id}


def test_the_template_is_up_to_date_with_the_sources(template):
    extracted = _extracted()
    missing = sorted(map(str, extracted - _ids(template)))
    stale = sorted(map(str, _ids(template) - extracted))
    assert not missing, f"messages.pot lacks new strings ({MAKE_MESSAGES}): {missing}"
    assert not stale, f"messages.pot has strings no longer in the sources ({MAKE_MESSAGES}): {stale}"


def test_the_catalogue_has_every_string_of_the_template(template, catalogue):
    missing = sorted(map(str, _ids(template) - _ids(catalogue)))
    name = f"{catalogue.locale}/messages.po"
    assert not missing, f"{name} lacks strings of messages.pot ({MAKE_MESSAGES}): {missing}"


def test_every_string_has_a_finished_translation(template, catalogue):
    assert catalogue.num_plurals == 2
    assert catalogue.plural_expr.replace(" ", "") == "(n!=1)"
    untranslated = []
    for tmessage in template:
        if not tmessage.id:
            continue
        message = catalogue.get(tmessage.id, tmessage.context)
        strings = _strings(message)
        complete = len(strings) == (2 if message.pluralizable else 1) and all(s.strip() for s in strings)
        if message.fuzzy or not complete:
            untranslated.append(tmessage.id)
    assert not untranslated, f"untranslated or fuzzy in {catalogue.locale}/messages.po: {untranslated}"


def test_babel_finds_no_errors_in_the_catalogue(catalogue):
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalogue.check() if errors]
    assert not problems


def test_placeholders_and_line_breaks_are_kept_exactly(catalogue):
    # catalog.check() lets a translation drop a named placeholder; a dropped %(num)d or %(link)s is a bug.
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = _strings(message)
        expected = sorted(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if sorted(PLACEHOLDER.findall(string)) != expected:
                wrong.append((ids[0], string))
            if (string[:1] == "\n") != (ids[0][:1] == "\n") or (string[-1:] == "\n") != (ids[0][-1:] == "\n"):
                wrong.append((ids[0], string))
    assert not wrong


def _nav_links(page: str) -> list[str]:
    nav = re.search(r'<ul class="nav">(.*?)</ul>', page, re.S)
    assert nav, page[:500]
    texts = re.findall(r"<(?:a|button)\b[^>]*>([^<]+)<", nav[1])
    return [re.sub(r"\s+", " ", text).strip() for text in texts]


ENGLISH_NAV = {"Needs", "Search", "Organisations", "About", "Log in", "Log out", "Register", "My page"}


def test_pages_are_in_bokmal_by_default_and_english_on_request(client):
    for path in ("/", "/login"):
        page = client.get(path).get_data(as_text=True)
        assert '<html lang="nb">' in page
        assert "Logg inn" in page, "no bokmål on the page: is the catalogue compiled (`make translations`)?"
        assert "Log in" not in page
        assert "Logg inn" in _nav_links(page)
        assert not ENGLISH_NAV & set(_nav_links(page)), _nav_links(page)
    assert "Søk i behov, løsninger og organisasjoner" in client.get("/").get_data(as_text=True)

    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in _nav_links(page)
    assert "Logg inn" not in page

    client.post("/language", data={"lang": "nb", "next": "/"})
    assert "Logg inn" in _nav_links(client.get("/").get_data(as_text=True))


# Words that exist in bokmål only: a nynorsk string that has one was copied, not translated.
BOKMAL_ONLY = re.compile(
    r"\b(ikke|hva|hvem|hvordan|hvorfor|hvis|jeg|noe|fra|bare|virksomhet\w*|leverandører\w*|kommuner|"
    r"organisasjoner\w*|løsning\w*|tjeneste\w*|navn\w*|mer|være|deres|dere)\b",
    re.IGNORECASE,
)


def test_the_nynorsk_catalogue_is_not_bokmal():
    nn = _read(CATALOGUES["nn"])
    nb = _read(CATALOGUES["nb"])
    copied = []
    for message in nn:
        if not message.id:
            continue
        for string in _strings(message):
            if BOKMAL_ONLY.search(PLACEHOLDER.sub("", string)):
                copied.append(string)
    assert not copied, copied
    # The two are close languages, but most sentences differ somewhere.
    same = sum(1 for m in nn if m.id and m.string == nb.get(m.id, m.context).string)
    assert same < len([m for m in nn if m.id]) / 2


def test_pages_are_in_nynorsk_when_chosen(client):
    response = client.post("/language", data={"lang": "nn", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="nn">' in page
    assert "Søk i behov, løysingar og organisasjonar" in page
    assert "Organisasjonar" in _nav_links(page)
    assert "løsninger" not in page
    # The switch offers all three languages, each named in itself and marked with its language.
    for code, name in (("nb", "Norsk bokmål"), ("nn", "Norsk nynorsk"), ("en", "English")):
        button = rf'<button type="submit" name="lang" value="{code}" lang="{code}"[^>]*>{name}<'
        assert re.search(button, page)
    assert re.search(r'value="nn" lang="nn"\s+aria-current="true"', page)


def test_dates_and_numbers_follow_nynorsk(app):
    from flask_babel import force_locale, format_date, format_decimal

    with app.test_request_context(), force_locale("nn"):
        assert format_date(date(2026, 11, 28), "EEEE d. MMMM y") == "laurdag 28. november 2026"
        assert format_decimal(1234.5) == "1\xa0234,5"
    with app.test_request_context(), force_locale("nb"):
        assert format_date(date(2026, 11, 28), "EEEE d. MMMM y") == "lørdag 28. november 2026"


def test_notices_for_a_user_who_chose_nynorsk_are_written_in_nynorsk(app, client, make, login):
    from flask_babel import gettext

    from network.extensions import db
    from network.models import NOTIFICATION_KINDS
    from network.services import notifications

    user = make.user(make.supplier())
    login(user)
    client.post("/language", data={"lang": "nn", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "nn"
    kind = sorted(NOTIFICATION_KINDS)[0]
    with app.test_request_context():
        [notice] = notifications.notify(
            [user], kind, lambda: (gettext("The profile is saved."), gettext("Your changes are saved."))
        )
    assert (notice.subject, notice.body) == ("Profilen er lagra.", "Endringane er lagra.")

"""Language detection: bokmål, nynorsk, English, and the bokmål default."""

import pytest

from search import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Vi trenger en løsning som gjør at hjemmetjenesten ikke må kjøre like mye.", "nb"),
        ("Hvordan kan vi bruke sensorer i omsorgsboliger? Det er også et spørsmål om personvern.", "nb"),
        ("Me treng ei løysing som gjer at heimetenesta ikkje må køyre like mykje.", "nn"),
        ("Korleis kan kommunen bruke sensorar? Kva er det berre dei store som får til?", "nn"),
        ("We need a way to plan home care visits so that nurses drive less.", "en"),
        ("Suppliers of digital twins for water networks are invited to a market dialogue.", "en"),
    ],
)
def test_detects_the_written_language(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "   ", "123 456", "Omsorgsboliger", "Sensor IoT 5G"])
def test_empty_or_ambiguous_text_is_bokmal(text):
    assert detect_language(text) == "nb"


def test_a_caller_can_tell_no_sign_from_bokmal():
    assert detect_language("Sensor IoT 5G", default="") == ""
    assert detect_language("Sensorer i omsorgsboliger, også for eldre", default="") == "nb"
    assert detect_language("the needs", default="") == "en"

"""Text hygiene: what stored text may contain."""

from network.text import clean, clean_text


def test_nul_goes_controls_become_spaces_line_breaks_stay():
    assert clean_text("a\x00b") == "ab"
    assert clean_text("konseptfase\x96egenvurdering") == "konseptfase egenvurdering"
    assert clean_text("linje 1\nlinje 2\ttab\r\n") == "linje 1\nlinje 2\ttab\r\n"
    assert clean("  æøå \x07 ") == "æøå"
    assert clean(None) == ""

"""`python -m bench.vocabulary`: the matcher's word lists — procurement boilerplate learnt from the
tuning half of the notices, and the words the two languages share.

    .venv/bin/python -m bench.vocabulary [--write]

A word is boilerplate when procurement notices of every kind use it: "rammeavtale", "anskaffelse",
"framework", "services". Such a word says how a body buys, not what it needs, so matching must never
count it as evidence that two records are about the same thing (search/analysis.py reads the list).

Learnt from the notices of the tuning half only (bench.quality.tuning_notices), per language, over
the words' terms (stems):

- spread: the word occurs in notices of at least SPREAD_SHARE of the CPV divisions seen, or
- background-like: its notices are spread over the divisions much as all notices are (the
  Kullback-Leibler divergence of its division distribution from the corpus's is at most MAX_KL),

and it occurs in at least MIN_DF notices (a rare word's spread says nothing). English has far fewer
notices, so a word reaches many of its divisions sooner: it must reach more of them. Besides, the
TOP_SPREAD words that reach the most divisions are boilerplate whatever their figures.

The result was read through by hand: REVIEWED_ADD holds boilerplate that the tuning half is too small
to show (mostly English, of which it has under a hundred notices), REVIEWED_KEEP topic words that the
rules caught but that a person recognises as a topic. Place names (every kommune and fylke) are added
too: they say where, not what, and the region bonus already weighs where.

Bridge words: a Norwegian and an English record meet on a word only when it is the same word in
both languages (search/evidence.py). The CPV labels say which words those are: the words written
alike in the Norwegian and the English label of one code ("transport", "data", "laser"), less function
words and boilerplate.

Without --write the candidates are printed with their figures; with --write the lists are written to
search/data/boilerplate.txt and search/data/bridge_words.txt (review the diff before committing)."""

from __future__ import annotations

import argparse
import math
from collections import Counter, defaultdict
from pathlib import Path

from bench.quality import Notice, tuning_notices
from network import reference
from search.analysis import ENGLISH, NORWEGIAN, fold_accents, word_spans, word_term

DATA = Path(__file__).resolve().parent.parent / "search" / "data"
OUTPUT = DATA / "boilerplate.txt"
BRIDGES = DATA / "bridge_words.txt"

SPREAD_SHARE = {"nb": 0.17, "en": 0.3}
MAX_KL = {"nb": 0.72, "en": 0.9}
MIN_DF = 8
TOP_SPREAD = 80

# Boilerplate the tuning half shows too rarely (or in one language only) to learn.
REVIEWED_ADD = {
    "nb": """
        anbud anbudet anbudsinnbydelse anbudskonkurranse anskaffelse anskaffelsesprosess avrop avropsavtale
        avtale avtaleperiode bilag doffin kontrakt kontraktsperiode kunngjøring kunngjøringen kjøp
        konkurranse konkurransegrunnlag kvalifikasjonskrav leveranse levering leverandør mercell
        oppdrag oppdragsgiver opsjon rammeavtale rammeavtaler tildeling tildelingskriterier tilbud
        tilbyder tjeneste tjenester innkjøp innkjøpet ehandel tenester teneste anskaffing kunngjering
        tilbod oppdragsgjevar leverandørar konkurransen permalink https http www klikk lenke
        """,
    "en": """
        award awarded bid bidder bidders buyer call contract contracting contractor contracts council
        deliver delivery framework frameworks invitation itt lot lots notice procure procurement
        provide provider providers provision purchase purchaser purchasing quotation quote rfq services
        service supplier suppliers supply tender tenderer tenderers tendering agreement agreements option
        options opportunity requirement requirements specification scope value estimated commence
        commencement duration period term extension renewal https http www click
        """,
}
# Topic words the rules flag because they occur in many kinds of notices; a person reads them as
# the subject of a need.
REVIEWED_KEEP = {
    "nb": {"pilot", "utforming", "implementering", "kartlegging", "produksjon", "strategi", "lys"},
    "en": {"heat", "light", "water", "fuel", "pump", "gas", "vehicl", "renew", "plant", "monitor", "hous"},
}


def _terms(notice: Notice, language: str) -> dict[str, str]:
    """term → the first surface word that gives it."""
    analyzer = NORWEGIAN if language == "nb" else ENGLISH
    found: dict[str, str] = {}
    for _, _, word in word_spans(notice.text):
        term = word_term(word, analyzer)
        if term and not term.isdigit():
            found.setdefault(term, word)
    return found


def learn(notices: list[Notice], language: str) -> list[tuple[str, str, int, int, float]]:
    """(term, surface, df, divisions, kl) of every boilerplate term learnt from notices in `language`."""
    sample = [n for n in notices if n.language == language and n.cpv]
    background: Counter = Counter()
    for notice in sample:
        divisions = {code[:2] for code in notice.cpv}
        for division in divisions:
            background[division] += 1 / len(divisions)
    total = sum(background.values())
    share = {division: count / total for division, count in background.items()}
    df: Counter = Counter()
    spread: dict[str, Counter] = defaultdict(Counter)
    surfaces: dict[str, Counter] = defaultdict(Counter)
    for notice in sample:
        divisions = {code[:2] for code in notice.cpv}
        for term, surface in _terms(notice, language).items():
            df[term] += 1
            surfaces[term][surface] += 1
            for division in divisions:
                spread[term][division] += 1 / len(divisions)
    widest = set(sorted(df, key=lambda t: (-len(spread[t]), -df[t], t))[:TOP_SPREAD])
    found = []
    for term, count in df.items():
        weights = spread[term]
        mass = sum(weights.values())
        kl = sum(w / mass * math.log((w / mass) / share[d]) for d, w in weights.items())
        wide = len(weights) >= SPREAD_SHARE[language] * len(share)
        background_like = kl <= MAX_KL[language]
        learnt = count >= MIN_DF and (wide or background_like)
        if (learnt or term in widest) and term not in REVIEWED_KEEP[language]:
            found.append((term, surfaces[term].most_common(1)[0][0], count, len(weights), kl))
    return sorted(found, key=lambda row: (-row[3], -row[2], row[0]))


def places() -> list[str]:
    """Every kommune's and fylke's name, one word each (multi-word names by their words)."""
    words: set[str] = set()
    for name in [k.name for k in reference.kommuner()] + [f.name for f in reference.fylker()]:
        for _, _, word in word_spans(name.split(" - ")[0]):
            if len(word) > 2 and word not in {"og", "i"}:
                words.add(word)
    return sorted(words)


def bridge_words(excluded: set[str]) -> list[str]:
    """Words written alike in the Norwegian and English labels of one CPV code, at least three
    letters, that are no function word or boilerplate in either language (`excluded`)."""
    found: set[str] = set()
    for entry in reference.cpv_entries():
        norwegian = {fold_accents(w) for _, _, w in word_spans(entry.label_nb)}
        english = {fold_accents(w) for _, _, w in word_spans(entry.label_en)}
        found.update(w for w in norwegian & english if len(w) >= 3 and not w.isdigit())
    return sorted(w for w in found if w not in excluded)


def _excluded(lines: list[str]) -> set[str]:
    """The words of the function-word list and of the boilerplate lines being written."""
    words = set()
    function_words = DATA / "function_words.txt"
    for line in [*function_words.read_text(encoding="utf-8").splitlines(), *lines]:
        if line and not line.startswith("#"):
            words.add(line.split(" ", 1)[1].lower())
    return words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the lists to search/data")
    args = parser.parse_args()
    notices = tuning_notices()
    lines = [
        "# Procurement boilerplate and place names: words that say how or where a body buys, not what it",
        "# needs. Matching never counts them as evidence and never shows them as a reason.",
        "# Made by `python -m bench.vocabulary --write` from the tuning half of the shipped notices",
        "# (network/data/notices-dev.jsonl: Doffin, NLOD 2.0; UK Contracts Finder, OGL v3) and reviewed",
        "# by hand (see bench/vocabulary.py).",
        "# One `language word` per line (nb, nn or en); `place` lines are kommune and fylke names.",
        "",
    ]
    for language in ("nb", "en"):
        rows = learn(notices, language)
        print(f"{language}: {len(rows)} learnt")
        for term, surface, df, divisions, kl in rows:
            print(f"  {surface:24} {term:18} df={df:3d} divisions={divisions:2d} kl={kl:.2f}")
        words = {surface for _, surface, _, _, _ in rows} | set(REVIEWED_ADD[language].split())
        lines += [f"{language} {word}" for word in sorted(words)]
    lines += [f"place {word}" for word in places()]
    shared = bridge_words(_excluded(lines))
    print(f"bridge words: {len(shared)}")
    if args.write:
        OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {len(lines)} lines to {OUTPUT}")
        header = [
            "# Words written alike in the Norwegian and the English label of one CPV code: the shared",
            "# vocabulary by which a Norwegian and an English record may meet (search/evidence.py).",
            "# Made by `python -m bench.vocabulary --write` from network/data/cpv_2008.csv (CPV 2008 labels;",
            "# Norwegian labels by DFØ, CC BY 4.0).",
        ]
        BRIDGES.write_text("\n".join([*header, *shared]) + "\n", encoding="utf-8")
        print(f"wrote {len(shared)} words to {BRIDGES}")


if __name__ == "__main__":
    main()

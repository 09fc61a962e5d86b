"""match(): the records of a kind ranked for a profile, with reasons and confidence, and what a kept
list of them needs for percolation."""

from __future__ import annotations

from collections.abc import Sequence

from search.base import NEED, Hit, MatchQuery, Reason
from search.confidence import calibration
from search.cpv import RELATIONS, relation, relation_levels
from search.evidence import PART
from search.percolation import KeptProfile, Scoring, Structure
from search.profile import concepts, shared_words
from search.whoosh.bitmaps import Bitmaps, docnums
from search.whoosh.documents import cpv_codes, keyword, stored_hit, uid_of
from search.whoosh.postings import accumulate, best_allowed, common, rescore
from search.whoosh.schema import BODY_FIELD, MATCH_FIELDS, NATIONWIDE_KEY, TEXT_BOOSTS
from search.whoosh.tuning import (
    ABSENT_WEIGHT,
    BM25_B,
    BM25_K1,
    COMMON_MIN,
    COMMON_SHARE,
    CPV_BONUS,
    DOMAIN_BONUS,
    HINT_DECAY,
    HINT_RELATIONS,
    HINT_SHARE,
    MATCH_CANDIDATES,
    MATCH_TERMS,
    ONE_WORD,
    REGION_BONUS,
    TEXT_CANDIDATES,
    TEXT_HALF,
)

# How a changed record's best score in a kept list is bounded (search.percolation): the ranking's own
# terms.
SCORING = Scoring(
    cpv_bonus=CPV_BONUS,
    hint_share=HINT_SHARE,
    hint_relations=HINT_RELATIONS,
    domain_bonus=DOMAIN_BONUS,
    region_bonus=REGION_BONUS,
    nationwide_key=NATIONWIDE_KEY,
    k1=BM25_K1,
    b=BM25_B,
    text_half=TEXT_HALF,
)


def match(
    searcher, bitmaps: Bitmaps, query: MatchQuery
) -> tuple[list[Hit], list[tuple[str, str, float]], float]:
    """The ranked hits, the profile's weighted (field, term, weight) clauses and its text reference
    score (what percolation needs to bound a new record's score).

    A hit's score is its topic score — text (search.profile concepts, never boilerplate), CPV
    relation and domain — plus a region bonus; its confidence comes from the topic score alone
    (search.confidence). Only hits with topic evidence (shared concepts, or a CPV relation of at
    least a group) are candidates, and with `min_confidence` only those that clear it are listed."""
    codes = cpv_codes(query.cpv)
    hinted = cpv_codes(query.hint_cpv) if not codes else ()
    domains = [keyword(d) for d in query.domains if d.strip()]
    fylker = {keyword(f) for f in query.fylker if f.strip()}
    allowed = bitmaps.term("kind", query.kind)
    if query.kind == NEED and query.stages:
        allowed &= bitmaps.any_of("stage", map(keyword, query.stages))
    excluded = bitmaps.any_of("owner", (str(owner) for owner in query.exclude_owner_ids))
    excluded |= bitmaps.any_of("uid", (uid_of(query.kind, id) for id in query.exclude_ids))
    allowed &= ~excluded
    found, absent = concepts(query.title, query.text, bitmaps.idf, MATCH_FIELDS, MATCH_TERMS)
    # (field, index term, weight, concept number, shown in reasons): a part meeting a part counts a
    # little but is no reason a person would accept ("nattevakt" and "legevakt").
    clauses = [
        (field, term, TEXT_BOOSTS[field] * concept.said * factor * concept.idf[field], n, factor >= PART)
        for n, concept in enumerate(found)
        for term, factor in concept.forms
        for field in MATCH_FIELDS
    ]
    # What a record holding every concept once, in title and body, would score (BM25F gives a term
    # found once in a field of average length its IDF).
    reference = sum(
        TEXT_BOOSTS[field] * concept.said * concept.strength * concept.idf[field]
        for concept in found
        for field in MATCH_FIELDS
    )
    weighted = [(f, t, w) for f, t, w, _, _ in clauses]
    # A profile word no record holds yet would weigh most of all once one does: a record bringing it
    # in always reaches a kept list.
    kept = weighted + [(field_name, term, ABSENT_WEIGHT) for field_name, term in absent]
    if not allowed:
        return [], [(f, t, ABSENT_WEIGHT) for f, t, _ in kept], 0.0
    members = allowed.to_bytes(bitmaps.bytes, "little")
    # Only terms some record holds in the field are read (and rescored).
    live = [n for n, (f, t, _, _, _) in enumerate(clauses) if bitmaps.df(f, t)]
    read = set(live)

    # Every posting of the profile's terms once, read a block at a time, scored without the length
    # normalisation (which needs a lookup per record); the best are rescored exactly below. Whoosh's
    # own OR query took 100–250 ms here at 150,000 records, mostly in per-posting method calls.
    # A common word brings in no candidates: reading its postings would cost more than all the
    # rest. It still counts for the candidates, as if said once (from its bitmap).
    common_limit = max(COMMON_SHARE * searcher.doc_count_all(), COMMON_MIN)
    body = [n for n in live if clauses[n][0] == BODY_FIELD]
    dfs = [bitmaps.df(BODY_FIELD, clauses[n][1]) for n in body]
    common_body = common(body, [clause[3] for clause in clauses], dfs, common_limit)
    approx, frequencies = accumulate(
        searcher,
        [(f, t, w if n in read and n not in common_body else 0.0) for n, (f, t, w, *_) in enumerate(clauses)],
    )
    candidates = set(best_allowed(approx, members, TEXT_CANDIDATES))
    # Records related by CPV code, class or group, however little text they share.
    for level in ("code", "class", "group"):
        if len(candidates) >= TEXT_CANDIDATES + MATCH_CANDIDATES:
            break
        prefixes = {prefix for code in codes for name, prefix in relation_levels(code) if name == level}
        bits = bitmaps.any_of("cpv_all", sorted(prefixes)) & allowed
        candidates.update(docnums(bits, TEXT_CANDIDATES + MATCH_CANDIDATES - len(candidates)))
    if hinted:
        # Codes guessed from the text (CPV suggestion) bring in records of the same code or class:
        # they carry the concept across words and languages ("renhold" and "cleaning").
        prefixes = {p for c in hinted for name, p in relation_levels(c) if name in HINT_RELATIONS}
        level = bitmaps.any_of("cpv_all", sorted(prefixes)) & allowed
        candidates.update(docnums(level, MATCH_CANDIDATES))
    if not candidates:
        return [], kept, reference
    for number in common_body:
        field_name, term, _, _, _ = clauses[number]
        holders = bitmaps.term(field_name, term).to_bytes(bitmaps.bytes, "little")
        frequencies[number] = {d: 1.0 for d in candidates if holders[d >> 3] >> (d & 7) & 1}
    fields = [(clauses[n][0], clauses[n][2]) for n in live]
    text_scores, found_by = rescore(searcher, candidates, fields, [frequencies[n] for n in live])
    # Back from the live clauses' positions to the clauses'.
    shared = {docnum: [live[i] for i in numbers] for docnum, numbers in found_by.items()}

    # Bonuses from bits first; stored fields (for the reasons' values) only for the hits returned.
    size = bitmaps.bytes
    levels = [(bonus, bits.to_bytes(size, "little")) for bonus, bits in _relation_bits(bitmaps, codes, 1)]
    # The first guess is the likeliest: each further one counts HINT_DECAY as much as the one before.
    guesses = [
        (bonus, bits.to_bytes(size, "little"), name in HINT_RELATIONS)
        for rank, code in enumerate(hinted)
        for bonus, bits, name in _relation_bits(bitmaps, [code], HINT_SHARE * HINT_DECAY**rank, True)
    ]
    in_domain = bitmaps.any_of("domain", domains).to_bytes(size, "little")
    in_region = bitmaps.any_of("region", (*fylker, NATIONWIDE_KEY)).to_bytes(size, "little")
    floor = topic_floor(query)
    ranked = []
    for docnum in candidates:
        byte, bit = docnum >> 3, docnum & 7
        cpv = max((bonus for bonus, bits in levels if bits[byte] >> bit & 1), default=0.0)
        hinted_here = [(b, k) for b, bits, k in guesses if bits[byte] >> bit & 1]
        guess, strong = max(hinted_here, default=(0.0, False))
        text = _text_score(text_scores.get(docnum, 0.0), reference)
        words = len({clauses[n][3] for n in shared.get(docnum, ()) if clauses[n][4]})
        if words < 2:
            # One shared word is thin evidence, however rare ("Familiens hus", "Familiens utfordringer").
            text *= ONE_WORD
        # A shared word a person would accept, or a CPV code or class (real or guessed), makes a
        # match; a shared domain, a CPV group or compounds sharing a part only add to one.
        if not (words or strong or cpv >= CPV_BONUS["class"]):
            continue
        topic = text + max(cpv, guess) + (DOMAIN_BONUS if in_domain[byte] >> bit & 1 else 0.0)
        if topic < floor - 1e-9:
            continue
        region = REGION_BONUS if query.nationwide or in_region[byte] >> bit & 1 else 0.0
        ranked.append((round(topic + region, 6), round(topic, 6), docnum))
    hits = []
    scale = calibration(query.kind)
    # Equal scores keep index order, which is the order records were saved in, mostly.
    for score, topic, docnum in sorted(ranked, key=lambda row: (-row[0], row[2]))[: query.limit]:
        stored = searcher.stored_fields(docnum)
        guessed = not codes
        reasons = _structure_reasons(stored, codes or hinted, domains, fylker, query.nationwide, guessed)
        words = {clauses[n][3] for n in shared.get(docnum, ()) if clauses[n][4]}
        if words:
            reasons.insert(0, Reason(kind="terms", values=shared_words(found, words)))
        hits.append(stored_hit(stored, score, reasons=tuple(reasons), confidence=scale.confidence(topic)))
    return hits, kept, reference


def kept_profile(
    uid: str, profile: str, query: MatchQuery, hits: list[Hit], clauses: list, reference: float
) -> KeptProfile:
    """A computed list with what percolation needs. A short list is as full as the profile's
    confident matches make it: only a record that could clear the confidence floor may enter it."""
    codes = cpv_codes(query.cpv)
    return KeptProfile(
        subject=uid,
        kind=query.kind,
        size=query.limit,
        profile=profile,
        hits=hits,
        clauses=clauses,
        reference=reference,
        structure=Structure(
            codes=codes,
            hinted=cpv_codes(query.hint_cpv) if not codes else (),
            domains=tuple(keyword(d) for d in query.domains if d.strip()),
            fylker=tuple(keyword(f) for f in query.fylker if f.strip()),
            nationwide=query.nationwide,
        ),
        stages=tuple(keyword(s) for s in query.stages) if query.kind == NEED else (),
        exclude_owners=tuple(str(owner) for owner in query.exclude_owner_ids),
        exclude_uids=tuple(uid_of(query.kind, id) for id in query.exclude_ids),
        floor=topic_floor(query),
    )


def _text_score(raw: float, reference: float) -> float:
    """A record's text score from its BM25F score over the profile's concepts: s / (s + TEXT_HALF),
    where s is `raw` divided by what a record holding every concept once, in title and body, would
    score (`reference`). A record sharing TEXT_HALF of the profile's evidence scores 0.5; the score
    never reaches 1."""
    if raw <= 0 or reference <= 0:
        return 0.0
    share = raw / reference
    return share / (share + TEXT_HALF)


def topic_floor(query: MatchQuery) -> float:
    """The topic score a hit needs to be listed (0 when the query lists every candidate)."""
    if query.min_confidence <= 0:
        return 0.0
    return calibration(query.kind).floor(query.min_confidence)


def _relation_bits(bitmaps: Bitmaps, codes: Sequence[str], share: float, named: bool = False) -> list:
    """(bonus, records) for each CPV relation of the codes, strongest first; with `named`, (bonus,
    records, relation)."""
    if not codes:
        return []
    levels: dict[str, set[str]] = {}
    for code in codes:
        for name, prefix in relation_levels(code):
            levels.setdefault(name, set()).add(prefix)
    found = [
        (share * CPV_BONUS[name], bitmaps.any_of("cpv_all", sorted(levels[name])), name)
        for name in RELATIONS
        if name in levels and name in CPV_BONUS
    ]
    return found if named else [row[:2] for row in found]


def _split(stored: dict, field: str) -> list[str]:
    return (stored.get(field) or "").split()


def _structure_reasons(
    stored: dict,
    codes: Sequence[str],
    domains: Sequence[str],
    fylker: set[str],
    nationwide: bool,
    guessed: bool = False,
) -> list[Reason]:
    """The CPV relation (the strongest, with the pairs of codes at that strength; a shared division is
    none), the shared domains and the region of a hit. Codes guessed from a profile's text give a
    reason of detail "suggested" when they relate by code or class: "the text is likely about what
    this record's code says"."""
    reasons: list[Reason] = []
    doc_codes = stored.get("cpv") or ()
    pairs: dict[str, list[str]] = {}
    for code in codes:
        for other in doc_codes:
            level = relation(code, other)
            if level in CPV_BONUS and (not guessed or level in HINT_RELATIONS):
                pairs.setdefault(level, []).append(f"{code}~{other}")
    strongest = next((level for level in RELATIONS if level in pairs), None)
    if strongest is not None:
        detail = "suggested" if guessed else strongest
        reasons.append(Reason(kind="cpv", values=tuple(pairs[strongest]), detail=detail))
    shared_domains = tuple(d for d in _split(stored, "domain") if d in domains)
    if shared_domains:
        reasons.append(Reason(kind="domain", values=shared_domains))
    shared_fylker = tuple(f for f in _split(stored, "fylke") if f in fylker)
    if shared_fylker:
        reasons.append(Reason(kind="region", values=shared_fylker, detail="fylke"))
    elif nationwide or stored.get("nationwide"):
        reasons.append(Reason(kind="region", detail="nationwide"))
    return reasons

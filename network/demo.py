"""Demo content in the bulk-import format, built from the bundled notices plus a few fictional suppliers."""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from network import reference

NOTICES_FILE = reference.DATA_DIR / "notices-dev.jsonl"

MAX_NEEDS = 300
MAX_CPV = 10  # a few notices list dozens of codes; a need or capability reads better with the main ones

ORGANISATION_FIELDS = frozenset(
    {
        "type", "key", "kind", "name", "org_number", "country", "foreign_id", "sector", "kommune",
        "website", "description", "is_sme", "is_startup", "verified", "example",
    }
)  # fmt: skip
NEED_FIELDS = frozenset(
    {
        "type", "key", "organisation", "title", "description", "affected", "outcome", "domain", "cpv",
        "kommuner", "fylker", "route", "stage", "budget_min", "budget_max", "deadline", "doffin_ref",
        "language",
    }
)  # fmt: skip
CAPABILITY_FIELDS = frozenset(
    {
        "type", "key", "organisation", "title", "description", "domains", "cpv", "fylker", "nationwide",
        "maturity", "references", "language",
    }
)  # fmt: skip
FIELDS_BY_TYPE = {"organisation": ORGANISATION_FIELDS, "need": NEED_FIELDS, "capability": CAPABILITY_FIELDS}

Record = dict[str, Any]


# --------------------------------------------------------------------------- helpers


@cache
def _notices() -> tuple[dict[str, Any], ...]:
    with NOTICES_FILE.open(encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f if line.strip())


def _slug(text: str, max_length: int = 80) -> str:
    text = text.casefold().replace("æ", "ae").replace("ø", "o").replace("å", "a").replace("&", " and ")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:max_length].rstrip("-")


def _bucket(text: str, buckets: int) -> int:
    # A stable stand-in for randomness: the same notice always lands in the same bucket.
    return zlib.crc32(text.encode("utf-8")) % buckets


_LINK_LINE = re.compile(r"^\s*klikk her\s+https?://\S+\s*$", re.IGNORECASE)


def _clean_text(text: str | None) -> str:
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\x96", "–")
    lines = [line.rstrip() for line in text.split("\n") if not _LINK_LINE.match(line)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# "2022/126 - Ultralyd…", "22/00153- Rammeavtale…", "(2022-100) Arkitekttjenester…", "R01093 - …":
# case numbers say nothing to a reader of the need. Short numbers ("10 elbiler") are kept.
_LEADING_CASE_NUMBER = re.compile(r"^(?:(?:\(\d[\d/.-]*\)|[A-Z]?\d+[/-][\d/-]*\d|[A-Z]?\d{4,})\s*[-–:]?\s+)+")


def _clean_title(title: str) -> str:
    title = " ".join(_clean_text(title).split())
    stripped = _LEADING_CASE_NUMBER.sub("", title)
    title = stripped if len(stripped) >= 8 else title
    return title[:1].upper() + title[1:300]


def _cpv_codes(codes: list[str]) -> list[str]:
    result: list[str] = []
    for code in codes:
        normalised = reference.normalise_cpv(code)
        if normalised and normalised not in result:
            result.append(normalised)
    return result[:MAX_CPV]


_NYNORSK = frozenset(
    {
        "ikkje", "eit", "frå", "kva", "korleis", "mykje", "noko", "berre", "vert", "vere", "vera",
        "desse", "dykkar", "òg", "ynskjer", "tilbod", "anbodet", "kunngjering", "sjukeheim",
        "tenester", "heile", "einskilde", "saman", "nokon", "medan", "sidan", "ein", "berekraftige",
        "byar", "stader", "partnar", "anskaffing", "konsulenttenester", "gjeldande", "utgreiing",
        "målbilete", "sjå", "kommunane"
    }
)  # fmt: skip
_BOKMAL = frozenset(
    {
        "ikke", "et", "fra", "hva", "hvordan", "mye", "noe", "bare", "blir", "være", "disse",
        "deres", "ønsker", "tilbud", "anbudet", "kunngjøring", "sykehjem", "tjenester", "hele",
        "enkelte", "sammen", "noen", "mens", "siden", "en", "bærekraftige", "byer", "steder",
        "partner", "anskaffelse", "konsulenttjenester", "gjeldende", "utredning", "målbilde", "se",
        "anskaffelsen", "kommunene"
    }
)  # fmt: skip
_ENGLISH = frozenset(
    {
        "the", "and", "of", "to", "with", "is", "be", "will", "this", "are", "by", "an", "from",
        "that", "which", "services"
    }
)  # fmt: skip
_NORWEGIAN = frozenset(
    {
        "og", "i", "til", "av", "med", "på", "som", "er", "det", "å", "skal", "eller", "om", "fra",
        "ved"
    }
)  # fmt: skip


def guess_language(text: str) -> str:
    """A cheap guess at "nb", "nn" or "en" for notice texts (Doffin lists every notice as Norwegian)."""
    words = re.findall(r"\w+", text.casefold())
    english = sum(w in _ENGLISH for w in words)
    norwegian = sum(w in _NORWEGIAN for w in words)
    if english >= 2 and english > norwegian:
        return "en"
    nynorsk = sum(w in _NYNORSK for w in words)
    if nynorsk >= 2 and nynorsk > sum(w in _BOKMAL for w in words):
        return "nn"
    return "nb"


# --------------------------------------------------------------------------- public bodies

# Buyers that are not public bodies buying for themselves: consultancies and agents acting for a
# client the notice does not name, private companies, and qualification systems.
_NOT_PUBLIC_BODIES = frozenset(
    name.casefold()
    for name in (
        "Finnut Consult AS", "Rambøll Norge AS (hovedenhet)", "COWI AS", "WSP NORGE AS (Oppdragsgiver)",
        "PPM Prosjekt", "Arcon Prosjekt as", "Nordplan AS", "Innkjøpsassistanse Vest AS",
        "Equinor Energy AS", "OKEA ASA", "Aquapartner AS", "Grønt Hjerte AS", "BIR Privat AS",
    )
)  # fmt: skip

# Buyer spellings that the general rules below do not tidy well.
_BUYER_NAMES = {
    "finnut consult as nesseby kommune": "Nesseby kommune",
    "odin prosjekt as for vestfold og telemark fylkeskommune": "Vestfold og Telemark fylkeskommune",
    "stavangerregionen havnedrift as ved innkjøpsassistanse vest as": "Stavangerregionen Havnedrift AS",
    "kontrollutvalgene i valdreskommunene ved sør-aurdal kommune": "Sør-Aurdal kommune",
    "senja kommune v/bredbåndsfylket troms as": "Senja kommune",
    "bodø kommune barne- og familieenheten": "Bodø kommune",
    "nome kommune, samferdsel og kommunalteknikk": "Nome kommune",
    "bø kommune - nordland": "Bø kommune",
    "oslo universitetssykehus hf (hovedenhet)": "Oslo universitetssykehus HF",
    "forsvaret v/forsvarets logistikkorganisasjon": "Forsvaret",
    "arbeids- og velferdsetaten": "Arbeids- og velferdsetaten (NAV)",
    "integrerings- og mangfoldsdirektoratet": "Integrerings- og mangfoldsdirektoratet (IMDi)",
    "direktoratet for forvaltning og økonomistyring": "Direktoratet for forvaltning og økonomistyring (DFØ)",
    "nordic energy research": "Nordisk Energiforskning",
    "nordic energy research (nordisk energiforskning)": "Nordisk Energiforskning",
    "norges teknisk naturvitenskapelige universitet (ntnu), innkjøp": "NTNU",
    "norden nordic innovation / nordisk innovation": "Nordic Innovation",
    "møre og romsdal fylkeskommune, samferdsel": "Møre og Romsdal fylkeskommune",
    "sykehusinnkjøp hf": "Sykehusinnkjøp HF",
    "statskog sf hovedkontoret": "Statskog SF",
    "helse sør-øst rhf": "Helse Sør-Øst RHF",
    "norges vassdrags- og energidirektorat (nve)": "Norges vassdrags- og energidirektorat (NVE)",
    "universitetet i bergen": "Universitetet i Bergen",
    "norges bank": "Norges Bank",
    "statens kartverk": "Statens kartverk",
    "innovasjon norge": "Innovasjon Norge",
    "avinor as": "Avinor AS",
    "posten norge as": "Posten Norge AS",
    "stiftelsen grid-arendal": "Stiftelsen GRID-Arendal",
    "noref senter for internasjonal konfliktløsning": "NOREF Senter for internasjonal konfliktløsning",
    "nasjonalt kommunesamarbeid for 110-sentralene iks": "Nasjonalt kommunesamarbeid for 110-sentralene IKS",
    "glåmdal interkommunale renovasjonsselskap iks": "Glåmdal interkommunale renovasjonsselskap IKS",
    "nedre romerike avløpsselskap iks": "Nedre Romerike avløpsselskap IKS",
    "indre agder og telemark avfallsselskap iks": "Indre Agder og Telemark avfallsselskap IKS",
    "østfold avfallssortering iks": "Østfold avfallssortering IKS",
    "øfas husholdning as": "ØFAS Husholdning AS",
    "veas selvkost as": "VEAS Selvkost AS",
    "tensio as": "Tensio AS",
    "irmat – interkommunalt renovasjonsselskap i midt- og aust-telemark": "IRMAT IKS",
}

# Acronyms and names that keep their capitals when an ALL-CAPS buyer name is lower-cased.
_KEEP_UPPER = frozenset(
    {
        "AS", "ASA", "IKS", "HF", "RHF", "SF", "KF", "NAV", "IVAR", "BIR", "FREVAR", "ÅRIM", "GLØR",
        "DFØ", "NTNU"
    }
)  # fmt: skip
_PROPER_WORDS = frozenset(
    {
        "Norge", "Norges", "Troms", "Finnmark", "Romerike", "Glåmdal", "Agder", "Telemark"
    }
)  # fmt: skip


_LEGAL_FORM = re.compile(r"\s(as|asa|iks|hf|rhf|sf|kf)$", re.IGNORECASE)


def _tidy_case(name: str) -> str:
    name = _LEGAL_FORM.sub(lambda m: f" {m[1].upper()}", name)
    if name != name.upper():
        return name
    words = []
    for position, word in enumerate(name.split()):
        if word in _KEEP_UPPER:
            words.append(word)
        elif position == 0 or word.capitalize() in _PROPER_WORDS or reference.find_kommune(word):
            words.append(word.capitalize())
        else:
            words.append(word.lower())
    return " ".join(words)


_KOMMUNE_BUYER = re.compile(r"^(?P<place>.+?)\s+(?P<kind>kommune|herad)\b", re.IGNORECASE)
_FYLKESKOMMUNE_BUYER = re.compile(r"^(?P<place>.+?)\s+fylkeskommunen?\b", re.IGNORECASE)


def _kommune_display_name(place: str, kommune: reference.Kommune) -> str:
    # Keep the name the buyer used when it is one of the kommune's names ("Nesseby", not "Unjárga").
    for name in (kommune.name, *kommune.aliases):
        if name.casefold() == place.casefold():
            return name
    return re.sub(r"\s*\(.*\)$", "", kommune.name)


def normalise_buyer(raw: str) -> str | None:
    """A tidy public-body name for a Doffin buyer, or None when the buyer is not a public body."""
    name = " ".join(raw.replace("\x96", "–").split())
    folded = name.casefold()
    if folded in _NOT_PUBLIC_BODIES or "transq" in folded or "achilles" in folded:
        return None
    if folded in _BUYER_NAMES:
        return _BUYER_NAMES[folded]
    if "oslo kommune" in folded:  # etater, bydeler and KF are all part of Oslo kommune
        return "Oslo kommune"
    name = re.sub(r"\s+co/.*$", "", name)  # "Tysvær kommune co/BERGEN CAPITAL MANAGEMENT AS"
    if name.casefold() in _BUYER_NAMES:
        return _BUYER_NAMES[name.casefold()]
    match = _FYLKESKOMMUNE_BUYER.match(name)
    if match:
        return f"{_tidy_case(match['place'])} fylkeskommune"
    match = _KOMMUNE_BUYER.match(name)
    if match:
        found = reference.find_kommune(match["place"])
        if found:
            return f"{_kommune_display_name(match['place'], found)} {match['kind'].lower()}"
    if folded == "longyearbyen lokalstyre":
        return "Longyearbyen lokalstyre"
    return _tidy_case(name)


_HEALTH_TRUST = re.compile(r"\b(r?hf|sykehus\w*|universitetssykehus|helse sør-øst)\b", re.IGNORECASE)
_STATE_WORDS = (
    "departement", "direktorat", "etaten", "tilsyn", "statens ", "statsforvalt", "fylkesmannen",
    "universitet", "høgskole", "høgskule", "høyskole", "forskningsråd", "forsvar", "politi", "kystverket",
    "statsbygg", "husbanken", "innovasjon norge", "arkivverket", "nasjonalbiblioteket", "riksantikvaren",
    "patentstyret", "sametinget", "stortinget", "domstoladministrasjonen", "kartverk", "statped",
    "kompetanse norge", "havforskningsinstituttet", "veterinærinstituttet", "nibio", "(ngu)",
    "distriktssenteret", "norad", "norec", "statistisk sentralbyrå", "nkom", "registerenheten",
    "senter for oljevern", "norsk kulturråd", "hk-dir", "diku", "nav ", "(nav)", "norges bank",
    "nukleær dekommisjonering", "eksportfinansiering", "departementenes", "etikkrådet", "dfø", "ntnu",
    "oslomet", "norsk romsenter", "konfliktrådet", "kirkerådet",
)  # fmt: skip


def guess_sector(name: str) -> str:
    """municipality, county, health_trust, state or other — from the words of a Norwegian body's name."""
    folded = f"{name.casefold()} "
    if "fylkeskommune" in folded:
        return "county"
    if _KOMMUNE_BUYER.match(name) or folded.startswith("longyearbyen lokalstyre"):
        return "municipality"
    if _HEALTH_TRUST.search(name):
        return "health_trust"
    if name.endswith(" SF") or any(word in folded for word in _STATE_WORDS):
        return "state"
    return "other"


def _body_kommune(name: str) -> str | None:
    match = _KOMMUNE_BUYER.match(name)
    found = reference.find_kommune(match["place"]) if match else None
    return found.number if found else None


def _body_fylke(name: str) -> str | None:
    match = _FYLKESKOMMUNE_BUYER.match(name)
    if not match:
        return None
    place = match["place"].casefold()
    return next((f.number for f in reference.fylker() if f.name.casefold() == place), None)


def _body_key(name: str) -> str:
    return f"pb-{_slug(name)}"


# --------------------------------------------------------------------------- needs

_STAGE_BY_NOTICE_TYPE = {"Tildeling": "awarded", "Intensjonskunngjøring": "tendered"}


def _need_stage(notice: dict[str, Any]) -> str:
    stage = _STAGE_BY_NOTICE_TYPE.get(notice["notice_type"])
    if stage:
        return stage
    if notice["notice_type"] == "Veiledende":  # a prior information notice: the market dialogue is on
        return "open"
    return {0: "dialogue_closed", 1: "tendered"}.get(_bucket(notice["id"], 12), "open")


def _doffin_notices() -> list[tuple[dict[str, Any], str]]:
    """Doffin notices of public bodies, with the body's tidy name, in file order."""
    result = []
    for notice in _notices():
        if notice["source"] != "doffin" or not notice["title"].strip():
            continue
        body = normalise_buyer(notice["buyer"] or "")
        if body:
            result.append((notice, body))
    return result


def _select_needs() -> list[tuple[dict[str, Any], str]]:
    """Every notice in a priority domain, then other notices — one per body not yet seen — up to MAX_NEEDS."""
    candidates = _doffin_notices()
    priority = [(n, b) for n, b in candidates if reference.domain_for_cpv(n["cpv"]) != "other"]
    chosen = {n["id"] for n, _ in priority}
    bodies = {b for _, b in priority}
    others = sorted(
        ((n, b) for n, b in candidates if n["id"] not in chosen),
        # Notices with a description first (they show what a need looks like), then a stable shuffle.
        key=lambda nb: (not nb[0]["description"].strip(), _bucket(nb[0]["id"], 1_000_003)),
    )
    extra = []
    for notice, body in others:
        if len(priority) + len(extra) >= MAX_NEEDS:
            break
        if body not in bodies:
            bodies.add(body)
            chosen.add(notice["id"])
            extra.append(notice["id"])
    for notice, _ in others:  # still room: more notices of bodies that already have one
        if len(priority) + len(extra) >= MAX_NEEDS:
            break
        if notice["id"] not in chosen:
            chosen.add(notice["id"])
            extra.append(notice["id"])
    return [(n, b) for n, b in candidates if n["id"] in chosen][:MAX_NEEDS]


def _need_record(notice: dict[str, Any], body: str) -> Record:
    title = _clean_title(notice["title"])
    description = _clean_text(notice["description"])
    stage = _need_stage(notice)
    record: Record = {
        "type": "need",
        "key": f"doffin-{notice['id'].removeprefix('doffin:')}",
        "organisation": _body_key(body),
        "title": title,
    }
    if description:
        record["description"] = description
    record["domain"] = reference.domain_for_cpv(notice["cpv"])
    record["cpv"] = _cpv_codes(notice["cpv"])
    kommune, fylke = _body_kommune(body), _body_fylke(body)
    if kommune:
        record["kommuner"] = [kommune]
    if fylke:
        record["fylker"] = [fylke]
    if notice["notice_type"] == "Veiledende":
        record["route"] = "market_dialogue"
    record["stage"] = stage
    if stage in ("tendered", "awarded"):
        record["doffin_ref"] = notice["id"].removeprefix("doffin:")
    record["language"] = guess_language(f"{title}\n{description}")
    return record


def _public_body_record(name: str) -> Record:
    record: Record = {
        "type": "organisation",
        "key": _body_key(name),
        "kind": "public_body",
        "name": name,
        "country": "NO",
        "sector": guess_sector(name),
    }
    kommune = _body_kommune(name)
    if kommune:
        record["kommune"] = kommune
    record["verified"] = True
    record["example"] = True
    return record


# --------------------------------------------------------------------------- UK suppliers

_COMPANY_SUFFIX = re.compile(r"\b(limited|ltd|llp|plc|inc)\.?$", re.IGNORECASE)


def _supplier_identity(name: str) -> str:
    """Spellings of one company ("Acme Ltd", "ACME LIMITED") share an identity."""
    name = " ".join(name.split()).casefold()
    return _slug(_COMPANY_SUFFIX.sub("", name).strip(" ,."))


def _uk_suppliers() -> tuple[list[Record], list[Record]]:
    organisations: dict[str, Record] = {}
    capabilities: list[Record] = []
    for notice in _notices():
        if notice["source"] == "doffin" or not notice["suppliers"] or not notice["title"].strip():
            continue
        notice_slug = _slug(notice["id"].removeprefix("cf:"), 60)
        description = _clean_text(notice["description"])
        cpv = _cpv_codes(notice["cpv"])
        year = (notice.get("date") or "")[:4]
        buyer = " ".join((notice["buyer"] or "").split())
        awarded_by = f"Contract awarded by {buyer}" + (f" ({year})" if year else "") + "."
        reference_text = awarded_by if buyer else ""
        seen: set[str] = set()
        for supplier in notice["suppliers"]:
            name = " ".join((supplier.get("name") or "").split())
            identity = _supplier_identity(name)
            if not identity or identity in seen:  # a winner listed twice (once per lot) wins once
                continue
            seen.add(identity)
            key = f"gb-{identity}"
            organisations.setdefault(
                key,
                {
                    "type": "organisation",
                    "key": key,
                    "kind": "supplier",
                    "name": name,
                    "country": "GB",
                    "example": True,
                },
            )
            capability: Record = {
                "type": "capability",
                "key": f"{key}-{notice_slug}",
                "organisation": key,
                "title": _clean_title(notice["title"]),
            }
            if description:
                capability["description"] = description
            capability["domains"] = [reference.domain_for_cpv(notice["cpv"])]
            capability["cpv"] = cpv
            capability["nationwide"] = True
            if reference_text:
                capability["references"] = reference_text
            capability["language"] = "en"
            capabilities.append(capability)
    return list(organisations.values()), capabilities


# --------------------------------------------------------------------------- fictional Norwegian suppliers

# Obviously fictional companies (no organisation numbers, every one marked as an example) so that the
# demo has Norwegian suppliers in each priority field without presenting real firms as users of the site.
SUPPLIERS_FILE = reference.DATA_DIR / "demo_suppliers.json"


@cache
def _fictional_suppliers() -> tuple[dict[str, Any], ...]:
    with SUPPLIERS_FILE.open(encoding="utf-8") as f:
        return tuple(json.load(f))


def _norwegian_suppliers() -> tuple[list[Record], list[Record]]:
    organisations: list[Record] = []
    capabilities: list[Record] = []
    for supplier in _fictional_suppliers():
        organisations.append(
            {
                "type": "organisation",
                "key": supplier["key"],
                "kind": "supplier",
                "name": supplier["name"],
                "country": "NO",
                "description": supplier["description"],
                "is_sme": supplier.get("is_sme", False),
                "is_startup": supplier.get("is_startup", False),
                "example": True,
            }
        )
        for number, capability in enumerate(supplier["capabilities"], start=1):
            record: Record = {
                "type": "capability",
                "key": f"{supplier['key']}-{number}",
                "organisation": supplier["key"],
                **capability,
                "language": "nb",
            }
            if record.get("nationwide"):
                record.pop("fylker", None)
            else:
                record["nationwide"] = False
            capabilities.append(record)
    return organisations, capabilities


# --------------------------------------------------------------------------- the whole file


def demo_records() -> list[Record]:
    """Organisations first, then needs, then capabilities — the order the import resolves references in."""
    selected = _select_needs()
    bodies: dict[str, Record] = {}
    for _, body in selected:
        bodies.setdefault(_body_key(body), _public_body_record(body))
    needs = [_need_record(notice, body) for notice, body in selected]
    uk_orgs, uk_capabilities = _uk_suppliers()
    no_orgs, no_capabilities = _norwegian_suppliers()
    return [*bodies.values(), *no_orgs, *uk_orgs, *needs, *no_capabilities, *uk_capabilities]


def iter_demo_lines() -> Iterator[str]:
    for record in demo_records():
        yield json.dumps(record, ensure_ascii=False, sort_keys=False)


def write_demo_jsonl(path: str | Path) -> int:
    """Write the demo content as JSONL for `flask import`; returns the number of records."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as f:
        for line in iter_demo_lines():
            f.write(line + "\n")
            count += 1
    return count

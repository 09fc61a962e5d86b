"""Norwegian public bodies from the Doffin buyers: tidy names, sector, home kommune or fylke."""

from __future__ import annotations

import re

from network import reference
from network.demo.notices import Notice, Record, notices, slug

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


def body_kommune(name: str) -> str | None:
    match = _KOMMUNE_BUYER.match(name)
    found = reference.find_kommune(match["place"]) if match else None
    return found.number if found else None


def body_fylke(name: str) -> str | None:
    match = _FYLKESKOMMUNE_BUYER.match(name)
    if not match:
        return None
    place = match["place"].casefold()
    return next((f.number for f in reference.fylker() if f.name.casefold() == place), None)


def body_key(name: str) -> str:
    return f"pb-{slug(name)}"


def doffin_notices() -> list[tuple[Notice, str]]:
    """Doffin notices of public bodies, with the body's tidy name, in file order."""
    result = []
    for notice in notices():
        if notice["source"] != "doffin" or not notice["title"].strip():
            continue
        body = normalise_buyer(notice["buyer"] or "")
        if body:
            result.append((notice, body))
    return result


def public_body_record(name: str, registered: str) -> Record:
    record: Record = {
        "type": "organisation",
        "key": body_key(name),
        "kind": "public_body",
        "name": name,
        "country": "NO",
        "sector": guess_sector(name),
    }
    kommune = body_kommune(name)
    if kommune:
        record["kommune"] = kommune
    record["verified"] = True
    record["example"] = True
    record["registered"] = registered
    return record

"""What people write for a département or a collectivité d'outre-mer, read as a code.

:func:`text_key` folds case, accents and punctuation; :func:`normalize_departement` reads a
code or a name ("1", "2a", "13 - Bouches-du-Rhône", "Réunion") as one of the 101 codes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ips_map.territory.data import departement_codes, population_table

#: Collectivités d'outre-mer: French territories with INSEE codes that are not départements.
COLLECTIVITES_OUTRE_MER = {
    "975": "Saint-Pierre-et-Miquelon",
    "977": "Saint-Barthélemy",
    "978": "Saint-Martin",
    "984": "Terres australes et antarctiques françaises",
    "986": "Wallis-et-Futuna",
    "987": "Polynésie française",
    "988": "Nouvelle-Calédonie",
    "989": "Île de Clipperton",
}


def joined_apart(texts: list[str], separator: str) -> str | None:
    """The texts joined by ``separator``, to fold all of them in one call of a function
    that works character by character; None when one holds ``separator`` itself (then the
    joined text would not split back into them)."""
    joined = separator.join(texts)
    return joined if joined.count(separator) == max(len(texts) - 1, 0) else None


@lru_cache(maxsize=1 << 17)
def text_key(value: str) -> str:
    """Return a comparison key: lower case, no accents, punctuation folded to spaces."""
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Lower case first: NFKD leaves the ligatures whole, and "Æ" must fold like "æ".
    bare = bare.lower().replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", bare).split())


#: Abbreviations in département names: "Seine St Denis", "Seine-St-Denis".
_NAME_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
#: Former names of départements still seen in old spreadsheets (the same département).
_FORMER_NAMES = {
    "cotes du nord": "22",
    "seine inferieure": "76",
    "loire inferieure": "44",
    "charente inferieure": "17",
    "basses alpes": "04",
    "basses pyrenees": "64",
}


def departement_key(value: str) -> str:
    """Return the key a département's name is matched by: :func:`text_key` (case, accents,
    hyphens and apostrophes ignored) with "St"/"Ste" read as "Saint"/"Sainte", as
    commune names are. Names are matched by this key exactly, never loosely."""
    return " ".join(_NAME_ABBREVIATIONS.get(w, w) for w in text_key(value).split())


@lru_cache(maxsize=1)
def _departement_keys() -> dict[str, str]:
    table = population_table()
    keys: dict[str, str] = {}
    for code, nom in zip(table["code_departement"], table["nom_departement"]):
        keys[departement_key(nom)] = code
    # Names that people write without their article or with a variant spelling.
    keys.setdefault("reunion", "974")
    for name, code in _FORMER_NAMES.items():
        keys.setdefault(name, code)
    return keys


def normalize_departement(value: str) -> tuple[str | None, str]:
    """Return ``(code, note)`` for a département written as a code or a name.

    ``code`` is None when the value cannot be read as one of the 101 départements; ``note``
    then says why. When the value was corrected (``"1"`` → ``"01"``), ``note`` says so;
    otherwise it is empty.
    """
    raw = value.strip()
    if not raw:
        return None, "valeur vide"
    codes = set(departement_codes())
    upper = raw.upper().replace(" ", "")
    if upper in codes:
        return upper, ""
    if re.fullmatch(r"[1-9]", upper):
        return "0" + upper, f"code « {raw} » lu comme « 0{upper} »"
    if upper in ("69D", "69M"):
        return "69", f"« {raw} » (Rhône / Métropole de Lyon) compté comme le département 69"
    if upper == "20":
        return None, (
            "« 20 » est l'ancien code de la Corse : indiquez « 2A » (Corse-du-Sud) ou "
            "« 2B » (Haute-Corse), ou la commune"
        )
    territory = collectivite_outre_mer(raw)
    if territory:
        return None, (
            f"{territory} est une collectivité d'outre-mer, "
            "pas un département : la carte couvre les 101 départements"
        )
    key = departement_key(raw)
    by_name = _departement_keys()
    if key in by_name:
        return by_name[key], ""
    for prefix in ("la ", "le ", "les ", "l "):
        if key.startswith(prefix) and key[len(prefix) :] in by_name:
            return by_name[key[len(prefix) :]], ""
    combined = _code_and_name(raw)
    if combined is not None:
        (code, _), (named, _) = (normalize_departement(part) for part in combined)
        if code is not None and code == named:
            return code, f"« {raw} » lu comme « {code} »"
        if code is not None and named is not None:
            return None, (
                f"« {raw} » : le code {code} et le nom désignent deux départements différents "
                f"({named} pour le nom) : gardez le bon"
            )
    return None, (
        "département inconnu : indiquez un code (« 01 », « 2A », « 974 ») ou un nom "
        "(« Creuse », « Côte-d'Or »)"
    )


_CODE = r"(?:\d{1,3}|2[ABab]|69[DMdm])"
_CODE_FIRST = re.compile(rf"^({_CODE})\s*(?:[-–—:/.]\s*|\s+)(\D.*)$")
_CODE_LAST = re.compile(rf"^(\D.*?)\s*(?:\(\s*({_CODE})\s*\)|[-–—:/]\s*({_CODE}))$")


def _code_and_name(raw: str) -> tuple[str, str] | None:
    """Split "13 - Bouches-du-Rhône", "Bouches-du-Rhône (13)" into (code, name)."""
    match = _CODE_FIRST.match(raw.strip())
    if match:
        return match.group(1), match.group(2)
    match = _CODE_LAST.match(raw.strip())
    if match:
        return match.group(2) or match.group(3), match.group(1)
    return None


#: Names of the collectivités d'outre-mer as people write them (``text_key``).
_COLLECTIVITE_KEYS = {
    **{text_key(name): code for code, name in COLLECTIVITES_OUTRE_MER.items()},
    "saint pierre et miquelon": "975",
    "st pierre et miquelon": "975",
    "saint barthelemy": "977",
    "st barthelemy": "977",
    "saint martin": "978",
    "st martin": "978",
    "taaf": "984",
    "wallis et futuna": "986",
    "wallis": "986",
    "polynesie": "987",
    "polynesie francaise": "987",
    "tahiti": "987",
    "nouvelle caledonie": "988",
    "clipperton": "989",
}


def collectivite_outre_mer(value: str, column: str = "departement") -> str:
    """Return "975 (Saint-Pierre-et-Miquelon)" when ``value`` names a collectivité
    d'outre-mer, else "".

    ``column`` says what ``value`` is: a département (code or name), a commune's INSEE code
    (``code_commune``: "98735") or a postcode (``code_postal``: "98714").
    """
    raw = value.strip()
    if not raw:
        return ""
    if column in ("code_commune", "code_postal"):
        code = raw[:3]
        if re.fullmatch(r"\d{5}", raw) and code in COLLECTIVITES_OUTRE_MER:
            return f"{code} ({COLLECTIVITES_OUTRE_MER[code]})"
        return ""
    upper = raw.upper().replace(" ", "")
    code = upper if upper in COLLECTIVITES_OUTRE_MER else _COLLECTIVITE_KEYS.get(text_key(raw))
    return f"{code} ({COLLECTIVITES_OUTRE_MER[code]})" if code else ""

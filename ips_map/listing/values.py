"""What a listing's values mean, as people write them.

One reader per kind of value: types and statuses in their many spellings, numbers with
decimal commas, coordinates (Lambert-93 converted), postcodes and INSEE codes, départements
and lists of them, links. Each takes a cell's text and returns the value read with, when
the text was not read as written, a note in French for the user (``None`` otherwise).
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from ips_map.territory.names import collectivite_outre_mer, normalize_departement, text_key
from ips_map.vocabulary import SERVICE_TYPES, UNRECOGNISED_STATUS

#: Name of the example row of ``ips-map template``: a row with this name is never placed.
TEMPLATE_EXAMPLE_NAME = "EXEMPLE - service fictif (remplacez cette ligne)"

#: Spellings of the service types (compared with ``text_key``).
_TYPE_WORDS = {
    "ips": "ips",
    "individual placement and support": "ips",
    "emploi accompagne": "emploi_accompagne",
    "dea": "emploi_accompagne",
    "dispositif d emploi accompagne": "emploi_accompagne",
    "dispositif emploi accompagne": "emploi_accompagne",
    "job coaching": "emploi_accompagne",
    "autre": "autre",
}
#: Spellings of the service statuses (compared with ``text_key``).
_STATUS_WORDS = {
    "actif": "actif",
    "active": "actif",
    "en activite": "actif",
    "ouvert": "actif",
    "en fonctionnement": "actif",
    "en service": "actif",
    # A pilot or an experiment runs.
    "pilote": "actif",
    "site pilote": "actif",
    "service pilote": "actif",
    "projet pilote": "actif",
    "experimentation": "actif",
    "en experimentation": "actif",
    "experimental": "actif",
    # Every wording for a service that does not run yet.
    "en projet": "en_projet",
    "projet": "en_projet",
    "prevu": "en_projet",
    "prevue": "en_projet",
    "en creation": "en_projet",
    "en cours de creation": "en_projet",
    "a venir": "en_projet",
    "a l etude": "en_projet",
    "a letude": "en_projet",
    "etude": "en_projet",
    "en etude": "en_projet",
    "en cours d etude": "en_projet",
    "appel a projets": "en_projet",
    "appel a projet": "en_projet",
    "aap": "en_projet",
    "en preparation": "en_projet",
    "en construction": "en_projet",
    "ouverture prevue": "en_projet",
    "a ouvrir": "en_projet",
    "ferme": "ferme",
    "fermee": "ferme",
    "arrete": "ferme",
    "clos": "ferme",
    "inactif": "ferme",
}
#: First words that decide a statut written as a phrase ("Actif depuis 2021").
_STATUS_PREFIXES = (
    ("actif", "actif"),
    ("active", "actif"),
    ("ouvert", "actif"),
    ("en fonctionnement", "actif"),
    ("pilote", "actif"),
    ("experimentation", "actif"),
    ("en experimentation", "actif"),
    ("en projet", "en_projet"),
    ("projet", "en_projet"),
    ("prevu", "en_projet"),
    ("prevue", "en_projet"),
    ("ouverture prevue", "en_projet"),
    ("ouverture en", "en_projet"),
    ("a l etude", "en_projet"),
    ("en etude", "en_projet"),
    ("en cours d etude", "en_projet"),
    ("appel a projets", "en_projet"),
    ("appel a projet", "en_projet"),
    ("aap", "en_projet"),
    ("en preparation", "en_projet"),
    ("en construction", "en_projet"),
    ("en cours de creation", "en_projet"),
    ("en creation", "en_projet"),
    ("a venir", "en_projet"),
    ("ferme", "ferme"),
    ("fermee", "ferme"),
    ("clos", "ferme"),
    ("arrete", "ferme"),
    ("inactif", "ferme"),
)

_SPLIT_LIST = re.compile(r"[;,/]")
#: Most words in a département's name ("Alpes de Haute Provence" written with spaces).
_MAX_NAME_WORDS = 5
#: Lambert-93 (EPSG:2154) bounds of metropolitan France: X/Y columns often hold these.
_LAMBERT93 = ((100_000, 1_300_000), (6_000_000, 7_200_000))
_NAN = float("nan")


def _words(raw: str) -> str:
    """Return a cell's text as the words it is compared by (no case, accents, punctuation)."""
    return text_key(raw).replace("_", " ")


def is_template_example(name: str) -> bool:
    """Return True for the name of the example row of ``ips-map template``."""
    return text_key(name) == text_key(TEMPLATE_EXAMPLE_NAME)


# --- type and statut ----------------------------------------------------------------------


def read_type(raw: str) -> tuple[str, str | None]:
    """Return the service type a cell names ("ips" when empty, "autre" when unknown)."""
    if not raw:
        return "ips", None
    value, exact = _type_of(raw)
    if value is None:
        return "autre", (
            f"type inconnu, compté comme « autre » (valeurs : {', '.join(SERVICE_TYPES)})"
        )
    return value, None if exact else f"lu comme « {value} »"


#: What a warning about a statut it cannot read lists as the words it accepts.
ACCEPTED_STATUS_WORDS = (
    "« Actif » (ou « pilote », « expérimentation »), « En projet » (ou « à l'étude », "
    "« en cours de création », « ouverture prévue en 2026 », « appel à projets », « prévu »), "
    "« Fermé »"
)


def read_status(raw: str) -> tuple[str, str | None]:
    """Return the statut a cell names ("actif" when empty) and a note when it was not
    read as written.

    A statut it cannot read is :data:`~ips_map.vocabulary.UNRECOGNISED_STATUS`: the row is
    kept (drawn and listed with its statut as written, not counted for coverage).
    """
    if not raw:
        return "actif", None
    value, exact = _status_of(raw)
    if value is None:
        return UNRECOGNISED_STATUS, (
            "statut non reconnu : service dessiné et listé avec ce statut, sans être compté "
            f"pour la couverture ; statuts acceptés : {ACCEPTED_STATUS_WORDS}"
        )
    return value, None if exact else f"lu comme « {value} »"


def _type_of(raw: str) -> tuple[str | None, bool]:
    """Return (type, exact): a known spelling, or a phrase that names one."""
    key = _words(raw)
    exact = _TYPE_WORDS.get(key)
    if exact is not None:
        return exact, True
    words = key.split()
    if "ips" in words or "individual placement" in key:
        return "ips", False
    if "emploi accompagne" in key or "job coach" in key or "dea" in words:
        return "emploi_accompagne", False
    return None, False


def _status_of(raw: str) -> tuple[str | None, bool]:
    """Return (statut, exact): a known spelling, or a phrase that starts with one."""
    key = _words(raw)
    exact = _STATUS_WORDS.get(key)
    if exact is not None:
        return exact, True
    for prefix, statut in _STATUS_PREFIXES:
        if key == prefix or key.startswith(prefix + " "):
            return statut, False
    return None, False


# --- numbers and coordinates --------------------------------------------------------------


def parse_number(raw: str) -> float | None:
    """Return the number a cell holds ("1 200", "45,76", "12°"), or None (NaN and infinity
    included)."""
    value = raw.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    value = value.rstrip("°")
    if not value:
        return None
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def read_capacity(raw: str) -> tuple[float, str | None]:
    """Return a capacity (a number of places; NaN when empty or unreadable)."""
    if not raw:
        return _NAN, None
    capacity = parse_number(raw)
    if capacity is None or capacity < 0:
        return _NAN, "capacité illisible : ignorée (nombre de places attendu)"
    return capacity, None


class Coordinates(NamedTuple):
    """Latitude and longitude in degrees WGS84 (NaN when unusable), and the note about
    ``column`` ("latitude" or "longitude") when they were not read as written."""

    lat: float
    lon: float
    column: str = ""
    note: str | None = None


def read_coordinates(latitude: str, longitude: str) -> Coordinates:
    """Return the coordinates of two cells: decimal commas read, Lambert-93 X/Y converted,
    out-of-range values ignored."""
    if not (latitude or longitude):
        return Coordinates(_NAN, _NAN)
    lat, lon = parse_number(latitude), parse_number(longitude)
    if lat is None or lon is None:
        return Coordinates(
            _NAN,
            _NAN,
            "latitude" if lat is None else "longitude",
            "coordonnées incomplètes ou illisibles : ignorées (nombres décimaux "
            "attendus, par exemple 45,76 et 4,83)",
        )
    (xmin, xmax), (ymin, ymax) = _LAMBERT93
    if xmin <= lon <= xmax and ymin <= lat <= ymax:
        x, y = lon, lat
        lon, lat = _lambert93_to_wgs84().transform(x, y)
        return Coordinates(
            lat,
            lon,
            "latitude",
            f"coordonnées en Lambert-93 (X {x:.0f}, Y {y:.0f}) converties en degrés WGS84 "
            f"({lat:.5f}, {lon:.5f})",
        )
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return Coordinates(
            _NAN, _NAN, "latitude", f"coordonnées hors limites ({lat}, {lon}) : ignorées"
        )
    return Coordinates(lat, lon)


@functools.cache
def _lambert93_to_wgs84():
    """The Lambert-93 → WGS84 transformer, built once: building one takes about a
    millisecond, more than a thousand conversions."""
    # pyproj is imported only for a listing in Lambert-93: it is slow to import.
    from pyproj import Transformer

    return Transformer.from_crs(2154, 4326, always_xy=True)


# --- codes and communes -------------------------------------------------------------------


def read_postcode(raw: str) -> tuple[str, str | None]:
    """Return a postcode of 5 digits ("" when empty or unreadable): spaces and « CEDEX »
    dropped, a zero added to 4 digits (a number lost it)."""
    if not raw:
        return "", None
    postcode = re.sub(r"(?i)\s*cedex.*$", "", raw).replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"\d{4}", postcode):
        return "0" + postcode, f"code postal à 4 chiffres lu comme « 0{postcode} »"
    if not re.fullmatch(r"\d{5}", postcode):
        return "", "code postal illisible (5 chiffres attendus) : ignoré"
    return postcode, None


def read_insee_code(raw: str) -> tuple[str, str | None]:
    """Return an INSEE commune code ("01001", "2A004"; "" when empty or unreadable)."""
    code = raw.upper().replace(" ", "")
    if not code:
        return code, None
    if re.fullmatch(r"\d{4}", code):
        return "0" + code, f"code INSEE à 4 chiffres lu comme « 0{code} »"
    if not re.fullmatch(r"(\d{5}|2[AB]\d{3})", code):
        return "", "code INSEE illisible (5 caractères, ex. « 01001 », « 2A004 ») : ignoré"
    return code, None


def read_commune(raw: str) -> tuple[str, str | None]:
    """Return a commune's name without the « CEDEX » of a postal address."""
    cleaned = re.sub(r"(?i)\s+cedex(\s+\d+)?\s*$", "", raw).strip()
    if cleaned == raw:
        return raw, None
    return cleaned, f"« CEDEX » retiré : commune lue « {cleaned} »"


def overseas_refusal(value: str, column: str) -> str | None:
    """Return why a code or name of a collectivité d'outre-mer is refused, else None.

    ``column`` says what ``value`` is: "departement", "code_commune" or "code_postal".
    """
    territory = collectivite_outre_mer(value, column)
    if not territory:
        return None
    return (
        f"{territory} est une collectivité d'outre-mer, pas un département : la carte "
        "couvre les 101 départements (métropole, Guadeloupe, Martinique, Guyane, "
        "La Réunion, Mayotte) ; retirez cette ligne de la liste"
    )


# --- départements -------------------------------------------------------------------------


def read_departement(raw: str) -> tuple[str, tuple[str, ...], str | None]:
    """Return (code, possible codes, note) of a département written as a code or a name.

    The possible codes are the code alone, or "2A" and "2B" for the old Corsican "20"
    (whose code is then ""); an unreadable département has none.
    """
    if not raw:
        return "", (), None
    code, note = normalize_departement(raw)
    if raw.strip().upper().replace(" ", "") == "20":
        # Placement says once what it was read as (or why it could not be).
        return "", ("2A", "2B"), None
    if code is None:
        return "", (), f"{note} : ignoré"
    return code, (code,), note or None


def read_departements_list(raw: str) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """Return the codes of a list of départements, and each unreadable part with its note."""
    codes, bad = parse_departements_list(raw)
    return tuple(codes), [(part, f"{normalize_departement(part)[1]} : ignoré") for part in bad]


def parse_departements_list(raw: str) -> tuple[list[str], list[str]]:
    """Split a list of départements ("13; 83 et 84") into codes and unreadable parts.

    Items are separated by ``;`` ``,`` ``/``, spaces or the word "et"; a name written in
    several words ("Loir-et-Cher", "Côte d'Or", "Seine Saint Denis") is read whole, the
    longest name first, so that it is not cut into other départements ("Cher").
    """
    codes: list[str] = []
    bad: list[str] = []
    for chunk in _SPLIT_LIST.split(raw):
        words = chunk.split()
        i = 0
        while i < len(words):
            if words[i].lower() == "et" or not text_key(words[i]):
                i += 1
                continue
            code, size = _departement_at(words, i)
            if code is None:
                bad.append(words[i])
            elif code not in codes:
                codes.append(code)
            i += size
    return codes, bad


def _departement_at(words: list[str], start: int) -> tuple[str | None, int]:
    """Return the département named by the words from ``start`` (the longest name first)
    and how many words it takes; (None, 1) when none is."""
    for size in range(min(_MAX_NAME_WORDS, len(words) - start), 0, -1):
        group = words[start : start + size]
        # Several words make a name, never a code: "1 3" is 01 and 03, not 13.
        if size > 1 and any(w.isdigit() for w in group):
            continue
        code, _ = normalize_departement(" ".join(group))
        if code is not None:
            return code, size
    return None, 1


# --- links --------------------------------------------------------------------------------


def read_website(raw: str) -> tuple[str, str | None]:
    """Return a web address to publish: http(s) only, « https:// » added to « www. »."""
    if not raw or re.match(r"(?i)^https?://", raw):
        return raw, None
    if re.match(r"(?i)^www\.", raw):
        return "https://" + raw, f"adresse sans « https:// » : complétée en « https://{raw} »"
    return "", "lien ignoré : seules les adresses http(s) sont publiées"

"""Read a listing of services: a CSV file as French spreadsheets export it.

What is accepted (documented in the README):

- encodings UTF-8 (with or without BOM) and Windows-1252;
- delimiters ``,`` ``;`` and tab, detected from the header line;
- header names in any case, with or without accents, spaces or punctuation, and the
  synonyms of :data:`COLUMNS`;
- decimal commas in coordinates and capacities.

Every problem is collected as a :class:`~ips_map.report.Problem` with its line, column and
value; a row is rejected only when it cannot be used at all.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .errors import ListingError
from .report import ERREUR, Problem
from .territory import normalize_departement, text_key

#: Canonical columns and the header names accepted for each (compared with ``text_key``).
COLUMNS: dict[str, tuple[str, ...]] = {
    "nom": ("nom", "name", "nom du service", "nom du dispositif", "dispositif", "service"),
    "structure": (
        "structure",
        "structure porteuse",
        "porteur",
        "organisme",
        "organisme gestionnaire",
        "gestionnaire",
        "etablissement",
    ),
    "type": ("type", "type de service", "type de dispositif", "modele"),
    "statut": ("statut", "status", "etat"),
    "adresse": ("adresse", "address", "adresse postale", "rue", "voie"),
    "code_postal": ("code postal", "cp", "postcode", "code postal du siege"),
    "commune": ("commune", "ville", "city", "localite"),
    "code_commune": (
        "code commune",
        "code insee",
        "code commune insee",
        "insee",
        "code insee commune",
        "citycode",
        "cog",
    ),
    "departement": (
        "departement",
        "dept",
        "dep",
        "dpt",
        "code departement",
        "departement du siege",
    ),
    "latitude": ("latitude", "lat", "y"),
    "longitude": ("longitude", "lon", "lng", "long", "x"),
    "departements_desservis": (
        "departements desservis",
        "depts desservis",
        "desserte",
        "territoire desservi",
        "zone desservie",
        "zone d intervention",
    ),
    "capacite": ("capacite", "places", "nombre de places", "capacity", "file active"),
    "site_web": ("site web", "site", "site internet", "url", "web", "website"),
    "telephone": ("telephone", "tel", "phone", "numero de telephone"),
    "source": ("source", "source url", "url source", "lien source", "reference"),
}

TYPES = ("ips", "emploi_accompagne", "autre")
STATUTS = ("actif", "en_projet", "ferme")

_TYPE_WORDS = {
    "ips": "ips",
    "individual placement and support": "ips",
    "emploi accompagne": "emploi_accompagne",
    "dea": "emploi_accompagne",
    "dispositif d emploi accompagne": "emploi_accompagne",
    "job coaching": "emploi_accompagne",
    "autre": "autre",
}
_STATUT_WORDS = {
    "actif": "actif",
    "active": "actif",
    "en activite": "actif",
    "ouvert": "actif",
    "en fonctionnement": "actif",
    "en projet": "en_projet",
    "projet": "en_projet",
    "prevu": "en_projet",
    "en creation": "en_projet",
    "en cours de creation": "en_projet",
    "ferme": "ferme",
    "fermee": "ferme",
    "arrete": "ferme",
    "clos": "ferme",
}

_HEADER_INDEX = {
    text_key(name): canonical for canonical, names in COLUMNS.items() for name in names
}
_SPLIT_LIST = re.compile(r"[;,/]")
#: Most words in a département's name ("Alpes de Haute Provence" written with spaces).
_MAX_NAME_WORDS = 5


@dataclass
class Listing:
    """A listing read and normalised.

    ``rows`` has one row per usable line: the canonical columns (strings, "" when absent),
    ``ligne`` (line number in the file), ``lat``/``lon`` (float or NaN), ``capacite_n``
    (float or NaN), ``desservis`` (tuple of département codes) and ``departement_code``.
    """

    path: Path
    name: str
    date: str
    encoding: str
    delimiter: str
    rows: pd.DataFrame
    rejects: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    is_example: bool = False


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ListingError(
                f"{path}: le fichier s'annonce en UTF-8 (BOM) mais contient un octet invalide "
                f"(octet {exc.start + 3}). Enregistrez-le de nouveau en « CSV UTF-8 »."
            ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ListingError(
            f"{path}: encodage illisible (ni UTF-8 ni Windows-1252, octet {exc.start}). "
            "Enregistrez le fichier en « CSV UTF-8 » depuis votre tableur."
        ) from exc


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _parse_number(raw: str) -> float | None:
    value = raw.strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _normalize_choice(raw: str, words: dict[str, str]) -> str | None:
    return words.get(text_key(raw).replace("_", " "))


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
            if words[i].lower() == "et":
                i += 1
                continue
            code, size = None, 1
            for size in range(min(_MAX_NAME_WORDS, len(words) - i), 0, -1):
                group = words[i : i + size]
                # Several words make a name, never a code: "1 3" is 01 and 03, not 13.
                if size > 1 and any(w.isdigit() for w in group):
                    continue
                code, _ = normalize_departement(" ".join(group))
                if code is not None:
                    break
            if code is None:
                bad.append(words[i])
                size = 1
            elif code not in codes:
                codes.append(code)
            i += size
    return codes, bad


def read_listing(path: Path | str, *, is_example: bool = False) -> Listing:
    """Read a CSV listing of services and normalise each row.

    Parameters
    ----------
    path
        CSV file (UTF-8 or Windows-1252, ``,`` ``;`` or tab delimited).
    is_example
        Mark the listing as the embedded example (the map then says so).

    Raises
    ------
    ListingError
        When the file cannot be read, has no ``nom`` column or no usable row.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListingError(f"{path}: lecture impossible ({exc.strerror}).") from exc
    text, encoding = _decode(data, path)
    if not text.strip():
        raise ListingError(f"{path}: le fichier est vide. Il faut au moins une colonne « nom ».")
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    problems: list[Problem] = []

    mapping: dict[int, str] = {}
    unknown: list[str] = []
    for index, name in enumerate(header):
        canonical = _HEADER_INDEX.get(text_key(name).replace("_", " "))
        if canonical is None:
            canonical = _HEADER_INDEX.get(text_key(name.replace("_", " ")))
        if canonical is None:
            if name.strip():
                unknown.append(name.strip())
            continue
        if canonical in mapping.values():
            problems.append(
                Problem(1, name, "", f"deuxième colonne pour « {canonical} » : ignorée")
            )
            continue
        mapping[index] = canonical
    if "nom" not in mapping.values():
        raise ListingError(
            f"{path}: aucune colonne « nom » dans l'en-tête (colonnes lues : "
            f"{', '.join(h for h in header if h.strip()) or 'aucune'}). Ajoutez une colonne "
            "« nom » avec le nom de chaque service ; voir le README pour les colonnes acceptées."
        )
    for name in unknown:
        problems.append(
            Problem(1, name, "", "colonne non reconnue : conservée dans services.csv, non utilisée")
        )
    header_of = {canonical: header[index].strip() for index, canonical in mapping.items()}

    records: list[dict] = []
    rejects: list[dict] = []
    rows_read = 0
    line = reader.line_num
    for raw in reader:
        start = line + 1
        line = reader.line_num
        if not any(cell.strip() for cell in raw):
            continue
        rows_read += 1
        record = {column: "" for column in COLUMNS}
        for index, cell in enumerate(raw):
            if index in mapping:
                record[mapping[index]] = cell.strip()
        record["extra"] = {
            header[i].strip(): raw[i].strip()
            for i in range(min(len(header), len(raw)))
            if i not in mapping and header[i].strip()
        }
        if len(raw) > len(header) and any(cell.strip() for cell in raw[len(header) :]):
            problems.append(
                Problem(
                    start,
                    "",
                    delimiter.join(raw[len(header) :]),
                    f"{len(raw)} valeurs pour {len(header)} colonnes : valeurs en trop ignorées "
                    "(un séparateur dans une valeur doit être entre guillemets)",
                )
            )
        record["ligne"] = start
        row_problems, fatal = _normalize_row(record, header_of)
        problems.extend(row_problems)
        if fatal:
            rejects.append(
                {"ligne": start, "nom": record["nom"], "raison": "; ".join(str(p) for p in fatal)}
            )
            continue
        records.append(record)

    if not records:
        detail = f" ({len(rejects)} ligne(s) rejetée(s), voir rejects.csv)" if rejects else ""
        raise ListingError(f"{path}: aucune ligne utilisable{detail}.")

    stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).date().isoformat()
    return Listing(
        path=path,
        name=path.name,
        date=stamp,
        encoding=encoding,
        delimiter=delimiter,
        rows=pd.DataFrame.from_records(records),
        rejects=rejects,
        problems=problems,
        rows_read=rows_read,
        unknown_columns=unknown,
        is_example=is_example,
    )


def _normalize_row(record: dict, header_of: dict[str, str]) -> tuple[list[Problem], list[Problem]]:
    """Normalise one row in place; return (warnings, fatal problems)."""
    line = record["ligne"]
    warnings: list[Problem] = []
    fatal: list[Problem] = []

    def warn(column: str, message: str) -> None:
        warnings.append(Problem(line, header_of.get(column, column), record[column], message))

    def fail(column: str, message: str) -> None:
        fatal.append(Problem(line, header_of.get(column, column), record[column], message, ERREUR))

    if not record["nom"]:
        fail("nom", "nom manquant : chaque service doit avoir un nom")

    if record["type"]:
        value = _normalize_choice(record["type"], _TYPE_WORDS)
        if value is None:
            warn("type", f"type inconnu, compté comme « autre » (valeurs : {', '.join(TYPES)})")
            value = "autre"
        record["type"] = value
    else:
        record["type"] = "ips"

    if record["statut"]:
        value = _normalize_choice(record["statut"], _STATUT_WORDS)
        if value is None:
            fail("statut", f"statut inconnu : indiquez {', '.join(STATUTS)}")
        else:
            record["statut"] = value
    else:
        record["statut"] = "actif"

    record["lat"] = record["lon"] = float("nan")
    if record["latitude"] or record["longitude"]:
        lat = _parse_number(record["latitude"])
        lon = _parse_number(record["longitude"])
        if lat is None or lon is None:
            column = "latitude" if lat is None else "longitude"
            warn(
                column,
                "coordonnées incomplètes ou illisibles : ignorées (nombres décimaux "
                "attendus, par exemple 45,76 et 4,83)",
            )
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
            warn("latitude", f"coordonnées hors limites ({lat}, {lon}) : ignorées")
        else:
            record["lat"], record["lon"] = lat, lon

    record["capacite_n"] = float("nan")
    if record["capacite"]:
        capacity = _parse_number(record["capacite"])
        if capacity is None or capacity < 0:
            warn("capacite", "capacité illisible : ignorée (nombre de places attendu)")
        else:
            record["capacite_n"] = capacity

    postcode = re.sub(r"(?i)\s*cedex.*$", "", record["code_postal"]).replace(" ", "")
    if record["code_postal"]:
        if re.fullmatch(r"\d{4}", postcode):
            warn("code_postal", f"code postal à 4 chiffres lu comme « 0{postcode} »")
            postcode = "0" + postcode
        elif not re.fullmatch(r"\d{5}", postcode):
            warn("code_postal", "code postal illisible (5 chiffres attendus) : ignoré")
            postcode = ""
    record["code_postal_n"] = postcode

    code = record["code_commune"].upper().replace(" ", "")
    if code:
        if re.fullmatch(r"\d{4}", code):
            warn("code_commune", f"code INSEE à 4 chiffres lu comme « 0{code} »")
            code = "0" + code
        elif not re.fullmatch(r"(\d{5}|2[AB]\d{3})", code):
            warn(
                "code_commune",
                "code INSEE illisible (5 caractères, ex. « 01001 », « 2A004 ») : ignoré",
            )
            code = ""
    record["code_commune_n"] = code

    record["departement_code"] = ""
    if record["departement"]:
        dep, note = normalize_departement(record["departement"])
        if dep is None:
            warn("departement", f"{note} : ignoré")
        else:
            record["departement_code"] = dep
            if note:
                warn("departement", note)

    record["desservis"] = ()
    if record["departements_desservis"]:
        codes, bad = parse_departements_list(record["departements_desservis"])
        for part in bad:
            _, note = normalize_departement(part)
            warnings.append(
                Problem(
                    line,
                    header_of.get("departements_desservis", "departements_desservis"),
                    part,
                    f"{note} : ignoré",
                )
            )
        record["desservis"] = tuple(codes)

    if record["site_web"] and not re.match(r"(?i)^https?://", record["site_web"]):
        if re.match(r"(?i)^www\.", record["site_web"]):
            record["site_web"] = "https://" + record["site_web"]
            warn("site_web", "adresse sans « https:// » : complétée")
        else:
            warn("site_web", "lien ignoré : seules les adresses http(s) sont publiées")
            record["site_web"] = ""
    return warnings, fatal

"""Read a listing of services, whatever the spreadsheet or file it comes in.

What is accepted (documented in the README):

- CSV as spreadsheets export it: UTF-8 (with or without BOM), UTF-16 with a BOM or
  Windows-1252, delimiters ``,`` ``;`` or tab detected from the header (delimiters inside
  quotes not counted), the header found among the first rows (a title above it is
  skipped); a quote never closed is reported and ignored rather than swallowing the rows
  below it;
- Excel (XLSX, XLSM, XLS) and OpenDocument (ODS) workbooks: the first sheet with a ``nom``
  column, its header found among the first rows (a title above it is skipped);
- GeoJSON points: properties are the columns (a list value reads "a; b"), the geometry
  gives the coordinates;
- a workbook saved under another extension (``.csv``) is told by its first bytes;
- an http(s) URL of any of these (a published Google Sheets or framacalc CSV export),
  downloaded into a disk cache (:mod:`ips_map.listing.source`);
- header names in any case, with or without accents, spaces or punctuation, and the
  synonyms of :data:`COLUMNS`; values as people write them (see :func:`_normalize_row`).

Every problem is collected as a :class:`~ips_map.errors.Problem` with its line, column and
value; a row is rejected only when it cannot be used at all. Line numbers are those a user
sees: the line of a CSV file, the row of a spreadsheet, the index of a GeoJSON feature.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ips_map.errors import ERREUR, ListingError, Problem
from ips_map.listing.formats import FORMAT_NAMES, RawTable, detect_format, read_table
from ips_map.listing.source import ListingSource, open_source
from ips_map.sources.http import HttpSettings
from ips_map.territory.names import collectivite_outre_mer, normalize_departement, text_key
from ips_map.vocabulary import SERVICE_STATUSES, SERVICE_TYPES

#: Canonical columns and the header names accepted for each (compared with ``text_key``).
COLUMNS: dict[str, tuple[str, ...]] = {
    "nom": (
        "nom",
        "name",
        "nom du service",
        "nom du dispositif",
        "dispositif",
        "service",
        "intitule",
        "libelle",
        "nom de la structure ips",
    ),
    "structure": (
        "structure",
        "structure porteuse",
        "porteur",
        "porteur du projet",
        "organisme",
        "organisme porteur",
        "organisme gestionnaire",
        "gestionnaire",
        "etablissement",
        "etablissement porteur",
        "operateur",
    ),
    "type": ("type", "type de service", "type de dispositif", "modele", "categorie"),
    "statut": ("statut", "status", "etat", "etat d avancement", "statut du service"),
    "adresse": ("adresse", "address", "adresse postale", "rue", "voie", "adresse du service"),
    "code_postal": ("code postal", "cp", "postcode", "code postal du siege", "zip"),
    "commune": (
        "commune",
        "ville",
        "city",
        "localite",
        "commune d implantation",
        "ville du siege",
        "nom de la commune",
    ),
    "code_commune": (
        "code commune",
        "code insee",
        "code commune insee",
        "insee",
        "code insee commune",
        "code insee de la commune",
        "citycode",
        "cog",
        "depcom",
        "codgeo",
    ),
    "departement": (
        "departement",
        "dept",
        "dep",
        "dpt",
        "code departement",
        "departement du siege",
        "num departement",
        "n departement",
        "numero de departement",
        "departement d implantation",
    ),
    "latitude": ("latitude", "lat", "y", "latitude wgs84"),
    "longitude": ("longitude", "lon", "lng", "long", "x", "longitude wgs84"),
    "departements_desservis": (
        "departements desservis",
        "departement desservi",
        "depts desservis",
        "dpts desservis",
        "desserte",
        "territoire desservi",
        "territoires desservis",
        "zone desservie",
        "zone d intervention",
        "departements d intervention",
        "territoire d intervention",
    ),
    "capacite": (
        "capacite",
        "capacite d accueil",
        "places",
        "nombre de places",
        "nb places",
        "capacity",
        "file active",
    ),
    "site_web": ("site web", "site", "site internet", "url", "web", "website", "lien"),
    "telephone": ("telephone", "tel", "phone", "numero de telephone", "contact telephone"),
    "source": ("source", "source url", "url source", "lien source", "reference", "sources"),
}

#: Name of the example row of ``ips-map template``: a row with this name is never placed.
TEMPLATE_EXAMPLE_NAME = "EXEMPLE - service fictif (remplacez cette ligne)"

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
_STATUT_WORDS = {
    "actif": "actif",
    "active": "actif",
    "en activite": "actif",
    "ouvert": "actif",
    "en fonctionnement": "actif",
    "en service": "actif",
    "en projet": "en_projet",
    "projet": "en_projet",
    "prevu": "en_projet",
    "en creation": "en_projet",
    "en cours de creation": "en_projet",
    "a venir": "en_projet",
    "ferme": "ferme",
    "fermee": "ferme",
    "arrete": "ferme",
    "clos": "ferme",
    "inactif": "ferme",
}
#: First words that decide a statut written as a phrase ("Actif depuis 2021").
_STATUT_PREFIXES = (
    ("actif", "actif"),
    ("active", "actif"),
    ("ouvert", "actif"),
    ("en fonctionnement", "actif"),
    ("en projet", "en_projet"),
    ("projet", "en_projet"),
    ("prevu", "en_projet"),
    ("ouverture prevue", "en_projet"),
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

_HEADER_INDEX = {
    text_key(name): canonical for canonical, names in COLUMNS.items() for name in names
}
_SPLIT_LIST = re.compile(r"[;,/]")
#: Most words in a département's name ("Alpes de Haute Provence" written with spaces).
_MAX_NAME_WORDS = 5
#: Lambert-93 (EPSG:2154) bounds of metropolitan France: X/Y columns often hold these.
_LAMBERT93 = ((100_000, 1_300_000), (6_000_000, 7_200_000))


@dataclass
class Listing:
    """A listing read and normalised.

    ``rows`` has one row per usable line: the canonical columns (strings, "" when absent),
    ``ligne`` (line, spreadsheet row or GeoJSON feature index: see ``unit``), ``lat``/``lon``
    (float or NaN), ``capacite_n`` (float or NaN), ``desservis`` (tuple of département
    codes), ``departement_code`` and ``departements_possibles`` (the codes the stated
    département may be: one, or "2A" and "2B" for the old Corsican "20").

    ``rejects`` are the rows not used and why, ``duplicates`` the exact copies of an earlier
    row (counted once); both are dicts ``ligne, nom, colonne, valeur, raison``.
    ``columns_as_written`` maps canonical columns to the file's header, for reports.
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
    format: str = "csv"
    sheet: str = ""
    unit: str = "ligne"
    url: str = ""
    fetched: str = ""
    from_cache: bool = False
    duplicates: list[dict] = field(default_factory=list)
    columns_as_written: dict[str, str] = field(default_factory=dict)


def _parse_number(raw: str) -> float | None:
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


def _normalize_choice(raw: str, words: dict[str, str]) -> str | None:
    return words.get(text_key(raw).replace("_", " "))


def _read_type(raw: str) -> tuple[str | None, bool]:
    """Return (type, exact): a known spelling, or a phrase that names one."""
    exact = _normalize_choice(raw, _TYPE_WORDS)
    if exact is not None:
        return exact, True
    key = text_key(raw).replace("_", " ")
    words = key.split()
    if "ips" in words or "individual placement" in key:
        return "ips", False
    if "emploi accompagne" in key or "job coach" in key or "dea" in words:
        return "emploi_accompagne", False
    return None, False


def _read_statut(raw: str) -> tuple[str | None, bool]:
    """Return (statut, exact): a known spelling, or a phrase that starts with one."""
    exact = _normalize_choice(raw, _STATUT_WORDS)
    if exact is not None:
        return exact, True
    key = text_key(raw).replace("_", " ")
    for prefix, statut in _STATUT_PREFIXES:
        if key == prefix or key.startswith(prefix + " "):
            return statut, False
    return None, False


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


def read_listing(
    source: Path | str,
    *,
    is_example: bool = False,
    cache_dir: Path | None = None,
    http: HttpSettings | None = None,
    allow_empty: bool = False,
) -> Listing:
    """Read a listing of services and normalise each row.

    Parameters
    ----------
    source
        A file (CSV, XLSX/XLSM/XLS, ODS or GeoJSON; the format is told by the extension,
        else by the content) or an http(s) URL of one.
    is_example
        Mark the listing as the embedded example (the map then says so).
    cache_dir
        Download cache for a URL (default :func:`ips_map.settings.default_cache_dir`).
    http
        Timeout and retries for a URL.
    allow_empty
        Return a listing without rows instead of raising when no row is usable (to report
        every rejected row, as ``ips-map validate`` does).

    Raises
    ------
    ListingError
        When the file cannot be read, has no ``nom`` column or (unless ``allow_empty``) no
        usable row.
    """
    origin = open_source(source, cache_dir=cache_dir, http=http)
    path = origin.path
    label = origin.url or str(path)
    fmt = detect_format(path, origin.data, trust_extension=not origin.url, label=label)
    table = read_table(label, origin.data, fmt, _HEADER_INDEX)
    table.notes[:0] = origin.notes
    return _read_rows(table, origin, label, is_example=is_example, allow_empty=allow_empty)


def _map_header(table: RawTable, label: str) -> tuple[dict[int, str], list[str], list[Problem]]:
    problems: list[Problem] = []
    mapping: dict[int, str] = {}
    unknown: dict[int, str] = {}  # by column index: the file's order, whatever the spaces
    header = table.header
    order = sorted(range(len(header)), key=lambda i: (i not in table.forced, i))
    for index in order:
        name = header[index]
        canonical = table.forced.get(index)
        if canonical is None:
            canonical = _HEADER_INDEX.get(text_key(name).replace("_", " "))
        if canonical is None:
            canonical = _HEADER_INDEX.get(text_key(name.replace("_", " ")))
        if canonical is None:
            canonical = _HEADER_INDEX.get(_without_unit(name))
        if canonical is None:
            if name.strip():
                unknown[index] = name.strip()
            continue
        if canonical in mapping.values():
            problems.append(
                Problem(
                    table.header_line,
                    name,
                    "",
                    f"deuxième colonne pour « {canonical} » : ignorée",
                    unite=table.unit,
                )
            )
            continue
        mapping[index] = canonical
    unknown_names = [unknown[index] for index in sorted(unknown)]
    if "nom" not in mapping.values():
        where = f" (feuille « {table.sheet} », ligne {table.header_line})" if table.sheet else ""
        raise ListingError(
            f"{label}: aucune colonne « nom » dans l'en-tête{where} (colonnes lues : "
            f"{', '.join(h for h in header if h.strip()) or 'aucune'}). Ajoutez une colonne "
            "« nom » avec le nom de chaque service ; voir le README pour les colonnes acceptées."
        )
    for name in unknown_names:
        problems.append(
            Problem(
                table.header_line,
                name,
                "",
                "colonne non reconnue : conservée dans services.csv, non utilisée",
                unite=table.unit,
            )
        )
    return mapping, unknown_names, problems


def _without_unit(name: str) -> str:
    # "Capacité (places)", "Latitude (WGS84)", "Code postal *": the words in brackets or
    # after a star are a comment on the column, not its name.
    bare = re.sub(r"\(.*?\)|\[.*?\]|\*", " ", name)
    return text_key(bare.replace("_", " "))


def _read_rows(
    table: RawTable, origin: ListingSource, label: str, *, is_example: bool, allow_empty: bool
) -> Listing:
    unit = table.unit
    mapping, unknown, header_problems = _map_header(table, label)
    problems: list[Problem] = list(table.notes) + header_problems
    header = table.header
    header_of = {canonical: header[index].strip() for index, canonical in mapping.items()}

    records: list[dict] = []
    rejects: list[dict] = []
    duplicates: list[dict] = []
    seen: dict[tuple, int] = {}
    rows_read = 0
    for start, raw in table.rows:
        if not any(str(cell).strip() for cell in raw):
            continue
        rows_read += 1
        record = {column: "" for column in COLUMNS}
        for index, cell in enumerate(raw):
            if index in mapping:
                record[mapping[index]] = str(cell).strip()
        record["extra"] = {
            header[i].strip(): str(raw[i]).strip()
            for i in range(min(len(header), len(raw)))
            if i not in mapping and header[i].strip()
        }
        beyond = [
            str(cell).strip()
            for i, cell in enumerate(raw)
            if (i >= len(header) or not header[i].strip()) and str(cell).strip()
        ]
        if beyond:
            problems.append(
                Problem(
                    start,
                    "",
                    (table.delimiter or " | ").join(beyond),
                    f"{len(raw)} valeurs pour {len(header)} colonnes : valeurs en trop ignorées "
                    "(un séparateur dans une valeur doit être entre guillemets)"
                    if table.format == "csv" and len(raw) > len(header)
                    else "valeurs dans des colonnes sans en-tête : ignorées",
                    unite=unit,
                )
            )
        record["ligne"] = start
        key = tuple(str(cell).strip() for cell in raw[: len(header)]) + tuple(
            str(cell).strip() for cell in raw[len(header) :] if str(cell).strip()
        )
        if key in seen:
            message = (
                f"doublon exact de la {unit} {seen[key]} : compté une seule fois "
                "(supprimez l'une des deux)"
            )
            problems.append(Problem(start, "", record["nom"], message, unite=unit))
            duplicates.append(
                {
                    "ligne": start,
                    "nom": record["nom"],
                    "colonne": "",
                    "valeur": "",
                    "raison": f"{unit} {start} : {message}",
                }
            )
            continue
        seen[key] = start
        row_problems, fatal = _normalize_row(record, header_of, unit=unit)
        problems.extend(row_problems)
        if fatal:
            rejects.append(reject_record(record, fatal))
            continue
        records.append(record)

    if not records and not allow_empty:
        raise no_usable_row_error(label, rejects, unit)

    return Listing(
        path=origin.path,
        name=origin.name,
        date=origin.date,
        encoding=table.encoding,
        delimiter=table.delimiter,
        rows=pd.DataFrame.from_records(records),
        rejects=rejects,
        problems=problems,
        rows_read=rows_read,
        unknown_columns=unknown,
        is_example=is_example,
        format=table.format,
        sheet=table.sheet,
        unit=unit,
        url=origin.url,
        fetched=origin.fetched,
        from_cache=origin.from_cache,
        duplicates=duplicates,
        columns_as_written=header_of,
    )


#: Reasons quoted in the error raised when no row of a listing is usable.
QUOTED_REASONS = 5


def no_usable_row_error(label: str, rejects: list[dict], unit: str = "ligne") -> ListingError:
    """Return the error for a listing none of whose rows can be used.

    The build stops before writing ``rejects.csv``: the message itself quotes the first
    :data:`QUOTED_REASONS` reasons (line and reason), in line order.
    """
    if not rejects:
        return ListingError(
            f"{label}: aucune {unit} utilisable : la liste n'a aucun service sous son en-tête."
        )
    ordered = sorted(rejects, key=lambda r: r["ligne"])
    lines = [f"  - {r['raison']}" for r in ordered[:QUOTED_REASONS]]
    if len(ordered) > QUOTED_REASONS:
        lines.append(f"  … et {len(ordered) - QUOTED_REASONS} autre(s).")
    return ListingError(
        f"{label}: aucune {unit} utilisable ({len(ordered)} {unit}(s) rejetée(s)) :\n"
        + "\n".join(lines)
        + f"\nCorrigez la liste ; « ips-map validate --services {label} » détaille chaque "
        "problème."
    )


def reject_record(row: dict, fatal: list[Problem]) -> dict:
    """Return the ``rejects.csv`` record of a row rejected for the ``fatal`` problems."""
    first = fatal[0]
    return {
        "ligne": row["ligne"],
        "nom": row["nom"],
        "colonne": first.colonne,
        "valeur": first.valeur,
        "raison": "; ".join(str(p) for p in fatal),
    }


def describe_reject(reject: dict, unit: str = "ligne") -> str:
    """Return a reject record as one sentence: "Entité 9 rejetée : colonne « nom » : …".

    The record's reason starts with its place ("entité 9, colonne …"): said once, with the
    listing's unit (ligne, or entité for GeoJSON).
    """
    reason = str(reject["raison"]).removeprefix(f"{unit} {reject['ligne']}").lstrip(" ,:")
    return f"{unit.capitalize()} {reject['ligne']} rejetée : {reason}"


def describe_format(listing: Listing) -> str:
    """Return how the listing was read, in a few French words (for reports)."""
    name = FORMAT_NAMES.get(listing.format, listing.format)
    if listing.format == "csv":
        delimiter = {"\t": "tabulation"}.get(listing.delimiter, f"« {listing.delimiter} »")
        return f"{name}, {listing.encoding}, séparateur {delimiter}"
    if listing.sheet:
        return f"{name}, feuille « {listing.sheet} »"
    if listing.format == "geojson":
        return f"{name} (numéros = indice de l'entité dans « features », à partir de 0)"
    return name


def _normalize_row(
    record: dict, header_of: dict[str, str], unit: str = "ligne"
) -> tuple[list[Problem], list[Problem]]:
    """Normalise one row in place; return (warnings, fatal problems)."""
    line = record["ligne"]
    warnings: list[Problem] = []
    fatal: list[Problem] = []

    def warn(column: str, message: str, value: str | None = None) -> None:
        warnings.append(
            Problem(
                line,
                header_of.get(column, column),
                record[column] if value is None else value,
                message,
                unite=unit,
            )
        )

    def fail(column: str, message: str) -> None:
        fatal.append(
            Problem(line, header_of.get(column, column), record[column], message, ERREUR, unit)
        )

    if not record["nom"]:
        fail("nom", "nom manquant : chaque service doit avoir un nom")
    elif text_key(record["nom"]) == text_key(TEMPLATE_EXAMPLE_NAME):
        fail(
            "nom",
            "ligne d'exemple du modèle (ips-map template) : remplacez-la par un vrai service "
            "ou supprimez-la",
        )

    if record["type"]:
        value, exact = _read_type(record["type"])
        if value is None:
            warn(
                "type",
                f"type inconnu, compté comme « autre » (valeurs : {', '.join(SERVICE_TYPES)})",
            )
            value = "autre"
        elif not exact:
            warn("type", f"lu comme « {value} »")
        record["type"] = value
    else:
        record["type"] = "ips"

    if record["statut"]:
        value, exact = _read_statut(record["statut"])
        if value is None:
            fail(
                "statut",
                f"statut inconnu : indiquez {', '.join(SERVICE_STATUSES)} "
                "(ou « Actif », « En projet », « Fermé »)",
            )
        else:
            if not exact:
                warn("statut", f"lu comme « {value} »")
            record["statut"] = value
    else:
        record["statut"] = "actif"

    _normalize_coordinates(record, warn)

    record["capacite_n"] = float("nan")
    if record["capacite"]:
        capacity = _parse_number(record["capacite"])
        if capacity is None or capacity < 0:
            warn("capacite", "capacité illisible : ignorée (nombre de places attendu)")
        else:
            record["capacite_n"] = capacity

    postcode = re.sub(r"(?i)\s*cedex.*$", "", record["code_postal"]).replace(" ", "")
    postcode = postcode.replace("\u00a0", "")
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

    commune = record["commune"]
    cleaned = re.sub(r"(?i)\s+cedex(\s+\d+)?\s*$", "", commune).strip()
    if cleaned != commune:
        warn("commune", f"« CEDEX » retiré : commune lue « {cleaned} »")
        record["commune"] = cleaned

    for column, value in (
        ("departement", record["departement"]),
        ("code_commune", code),
        ("code_postal", postcode),
    ):
        territory = collectivite_outre_mer(value, column)
        if territory:
            fail(
                column,
                f"{territory} est une collectivité d'outre-mer, pas un département : la carte "
                "couvre les 101 départements (métropole, Guadeloupe, Martinique, Guyane, "
                "La Réunion, Mayotte) ; retirez cette ligne de la liste",
            )
            break

    record["departement_code"] = ""
    record["departements_possibles"] = ()
    if record["departement"] and not fatal:
        written = record["departement"].strip().upper().replace(" ", "")
        dep, note = normalize_departement(record["departement"])
        if written == "20":
            record["departements_possibles"] = ("2A", "2B")
            warn(
                "departement",
                "« 20 » est l'ancien code de la Corse : 2A ou 2B selon la commune ou les "
                "coordonnées",
            )
        elif dep is None:
            warn("departement", f"{note} : ignoré")
        else:
            record["departement_code"] = dep
            record["departements_possibles"] = (dep,)
            if note:
                warn("departement", note)

    record["desservis"] = ()
    if record["departements_desservis"]:
        codes, bad = parse_departements_list(record["departements_desservis"])
        for part in bad:
            _, note = normalize_departement(part)
            warn("departements_desservis", f"{note} : ignoré", value=part)
        record["desservis"] = tuple(codes)

    if record["site_web"] and not re.match(r"(?i)^https?://", record["site_web"]):
        if re.match(r"(?i)^www\.", record["site_web"]):
            record["site_web"] = "https://" + record["site_web"]
            warn("site_web", "adresse sans « https:// » : complétée")
        else:
            warn("site_web", "lien ignoré : seules les adresses http(s) sont publiées")
            record["site_web"] = ""
    return warnings, fatal


@functools.cache
def _lambert93_to_wgs84():
    """The Lambert-93 → WGS84 transformer, built once: building one takes about a
    millisecond, more than a thousand conversions."""
    from pyproj import Transformer

    return Transformer.from_crs(2154, 4326, always_xy=True)


def _normalize_coordinates(record: dict, warn) -> None:
    """Read latitude and longitude (decimal commas, Lambert-93 X/Y converted)."""
    record["lat"] = record["lon"] = float("nan")
    if not (record["latitude"] or record["longitude"]):
        return
    lat = _parse_number(record["latitude"])
    lon = _parse_number(record["longitude"])
    if lat is None or lon is None:
        column = "latitude" if lat is None else "longitude"
        warn(
            column,
            "coordonnées incomplètes ou illisibles : ignorées (nombres décimaux "
            "attendus, par exemple 45,76 et 4,83)",
        )
        return
    (xmin, xmax), (ymin, ymax) = _LAMBERT93
    if xmin <= lon <= xmax and ymin <= lat <= ymax:
        x, y = lon, lat
        lon, lat = _lambert93_to_wgs84().transform(x, y)
        warn(
            "latitude",
            f"coordonnées en Lambert-93 (X {x:.0f}, Y {y:.0f}) converties en degrés WGS84 "
            f"({lat:.5f}, {lon:.5f})",
        )
    elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
        warn("latitude", f"coordonnées hors limites ({lat}, {lon}) : ignorées")
        return
    record["lat"], record["lon"] = lat, lon

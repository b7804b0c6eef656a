"""A corpus of hostile but realistic listings, and where each row must end up.

One table of services (:data:`CASES`), each with the placement it must get, is written the
ways planners receive listings:

- ``ars-cp1252-pointvirgule.csv``: Windows-1252, ``;``, CRLF, French headers as typed in
  an ARS spreadsheet ("Nom du dispositif", "CP", "Dépt", "Lat", "Long"…);
- ``reseau-utf8bom-virgule.csv``: UTF-8 with BOM, ``,``, other synonyms ("Name",
  "Organisme", "Localité", "INSEE", "Lng", "Zone d'intervention"…);
- ``export-utf8-tabulation.tsv``: UTF-8, tab, upper-case snake_case headers;
- ``points.geojson``: GeoJSON points (coordinates in the geometry, the rest in properties);
- XLSX and ODS workbooks (a title row and a blank row above the header, numbers typed as
  numbers so "01000" arrives as 1000, a second sheet of notes): binary, so not committed,
  but written by :func:`write_xlsx` and :func:`write_ods` (the tests call them).

Run ``python tests/data/listings/make_corpus.py`` to rewrite the text files after changing
:data:`CASES`; a test checks that the committed files are what this script writes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent

#: Canonical columns of the corpus (plus one unknown column, "remarques").
FIELDS = [
    "nom",
    "structure",
    "type",
    "statut",
    "adresse",
    "code_postal",
    "commune",
    "code_commune",
    "departement",
    "latitude",
    "longitude",
    "departements_desservis",
    "capacite",
    "remarques",
]
#: Header styles: what each column is called in each file.
HEADERS = {
    "ars": [
        "Nom du dispositif",
        "Structure porteuse",
        "Type",
        "Statut",
        "Adresse",
        "CP",
        "Ville",
        "Code INSEE",
        "Dépt",
        "Lat",
        "Long",
        "Départements desservis",
        "Capacité",
        "Remarques",
    ],
    "reseau": [
        "Name",
        "Organisme gestionnaire",
        "Modèle",
        "État",
        "Adresse postale",
        "Code postal",
        "Localité",
        "INSEE",
        "Département",
        "Latitude",
        "Lng",
        "Zone d'intervention",
        "Nombre de places",
        "Commentaire",
    ],
    "export": [
        "NOM",
        "STRUCTURE",
        "TYPE_DE_SERVICE",
        "STATUT",
        "ADRESSE",
        "CODE_POSTAL",
        "COMMUNE",
        "CODE_COMMUNE",
        "DEPARTEMENT",
        "LATITUDE",
        "LONGITUDE",
        "DEPARTEMENTS_DESSERVIS",
        "CAPACITE",
        "NOTES",
    ],
    "classeur": [
        "Nom du service",
        "Porteur",
        "Type de dispositif",
        "Etat d'avancement",
        "Rue",
        "Code postal (CEDEX accepté)",
        "Commune d'implantation",
        "Code commune INSEE",
        "N° département",
        "Latitude (WGS84)",
        "Longitude (WGS84)",
        "Territoire d'intervention",
        "Capacité (places)",
        "Observations",
    ],
}


@dataclass
class Case:
    """One row of the corpus and where it must end up.

    ``expect`` is ``("place", method, département, commune code)``, ``("reject", words
    the reason must contain)`` or ``("duplicate", index of the row it copies)``.
    """

    values: dict[str, str]
    expect: tuple
    why: str
    desservis: tuple[str, ...] | None = None
    statut: str | None = None
    kind: str | None = None
    warns: list[str] = field(default_factory=list)  # words in the row's warnings


def row(**values: str) -> dict[str, str]:
    return {name: values.get(name, "") for name in FIELDS}


CASES: list[Case] = [
    Case(
        row(
            nom="IPS Lyon",
            structure="CH Le Vinatier",
            type="IPS",
            statut="Actif",
            commune="Lyon",
            code_commune="69123",
            departement="69",
            capacite="40",
        ),
        ("place", "code_commune", "69", "69123"),
        "everything agrees",
        statut="actif",
        kind="ips",
    ),
    Case(
        row(
            nom="Emploi accompagné Ain",
            commune="Bourg-en-Bresse",
            departement="1",
            type="Emploi accompagné",
            statut="en projet",
        ),
        ("place", "commune", "01", "01053"),
        "département written without its zero",
        statut="en_projet",
        kind="emploi_accompagne",
    ),
    Case(
        row(nom="IPS Corse-du-Sud", commune="AJACCIO", departement="2a"),
        ("place", "commune", "2A", "2A004"),
        "lower-case 2a, upper-case commune",
    ),
    Case(
        row(nom="IPS Métropole", commune="Villeurbanne", departement="69M"),
        ("place", "commune", "69", "69266"),
        "69M: Métropole de Lyon counts as 69",
        warns=["69"],
    ),
    Case(
        row(nom="IPS Dijon", commune="Dijon", departement="Cote d'Or"),
        ("place", "commune", "21", "21231"),
        "département name without accent",
    ),
    Case(
        row(nom="IPS Sud Réunion", commune="St-Pierre", departement="Réunion"),
        ("place", "commune", "974", "97416"),
        "a name shared by many communes, told apart by the département name",
    ),
    Case(
        row(nom="IPS Marseille", commune="Marseille", departement="13 - Bouches-du-Rhône"),
        ("place", "commune", "13", "13055"),
        "code and name in one cell",
        warns=["13"],
    ),
    Case(
        row(
            nom="IPS Aix",
            commune="Aix-en-Provence",
            departement="Bouches-du-Rhône (13)",
            departements_desservis="13; 83, 84 / 04",
        ),
        ("place", "commune", "13", "13001"),
        "name then code in brackets; served list with every separator",
        desservis=("13", "83", "84", "04"),
    ),
    Case(
        row(nom="IPS Haute-Corse", code_commune="2B033", departement="20"),
        ("place", "code_commune", "2B", "2B033"),
        "old Corsican 20 resolved by the INSEE code",
        warns=["20"],
    ),
    Case(
        row(nom="IPS Extrême-Sud", commune="Porto Vecchio", code_postal="20137", departement="20"),
        ("place", "commune", "2A", "2A247"),
        "old Corsican 20 resolved by the commune and its postcode",
    ),
    Case(
        row(nom="Service Papeete", commune="Papeete", code_postal="98714", departement="987"),
        ("reject", "pas un département"),
        "Polynésie française is a collectivité d'outre-mer",
    ),
    Case(
        row(nom="Service Nouméa", commune="Nouméa", departement="Nouvelle-Calédonie"),
        ("reject", "pas un département"),
        "a collectivité d'outre-mer by name",
    ),
    Case(
        row(nom="IPS Loire", commune="ST ETIENNE", code_postal="42000"),
        ("place", "commune", "42", "42218"),
        "St for Saint, no accent, no hyphen",
    ),
    Case(
        row(nom="IPS Le Havre", commune="Havre (Le)", departement="76"),
        ("place", "commune", "76", "76351"),
        "the COG's article in brackets",
    ),
    Case(
        row(nom="IPS Lyon Cedex", commune="Lyon", code_postal="69003 CEDEX 03"),
        ("place", "commune", "69", "69123"),
        "CEDEX in the postcode",
    ),
    Case(
        row(nom="IPS Rennes", commune="Rennes Cedex", code_postal="35000"),
        ("place", "commune", "35", "35238"),
        "CEDEX in the commune's name",
        warns=["CEDEX"],
    ),
    Case(
        row(nom="IPS Dombes", code_commune="01003"),
        ("place", "ancien_code_commune", "01", "01165"),
        "old INSEE code of a merged commune",
        warns=["ancien code"],
    ),
    Case(
        row(nom="IPS Cotentin", commune="Cherbourg-Octeville"),
        ("place", "commune", "50", "50129"),
        "name of a merged commune",
    ),
    Case(
        row(nom="IPS Puy-de-Dôme", commune="Beaumont", code_postal="63110"),
        ("place", "commune", "63", "63032"),
        "ambiguous name told apart by the postcode",
    ),
    Case(
        row(nom="Service sans département", commune="Saint-Denis"),
        ("reject", "portent ce nom"),
        "ambiguous name, nothing to tell the communes apart: candidates listed",
    ),
    Case(
        row(
            nom="IPS Lyon Part-Dieu",
            commune="Lyon",
            latitude="45,7640",
            longitude="4,8357",
            departement="69",
        ),
        ("place", "coordonnees", "69", "69123"),
        "decimal commas; the commune agrees",
    ),
    Case(
        row(nom="IPS Paris Centre", latitude="2,3488", longitude="48,8534", departement="75"),
        ("place", "coordonnees", "75", ""),
        "latitude and longitude swapped",
        warns=["inversées"],
    ),
    Case(
        row(nom="IPS Brest", commune="Brest", departement="29", latitude="0", longitude="0"),
        ("place", "commune", "29", "29019"),
        "coordinates outside France (0, 0): the commune places it",
        warns=["hors des 101"],
    ),
    Case(
        row(
            nom="IPS Beaujolais",
            commune="Villefranche-sur-Saône",
            code_commune="69264",
            code_postal="69400",
            latitude="45.7640",
            longitude="4.8357",
        ),
        ("place", "code_commune", "69", "69264"),
        "coordinates 30 km from the commune that code, name and postcode agree on",
        warns=["km"],
    ),
    Case(
        row(
            nom="IPS Var",
            commune="Toulon",
            departement="83",
            latitude="43.2965",
            longitude="5.3698",
        ),
        ("place", "commune", "83", "83137"),
        "coordinates in Marseille, département and commune say Toulon: the majority wins",
        warns=["contredit"],
    ),
    Case(
        row(nom="Service contradictoire", departement="2A", latitude="46.2052", longitude="5.2255"),
        ("reject", "contradiction"),
        "coordinates in the Ain, 2A stated, nothing else: no consistent placement",
    ),
    Case(
        row(nom="IPS Lambert", latitude="6519000", longitude="842000"),
        ("place", "coordonnees", "69", ""),
        "Lambert-93 X/Y in the coordinate columns",
        warns=["Lambert-93"],
    ),
    Case(
        row(
            nom="IPS Blois",
            commune="Blois",
            departement="41",
            departements_desservis="Loir-et-Cher et Indre-et-Loire",
        ),
        ("place", "commune", "41", "41018"),
        "served départements with 'et' inside their names",
        desservis=("41", "37"),
    ),
    Case(
        row(
            nom="Job coaching Nord",
            commune="Lille",
            departement="59",
            type="job coaching",
            statut="Fermé",
        ),
        ("place", "commune", "59", "59350"),
        "closed service, job coaching type",
        statut="ferme",
        kind="emploi_accompagne",
    ),
    Case(
        row(nom="IPS Tours", commune="Tours", departement="37", statut="Actif depuis 2021"),
        ("place", "commune", "37", "37261"),
        "statut written as a phrase",
        statut="actif",
        warns=["actif"],
    ),
    Case(
        row(nom="IPS Caen", commune="Caen", departement="14", statut="suspendu"),
        ("place", "commune", "14", "14118"),
        "unknown statut: kept, drawn and listed as written, not counted",
        statut="non_reconnu",
        warns=["statut non reconnu"],
    ),
    Case(
        row(structure="Association sans nom de service", commune="Nantes", departement="44"),
        ("reject", "nom manquant"),
        "no name",
    ),
    Case(
        row(
            nom="IPS Lyon",
            structure="CH Le Vinatier",
            type="IPS",
            statut="Actif",
            commune="Lyon",
            code_commune="69123",
            departement="69",
            capacite="40",
        ),
        ("duplicate", 0),
        "exact copy of the first row",
    ),
    Case(
        row(nom="IPS Lyon", structure="Autre porteur", commune="Lyon", departement="69"),
        ("place", "commune", "69", "69123"),
        "same name in the same commune: a possible duplicate",
        warns=["doublon possible"],
    ),
    Case(
        row(nom="IPS Finistère Nord", code_postal="29200"),
        ("place", "code_postal", "29", "29019"),
        "postcode alone",
    ),
    Case(
        row(nom="IPS Paris 15", commune="Paris 15e", code_postal="75015"),
        ("place", "commune", "75", "75056"),
        "a municipal arrondissement",
    ),
    Case(
        row(nom="IPS Marseille 8", code_commune="13208"),
        ("place", "code_commune", "13", "13055"),
        "an arrondissement's INSEE code",
        warns=["arrondissement"],
    ),
    Case(
        row(nom="IPS Bresse", code_postal="1000", remarques="à vérifier"),
        ("place", "code_postal", "01", "01053"),
        "postcode that lost its zero",
    ),
    Case(
        row(nom="IPS Lyon Sud", commune="Lyonn", code_postal="69007", capacite="12,5"),
        ("place", "commune", "69", "69123"),
        "commune misspelt: read within the postcode's département",
        warns=["commune lue comme « Lyon » (69) : placé au centre de la commune"],
    ),
    Case(
        row(nom="Nulle part", commune="Atlantide"),
        ("reject", "impossible à localiser"),
        "no usable evidence",
    ),
]


def _table(style: str) -> list[list[str]]:
    return [HEADERS[style]] + [[case.values[name] for name in FIELDS] for case in CASES]


def csv_text(style: str, delimiter: str, lineterminator: str = "\n") -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerows(_table(style))
    return buffer.getvalue()


#: The text files: name → bytes.
def text_files() -> dict[str, bytes]:
    return {
        "ars-cp1252-pointvirgule.csv": csv_text("ars", ";", "\r\n").encode("cp1252"),
        "reseau-utf8bom-virgule.csv": b"\xef\xbb\xbf" + csv_text("reseau", ",").encode("utf-8"),
        "export-utf8-tabulation.tsv": csv_text("export", "\t").encode("utf-8"),
        "points.geojson": geojson_text().encode("utf-8"),
    }


def _number(text: str) -> float | None:
    value = text.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return None


def geojson_text() -> str:
    features = []
    for case in CASES:
        values = dict(case.values)
        lat, lon = _number(values.pop("latitude")), _number(values.pop("longitude"))
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None
        properties = {name: value for name, value in values.items() if value != ""}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    document = {"type": "FeatureCollection", "features": features}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


#: Rows above the header in the workbooks: a title, then a blank row.
WORKBOOK_TITLE = "Services d'emploi accompagné — recensement 2024 (document de travail)"
WORKBOOK_FIRST_ROW = 4  # title, blank, header, then the first service


def typed(text: str):
    """A cell as a spreadsheet stores what was typed: whole numbers and decimals as numbers."""
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+[.,]\d+", text):
        return float(text.replace(",", "."))
    return text


def workbook_rows() -> list[list]:
    rows: list[list] = [[WORKBOOK_TITLE], []]
    rows.append(HEADERS["classeur"])
    for case in CASES:
        rows.append([typed(case.values[name]) for name in FIELDS])
    return rows


NOTES = [["Notes"], ["Liste transmise par l'ARS ; à compléter avant diffusion."]]


def write_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Liste 2024"
    for values in workbook_rows():
        sheet.append(values)
    notes = workbook.create_sheet("Notes")
    for values in NOTES:
        notes.append(values)
    workbook.save(path)
    return path


def _ods_cell(value) -> str:
    if value == "" or value is None:
        return "<table:table-cell/>"
    if isinstance(value, (int, float)):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        '<table:table-cell office:value-type="string">'
        f"<text:p>{escape(value)}</text:p></table:table-cell>"
    )


def _ods_table(name: str, rows: list[list]) -> str:
    body = "".join(
        "<table:table-row>" + "".join(_ods_cell(v) for v in values) + "</table:table-row>"
        if values
        else "<table:table-row><table:table-cell/></table:table-row>"
        for values in rows
    )
    return f'<table:table table:name="{escape(name)}">{body}</table:table>'


def write_ods(path: Path) -> Path:
    """A minimal OpenDocument spreadsheet (mimetype, manifest, content), as LibreOffice reads."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>'
        "<office:body><office:spreadsheet>"
        + _ods_table("Liste 2024", workbook_rows())
        + _ods_table("Notes", NOTES)
        + "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def main(folder: Path = HERE) -> list[Path]:
    written = []
    for name, data in text_files().items():
        (folder / name).write_bytes(data)
        written.append(folder / name)
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)

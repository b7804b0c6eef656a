"""An empty listing to fill in: every column, one example row, what each column holds.

``ips-map template`` writes it. As XLSX (the default): a sheet ``services`` with the header
and the example row (codes formatted as text, so that "01000" keeps its zero) and a sheet
``colonnes`` describing each column. As CSV: ``NAME.csv`` (``;`` separated, UTF-8 with BOM,
as French spreadsheets open it) and ``NAME-colonnes.csv`` beside it with the descriptions.

The example row is named :data:`ips_map.listing.values.TEMPLATE_EXAMPLE_NAME`: a listing that still
carries it has that row rejected ("ligne d'exemple du modèle"), never placed on a map.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ips_map.errors import SettingsError
from ips_map.listing.columns import COLUMNS
from ips_map.listing.values import TEMPLATE_EXAMPLE_NAME
from ips_map.outputs import write_atomic

FORMATS = ("xlsx", "csv")
DEFAULT_NAME = "modele-liste-services"

#: For each column: required, what it holds, the example row's value.
COLUMN_DOCS: dict[str, tuple[bool, str, str]] = {
    "nom": (True, "Nom du service ou du dispositif.", TEMPLATE_EXAMPLE_NAME),
    "structure": (False, "Structure porteuse (établissement, association).", "Centre fictif"),
    "type": (
        False,
        "ips, emploi_accompagne ou autre (défaut : ips). « IPS », « Emploi accompagné », "
        "« DEA », « job coaching » sont compris.",
        "ips",
    ),
    "statut": (
        False,
        "actif, en_projet ou ferme (défaut : actif). « Actif », « pilote », « En projet », "
        "« À l'étude », « Prévu », « Appel à projets », « Fermé » sont compris.",
        "en_projet",
    ),
    "adresse": (False, "Numéro et rue du lieu d'accueil.", "1 rue de l'Exemple"),
    "code_postal": (False, "Code postal à 5 chiffres (« CEDEX » toléré).", "69003"),
    "commune": (False, "Nom de la commune.", "Lyon"),
    "code_commune": (
        False,
        "Code INSEE de la commune, 5 caractères (« 69123 », « 2A004 ») : le plus sûr pour "
        "placer le service. Un ancien code de commune fusionnée est accepté.",
        "69123",
    ),
    "departement": (
        False,
        "Département du lieu d'accueil : code (« 01 », « 2A », « 974 ») ou nom (« Ain »).",
        "69",
    ),
    "latitude": (
        False,
        "Latitude en degrés décimaux WGS84 (virgule ou point), par ex. 45,7578.",
        "45,7578",
    ),
    "longitude": (
        False,
        "Longitude en degrés décimaux WGS84 (virgule ou point), par ex. 4,8320.",
        "4,832",
    ),
    "departements_desservis": (
        False,
        "Départements couverts par le service, séparés par ; , / ou « et » (défaut : celui "
        "du lieu d'accueil).",
        "69 ; 01",
    ),
    "capacite": (False, "Nombre de places (personnes accompagnées).", "40"),
    "site_web": (False, "Adresse du site (http:// ou https://).", "https://example.org"),
    "telephone": (False, "Téléphone du service.", "04 00 00 00 00"),
    "source": (
        False,
        "D'où vient l'information : lien ou référence (rapport, article, ARS).",
        "Exemple : remplacez cette ligne par vos services",
    ),
}
#: Columns that hold codes: formatted as text in the workbook (a leading zero stays).
TEXT_COLUMNS = ("code_postal", "code_commune", "departement", "departements_desservis")


def _description_rows() -> list[list[str]]:
    rows = [["colonne", "obligatoire", "contenu", "exemple", "autres noms acceptés"]]
    for column in COLUMNS:
        required, text, example = COLUMN_DOCS[column]
        synonyms = ", ".join(name for name in COLUMNS[column] if name != column.replace("_", " "))
        rows.append([column, "oui" if required else "non", text, example, synonyms])
    return rows


def write_template(
    path: Path | str | None = None, fmt: str | None = None, *, overwrite: bool = False
) -> list[Path]:
    """Write an empty listing (one example row) and the description of its columns.

    Parameters
    ----------
    path
        File to write; ``modele-liste-services.<fmt>`` in the current folder when None.
    fmt
        ``xlsx`` or ``csv``; told by ``path``'s extension when None, else ``xlsx``.
    overwrite
        Replace files that exist already; otherwise they are left untouched (it may be
        a listing being filled in) and nothing is written.

    Returns
    -------
    The files written: one workbook, or the CSV and its ``-colonnes.csv``.

    Raises
    ------
    SettingsError
        For an unknown format, or when a file to write exists and ``overwrite`` is False.
    """
    if fmt is None:
        suffix = Path(path).suffix.lower().lstrip(".") if path else ""
        fmt = suffix if suffix in FORMATS else "xlsx"
    if fmt not in FORMATS:
        raise SettingsError(f"format de modèle « {fmt} » inconnu : xlsx ou csv.")
    path = Path(path) if path else Path(f"{DEFAULT_NAME}.{fmt}")
    if path.suffix.lower() != f".{fmt}":
        path = path.with_name(path.name + f".{fmt}")
    header = list(COLUMNS)
    example = [COLUMN_DOCS[column][2] for column in header]
    described = path.with_name(f"{path.stem}-colonnes.csv")
    targets = [path, described] if fmt == "csv" else [path]
    existing = [target for target in targets if target.exists()]
    if existing and not overwrite:
        raise SettingsError(
            f"{', '.join(map(str, existing))} existe déjà : rien n'a été écrit (ce peut être "
            "une liste en cours de saisie). Choisissez un autre fichier avec --out, ou "
            "ajoutez --force pour le remplacer."
        )
    if fmt == "csv":
        return [
            write_atomic(path, _csv_bytes([header, example])),
            write_atomic(described, _csv_bytes(_description_rows())),
        ]
    return [write_atomic(path, _xlsx_bytes(header, example))]


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_bytes(header: list[str], example: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "services"
    sheet.append(header)
    sheet.append(example)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")
        cell.fill = PatternFill("solid", fgColor="FFF2CC")
    sheet.freeze_panes = "B2"
    for index, column in enumerate(header, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(example[index - 1]) + 2))
        if column in TEXT_COLUMNS:
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "@"

    described = workbook.create_sheet("colonnes")
    for row in _description_rows():
        described.append(row)
    for cell in described[1]:
        cell.font = bold
    for letter, width in zip("ABCDE", (24, 12, 70, 30, 60)):
        described.column_dimensions[letter].width = width
    for row in described.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    described.freeze_panes = "A2"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

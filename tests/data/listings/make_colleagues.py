"""A 30-row listing as colleagues send it, and what must become of each row (issue 13).

The spreadsheet a planner receives from an ARS: a title row and a blank row above the
header, the headers as typed ("Nom du dispositif", "CP", "Ville", "Dépt"), statuses in
words ("A l'étude", "pilote", "ouverture prévue en 2026"), départements by name
("Seine St Denis", "Val d Oise", "Cotes d'Armor"), misspelt communes ("Marseile",
"Bordaux", "Strasbourgh", "Montpelier", "Villeurbane"), numbers that lost their zero, the
old Corsican "20", a link without « https:// », a service of a collectivité d'outre-mer, a
row without a name and an exact copy. It is written two ways:

- ``collegues-cp1252-pointvirgule.csv``: Windows-1252, ``;``, CRLF (committed);
- an XLSX workbook with numbers typed as numbers (:func:`write_xlsx`, written by the tests).

In both, the title is line 1, the header line 3, and the first service line 4
(:data:`FIRST_LINE`). Run ``python tests/data/listings/make_colleagues.py`` to rewrite the
CSV after changing :data:`CASES`; a test checks that the committed file is what this writes.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_corpus import Case, typed  # noqa: E402

#: The columns, as the colleagues' header names them, and the canonical name of each.
HEADER = {
    "Nom du dispositif": "nom",
    "Structure porteuse": "structure",
    "Type": "type",
    "Statut": "statut",
    "Adresse": "adresse",
    "CP": "code_postal",
    "Ville": "commune",
    "Code INSEE": "code_commune",
    "Dépt": "departement",
    "Lat": "latitude",
    "Long": "longitude",
    "Départements desservis": "departements_desservis",
    "Site internet": "site_web",
    "Capacité": "capacite",
}
FIELDS = list(HEADER.values())
TITLE = "Recensement des dispositifs d'emploi accompagné – ARS, mars 2024"
#: Title (line 1), blank (2), header (3): the first service is line 4.
FIRST_LINE = 4


def row(**values: str) -> dict[str, str]:
    return {name: values.get(name, "") for name in FIELDS}


def commune_read(written: str, name: str, dep: str) -> str:
    """The warning of a misspelt commune read as another name."""
    return (
        f"valeur « {written} » : commune lue comme « {name} » ({dep}) : placé au centre de "
        "la commune"
    )


CASES: list[Case] = [
    Case(
        row(
            nom="IPS Marseille Nord",
            structure="AP-HM",
            type="IPS",
            statut="Actif",
            code_postal="13015",
            commune="Marseile",
            departement="13",
            site_web="www.aphm.fr",
            capacite="40",
        ),
        ("place", "commune", "13", "13055"),
        "misspelt commune, a link without https://",
        statut="actif",
        warns=[
            commune_read("Marseile", "Marseille", "13"),
            "valeur « www.aphm.fr » : adresse sans « https:// » : complétée en "
            "« https://www.aphm.fr »",
        ],
    ),
    Case(
        row(
            nom="IPS Bordeaux",
            structure="CH Charles Perrens",
            statut="A l'étude",
            code_postal="33000",
            commune="Bordaux",
            departement="Gironde",
        ),
        ("place", "commune", "33", "33063"),
        "« A l'étude » is planned; misspelt commune",
        statut="en_projet",
        warns=[commune_read("Bordaux", "Bordeaux", "33")],
    ),
    Case(
        row(
            nom="Emploi accompagné Strasbourg",
            type="Emploi accompagné",
            statut="en cours de création",
            code_postal="67000",
            commune="Strasbourgh",
        ),
        ("place", "commune", "67", "67482"),
        "misspelt commune read within its postcode's département",
        statut="en_projet",
        kind="emploi_accompagne",
        warns=[commune_read("Strasbourgh", "Strasbourg", "67")],
    ),
    Case(
        row(
            nom="IPS Montpellier",
            statut="ouverture prévue en 2026",
            commune="Montpelier",
            departement="34",
        ),
        ("place", "commune", "34", "34172"),
        "a planned opening; misspelt commune",
        statut="en_projet",
        warns=[commune_read("Montpelier", "Montpellier", "34"), "lu comme « en_projet »"],
    ),
    Case(
        row(
            nom="IPS Villeurbanne",
            statut="appel à projets",
            commune="Villeurbane",
            departement="69",
        ),
        ("place", "commune", "69", "69266"),
        "a call for projects is planned; misspelt commune",
        statut="en_projet",
        warns=[commune_read("Villeurbane", "Villeurbanne", "69")],
    ),
    Case(
        row(
            nom="IPS Saint-Denis",
            statut="Actif",
            commune="Saint-Denis",
            departement="Seine St Denis",
        ),
        ("place", "commune", "93", "93066"),
        "« Seine St Denis »: St for Saint in a département's name",
        statut="actif",
    ),
    Case(
        row(nom="IPS Sevran", statut="pilote", commune="Sevran", departement="Seine-St-Denis"),
        ("place", "commune", "93", "93071"),
        "a pilot runs; « Seine-St-Denis »",
        statut="actif",
    ),
    Case(
        row(nom="IPS Cergy", statut="expérimentation", commune="Cergy", departement="Val d Oise"),
        ("place", "commune", "95", "95127"),
        "an experiment runs; « Val d Oise »",
        statut="actif",
    ),
    Case(
        row(
            nom="IPS Saint-Brieuc",
            statut="à l'étude",
            commune="St Brieuc",
            departement="Cotes d'Armor",
        ),
        ("place", "commune", "22", "22278"),
        "« Cotes d'Armor » without its accent",
        statut="en_projet",
    ),
    Case(
        row(nom="IPS Perpignan", commune="Perpignan", departement="Pyrénées Orientales"),
        ("place", "commune", "66", "66136"),
        "« Pyrénées Orientales » without its hyphen; no statut: actif",
        statut="actif",
    ),
    Case(
        row(
            nom="IPS Belfort",
            statut="en projet",
            commune="Belfort",
            departement="Territoire-de-Belfort",
        ),
        ("place", "commune", "90", "90010"),
        "« Territoire-de-Belfort » with hyphens",
        statut="en_projet",
    ),
    Case(
        row(nom="IPS Pontoise", statut="prévu", commune="Pontoise", departement="Val-d'Oise"),
        ("place", "commune", "95", "95500"),
        "« prévu » is planned",
        statut="en_projet",
    ),
    Case(
        row(nom="IPS Caen", statut="suspendu", commune="Caen", departement="14"),
        ("place", "commune", "14", "14118"),
        "a statut it cannot read: kept as written, not counted",
        statut="non_reconnu",
        warns=[
            "valeur « suspendu » : statut non reconnu : service dessiné et listé avec ce "
            "statut, sans être compté pour la couverture ; statuts acceptés :"
        ],
    ),
    Case(
        row(nom="IPS Bresse", code_postal="1000", commune="Bourg-en-Bresse", departement="1"),
        ("place", "commune", "01", "01053"),
        "postcode and département that lost their zero",
        warns=["code postal à 4 chiffres lu comme « 01000 »", "code « 1 » lu comme « 01 »"],
    ),
    Case(
        row(nom="IPS Nice", code_postal="6000", commune="Nice", departement="06"),
        ("place", "commune", "06", "06088"),
        "« 6000 » → 06000",
        warns=["lu comme « 06000 »"],
    ),
    Case(
        row(
            nom="IPS Lille",
            structure="EPSM Lille Métropole",
            commune="Lille",
            departement="59 - Nord",
            capacite="20",
        ),
        ("place", "commune", "59", "59350"),
        "code and name in one cell",
        warns=["« 59 - Nord » lu comme « 59 »"],
    ),
    Case(
        row(nom="IPS Ajaccio", commune="Ajaccio", departement="20"),
        ("place", "commune", "2A", "2A004"),
        "old Corsican 20: one warning, the code to write",
        warns=[
            "valeur « 20 » : ancien code de la Corse lu comme 2A (Corse-du-Sud) (selon : "
            "nom de la commune) : indiquez « 2A »"
        ],
    ),
    Case(
        row(nom="IPS Bastia", code_commune="2B033", departement="20"),
        ("place", "code_commune", "2B", "2B033"),
        "old Corsican 20 read from the INSEE code",
        warns=["lu comme 2B (Haute-Corse) (selon : code INSEE de la commune) : indiquez « 2B »"],
    ),
    Case(
        row(nom="IPS Paris 13", code_postal="75013", commune="Paris 13e", departement="75"),
        ("place", "commune", "75", "75056"),
        "a municipal arrondissement",
        warns=["arrondissement lu comme la commune « Paris »"],
    ),
    Case(
        row(
            nom="IPS Lyon Part-Dieu",
            commune="Lyon",
            departement="69",
            latitude="4,8590",
            longitude="45,7606",
        ),
        ("place", "coordonnees", "69", "69123"),
        "latitude and longitude swapped",
        warns=["latitude et longitude inversées"],
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
        row(nom="IPS Tours", statut="Actif depuis 2021", commune="Tours", departement="37"),
        ("place", "commune", "37", "37261"),
        "statut written as a phrase",
        statut="actif",
        warns=["valeur « Actif depuis 2021 » : lu comme « actif »"],
    ),
    Case(
        row(nom="IPS Vieux-Port", code_postal="13001", commune="Atlantis"),
        ("place", "code_postal", "13", "13055"),
        "a commune no spelling comes close to: one warning says where the postcode placed it",
        warns=[
            "valeur « Atlantis » : commune introuvable dans le COG 2026 (aucune commune "
            "d'orthographe proche dans le 13 (Bouches-du-Rhône)) : vérifiez l'orthographe ou "
            "indiquez le code INSEE ; placé au centre du code postal 13001 (Marseille), "
            "position approchée"
        ],
    ),
    Case(
        row(nom="IPS Hérault Ouest", commune="Saint-Jen", departement="34"),
        ("place", "departement", "34", ""),
        "no clear match: the closest communes listed, placed at the chef-lieu",
        warns=[
            "valeur « Saint-Jen » : commune introuvable dans le COG 2026 ; les plus "
            "proches dans le 34 (Hérault) : « Saint-Julien » (34271)",
            "; placé au chef-lieu du département (Montpellier), position approchée",
        ],
    ),
    Case(
        row(nom="IPS Provence", commune="Bordaux", departement="13"),
        ("place", "departement", "13", ""),
        "a misspelling close to a commune of another département is never read as it",
        warns=[
            "valeur « Bordaux » : commune introuvable dans le COG 2026 (aucune commune "
            "d'orthographe proche dans le 13 (Bouches-du-Rhône))"
        ],
    ),
    Case(
        row(nom="Service Papeete", code_postal="98714", commune="Papeete", departement="987"),
        ("reject", "pas un département"),
        "Polynésie française is a collectivité d'outre-mer",
    ),
    Case(
        row(structure="Association sans nom de service", commune="Nantes", departement="44"),
        ("reject", "nom manquant"),
        "no name",
    ),
    Case(
        row(nom="IPS Nancy", statut="Fermé", commune="Nancy", departement="54"),
        ("place", "commune", "54", "54395"),
        "a closed service",
        statut="ferme",
    ),
    Case(
        row(nom="IPS Rennes", code_postal="35000", commune="Rennes Cedex"),
        ("place", "commune", "35", "35238"),
        "CEDEX in the commune's name",
        warns=["« CEDEX » retiré : commune lue « Rennes »"],
    ),
    Case(
        row(
            nom="IPS Lille",
            structure="EPSM Lille Métropole",
            commune="Lille",
            departement="59 - Nord",
            capacite="20",
        ),
        ("duplicate", 15),
        "exact copy of the Lille row",
    ),
]


def table() -> list[list[str]]:
    """The rows of the listing: title, blank, header, services."""
    return [[TITLE], [], list(HEADER), *([case.values[name] for name in FIELDS] for case in CASES)]


def csv_bytes() -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(table())
    return buffer.getvalue().encode("cp1252")


CSV_NAME = "collegues-cp1252-pointvirgule.csv"


def write_xlsx(path: Path) -> Path:
    """The same listing as a workbook: numbers typed as numbers ("1000" arrives as 1000)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Dispositifs"
    for values in table():
        sheet.append([typed(value) for value in values])
    workbook.save(path)
    return path


if __name__ == "__main__":
    (HERE / CSV_NAME).write_bytes(csv_bytes())
    print(HERE / CSV_NAME)

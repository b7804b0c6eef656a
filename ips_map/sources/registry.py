"""The data registry: the manifest of the files in ``data/``, their hashes and provenance.

Each embedded file is listed in :data:`SOURCES` with its sha256, licence, attribution and
vintage, so that every figure on the map can be traced to a file; loading a file whose hash
differs is an error (``data/`` holds inputs never edited by hand, see ``data/PROVENANCE.md``).

A file fetched by ``ips-map fetch`` lives in ``data/fetched/`` with a provenance record beside
it (``<name>.provenance.json``: the fields of a :class:`Source` plus the download's URL, date
and sha256), which is its manifest entry. At the same relative path as an embedded file
(``fetched/census/communes.csv`` for ``census/communes.csv``) it takes that file's place, and
its sha256 is checked against its record on every load. Deleting ``data/fetched/`` returns
to the embedded data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

from ips_map.errors import DataFileError
from ips_map.settings import data_dir
from ips_map.sources.calendar import census_page_url

#: Sub-folder of the data folder that holds fetched files and their provenance records.
FETCHED_DIR = "fetched"
PROVENANCE_SUFFIX = ".provenance.json"


@dataclass(frozen=True)
class Source:
    """One data file and where it comes from."""

    key: str
    path: str  # relative to the data folder
    sha256: str
    title: str
    producer: str
    licence: str
    attribution: str
    vintage: str
    url: str


#: Licences as the files' producers state them (cited on the map and in provenance records).
INSEE_LICENCE = "Insee, réutilisation libre avec mention de la source"
ETALAB_LICENCE = "Licence Ouverte / Etalab"
ETALAB_2_LICENCE = "Licence Ouverte / Etalab 2.0"

# What the files of one release have in common, written once for each release.
_FRANCE_GEOJSON = {
    "producer": "IGN ADMIN EXPRESS, via gregoiredavid/france-geojson v2.1.1",
    "licence": ETALAB_LICENCE,
    "vintage": "COG 2018",
    "url": "https://github.com/gregoiredavid/france-geojson/tree/v2.1.1",
}
_DECOUPAGE_ADMINISTRATIF = {
    "licence": ETALAB_2_LICENCE,
    "vintage": "COG 2026",
    "url": "https://www.npmjs.com/package/@etalab/decoupage-administratif",
}
_ZONES_EMPLOI = {
    "producer": "Insee (zonage en zones d'emploi 2020, ZE2020_au_01-01-2023.xlsx), "
    "porté au COG 2026 par ips-map",
    "licence": ETALAB_2_LICENCE,
    "attribution": "Source : Insee, zonage en zones d'emploi 2020",
    "vintage": "ZE2020, COG 2026",
    "url": "https://www.insee.fr/fr/statistiques/5015731?sommaire=4763049",
}
_EXAMPLE = {
    "licence": "Faits cités avec leur source",
    "vintage": "2018–2021",
}

SOURCES: dict[str, Source] = {
    s.key: s
    for s in [
        Source(
            key="departements",
            path="geo/departements-avec-outre-mer.geojson",
            sha256="0c331e85eef244d8014f68a4c256bb732e28776aceec53ddf849624f2eb6c163",
            title="Contours des 101 départements (métropole et outre-mer)",
            attribution="IGN – ADMIN EXPRESS COG 2018 (codes inchangés en 2026)",
            **_FRANCE_GEOJSON,
        ),
        Source(
            key="regions",
            path="geo/regions-avec-outre-mer.geojson",
            sha256="a573b672264184d11a2f98220867653b092fe3a964433e30e3a0a4708d72d167",
            title="Contours des 18 régions",
            attribution="IGN – ADMIN EXPRESS COG 2018",
            **_FRANCE_GEOJSON,
        ),
        Source(
            key="zones_emploi_metro",
            path="geo/ze2020_metro_insee_fonds.geojson",
            sha256="bf4e84af4e5913dba872c7d29d3d49d3cabfadb5dc2a4b575764001f715a6ba1",
            title="Contours des 287 zones d'emploi 2020 de métropole",
            producer="Insee, fonds des zones d'emploi 2020 (IGN ADMIN EXPRESS)",
            licence=ETALAB_2_LICENCE,
            attribution="Source : Insee, zonage en zones d'emploi 2020 ; IGN ADMIN EXPRESS",
            vintage="ZE2020, géographie 2025",
            url="https://www.insee.fr/fr/information/4652957",
        ),
        Source(
            key="zones_emploi_drom",
            path="geo/ze2020_drom_dissolved_adminexpress_cog2024.geojson",
            sha256="07ff4931a9df98d210cc52c470dc8e2e8b9d4fb56aaf8f9c1eae6bd8fd4bac43",
            title="Contours des 19 zones d'emploi 2020 d'outre-mer",
            producer="ips-map, union par zone des communes IGN ADMIN EXPRESS COG 2024",
            licence=ETALAB_2_LICENCE,
            attribution="Source : Insee, zonage en zones d'emploi 2020 ; "
            "IGN ADMIN EXPRESS COG 2024",
            vintage="ZE2020, COG 2024",
            url="https://www.insee.fr/fr/information/4652957",
        ),
        Source(
            key="populations",
            path="census/departements_population_municipale_2019_2023.csv",
            sha256="5b65198ddde6c4d6df22c7294acaa4b27ca5489d62f6479ed18f508fd072c370",
            title="Population municipale des départements, millésimes 2019 à 2023",
            producer="Insee",
            licence=INSEE_LICENCE,
            attribution="Source : Insee, populations légales 2019 à 2022 et "
            "populations de référence 2023",
            vintage="2019–2023",
            url=census_page_url(2023),
        ),
        Source(
            key="communes",
            path="census/communes.csv",
            sha256="b90b6805a89f62c9275154e88a879721ead1a0c5cd28d30588d50ee694a3212d",
            title="Communes : codes, noms, codes postaux, population et centre",
            producer="Etalab (@etalab/decoupage-administratif 6.0.0) et IGN ADMIN EXPRESS",
            attribution="Etalab, découpage administratif COG 2026 ; "
            "IGN ADMIN EXPRESS COG 2024 (centres)",
            **_DECOUPAGE_ADMINISTRATIF,
        ),
        Source(
            key="anciens_codes",
            path="census/communes_anciens_codes.csv",
            sha256="b9712a107da2441f63cc33d73c1e843a0d371177bc5457c9a1243f83ad027d9e",
            title="Anciens codes et communes déléguées vers la commune actuelle",
            producer="Etalab (@etalab/decoupage-administratif 6.0.0)",
            attribution="Etalab, découpage administratif COG 2026",
            **_DECOUPAGE_ADMINISTRATIF,
        ),
        Source(
            key="zones_emploi_communes",
            path="zones-emploi/communes_zones_emploi_2020_cog2026.csv",
            sha256="ee895234fdf28d7360e5d75c206f111373b1f347a117f46d877d1aed3509ce61",
            title="Zone d'emploi 2020 de chaque commune",
            **_ZONES_EMPLOI,
        ),
        Source(
            key="zones_emploi",
            path="zones-emploi/zones_emploi_2020.csv",
            sha256="1dea6aaa50848f148af2e5088aadbc6b5a97c45fc0fbf136cc4ab80aab89e6cd",
            title="Les 306 zones d'emploi 2020 : codes et libellés",
            **_ZONES_EMPLOI,
        ),
        Source(
            key="zones_emploi_arrondissements",
            path="zones-emploi/arrondissements_municipaux_zones_emploi_2020.csv",
            sha256="79a5a03516d0633f75cbe47d8e4336944ac2a1848102965ac4705fcc846aac79",
            title="Arrondissements de Paris, Lyon et Marseille : la zone d'emploi de leur commune",
            **_ZONES_EMPLOI,
        ),
        Source(
            key="exemple_sources",
            path="services/exemple-sources.csv",
            sha256="cc012af31e8239c05df6ae5148d7987076d2e1959597161881ed812eb71d1ff9",
            title="Exemple : services cités dans la presse, avec leur source",
            producer="ips-map (relevé d'articles publics)",
            attribution="Articles de presse cités ligne par ligne",
            url="data/services/exemple-sources.csv",
            **_EXAMPLE,
        ),
        Source(
            # Derived, not copied: scripts/make_example.py (make example) writes it from
            # exemple-sources.csv in the listing format; re-run it and update this sha256
            # when exemple-sources.csv changes.
            key="exemple",
            path="services/exemple.csv",
            sha256="cb145607596e3c7678305a5acb4b54b3972e8eab8335f2e9fa9069cfa5a0d63e",
            title="Exemple : la liste des services au format d'ips-map",
            producer="ips-map, dérivé de services/exemple-sources.csv par scripts/make_example.py",
            attribution="Articles de presse cités ligne par ligne (colonne source)",
            url="data/services/exemple.csv",
            **_EXAMPLE,
        ),
    ]
}


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stamped_sha256(path: Path) -> str:
    """:func:`file_sha256`, computed once per version of the file (its modification time
    and size): the check of a data file and the results kept from it share one reading."""
    stat = path.stat()
    return _stamped_sha256(Path(path), (stat.st_mtime_ns, stat.st_size))


@cache
def _stamped_sha256(path: Path, stamp: tuple[int, int]) -> str:
    return file_sha256(path)


@cache
def _check_sha256(path: Path, expected: str, stamp: tuple[int, int], against: str, fix: str):
    # Cached on the file's modification time and size: a file replaced is checked again.
    actual = _stamped_sha256(Path(path), stamp)
    if actual != expected:
        raise DataFileError(
            f"{path}: le contenu ne correspond pas {against} (sha256 {actual[:12]}… au lieu "
            f"de {expected[:12]}…). {fix}"
        )


def _verify(path: Path, expected: str, *, against: str, fix: str) -> None:
    stat = path.stat()
    _check_sha256(path, expected, (stat.st_mtime_ns, stat.st_size), against, fix)


def _fetched_copy(key: str) -> Path | None:
    """The fetched file that takes the place of the embedded file ``key``, if any."""
    fetched = fetched_dir() / SOURCES[key].path
    if fetched.is_file() or provenance_path(fetched).is_file():
        return fetched
    return None


def source_path(key: str, *, verify: bool = True) -> Path:
    """Return the path of an embedded data file, checking its sha256.

    Raises
    ------
    DataFileError
        When the file is missing or its hash differs from the manifest.
    """
    source = SOURCES[key]
    fetched = _fetched_copy(key)
    if fetched is not None:
        return fetched_path(fetched, verify=verify)
    path = data_dir() / source.path
    if not path.is_file():
        raise DataFileError(
            f"{path}: fichier de données introuvable ({source.title}). "
            "Restaurez le dossier data/ du projet (git checkout -- data/)."
        )
    if verify:
        _verify(
            path,
            source.sha256,
            against="au manifeste des sources",
            fix="Les fichiers de data/ ne se modifient pas à la main : restaurez-le (git "
            "checkout -- data/) ou mettez à jour le manifeste dans ips_map/sources/registry.py "
            "avec sa provenance.",
        )
    return path


# --- fetched files and their provenance records -------------------------------------------


def fetched_dir() -> Path:
    """Return the folder of fetched files (``data/fetched``)."""
    return data_dir() / FETCHED_DIR


def provenance_path(path: Path) -> Path:
    """Return the provenance record that goes with a fetched file."""
    path = Path(path)
    return path.with_name(path.name + PROVENANCE_SUFFIX)


def read_provenance(path: Path) -> dict:
    """Return the provenance record of a fetched file (a dict with the fields of Source).

    Raises
    ------
    DataFileError
        When the record is missing, unreadable or incomplete.
    """
    record_path = provenance_path(path)
    remedy = (
        f"Relancez la commande `ips-map fetch` qui l'a produit, ou supprimez {path} pour "
        "revenir aux données embarquées."
    )
    if not record_path.is_file():
        raise DataFileError(
            f"{path}: fichier récupéré sans relevé de provenance ({record_path.name} absent). "
            + remedy
        )
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(
            f"{record_path}: relevé de provenance illisible ({exc}). " + remedy
        ) from None
    if not isinstance(record, dict):
        raise DataFileError(f"{record_path}: relevé de provenance illisible. " + remedy)
    missing = [f.name for f in fields(Source) if not isinstance(record.get(f.name), str)]
    if missing:
        raise DataFileError(
            f"{record_path}: relevé de provenance incomplet (manque {', '.join(missing)}). "
            + remedy
        )
    return record


def fetched_source(path: Path) -> Source:
    """Return the provenance record of a fetched file as a :class:`Source`."""
    record = read_provenance(path)
    return Source(**{f.name: record[f.name] for f in fields(Source)})


def fetched_path(path: Path, *, verify: bool = True) -> Path:
    """Return a fetched file's path after checking it against its provenance record.

    Raises
    ------
    DataFileError
        When the file or its record is missing, or when its sha256 differs from the record.
    """
    path = Path(path)
    source = fetched_source(path)
    if not path.is_file():
        raise DataFileError(
            f"{path}: fichier récupéré introuvable alors que son relevé de provenance existe. "
            f"Relancez `ips-map fetch`, ou supprimez {provenance_path(path).name}."
        )
    if verify:
        _verify(
            path,
            source.sha256,
            against=f"à son relevé de provenance {provenance_path(path).name}",
            fix="Les fichiers récupérés ne se modifient pas à la main : relancez la commande "
            f"`ips-map fetch` qui l'a produit, ou supprimez {path} et son relevé pour revenir "
            "aux données embarquées.",
        )
    return path


def active_source(key: str) -> Source:
    """Return the manifest entry of the file actually loaded for ``key``.

    That is the fetched file's provenance record when ``data/fetched/`` holds a copy of the
    file, otherwise the embedded file's entry in :data:`SOURCES`.
    """
    fetched = _fetched_copy(key)
    return SOURCES[key] if fetched is None else fetched_source(fetched)

"""Manifest of the data files embedded in ``data/``.

Each file is listed with its sha256, licence, attribution and vintage, so that every
figure on the map can be traced to a file. Loading a file whose hash differs from the
manifest is an error: ``data/`` holds inputs that are never edited by hand (see
``data/PROVENANCE.md``).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import DataFileError

#: Folder of the embedded data; ``IPS_MAP_DATA_DIR`` points elsewhere (tests, forks).
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


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


SOURCES: dict[str, Source] = {
    s.key: s
    for s in [
        Source(
            key="departements",
            path="geo/departements-avec-outre-mer.geojson",
            sha256="0c331e85eef244d8014f68a4c256bb732e28776aceec53ddf849624f2eb6c163",
            title="Contours des 101 départements (métropole et outre-mer)",
            producer="IGN ADMIN EXPRESS, via gregoiredavid/france-geojson v2.1.1",
            licence="Licence Ouverte / Etalab",
            attribution="IGN – ADMIN EXPRESS COG 2018 (codes inchangés en 2026)",
            vintage="COG 2018",
            url="https://github.com/gregoiredavid/france-geojson/tree/v2.1.1",
        ),
        Source(
            key="regions",
            path="geo/regions-avec-outre-mer.geojson",
            sha256="a573b672264184d11a2f98220867653b092fe3a964433e30e3a0a4708d72d167",
            title="Contours des 18 régions",
            producer="IGN ADMIN EXPRESS, via gregoiredavid/france-geojson v2.1.1",
            licence="Licence Ouverte / Etalab",
            attribution="IGN – ADMIN EXPRESS COG 2018",
            vintage="COG 2018",
            url="https://github.com/gregoiredavid/france-geojson/tree/v2.1.1",
        ),
        Source(
            key="populations",
            path="census/departements_population_municipale_2019_2023.csv",
            sha256="5b65198ddde6c4d6df22c7294acaa4b27ca5489d62f6479ed18f508fd072c370",
            title="Population municipale des départements, millésimes 2019 à 2023",
            producer="Insee",
            licence="Insee, réutilisation libre avec mention de la source",
            attribution="Source : Insee, populations légales 2019 à 2022 et "
            "populations de référence 2023",
            vintage="2019–2023",
            url="https://www.insee.fr/fr/statistiques/8680726",
        ),
        Source(
            key="communes",
            path="census/communes.csv",
            sha256="b90b6805a89f62c9275154e88a879721ead1a0c5cd28d30588d50ee694a3212d",
            title="Communes : codes, noms, codes postaux, population et centre",
            producer="Etalab (@etalab/decoupage-administratif 6.0.0) et IGN ADMIN EXPRESS",
            licence="Licence Ouverte / Etalab 2.0",
            attribution="Etalab, découpage administratif COG 2026 ; "
            "IGN ADMIN EXPRESS COG 2024 (centres)",
            vintage="COG 2026",
            url="https://www.npmjs.com/package/@etalab/decoupage-administratif",
        ),
        Source(
            key="anciens_codes",
            path="census/communes_anciens_codes.csv",
            sha256="b9712a107da2441f63cc33d73c1e843a0d371177bc5457c9a1243f83ad027d9e",
            title="Anciens codes et communes déléguées vers la commune actuelle",
            producer="Etalab (@etalab/decoupage-administratif 6.0.0)",
            licence="Licence Ouverte / Etalab 2.0",
            attribution="Etalab, découpage administratif COG 2026",
            vintage="COG 2026",
            url="https://www.npmjs.com/package/@etalab/decoupage-administratif",
        ),
        Source(
            key="exemple_sources",
            path="services/exemple-sources.csv",
            sha256="cc012af31e8239c05df6ae5148d7987076d2e1959597161881ed812eb71d1ff9",
            title="Exemple : services cités dans la presse, avec leur source",
            producer="ips-map (relevé d'articles publics)",
            licence="Faits cités avec leur source",
            attribution="Articles de presse cités ligne par ligne",
            vintage="2018–2021",
            url="data/services/exemple-sources.csv",
        ),
    ]
}


def data_dir() -> Path:
    """Return the folder that holds the embedded data."""
    env = os.environ.get("IPS_MAP_DATA_DIR")
    return Path(env) if env else DEFAULT_DATA_DIR


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@cache
def _checked(path: Path, expected: str, mtime_ns: int, size: int) -> None:
    actual = file_sha256(path)
    if actual != expected:
        raise DataFileError(
            f"{path}: le contenu ne correspond pas au manifeste des sources "
            f"(sha256 {actual[:12]}… au lieu de {expected[:12]}…). Les fichiers de data/ ne "
            "se modifient pas à la main : restaurez-le (git checkout -- data/) ou mettez à jour "
            "le manifeste dans ips_map/sources.py avec sa provenance."
        )


def source_path(key: str, *, verify: bool = True) -> Path:
    """Return the path of an embedded data file, checking its sha256.

    Raises
    ------
    DataFileError
        When the file is missing or its hash differs from the manifest.
    """
    source = SOURCES[key]
    path = data_dir() / source.path
    if not path.is_file():
        raise DataFileError(
            f"{path}: fichier de données introuvable ({source.title}). "
            "Restaurez le dossier data/ du projet (git checkout -- data/)."
        )
    if verify:
        stat = path.stat()
        _checked(path, source.sha256, stat.st_mtime_ns, stat.st_size)
    return path

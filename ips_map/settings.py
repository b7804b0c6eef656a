"""Options of a build with their documented defaults, and everything read from the
environment: every ``IPS_MAP_*`` variable and base URL is read here, and only here.

- ``IPS_MAP_DATA_DIR``: folder of the data files (default: the repository's ``data/``);
- ``IPS_MAP_CACHE_DIR``: downloaded listings and geocoding answers (default:
  ``$XDG_CACHE_HOME/ips-map`` or ``~/.cache/ips-map``);
- ``IPS_MAP_GEOCODE_URL``: address API of ``--geocode`` (:data:`DEFAULT_GEOCODE_URL`);
- ``IPS_MAP_INSEE_URL``: INSEE's download folder, for ``fetch census``
  (:data:`INSEE_BASE_URL`);
- ``IPS_MAP_GEO_API_URL``: API Découpage administratif, for ``fetch communes``
  (:data:`GEO_API_URL`);
- ``IPS_MAP_IMAGE``: ``0`` makes builds skip ``carte.png``/``carte.pdf`` unless asked for
  (``--image``; the test suite sets it, each image costs about a second);
- ``SOURCE_DATE_EPOCH``: the build date of reproducible builds (default: today).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from ips_map.errors import SettingsError

DEFAULT_OUT = Path("build")
DEFAULT_TITLE = "Services IPS (emploi accompagné) par département"
#: Folder of the embedded data; ``IPS_MAP_DATA_DIR`` points elsewhere (tests, forks).
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
#: Address API (Géoplateforme) of ``--geocode``; ``IPS_MAP_GEOCODE_URL`` replaces it.
DEFAULT_GEOCODE_URL = "https://data.geopf.fr/geocodage"
#: INSEE's download folder; ``IPS_MAP_INSEE_URL`` replaces it (tests, mirrors).
INSEE_BASE_URL = "https://www.insee.fr/fr/statistiques/fichier"
#: API Découpage administratif; ``IPS_MAP_GEO_API_URL`` replaces it.
GEO_API_URL = "https://geo.api.gouv.fr"
#: Lowest geocoding score kept (0 to 1); the BAN CSV geocoder's default threshold.
DEFAULT_MIN_SCORE = 0.5
#: Name of the geocoding cache file inside the cache folder.
GEOCODE_CACHE_NAME = "geocodage.json"
#: Bytes in a megabyte (Mo) of ``--max-size``.
MEGABYTE = 1_000_000
#: Largest download (decoded) and largest listing file read, in megabytes (``--max-size``).
DEFAULT_MAX_SIZE_MB = 50
DEFAULT_MAX_SIZE = DEFAULT_MAX_SIZE_MB * MEGABYTE
#: Seconds a download may take, every attempt and wait included (``--timeout``).
DEFAULT_TIMEOUT = 120.0

#: The access stage: population counted beyond these distances (km, ``--seuils-km``), and the
#: E2SFCA's distance bands (km, upper bounds) and weights (Luo & Qi 2009).
DEFAULT_ACCESS_THRESHOLDS_KM = (30.0, 60.0)
DEFAULT_ACCESS_BANDS_KM = (15.0, 30.0, 45.0)
DEFAULT_ACCESS_WEIGHTS = (1.0, 0.68, 0.22)
#: Commune seats suggested for new services (``--suggest``; 0: none).
DEFAULT_SUGGEST = 5


_URL = re.compile(r"(?i)^https?://")


def is_url(value) -> bool:
    """Return True when ``value`` is an http(s) URL (and not a local path)."""
    return isinstance(value, str) and bool(_URL.match(value.strip()))


def single_threaded_blas() -> None:
    """Ask numpy's and scipy's OpenBLAS for one thread, unless the caller said otherwise
    (``$OPENBLAS_NUM_THREADS``) or numpy is already loaded (then it is too late, and not
    ours to change).

    ips-map makes no matrix computation worth a second thread, but each OpenBLAS starts a
    thread per core when it is loaded, which spins waiting for work: on a two-core machine
    they took 0.2 to 0.4 s of processor from every build's own thread."""
    import sys

    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def data_dir() -> Path:
    """Return the folder that holds the data files: ``$IPS_MAP_DATA_DIR`` or ``data/``."""
    env = os.environ.get("IPS_MAP_DATA_DIR")
    return Path(env) if env else DEFAULT_DATA_DIR


def default_cache_dir() -> Path:
    """Return the download cache: ``$IPS_MAP_CACHE_DIR``, ``$XDG_CACHE_HOME/ips-map`` or
    ``~/.cache/ips-map``."""
    explicit = os.environ.get("IPS_MAP_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "ips-map"


def default_memo_dir() -> Path:
    """Return the folder of the results kept between builds (:mod:`ips_map.memo`):
    ``$IPS_MAP_MEMO_DIR``, else ``calculs/`` in :func:`default_cache_dir`."""
    explicit = os.environ.get("IPS_MAP_MEMO_DIR")
    return Path(explicit) if explicit else default_cache_dir() / "calculs"


def default_geocode_url() -> str:
    """Return the address API's base URL: ``$IPS_MAP_GEOCODE_URL`` or the Géoplateforme's."""
    return os.environ.get("IPS_MAP_GEOCODE_URL") or DEFAULT_GEOCODE_URL


def insee_base_url() -> str:
    """Return INSEE's download folder: ``$IPS_MAP_INSEE_URL`` or insee.fr's."""
    return os.environ.get("IPS_MAP_INSEE_URL") or INSEE_BASE_URL


def geo_api_url() -> str:
    """Return the API Découpage administratif: ``$IPS_MAP_GEO_API_URL`` or geo.api.gouv.fr."""
    return os.environ.get("IPS_MAP_GEO_API_URL") or GEO_API_URL


def default_services() -> Path:
    """Return the embedded example listing."""
    return data_dir() / "services" / "exemple.csv"


def default_suggest() -> int:
    """Return how many sites a build suggests by default (``--suggest``): 5, or
    ``IPS_MAP_SUGGEST`` (``0`` switches the suggestions off)."""
    text = os.environ.get("IPS_MAP_SUGGEST", "").strip()
    return int(text) if text.isdigit() else DEFAULT_SUGGEST


def default_image() -> bool:
    """Return whether builds draw the static images by default: yes, unless
    ``IPS_MAP_IMAGE`` is ``0``."""
    return os.environ.get("IPS_MAP_IMAGE", "").strip() != "0"


def default_csv_format() -> str:
    """Return the format of the CSV files written by default: ``francais`` (``;`` and
    decimal commas), unless ``IPS_MAP_CSV_FORMAT`` says ``international``."""
    value = os.environ.get("IPS_MAP_CSV_FORMAT", "").strip().lower()
    return "international" if value == "international" else "francais"


def default_build_date() -> str:
    """Return today's date, or ``SOURCE_DATE_EPOCH``'s for reproducible builds.

    Raises
    ------
    SettingsError
        When ``SOURCE_DATE_EPOCH`` is not a whole number of seconds.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return date.today().isoformat()
    try:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date().isoformat()
    except (ValueError, OverflowError, OSError):
        raise SettingsError(
            f"SOURCE_DATE_EPOCH « {epoch} » : un nombre entier de secondes depuis le 1er janvier "
            "1970 (UTC) est attendu, par exemple 1767225600 pour le 1er janvier 2026 ; "
            "corrigez ou supprimez cette variable d'environnement."
        ) from None


@dataclass(frozen=True)
class BuildSettings:
    """Everything a build depends on.

    Attributes
    ----------
    services
        Listing of services: a file (CSV, XLSX, ODS, GeoJSON) or an http(s) URL; the
        embedded example when None.
    cache_dir
        Download cache of a listing given as a URL (``listes/`` inside it); when None,
        ``$IPS_MAP_CACHE_DIR``, ``$XDG_CACHE_HOME/ips-map`` or ``~/.cache/ips-map``.
    out
        Folder of the outputs (``build/``).
    census_year
        Census vintage of the populations; the latest embedded when None.
    title
        Title of the map.
    build_date
        Date printed on the map (ISO); today, or ``SOURCE_DATE_EPOCH``.
    listing_date
        Date of the listing printed on the map; the file's modification date when None
        (the example's: the dates of its sources).
    previous
        Folder of an earlier build to compare with (``changes.csv``, the map's "Évolution"
        section and layer); no comparison when None.
    geocode
        Geocode the addresses that have no coordinates with the address API (off by default:
        it needs the network); answers are cached in ``geocodage.json`` in the cache folder
        (``cache_dir``), so that ``make clean`` does not forget them.
    geocode_url
        Base URL of the address API: ``$IPS_MAP_GEOCODE_URL``, else
        ``https://data.geopf.fr/geocodage``.
    geocode_min_score
        Lowest score (0 to 1) of a geocoding answer kept; 0.5 by default.
    types
        Service types that count for coverage (``ips``, ``emploi_accompagne``, ``autre``);
        every type by default. Services of other types are neither counted nor drawn.
    max_size
        Largest listing read, in bytes: a file, or a URL's answer once decoded (50 MB by
        default, :data:`DEFAULT_MAX_SIZE`).
    image
        Draw ``carte.png`` and ``carte.pdf`` (matplotlib) beside the page; by default yes,
        unless ``IPS_MAP_IMAGE`` is ``0`` (``--no-image``).
    timeout
        Seconds that downloading a listing given as a URL may take, every attempt and wait
        included (120 by default, :data:`DEFAULT_TIMEOUT`).
    region
        A région, by code or name (``84``, ``Auvergne-Rhône-Alpes``), for a regional edition:
        its départements only, in the map, the figures and the tables; the national map when
        None. Resolved by :func:`ips_map.territory.regions.find_region`.
    csv_format
        Format of the CSV files written: ``francais`` (``;``, ``0,298``: what a French
        spreadsheet opens in columns) or ``international`` (``,``, ``0.298``); see
        :data:`ips_map.outputs.CSV_FORMATS`. ``IPS_MAP_CSV_FORMAT`` sets the default.
    strict
        Stop, writing nothing, when rows of the listing are left out
        (:class:`~ips_map.errors.RowsLeftOut`, as ``ips-map validate`` fails); by default
        the map is built without them.
    access_thresholds_km, access_bands_km, access_weights
        The access stage's two distance thresholds (km), and the E2SFCA's bands (km) and
        weights (:data:`DEFAULT_ACCESS_THRESHOLDS_KM` and the others).
    suggest, suggest_after_planned
        How many commune seats to suggest for new services (0: none;
        ``IPS_MAP_SUGGEST`` sets the default), and whether the planned services count as
        open when they are chosen (:mod:`ips_map.pipeline.suggestions`).
    """

    services: Path | str | None = None
    out: Path = DEFAULT_OUT
    census_year: int | None = None
    title: str = DEFAULT_TITLE
    build_date: str = field(default_factory=default_build_date)
    listing_date: str | None = None
    cache_dir: Path | None = None
    previous: Path | None = None
    geocode: bool = False
    geocode_url: str = field(default_factory=default_geocode_url)
    geocode_min_score: float = DEFAULT_MIN_SCORE
    types: tuple[str, ...] = ("ips", "emploi_accompagne", "autre")
    max_size: int = DEFAULT_MAX_SIZE
    timeout: float = DEFAULT_TIMEOUT
    region: str | None = None
    image: bool = field(default_factory=default_image)
    csv_format: str = field(default_factory=default_csv_format)
    strict: bool = False
    access_thresholds_km: tuple[float, ...] = DEFAULT_ACCESS_THRESHOLDS_KM
    access_bands_km: tuple[float, ...] = DEFAULT_ACCESS_BANDS_KM
    access_weights: tuple[float, ...] = DEFAULT_ACCESS_WEIGHTS
    suggest: int = field(default_factory=default_suggest)
    suggest_after_planned: bool = False
    #: Draw the zones d'emploi too (--zones-emploi): a geography switch on the map.
    zones_emploi: bool = False

    @property
    def services_path(self) -> Path:
        """The listing to read, when it is a file."""
        return Path(self.services) if self.services else default_services()

    @property
    def services_source(self) -> Path | str:
        """The listing to read: a file, or an http(s) URL kept as text."""
        return str(self.services).strip() if is_url(self.services) else self.services_path

    @property
    def geocode_cache_path(self) -> Path:
        """The geocoding cache: ``geocodage.json`` in ``cache_dir`` (or its default)."""
        return Path(self.cache_dir or default_cache_dir()) / GEOCODE_CACHE_NAME

    @property
    def is_example(self) -> bool:
        """True when the listing is the embedded example."""
        if not isinstance(self.services_source, Path):
            return False
        return self.services_path.resolve() == default_services().resolve()

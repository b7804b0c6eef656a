"""Options of a build, with their documented defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from .errors import SettingsError
from .sources import data_dir

DEFAULT_OUT = Path("build")
DEFAULT_TITLE = "Services IPS (emploi accompagné) par département"
#: Address API (Géoplateforme) of ``--geocode``.
DEFAULT_GEOCODE_URL = "https://data.geopf.fr/geocodage"
#: Environment variable that overrides :data:`DEFAULT_GEOCODE_URL`.
GEOCODE_URL_ENV = "IPS_MAP_GEOCODE_URL"
#: Lowest geocoding score kept (0 to 1); the BAN CSV geocoder's default threshold.
DEFAULT_MIN_SCORE = 0.5
#: Name of the geocoding cache file inside the cache folder.
GEOCODE_CACHE_NAME = "geocodage.json"


def default_geocode_url() -> str:
    """Return the address API's base URL: ``$IPS_MAP_GEOCODE_URL`` or the Géoplateforme's."""
    return os.environ.get(GEOCODE_URL_ENV) or DEFAULT_GEOCODE_URL


def default_services() -> Path:
    """Return the embedded example listing."""
    return data_dir() / "services" / "exemple.csv"


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

    @property
    def services_path(self) -> Path:
        """The listing to read, when it is a file."""
        return Path(self.services) if self.services else default_services()

    @property
    def services_source(self) -> Path | str:
        """The listing to read: a file, or an http(s) URL kept as text."""
        from ._listing_source import is_url

        return str(self.services).strip() if is_url(self.services) else self.services_path

    @property
    def geocode_cache_path(self) -> Path:
        """The geocoding cache: ``geocodage.json`` in ``cache_dir`` (or its default)."""
        from ._listing_source import default_cache_dir

        return Path(self.cache_dir or default_cache_dir()) / GEOCODE_CACHE_NAME

    @property
    def is_example(self) -> bool:
        """True when the listing is the embedded example."""
        if not isinstance(self.services_source, Path):
            return False
        return self.services_path.resolve() == default_services().resolve()

"""The pieces of evidence of where a service is, each read from its row and resolved on its
own: coordinates, INSEE code, commune name, postcode, and the département alone."""

from __future__ import annotations

from dataclasses import dataclass

from ips_map.places._names import read_name
from ips_map.places._seats import SeatFinder
from ips_map.places.geometry import CoordinateReading, distance_km
from ips_map.places.outcome import RowNotes
from ips_map.territory.gazetteer import ARRONDISSEMENTS_CITY, Gazetteer
from ips_map.vocabulary import GEOCODE_ACCEPTED, PLACEMENT_METHODS

#: Two pieces of evidence further apart than this (km) disagree: coordinates 25 km from
#: the commune they name are reported, and the place most evidence agrees with wins.
FAR_KM = 20.0


@dataclass
class Evidence:
    """One piece of evidence of where a service is, resolved on its own."""

    method: str
    column: str
    value: str
    x: float
    y: float
    dep: str
    commune: str = ""
    pool: tuple[str, ...] = ()  # a postcode's communes

    @property
    def rank(self) -> int:
        """Position of the method in :data:`PLACEMENT_METHODS` (best first)."""
        return (
            list(PLACEMENT_METHODS).index(self.method)
            if self.method in PLACEMENT_METHODS
            else len(PLACEMENT_METHODS)
        )

    @property
    def label(self) -> str:
        """The method as reports word it."""
        return PLACEMENT_METHODS.get(self.method, self.method)

    def agrees_with(self, other: Evidence) -> bool:
        """Same département and the same place: one commune, or within FAR_KM."""
        if self.dep != other.dep:
            return False
        if self.commune and self.commune == other.commune:
            return True
        if (self.commune and self.commune in other.pool) or (
            other.commune and other.commune in self.pool
        ):
            return True
        return distance_km(self.x, self.y, other.x, other.y) <= FAR_KM


@dataclass
class Found:
    """Every usable piece of evidence of a row, best first, and what choosing needs."""

    #: The départements stated (two for the old Corsican "20"), empty when none.
    stated: tuple[str, ...]
    items: list[Evidence]
    by_code: Evidence | None
    by_name: Evidence | None
    #: The postcode as normalised, and the communes it is known for.
    postcode: str
    postcode_codes: list[str]
    #: What to say of the commune's name (misspelt, not found, shared), with where the
    #: service is finally placed: "" when the name was read as written.
    name_issue: str = ""
    #: The postcode as written, quoted by warnings.
    postcode_written: str = ""

    @property
    def usable(self) -> bool:
        """True when some piece points to a département (or to a postcode's communes)."""
        return any(e.dep or e.pool for e in self.items)


def gather_evidence(
    row: dict,
    reading: CoordinateReading | None,
    gazetteer: Gazetteer,
    seats: SeatFinder,
    notes: RowNotes,
) -> Found:
    """Read every piece of evidence of ``row``, noting why any is not usable.

    The département alone counts only when nothing else is usable: the service is then
    drawn at the chef-lieu.
    """
    stated = stated_departements(row)
    items: list[Evidence] = []
    by_coords = coordinate_evidence(row, reading, notes)
    if by_coords is not None:
        items.append(by_coords)
    by_code = code_evidence(row, gazetteer, notes)
    if by_code is not None:
        items.append(by_code)
    postcode = row["code_postal_n"]
    postcode_codes = gazetteer.by_postcode.get(postcode, []) if postcode else []
    if postcode and not postcode_codes:
        notes.note("code_postal", written(row, "code_postal"), "code postal inconnu : ignoré")
    hints = set(stated) | {e.dep for e in items}
    by_name, issue = name_evidence(row, gazetteer, postcode_codes, stated, hints, notes)
    if by_name is not None:
        items.append(by_name)
    if postcode_codes:
        items.append(postcode_evidence(gazetteer, written(row, "code_postal"), postcode_codes))
    if len(stated) == 1 and not any(e.dep or e.pool for e in items):
        # With a word on the commune, that word says where the service is placed.
        by_departement = departement_evidence(row, stated[0], seats, notes, quiet=bool(issue))
        if by_departement is not None:
            items.append(by_departement)
    quoted = written(row, "code_postal") if postcode else ""
    return Found(stated, items, by_code, by_name, postcode, postcode_codes, issue, quoted)


def stated_departements(row: dict) -> tuple[str, ...]:
    """The départements a row states: one, two for the old Corsican "20", none."""
    return tuple(row.get("departements_possibles") or ()) or (
        (row["departement_code"],) if row["departement_code"] else ()
    )


def written(row: dict, column: str) -> str:
    """A column's value as the listing wrote it (warnings quote it so), else as read."""
    return row.get(column) or row[f"{column}_n"]


def coordinate_evidence(
    row: dict, reading: CoordinateReading | None, notes: RowNotes
) -> Evidence | None:
    """The row's coordinates (or those geocoded from its address), when in a département."""
    if reading is None:
        return None
    geocoded = row.get("geocodage_statut") == GEOCODE_ACCEPTED
    value = f"{row['latitude']} ; {row['longitude']}"
    if geocoded:
        value = f"{row['geocodage_label']} ({row['lat']} ; {row['lon']})"
    if reading.departement is None:
        notes.note(
            "latitude", value, "coordonnées hors des 101 départements (même inversées) : ignorées"
        )
        return None
    if reading.swapped:
        notes.note(
            "latitude",
            value,
            f"latitude et longitude inversées : lues comme latitude {reading.lat}, "
            f"longitude {reading.lon} (dans le département {notes.name_of(reading.departement)})",
        )
    method = "adresse_geocodee" if geocoded else "coordonnees"
    return Evidence(method, "latitude", value, reading.lon, reading.lat, reading.departement)


def code_evidence(row: dict, gazetteer: Gazetteer, notes: RowNotes) -> Evidence | None:
    """The commune of the row's INSEE code: current, an arrondissement's city, or the commune
    an old code merged into."""
    code = row["code_commune_n"]
    if not code:
        return None
    quoted = written(row, "code_commune")
    method = "code_commune"
    if code not in gazetteer.communes and code in ARRONDISSEMENTS_CITY:
        city = gazetteer.commune(ARRONDISSEMENTS_CITY[code])
        notes.note(
            "code_commune",
            quoted,
            f"code d'arrondissement municipal : commune {city['code_commune']} ({city['nom']})",
        )
        code = city["code_commune"]
    elif code not in gazetteer.communes and code in gazetteer.old_to_new:
        new = gazetteer.old_to_new[code]
        notes.note(
            "code_commune",
            quoted,
            f"ancien code INSEE : commune actuelle {new} ({gazetteer.commune(new)['nom']})",
        )
        code, method = new, "ancien_code_commune"
    if code not in gazetteer.communes:
        notes.note("code_commune", quoted, "code INSEE inconnu (ni actuel ni ancien) : ignoré")
        return None
    commune = gazetteer.commune(code)
    return Evidence(
        method,
        "code_commune",
        quoted,
        commune["longitude"],
        commune["latitude"],
        commune["code_departement"],
        code,
    )


def name_evidence(
    row: dict,
    gazetteer: Gazetteer,
    postcode_codes: list[str],
    stated: tuple[str, ...],
    hints: set[str],
    notes: RowNotes,
) -> tuple[Evidence | None, str]:
    """The commune the row names, when only one fits (:func:`~ips_map.places._names.
    read_name`), and what to say of the name (said once the row is placed: "")."""
    written = row["commune"]
    if not written:
        return None, ""
    reading = read_name(written, gazetteer, postcode_codes, stated, hints, notes)
    if not reading.code:
        return None, reading.issue
    commune = gazetteer.commune(reading.code)
    evidence = Evidence(
        "commune",
        "commune",
        written,
        commune["longitude"],
        commune["latitude"],
        commune["code_departement"],
        reading.code,
    )
    return evidence, reading.issue


def postcode_evidence(
    gazetteer: Gazetteer, postcode: str, pool: list[str], dep: str | None = None
) -> Evidence:
    """The most populous of a postcode's communes (``pool``).

    ``dep`` is the département the pool lies in; by default the pool's own when it has one,
    empty when the postcode is shared by several (the département is chosen later).
    """
    best = max(pool, key=lambda c: gazetteer.commune(c)["population"])
    commune = gazetteer.commune(best)
    if dep is None:
        deps = {gazetteer.commune(c)["code_departement"] for c in pool}
        dep = commune["code_departement"] if len(deps) == 1 else ""
    return Evidence(
        "code_postal",
        "code_postal",
        postcode,
        commune["longitude"],
        commune["latitude"],
        dep,
        best,
        tuple(pool),
    )


def departement_evidence(
    row: dict, dep: str, seats: SeatFinder, notes: RowNotes, quiet: bool = False
) -> Evidence | None:
    """The département alone: enough for coverage, drawn at its chef-lieu (``quiet``: the
    row's warning about its commune says so)."""
    seat = seats(dep)
    if seat is None:
        return None
    lon, lat, seat_name = seat
    where = f"au chef-lieu ({seat_name})" if seat_name else "à l'intérieur du département"
    if quiet:
        return Evidence("departement", "departement", row["departement"], lon, lat, dep)
    notes.note(
        "departement",
        row["departement"],
        f"seul le département est connu : service compté dans le {notes.name_of(dep)} "
        f"et placé {where}, position approchée ; indiquez la commune, le code postal ou "
        "les coordonnées pour le placer exactement",
    )
    return Evidence("departement", "departement", row["departement"], lon, lat, dep)

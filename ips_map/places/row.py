"""Place one row, in four steps: gather its evidence, choose the département, choose the
place within it, build the result (a placed or a rejected row).

When the evidence disagrees, the best *consistent* evidence wins and the row's warnings say
which: first the département that most pieces of evidence (the stated département
included) point to; then, within it, the place most others agree with (same commune, or
within :data:`~ips_map.places.evidence.FAR_KM`), the best-ranked on a tie.
"""

from __future__ import annotations

from dataclasses import dataclass

from ips_map.errors import Problem
from ips_map.places._names import placed_where
from ips_map.places._seats import SeatFinder
from ips_map.places.evidence import (
    Evidence,
    Found,
    gather_evidence,
    postcode_evidence,
    stated_departements,
)
from ips_map.places.geometry import CoordinateReading, distance_km
from ips_map.places.outcome import PlacedRow, RejectedRow, RowNotes
from ips_map.territory.gazetteer import Gazetteer
from ips_map.vocabulary import PLACEMENT_METHODS


def place_row(
    row: dict,
    reading: CoordinateReading | None,
    gazetteer: Gazetteer,
    seats: SeatFinder,
    notes: RowNotes,
) -> PlacedRow | RejectedRow:
    """Place ``row`` from its evidence, or reject it with the reason.

    ``reading`` is how its coordinates read (None without coordinates); ``notes`` collects
    its warnings, which the result carries.
    """
    found = gather_evidence(row, reading, gazetteer, seats, notes)
    if not found.usable:
        _note_name(row, found, notes)
        if len(found.stated) > 1:
            notes.note(
                "departement",
                row["departement"],
                "« 20 » est l'ancien code de la Corse : indiquez « 2A » (Corse-du-Sud) ou "
                "« 2B » (Haute-Corse)",
            )
        return RejectedRow(row, _unlocatable(notes), notes.problems)
    choice = choose_departement(row, found, gazetteer, notes)
    if isinstance(choice, Problem):
        _note_name(row, found, notes)
        return RejectedRow(row, choice, notes.problems)
    winner, commune_code = choose_place(row, found, choice, gazetteer, notes)
    if found.name_issue:
        seat = seats(choice.code) if winner.method == "departement" else None
        where = placed_where(winner.method, commune_code, found, gazetteer, seat[2] if seat else "")
        _note_name(row, found, notes, where)
    return PlacedRow(
        row,
        method=winner.method,
        departement=choice.code,
        commune_code=commune_code,
        commune_name=gazetteer.commune(commune_code)["nom"] if commune_code else "",
        served=tuple(row["desservis"]) or (choice.code,),
        lon=winner.x,
        lat=winner.y,
        warnings=notes.problems,
    )


def placed_by_code_alone(row: dict, gazetteer: Gazetteer) -> PlacedRow | None:
    """What :func:`place_row` gives a row without coordinates whose only evidence is the
    INSEE code of a current commune (the usual row of a long listing), its département
    stated or not: placed at the commune's centre, without a warning. None for any other
    row, which :func:`place_row` places. Made without gathering the evidence: a long listing
    names thousands of communes this way (``tests/test_places.py`` holds the two to the same
    results)."""
    code = row["code_commune_n"]
    if not code or code not in gazetteer.communes:
        return None
    if row["code_postal_n"] or row["commune"] or row["desservis"]:
        return None
    commune = gazetteer.commune(code)
    dep = commune["code_departement"]
    if stated_departements(row) not in ((), (dep,)):
        return None
    return PlacedRow(
        row,
        method="code_commune",
        departement=dep,
        commune_code=code,
        commune_name=commune["nom"],
        served=(dep,),
        lon=commune["longitude"],
        lat=commune["latitude"],
    )


def _note_name(row: dict, found: Found, notes: RowNotes, where: str = "") -> None:
    """The row's one warning about its commune's name, with where it was placed."""
    if found.name_issue:
        joint = " ; " if " : " in found.name_issue else " : "
        notes.note("commune", row["commune"], found.name_issue + (joint + where if where else ""))


def _unlocatable(notes: RowNotes) -> Problem:
    # Say why each piece of evidence was not usable: that is what to fix.
    why = "".join(f" ; {n.colonne} « {n.valeur} » : {n.message}" for n in notes.problems)
    first = notes.problems[0] if notes.problems else Problem(notes.line, "", "", "")
    return notes.error(
        first.colonne,
        first.valeur,
        "service impossible à localiser : indiquez des coordonnées, le code INSEE de la "
        "commune, la commune avec son code postal, le code postal, ou au moins le "
        "département" + why,
    )


@dataclass
class DepartementChoice:
    """The département a row's evidence chose, and the evidence that lies in it."""

    code: str
    #: What voted for it, as reports word it ("coordonnées", "département indiqué").
    voters: list[str]
    inside: list[Evidence]


def choose_departement(
    row: dict, found: Found, gazetteer: Gazetteer, notes: RowNotes
) -> DepartementChoice | Problem:
    """Choose the département most pieces of evidence point to, noting those ignored.

    Returns the error that rejects the row on a tie, or when a postcode shared by several
    départements has no commune in the one chosen.
    """
    votes = _votes(found, gazetteer)
    most = max(len(v) for v in votes.values())
    top = [dep for dep, v in votes.items() if len(v) == most]
    if len(top) > 1:
        said = " ; ".join(f"{', '.join(votes[dep])} : {notes.name_of(dep)}" for dep in top)
        message = (
            f"contradiction entre les départements ({said}) : aucune localisation cohérente, "
            "corrigez la valeur fausse"
        )
        if any(dep in found.stated for dep in top):
            return notes.error(notes.header("departement"), row["departement"], message)
        return notes.error("", "", message)
    dep = top[0]
    items = [_within(item, dep, gazetteer) for item in found.items]
    inside = [e for e in items if e.dep == dep]
    if not inside:
        return notes.error(
            notes.header("departement"),
            row["departement"],
            f"contradiction : aucune commune du code postal {found.postcode} n'est dans le "
            f"département indiqué {notes.name_of(dep)} : corrigez l'une des deux valeurs",
        )
    _note_outvoted(row, items, dep, votes, found.stated, notes)
    return DepartementChoice(dep, votes[dep], inside)


def _votes(found: Found, gazetteer: Gazetteer) -> dict[str, list[str]]:
    """Each piece of evidence votes for its own département, the stated one too."""
    votes: dict[str, list[str]] = {}
    for item in found.items:
        if item.dep:
            votes.setdefault(item.dep, []).append(item.label)
    for dep in found.stated:
        votes.setdefault(dep, []).append("département indiqué")
    if not votes:
        # Only a postcode shared by several départements: its most populous commune's.
        item = next(e for e in found.items if e.pool)
        votes[gazetteer.commune(item.commune)["code_departement"]] = [
            PLACEMENT_METHODS["code_postal"]
        ]
    return votes


def _within(item: Evidence, dep: str, gazetteer: Gazetteer) -> Evidence:
    """A postcode shared by several départements takes its communes in ``dep``."""
    if item.method != "code_postal" or item.dep:
        return item
    pool = [c for c in item.pool if gazetteer.commune(c)["code_departement"] == dep]
    return postcode_evidence(gazetteer, item.value, pool, dep) if pool else item


def _note_outvoted(
    row: dict,
    items: list[Evidence],
    dep: str,
    votes: dict[str, list[str]],
    stated: tuple[str, ...],
    notes: RowNotes,
) -> None:
    for item in items:
        if item.dep != dep and item.dep:
            notes.note(
                item.column,
                item.value,
                f"{item.label} dans le département {notes.name_of(item.dep)}, contredit par "
                f"{', '.join(votes[dep])} ({notes.name_of(dep)}) : ignoré",
            )
    if stated and dep not in stated:
        notes.note(
            "departement",
            row["departement"],
            f"département indiqué contredit par {', '.join(votes[dep])} "
            f"({notes.name_of(dep)}) : service placé dans le {notes.name_of(dep)}, "
            "corrigez le département",
        )
    elif len(stated) > 1:
        notes.note(
            "departement",
            row["departement"],
            f"ancien code de la Corse lu comme {notes.name_of(dep)} (selon : "
            f"{', '.join(v for v in votes[dep] if v != 'département indiqué')}) : "
            f"indiquez « {dep} »",
        )


def choose_place(
    row: dict, found: Found, choice: DepartementChoice, gazetteer: Gazetteer, notes: RowNotes
) -> tuple[Evidence, str]:
    """Choose, within the département, the evidence most others agree with (the
    best-ranked on a tie), noting those far from it.

    Returns the winning evidence and the code of the commune the row is in (the winner's,
    else that of the best-ranked evidence agreeing with it; empty when none names one).
    """
    inside = choice.inside

    def support(item: Evidence) -> int:
        return sum(item.agrees_with(other) for other in inside if other is not item)

    winner = max(inside, key=lambda item: (support(item), -item.rank))
    _note_far(inside, winner, gazetteer, notes)
    by_code, by_name = found.by_code, found.by_name
    if (
        by_code is not None
        and by_name is not None
        and by_code.commune != by_name.commune
        and by_code.agrees_with(by_name)
    ):
        notes.note(
            "commune",
            row["commune"],
            f"le code INSEE {by_code.commune} désigne "
            f"{gazetteer.commune(by_code.commune)['nom']} : code INSEE retenu",
        )
    commune_code = winner.commune
    if not commune_code:
        agreeing = sorted(
            (
                o
                for o in inside
                if o.commune and o.method != "code_postal" and o.agrees_with(winner)
            ),
            key=lambda o: o.rank,
        )
        commune_code = agreeing[0].commune if agreeing else ""
    _note_postcode(found, inside, winner, commune_code, gazetteer, notes)
    return winner, commune_code


def _note_far(
    inside: list[Evidence], winner: Evidence, gazetteer: Gazetteer, notes: RowNotes
) -> None:
    for item in inside:
        if item is winner or item.agrees_with(winner):
            continue
        far = distance_km(item.x, item.y, winner.x, winner.y)
        where = (
            f" ({gazetteer.commune(item.commune)['nom']})"
            if item.commune and item.method != "code_postal"
            else ""
        )
        agreeing = [o.label for o in inside if o is not winner and o.agrees_with(winner)]
        because = f", cohérent avec {', '.join(agreeing)}" if agreeing else ""
        notes.note(
            item.column,
            item.value,
            f"{item.label}{where} à {far:.0f} km du lieu retenu : placé par "
            f"{winner.label}{because} ; vérifiez",
        )


def _note_postcode(
    found: Found,
    inside: list[Evidence],
    winner: Evidence,
    commune_code: str,
    gazetteer: Gazetteer,
    notes: RowNotes,
) -> None:
    postcode, quoted = found.postcode, found.postcode_written or found.postcode
    if found.name_issue:
        pass  # the warning about the commune's name says where the service is placed
    elif winner.method == "code_postal" and len(winner.pool) > 1:
        notes.note(
            "code_postal",
            quoted,
            f"{len(winner.pool)} communes partagent ce code postal : "
            f"placé au centre de la plus peuplée ({gazetteer.commune(winner.commune)['nom']})",
        )
    elif winner.method == "code_postal":
        notes.note("code_postal", quoted, "placé au centre de la commune du code postal")
    if not (commune_code and postcode and found.postcode_codes):
        return
    if commune_code in found.postcode_codes:
        return
    postcode_item = next((e for e in inside if e.method == "code_postal"), None)
    if postcode_item is None or postcode_item.agrees_with(winner):
        notes.note(
            "code_postal",
            quoted,
            f"code postal absent de la commune {gazetteer.commune(commune_code)['nom']} "
            "(CEDEX ?) : sans effet sur le placement",
        )

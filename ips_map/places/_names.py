"""A row's commune as it names it: the name read exactly, narrowed among homonyms, or a
misspelt name matched (rapidfuzz, :mod:`~ips_map.territory.fuzzy`) within the départements
the row states or its postcode lies in, never elsewhere.

What the name gave, or why it gave nothing, is said once per row, together with where the
service was finally placed (:func:`placed_where`): « valeur « Marseile » : commune lue comme
« Marseille » (13) : placé au centre de la commune », « valeur « Atlantis » : commune
introuvable … ; placé au centre du code postal 13001 (Marseille) ».
"""

from __future__ import annotations

from dataclasses import dataclass

from ips_map.places.outcome import RowNotes
from ips_map.territory.gazetteer import Gazetteer, arrondissement_city, commune_key

#: Homonyms quoted in a warning, at most.
_HOMONYMS_QUOTED = 6


@dataclass(frozen=True)
class NameReading:
    """The commune a row's name designates (``code``, empty when none), how it was found
    (``fuzzy``), and what to say of it (``issue``, empty when the name was read as
    written)."""

    code: str = ""
    issue: str = ""
    fuzzy: bool = False


def read_name(
    written: str,
    gazetteer: Gazetteer,
    postcode_codes: list[str],
    stated: tuple[str, ...],
    hints: set[str],
    notes: RowNotes,
) -> NameReading:
    """Read the commune ``written`` names.

    A name several communes share is narrowed by the postcode, the stated département, then
    the other evidence's (``hints``); a name no commune bears is matched among the communes
    of the stated départements, else of the postcode's.
    """
    key = commune_key(written)
    candidates = gazetteer.by_name.get(key, [])
    if not candidates:
        city = arrondissement_city(key)
        if city:
            candidates = gazetteer.by_name.get(city, [])
            if candidates:
                notes.note(
                    "commune", written, f"arrondissement lu comme la commune « {city.title()} »"
                )
    if not candidates:
        return _misspelt(written, key, gazetteer, postcode_codes, stated, notes)
    narrowed = candidates
    if len(narrowed) > 1 and postcode_codes:
        narrowed = [c for c in narrowed if c in postcode_codes] or narrowed
    for deps in (set(stated), hints):
        if len(narrowed) > 1 and deps:
            narrowed = [
                c for c in narrowed if gazetteer.commune(c)["code_departement"] in deps
            ] or narrowed
    if len(narrowed) > 1:
        return NameReading(issue=_homonyms(narrowed, gazetteer))
    return NameReading(narrowed[0])


def _homonyms(codes: list[str], gazetteer: Gazetteer) -> str:
    listed = ", ".join(_commune_words(c, gazetteer) for c in codes[:_HOMONYMS_QUOTED])
    more = f" et {len(codes) - _HOMONYMS_QUOTED} autres" if len(codes) > _HOMONYMS_QUOTED else ""
    return (
        f"{len(codes)} communes portent ce nom ({listed}{more}) : indiquez le code "
        "postal, le département ou le code INSEE"
    )


def _commune_words(code: str, gazetteer: Gazetteer) -> str:
    commune = gazetteer.commune(code)
    return f"{commune['nom']} ({code}, {commune['code_departement']})"


def _misspelt(
    written: str,
    key: str,
    gazetteer: Gazetteer,
    postcode_codes: list[str],
    stated: tuple[str, ...],
    notes: RowNotes,
) -> NameReading:
    """Match a name no commune bears within the stated départements, else the postcode's."""
    scope = stated or tuple(
        dict.fromkeys(gazetteer.commune(c)["code_departement"] for c in postcode_codes)
    )
    not_found = "commune introuvable dans le COG 2026"
    if not scope or not key:
        return NameReading(
            issue=f"{not_found} : vérifiez l'orthographe ou indiquez le code INSEE (avec le "
            "département ou le code postal, une orthographe proche est cherchée)"
        )
    match = gazetteer.fuzzy.match(key, scope)
    where = " ou ".join(notes.name_of(dep) for dep in scope)
    if match.code:
        commune = gazetteer.commune(match.code)
        return NameReading(
            match.code,
            f"commune lue comme « {commune['nom']} » ({commune['code_departement']})",
            fuzzy=True,
        )
    if not match.candidates:
        return NameReading(
            issue=f"{not_found} (aucune commune d'orthographe proche dans le {where}) : "
            "vérifiez l'orthographe ou indiquez le code INSEE"
        )
    closest = ", ".join(
        f"« {gazetteer.commune(code)['nom']} » ({code})" for code, _ in match.candidates
    )
    return NameReading(
        issue=f"{not_found} ; les plus proches dans le {where} : {closest} : corrigez le nom "
        "ou indiquez le code INSEE"
    )


def placed_where(method: str, commune_code: str, found, gazetteer: Gazetteer, seat: str) -> str:
    """Where a row was finally placed, as its one warning about its commune says it."""
    name = gazetteer.commune(commune_code)["nom"] if commune_code else ""
    if method == "coordonnees":
        return "placé aux coordonnées indiquées"
    if method == "adresse_geocodee":
        return "placé à l'adresse géocodée"
    if method in ("code_commune", "ancien_code_commune"):
        return f"placé au centre de la commune du code INSEE ({name})"
    if method == "commune":
        return "placé au centre de la commune"
    if method == "code_postal":
        pool = len(found.postcode_codes)
        among = f", la plus peuplée des {pool} communes de ce code" if pool > 1 else ""
        return (
            f"placé au centre du code postal {found.postcode} ({name}{among}), position approchée"
        )
    return f"placé au chef-lieu du département ({seat}), position approchée"

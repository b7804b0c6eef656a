"""Misspelt commune names ("Marseile", "Bordaux", "Villeurbane") matched to today's communes,
only among the communes of the départements a row states (or of its postcode).

The names are compared by their :func:`~ips_map.territory.gazetteer.commune_key` with
rapidfuzz's ``fuzz.ratio`` (the normalised Indel similarity, 0 to 100). A name is read as a
commune when it is one **clear** match: a score of at least :data:`MIN_SCORE`, and
:data:`MIN_MARGIN` points above the best other commune; otherwise the closest communes (at
most :data:`MAX_CANDIDATES`, each at least :data:`CANDIDATE_SCORE`) are listed for the user
to choose. "Marseile" scores 94 against "Marseille", "Lyonn" 89 against "Lyon"; two real
communes of one département seldom score above 88 against each other's names.

The names of a département are keyed the first time a row needs them (issue 10's rule: an
index only when a row needs it), one département at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Lowest score (0-100) of a name read as a commune ("Lyonn" scores 88.9 against "Lyon",
#: "Saint-Jen" 85.7 against "Saint-Julien": listed, not read).
MIN_SCORE = 88.0
#: Points a clear match must score above the best other commune.
MIN_MARGIN = 5.0
#: Lowest score of a commune listed as a close candidate.
CANDIDATE_SCORE = 60.0
#: Most candidates listed when no match is clear.
MAX_CANDIDATES = 3


@dataclass(frozen=True)
class FuzzyMatch:
    """What a misspelt name is closest to within some départements.

    ``code`` is the commune read (empty when no match is clear); ``candidates`` the closest
    communes, best first, as ``(code, score)`` (one per commune).
    """

    code: str
    score: float
    candidates: tuple[tuple[str, float], ...]


class FuzzyNames:
    """The commune names of each département, keyed the first time a row needs them, and
    their matching.

    Parameters
    ----------
    names, codes, departements
        Every name a commune bears (today's and former ones), the code of the commune
        that bears it today and that commune's département, one item per name.
    keys
        The keys of a list of names (:func:`~ips_map.territory.gazetteer.commune_keys`).
    """

    def __init__(self, names: list[str], codes: list[str], departements: list[str], keys):
        self._keys = keys
        self._names = np.array(names, dtype=object)
        self._codes = np.array(codes, dtype=object)
        self._departements = np.array(departements, dtype=object)
        self._choices: dict[str, tuple[list[str], list[str]]] = {}

    def _names_of(self, dep: str) -> tuple[list[str], list[str]]:
        """The keys and commune codes of ``dep``: its names keyed on first need only."""
        found = self._choices.get(dep)
        if found is None:
            mine = self._departements == dep
            keys = self._keys(self._names[mine].tolist())
            found = self._choices[dep] = (keys, self._codes[mine].tolist())
        return found

    def match(self, key: str, departements) -> FuzzyMatch:
        """Match a commune key among the communes of ``departements`` (codes)."""
        from rapidfuzz import fuzz, process  # imported for the rows that need it only

        keys: list[str] = []
        codes: list[str] = []
        for dep in dict.fromkeys(departements):
            dep_keys, dep_codes = self._names_of(dep)
            keys += dep_keys
            codes += dep_codes
        best: dict[str, float] = {}
        scored = process.extract(
            key, keys, scorer=fuzz.ratio, limit=None, score_cutoff=CANDIDATE_SCORE
        )
        for _, score, index in scored:
            code = codes[index]
            if score > best.get(code, -1.0):
                best[code] = score
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        if not ranked:
            return FuzzyMatch("", 0.0, ())
        top_code, top = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        clear = top >= MIN_SCORE and top - second >= MIN_MARGIN
        return FuzzyMatch(top_code if clear else "", top, tuple(ranked[:MAX_CANDIDATES]))

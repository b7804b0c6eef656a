"""A listing's records normalised column group by column group, each value read once.

Every function of :mod:`~ips_map.listing.values` is called once per distinct value of its
column(s) (:func:`_each`), its results mapped back to the rows with numpy. The problems are
written only for the rows that have one, each with its line, the column as the file's
header names it and the value as written; a row's problems come in the order of the steps
(name, type and statut, coordinates, capacity, address, outre-mer, département, départements
served, website), and a département is read only when no step before it rejected the row.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from ips_map.errors import ERREUR, Problem
from ips_map.listing import values
from ips_map.progress import Advance, ignore
from ips_map.territory.names import joined_apart
from ips_map.vocabulary import UNRECOGNISED_STATUS

#: The columns the normalised records add to the canonical ones, in this order.
ADDED_COLUMNS = (
    "lat",
    "lon",
    "capacite_n",
    "code_postal_n",
    "code_commune_n",
    "departement_code",
    "departements_possibles",
    "desservis",
    "statut_ecrit",
)
_TEMPLATE_NAME_MESSAGE = (
    "ligne d'exemple du modèle (ips-map template) : remplacez-la par un vrai service "
    "ou supprimez-la"
)


def _each(column: np.ndarray, read) -> tuple[list, np.ndarray]:
    """``read`` of each distinct value of ``column``, and the index of each row's value."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return [read(value) for value in uniques], codes


def _part(results: list, k: int, codes: np.ndarray) -> np.ndarray:
    """Item ``k`` of each result, for each row."""
    part = np.empty(len(results), dtype=object)
    for i, result in enumerate(results):
        part[i] = result[k]
    return part[codes]


class Normalised:
    """The records of a listing's rows, normalised column by column."""

    def __init__(self, record: dict[str, np.ndarray], as_written: dict[str, str], unit: str):
        self.record = record
        self.as_written = as_written
        self.unit = unit
        self.size = len(record["ligne"])
        self.warnings: dict[int, list[Problem]] = {}
        self.fatal: dict[int, list[Problem]] = {}

    def _problem(self, k: int, column: str, value: str, message: str, severity: str):
        line = int(self.record["ligne"][k])
        header = self.as_written.get(column, column)
        if severity == ERREUR:
            return Problem(line, header, value, message, ERREUR, self.unit)
        return Problem(line, header, value, message, unite=self.unit)

    def warn(self, column: str, notes: np.ndarray, shown: np.ndarray | None = None) -> None:
        """Warn about ``column`` on the rows whose note is not None (or empty); the value
        quoted is ``shown``'s, else the column's as it is now."""
        quoted = self.record[column] if shown is None else shown
        for k in np.flatnonzero(_noted(notes)).tolist():
            problem = self._problem(k, column, quoted[k], notes[k], "")
            self.warnings.setdefault(k, []).append(problem)

    def fail(self, column: str, mask: np.ndarray, messages) -> None:
        """Reject the rows of ``mask`` for ``column`` (its value as it is now)."""
        for k in np.flatnonzero(mask).tolist():
            message = messages if isinstance(messages, str) else messages[k]
            problem = self._problem(k, column, self.record[column][k], message, ERREUR)
            self.fatal.setdefault(k, []).append(problem)

    def steps(self) -> tuple:
        """Every step, in order."""
        return (
            self._name,
            self._type_and_status,
            self._coordinates,
            self._capacity,
            self._address,
            self._overseas,
            self._departement,
            self._served,
            self._website,
        )

    def run(self, advance: Advance = ignore) -> None:
        """Every step, in order, telling ``advance`` each one done."""
        for step in self.steps():
            step()
            advance(1)

    def _name(self) -> None:
        names = self.record["nom"]
        empty = names == ""
        self.fail("nom", empty, "nom manquant : chaque service doit avoir un nom")
        self.fail("nom", ~empty & _template_examples(names), _TEMPLATE_NAME_MESSAGE)

    def _type_and_status(self) -> None:
        record = self.record
        results, codes = _each(record["type"], values.read_type)
        self.warn("type", _part(results, 1, codes))
        record["type"] = _part(results, 0, codes)
        written = record["statut"]
        results, codes = _each(written, values.read_status)
        statuts = _part(results, 0, codes)
        self.warn("statut", _part(results, 1, codes))
        # A statut it cannot read keeps the row, with the statut as written beside.
        unknown = statuts == UNRECOGNISED_STATUS
        record["statut_ecrit"] = np.where(unknown, written, "")
        record["statut"] = statuts

    def _coordinates(self) -> None:
        record = self.record
        pairs = _pairs(record["latitude"], record["longitude"])
        results, codes = _each(pairs, lambda pair: values.read_coordinates(*pair))
        columns, notes = _part(results, 2, codes), _part(results, 3, codes)
        for column in ("latitude", "longitude"):
            self.warn(column, np.where(columns == column, notes, None))
        record["lat"] = np.array([r.lat for r in results], dtype=float)[codes]
        record["lon"] = np.array([r.lon for r in results], dtype=float)[codes]

    def _capacity(self) -> None:
        results, codes = _each(self.record["capacite"], values.read_capacity)
        self.record["capacite_n"] = np.array([r[0] for r in results], dtype=float)[codes]
        self.warn("capacite", _part(results, 1, codes))

    def _address(self) -> None:
        record = self.record
        for column, read in (
            ("code_postal", values.read_postcode),
            ("code_commune", values.read_insee_code),
        ):
            results, codes = _each(record[column], read)
            record[f"{column}_n"] = _part(results, 0, codes)
            self.warn(column, _part(results, 1, codes))
        results, codes = _each(record["commune"], values.read_commune)
        notes = _part(results, 1, codes)
        self.warn("commune", notes)
        record["commune"] = np.where(_noted(notes), _part(results, 0, codes), record["commune"])

    def _overseas(self) -> None:
        """A collectivité d'outre-mer is not a département: the row is rejected."""
        record = self.record
        refused = np.zeros(self.size, dtype=bool)
        for column, value in (
            ("departement", "departement"),
            ("code_commune", "code_commune_n"),
            ("code_postal", "code_postal_n"),
        ):
            results, codes = _each(record[value], lambda v, c=column: values.overseas_refusal(v, c))
            refusals = np.array(results, dtype=object)[codes] if results else codes
            mask = _noted(refusals) & ~refused
            self.fail(column, mask, refusals)
            refused |= mask

    def _departement(self) -> None:
        record = self.record
        rejected = np.zeros(self.size, dtype=bool)
        rejected[list(self.fatal)] = True
        read = np.where(rejected, "", record["departement"])
        results, codes = _each(read, values.read_departement)
        record["departement_code"] = _part(results, 0, codes)
        record["departements_possibles"] = _part(results, 1, codes)
        self.warn("departement", _part(results, 2, codes))

    def _served(self) -> None:
        results, codes = _each(self.record["departements_desservis"], values.read_departements_list)
        self.record["desservis"] = _part(results, 0, codes)
        unreadable = _part(results, 1, codes)
        for k in np.flatnonzero(np.array([bool(r[1]) for r in results], bool)[codes]).tolist():
            for part, note in unreadable[k]:
                problem = self._problem(k, "departements_desservis", part, note, "")
                self.warnings.setdefault(k, []).append(problem)

    def _website(self) -> None:
        written = self.record["site_web"]
        results, codes = _each(written, values.read_website)
        sites, notes = _part(results, 0, codes), _part(results, 1, codes)
        # The value quoted as written (« www.aphm.fr »), the completed one in the note.
        self.warn("site_web", notes, written)
        self.record["site_web"] = sites

    def frame(self, kept: np.ndarray) -> pd.DataFrame:
        """The records of the rows ``kept``, as the listing's table."""
        if not kept.any():
            return pd.DataFrame.from_records([])
        return pd.DataFrame({name: column[kept] for name, column in self.record.items()})


def _noted(notes: np.ndarray) -> np.ndarray:
    """True where there is a note (not None, not empty)."""
    return ~np.equal(notes, None) & (notes != "")


def _pairs(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    pairs = np.empty(len(first), dtype=object)
    pairs[:] = list(zip(first.tolist(), second.tolist()))
    return pairs


#: "fictif", whatever is not a letter a-z between its letters.
_FICTIF = "[^a-z]*".join("fictif")
#: The same within one of texts joined by NUL characters.
_FICTIF_IN_ONE = re.compile("[^a-z\0]*".join("fictif"))


def _template_examples(names: np.ndarray) -> np.ndarray:
    """True for the names of the example row of ``ips-map template``.

    :func:`values.is_template_example` compares ``text_key`` forms, Python per name. It is
    called only for the names that can fold to the example's: those whose NFKD form, in
    lower case and without anything but the letters a-z, contains "fictif". A word of the
    example's key, it can only come from such letters, in that order. The names are first
    folded together, joined by NUL characters (a character that neither NFKD nor
    lowercasing makes or joins to another): the usual listing has none of them.
    """
    found = np.zeros(len(names), dtype=bool)
    together = joined_apart([name for name in names.tolist() if isinstance(name, str)], "\0")
    folded_together = None if together is None else unicodedata.normalize("NFKD", together)
    if folded_together is not None and not _FICTIF_IN_ONE.search(folded_together.lower()):
        return found
    folded = pd.Series(names, dtype=object).str.normalize("NFKD").str.lower()
    candidates = folded.str.contains(_FICTIF, regex=True).to_numpy(dtype=bool)
    for k in np.flatnonzero(candidates).tolist():
        found[k] = values.is_template_example(names[k])
    return found

"""Look-ups from codes, names and postcodes to today's communes.

One :class:`Gazetteer` per build serves geocoding and placement; :func:`commune_key` is the
key that matches the ways people write a commune's name.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator, Mapping
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from ips_map.memo import read_texts, remembered, text_arrays
from ips_map.territory.data import COMMUNE_COLUMNS
from ips_map.territory.fuzzy import FuzzyNames
from ips_map.territory.names import joined_apart, text_key


class _Communes(Mapping):
    """Today's communes by code, each a plain dict made when first asked for: the table's
    columns are kept as lists, so that a build that places a few rows pays for a few."""

    def __init__(self, table: pd.DataFrame):
        self._columns = {name: table[name].tolist() for name in COMMUNE_COLUMNS}
        self._index = {code: i for i, code in enumerate(self._columns["code_commune"])}
        self._rows: dict[str, dict] = {}

    def __getitem__(self, code: str) -> dict:
        row = self._rows.get(code)
        if row is None:
            i = self._index[code]
            row = self._rows[code] = {name: column[i] for name, column in self._columns.items()}
        return row

    def __contains__(self, code) -> bool:
        return code in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def column(self, name: str) -> list:
        """One column of the table, in the table's order."""
        return self._columns[name]


class Gazetteer:
    """Look-ups from codes, names and postcodes to today's communes.

    Communes are plain dicts (a pandas row per look-up costs too much for 100,000 rows);
    the name and postcode indexes are built on first use only. A build makes one, for
    geocoding (:mod:`ips_map.geocode`) and placement.

    Parameters
    ----------
    communes, old_codes
        :func:`ips_map.territory.load_communes` and :func:`~ips_map.territory.load_old_codes`.
    """

    def __init__(self, communes: pd.DataFrame, old_codes: pd.DataFrame):
        self.communes = _Communes(communes)
        # Whole columns as lists: iterating a pandas column costs a call per value.
        today = old_codes["code_commune"].tolist()
        self.old_to_new = dict(zip(old_codes["ancien_code"].tolist(), today))
        self._old_names = list(zip(old_codes["ancien_nom"].tolist(), today))

    @cached_property
    def by_name(self) -> Mapping[str, list[str]]:
        """The communes of each :func:`commune_key` of a name, today's or a former one's
        (codes in the order of the table, each once). Kept between builds
        (:mod:`ips_map.memo`) as sorted keys, read back without making a dict of 37,000."""
        names = self.communes.column("nom") + [name for name, _ in self._old_names]
        codes = self.communes.column("code_commune") + [code for _, code in self._old_names]
        if "" in names:  # a name left empty names no commune
            kept = [i for i, name in enumerate(names) if name]
            names, codes = [names[i] for i in kept], [codes[i] for i in kept]
        return remembered(
            "index_noms",
            [names, codes],
            lambda: _name_index_arrays(names, codes),
            _NameIndex.read,
        )

    @cached_property
    def by_postcode(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        columns = self.communes.column("code_commune"), self.communes.column("codes_postaux")
        for code, postcodes in zip(*columns):
            for postcode in postcodes.split():
                index.setdefault(postcode, []).append(code)
        return index

    @cached_property
    def fuzzy(self) -> FuzzyNames:
        """Misspelt names matched within some départements (:mod:`~ips_map.territory.fuzzy`),
        built the first time a row needs it."""
        codes = self.communes.column("code_commune")
        of = dict(zip(codes, self.communes.column("code_departement")))
        pairs = [*zip(self.communes.column("nom"), codes), *self._old_names]
        pairs = [(name, code) for name, code in pairs if name and code in of]
        names = [name for name, _ in pairs]
        today = [code for _, code in pairs]
        return FuzzyNames(names, today, [of[code] for code in today], commune_keys)

    def commune(self, code: str) -> dict:
        return self.communes[code]


def _name_index_arrays(names: list[str], codes: list[str]) -> dict:
    index: dict[str, list[str]] = {}
    for key, code in zip(commune_keys(names), codes):
        found = index.get(key)
        if found is None:
            index[key] = [code]
        elif code not in found:
            found.append(code)
    keys = sorted(index)
    arrays = text_arrays("keys", keys)
    arrays.update(text_arrays("codes", [code for key in keys for code in index[key]]))
    arrays["counts"] = np.array([len(index[key]) for key in keys], dtype=np.int64)
    return arrays


class _NameIndex(Mapping):
    """Codes by name key, looked up by bisection in the sorted keys."""

    def __init__(self, keys: list[str], codes: list[str], starts: list[int]):
        self._keys, self._codes, self._starts = keys, codes, starts

    @classmethod
    def read(cls, arrays) -> _NameIndex:
        keys, codes = read_texts(arrays, "keys"), read_texts(arrays, "codes")
        counts = arrays["counts"]
        if len(counts) != len(keys) or int(counts.sum()) != len(codes) or np.any(counts < 1):
            raise ValueError("index des noms gardé incohérent")
        return cls(keys, codes, [0, *np.cumsum(counts).tolist()])

    def __getitem__(self, key: str) -> list[str]:
        i = bisect.bisect_left(self._keys, key)
        if i == len(self._keys) or self._keys[i] != key:
            raise KeyError(key)
        return self._codes[self._starts[i] : self._starts[i + 1]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


_SHARED: list[tuple[pd.DataFrame, pd.DataFrame, Gazetteer]] = []


def shared_gazetteer(communes: pd.DataFrame, old_codes: pd.DataFrame) -> Gazetteer:
    """Return the :class:`Gazetteer` of these two tables, built once for the process.

    The tables are the ones :func:`~ips_map.territory.data.load_communes` and
    :func:`~ips_map.territory.data.load_old_codes` keep for the process (the same objects
    until their file changes): every build of the process shares their look-ups, which are
    never modified.
    """
    for known_communes, known_old, gazetteer in _SHARED:
        if known_communes is communes and known_old is old_codes:
            return gazetteer
    gazetteer = Gazetteer(communes, old_codes)
    _SHARED[:] = [(communes, old_codes, gazetteer)]
    return gazetteer


#: Abbreviations in commune names: "St", "Ste", "Chalon s/ Saône", "Villers ss Bois".
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "s": "sur", "ss": "sous"}


@lru_cache(maxsize=1 << 17)
def commune_key(name: str) -> str:
    """Return a key that matches the ways people write a commune's name.

    Case, accents, hyphens and apostrophes are ignored, "St"/"Ste" read as "Saint"/"Sainte"
    ("s/" and "ss" as "sur" and "sous"), and a leading article ("Le", "La", "Les", "L'", or
    the COG's "Havre (Le)") is dropped.
    """
    # The COG writes "Havre (Le)": an article in brackets at the end is dropped as well.
    name = re.sub(r"(?i)\s*\((?:le|la|les|l'|l’)\)\s*$", "", name)
    words = text_key(name).split()
    # "s"/"ss" are abbreviations only inside a name ("Chalon s/ Saône"), never first.
    words = [
        w if i == 0 and w in ("s", "ss") else _ABBREVIATIONS.get(w, w) for i, w in enumerate(words)
    ]
    if len(words) > 1 and words[0] in ("le", "la", "les", "l"):
        words = words[1:]
    return " ".join(words)


# commune_keys: commune_key's steps, each made once on all the names joined by newlines
# (none holds one). Each step treats the lines apart: NFKD and the other foldings work
# character by character, and every pattern stops at a newline.
_ARTICLE_IN_BRACKETS = re.compile(r"(?im)[^\S\n]*\((?:le|la|les|l'|l’)\)[^\S\n]*$")
_NOT_ALNUM = re.compile(r"[^0-9a-z\n]+")
_LINE_EDGE_SPACE = re.compile(r"(?m)^ | $")
_ABBREVIATION_INSIDE = re.compile(r"(?m)(?<= )(?:st|ste|s|ss)(?= |$)")
_ABBREVIATION_FIRST = re.compile(r"(?m)^(?:st|ste)(?= |$)")
_LEADING_ARTICLE = re.compile(r"(?m)^(?:le|la|les|l) ")


#: Name lists at least this long have their keys kept between builds (:mod:`ips_map.memo`):
#: the communes' and their former names', about 37,000.
KEPT_KEYS = 1_000


def commune_keys(names: list[str]) -> list[str]:
    """Return ``[commune_key(name) for name in names]``, made for tens of thousands of
    names at once: each step of :func:`commune_key` and :func:`text_key` runs once on
    the names joined by newlines instead of once per name. The keys of a long list (the
    gazetteer's) are kept between builds."""
    if len(names) < KEPT_KEYS:
        return _commune_keys(names)
    return remembered(
        "cles_communes",
        [names],
        lambda: text_arrays("keys", _commune_keys(names)),
        lambda arrays: _same_count(read_texts(arrays, "keys"), len(names)),
    )


def _same_count(keys: list[str], count: int) -> list[str]:
    if len(keys) != count:
        raise ValueError(f"{count} clés attendues, {len(keys)} lues")
    return keys


def _commune_keys(names: list[str]) -> list[str]:
    text = joined_apart(names, "\n")
    if not names or text is None:
        return [commune_key(name) for name in names]
    text = _ARTICLE_IN_BRACKETS.sub("", text)
    text = unicodedata.normalize("NFKD", text)
    combining = sorted(ch for ch in set(text) if unicodedata.combining(ch))
    if combining:
        text = re.sub("[" + "".join(map(re.escape, combining)) + "]+", "", text)
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    text = _LINE_EDGE_SPACE.sub("", _NOT_ALNUM.sub(" ", text))
    text = _ABBREVIATION_INSIDE.sub(_expand_abbreviation, text)
    text = _ABBREVIATION_FIRST.sub(_expand_abbreviation, text)
    return _LEADING_ARTICLE.sub("", text).split("\n")


def _expand_abbreviation(match: re.Match) -> str:
    return _ABBREVIATIONS[match.group()]


#: Codes of the municipal arrondissements of Paris, Lyon and Marseille, and their commune.
ARRONDISSEMENTS_CITY = {
    **{f"751{n:02d}": "75056" for n in range(1, 21)},
    **{f"132{n:02d}": "13055" for n in range(1, 17)},
    **{f"6938{n}": "69123" for n in range(1, 10)},
}
#: The same, by commune: "75056" → ("75101", …, "75120"); the address API gives addresses
#: in these three communes their arrondissement's code (:mod:`ips_map.geocode`).
CITY_ARRONDISSEMENTS = {
    city: tuple(code for code, of in ARRONDISSEMENTS_CITY.items() if of == city)
    for city in dict.fromkeys(ARRONDISSEMENTS_CITY.values())
}
_ARRONDISSEMENT = re.compile(
    r"^(paris|lyon|marseille)\s+(?:\d{1,2}|[ivxl]+)\s*(?:e|er|eme|ieme|ème)?"
    r"(?:\s+arr(?:ondissement|t)?)?$"
)


def arrondissement_city(key: str) -> str:
    """Return "paris" for "paris 15e", "paris xv eme arrondissement", else ""."""
    match = _ARRONDISSEMENT.match(key)
    return match.group(1) if match else ""

"""What is asked of the address API for a row: the commune(s) the row names, and the query
(the address with its postcode and commune, filtered by the commune's code when sure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ips_map.territory.gazetteer import (
    ARRONDISSEMENTS_CITY,
    CITY_ARRONDISSEMENTS,
    Gazetteer,
    commune_key,
)
from ips_map.territory.names import text_key


@dataclass(frozen=True)
class Query:
    """One query to ``/search``: the text and at most one filter."""

    q: str
    citycode: str = ""
    postcode: str = ""

    @property
    def key(self) -> str:
        """Cache key: the text without case, accents or punctuation, and the filter."""
        key = text_key(self.q)
        if self.citycode:
            key += f"|citycode={self.citycode}"
        elif self.postcode:
            key += f"|postcode={self.postcode}"
        return key

    @property
    def params(self) -> dict:
        """Parameters of the request (one result; full words, not autocompletion)."""
        params = {"q": self.q, "limit": 1, "autocomplete": 0}
        if self.citycode:
            params["citycode"] = self.citycode
        elif self.postcode:
            params["postcode"] = self.postcode
        return params

    def __str__(self) -> str:
        if self.citycode:
            return f"{self.q} [citycode={self.citycode}]"
        if self.postcode:
            return f"{self.q} [postcode={self.postcode}]"
        return self.q


def stated_communes(row: dict, gazetteer: Gazetteer) -> set[str]:
    """Today's commune(s) a row names (code first, else name), empty when none."""
    code = row["code_commune_n"]
    if code and code not in gazetteer.communes and code not in ARRONDISSEMENTS_CITY:
        code = gazetteer.old_to_new.get(code, "")
    if code:
        return {code}
    candidates = (
        set(gazetteer.by_name.get(commune_key(row["commune"]), ())) if row["commune"] else set()
    )
    postcode = set(gazetteer.by_postcode.get(row["code_postal_n"], ()))
    if len(candidates) > 1 and candidates & postcode:
        candidates = candidates & postcode
    dep = row["departement_code"]
    if len(candidates) > 1 and dep:
        candidates = {
            c for c in candidates if gazetteer.commune(c)["code_departement"] == dep
        } or candidates
    return candidates


def build_query(row: dict, stated: set[str], known_postcode: bool) -> Query:
    """The query for a row's address; ``stated`` is :func:`stated_communes`, and
    ``known_postcode`` whether the row's postcode is a real one (else it is not sent)."""
    address = " ".join(row["adresse"].split())
    key = text_key(address)
    parts = [address]
    postcode = row["code_postal_n"] if known_postcode else ""
    if postcode and postcode not in key.split():
        parts.append(postcode)
    if row["commune"] and commune_key(row["commune"]) not in commune_key(address):
        parts.append(" ".join(row["commune"].split()))
    # The API wants a letter or a digit first ("q must … start with a number or a letter").
    q = re.sub(r"^[\W_]+", "", " ".join(parts))
    citycode = next(iter(stated)) if len(stated) == 1 else ""
    # citycode must be 5 digits (no "2A004"), and Paris, Lyon and Marseille addresses carry
    # their arrondissement's code: the postcode filters those.
    if not re.fullmatch(r"\d{5}", citycode) or citycode in CITY_ARRONDISSEMENTS:
        citycode = ""
    return Query(q=q, citycode=citycode, postcode="" if citycode else postcode)

"""One verdict on a listing, said in the same words by ``ips-map validate`` and ``ips-map
build``: whether the map can be built, which rows are left out and how to fix each (one line
per row), then what was corrected or ignored (one line per fix).

``validate`` prints it as its report; ``build`` prints it on the standard error before its
summary, and ``build --strict`` stops with it, writing nothing, when rows are left out
(:class:`~ips_map.errors.RowsLeftOut`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ips_map.errors import ERREUR, Problem
from ips_map.listing.read import Listing, describe_format
from ips_map.vocabulary import PLACEMENT_METHODS, RowCounts, plural


@dataclass
class Verdict:
    """What became of a listing's rows, and what to say of it.

    ``rejects`` are the rows left out (reading's, then placement's), ``problems`` every
    problem found (their errors included: they are in the rejects' reasons).
    """

    listing: Listing | None
    counts: RowCounts
    services: pd.DataFrame
    rejects: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def buildable(self) -> bool:
        """True when the map can be built: at least one service placed."""
        return self.counts.placed > 0

    @property
    def clean(self) -> bool:
        """True when the map can be built and no row is left out."""
        return self.buildable and not self.rejects

    def warnings(self) -> list[Problem]:
        """The warnings to show, one per fix: a left-out row's warnings that its reason
        already quotes are not repeated."""
        reasons: dict[int, str] = {}
        for reject in self.rejects:
            reasons[reject["ligne"]] = reasons.get(reject["ligne"], "") + str(reject["raison"])
        shown = [
            p
            for p in self.problems
            if p.gravite != ERREUR and not (p.ligne in reasons and p.message in reasons[p.ligne])
        ]
        return sorted(shown, key=lambda p: (p.ligne is not None, p.ligne or 0))

    def sentence(self) -> str:
        """The verdict itself, in one sentence."""
        unit = self.listing.unit if self.listing is not None else "ligne"
        left_out = len(self.rejects)
        to_fix = plural(left_out, f"{unit} à corriger", f"{unit}s à corriger")
        if not self.buildable:
            if not self.counts.read:
                return (
                    f"La carte ne peut pas être construite : aucune {unit} sous l'en-tête ; "
                    "ajoutez au moins un service."
                )
            return f"La carte ne peut pas être construite : aucun service n'est placé ({to_fix})."
        services = plural(self.counts.placed, "service placé", "services placés")
        if not left_out:
            return (
                f"La carte peut être construite avec {services} : toutes les {unit}s sont "
                "utilisables."
            )
        verb = "est laissée" if left_out == 1 else "sont laissées"
        return f"La carte peut être construite avec {services} ; {to_fix} en {verb} de côté :"

    def lines(self, detail: bool = True) -> list[str]:
        """The verdict as the lines of a report; ``detail``: every warning, else their
        number (``build`` without ``-v``)."""
        if self.listing is None:
            return [self.sentence()]
        listing = self.listing
        lines = [f"Liste : {listing.name} ({describe_format(listing)})", self._rows_line()]
        if len(self.services) and "methode" in self.services:
            used = self.services["methode"].value_counts()
            lines.append(
                "Placement : "
                + ", ".join(f"{PLACEMENT_METHODS.get(m, m)} {n}" for m, n in used.items())
            )
        lines += ["", self.sentence()]
        lines += [f"  {reject['raison']}" for reject in sorted(self.rejects, key=_line)]
        warnings = self.warnings()
        if warnings and detail:
            lines += ["", f"{plural(len(warnings), 'avertissement')} (corrigé ou ignoré) :"]
            lines += [f"  {problem}" for problem in warnings]
        elif warnings:
            lines += [
                "",
                f"{plural(len(warnings), 'avertissement')} (corrigé ou ignoré) : détail avec "
                "-v, dans services.csv ou par « ips-map validate ».",
            ]
        duplicates = listing.duplicates
        if duplicates:
            lines += ["", f"{plural(len(duplicates), 'doublon exact')}, compté une fois :"]
            lines += [f"  {d['raison']}" for d in duplicates]
        return lines

    def _rows_line(self) -> str:
        c, unit = self.counts, self.listing.unit
        details = [
            f"{c.exact} par coordonnées",
            f"{c.commune_centre} au centre de la commune (approché)",
            f"{c.postcode} au code postal (approché)",
        ]
        if c.chef_lieu:
            details.append(f"{c.chef_lieu} au chef-lieu du département (approché)")
        placed = "placée" if c.placed < 2 else "placées"
        left = "laissée" if c.rejected < 2 else "laissées"
        return (
            f"{plural(c.read, f'{unit} lue', f'{unit}s lues')} : {c.placed} {placed} "
            f"({', '.join(details)}), {c.rejected} {left} de côté, "
            f"{_duplicates(c.duplicates)}."
        )


def _duplicates(count: int) -> str:
    if not count:
        return "aucun doublon exact"
    return f"{plural(count, 'doublon exact')} compté{'s' if count > 1 else ''} une fois"


def _line(reject: dict) -> int:
    return reject["ligne"] if reject["ligne"] is not None else 0


def verdict_of(prepared) -> Verdict:
    """The verdict on a listing read and placed (:class:`~ips_map.pipeline.prepare.Prepared`)."""
    return Verdict(
        prepared.listing,
        prepared.counts(),
        prepared.placement.services,
        prepared.rejects,
        prepared.problems,
    )

"""Matching the services of two editions: the same service found again, perhaps elsewhere.

A service is the same from one edition to the next when its normalised name and structure
match (casing, accents and punctuation ignored), in four passes from the surest to the
loosest, each on the services the passes before left alone:

1. same name, structure and place (commune, or département when no commune was found);
2. same name and place, another structure (the structure was renamed);
3. same name and structure in the same département (a move within it, or a service placed
   by its commune in one edition and by its département only in the other);
4. same name and structure elsewhere, when exactly one service of each edition is left with
   them: a move to another département.

Services of one edition that share a key are paired in their order. What is left is added
or removed; :func:`find_rejected` then says which of them were rows rejected on the other
side (a row now readable, or no longer).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from ips_map.editions.edition import Service

#: A pair (before, after); None on the side that does not have the service.
Pair = tuple[Service | None, Service | None]

_PASSES: tuple[tuple[Callable[[Service], Hashable], bool], ...] = (
    (lambda s: (s.name_key, s.structure_key, s.place), False),
    (lambda s: (s.name_key, s.place), False),
    (lambda s: (s.name_key, s.structure_key, s.code_departement), False),
    (lambda s: (s.name_key, s.structure_key), True),
)


def match_services(old: list[Service], new: list[Service]) -> list[Pair]:
    """Pair the services of two editions (see the module's docstring).

    Returns
    -------
    list of (before, after)
        Matched pairs in the order of the newer edition, then the services that only the
        older one has, in its order (after None).
    """
    partner: dict[int, int] = {}  # index in new -> index in old
    old_left, new_left = list(range(len(old))), list(range(len(new)))
    for key, unique in _PASSES:
        olds: dict[Hashable, list[int]] = {}
        for i in old_left:
            olds.setdefault(key(old[i]), []).append(i)
        news: dict[Hashable, list[int]] = {}
        for j in new_left:
            news.setdefault(key(new[j]), []).append(j)
        for k, js in news.items():
            is_ = olds.get(k, [])
            if unique and (len(is_) != 1 or len(js) != 1):
                continue
            for i, j in zip(is_, js):
                partner[j] = i
        taken = set(partner.values())
        old_left = [i for i in old_left if i not in taken]
        new_left = [j for j in new_left if j not in partner]
    pairs: list[Pair] = [
        (old[partner[j]] if j in partner else None, new[j]) for j in range(len(new))
    ]
    pairs += [(old[i], None) for i in old_left]
    return pairs


def is_move(before: Service, after: Service) -> bool:
    """True when a service is found in another commune (or another département): a
    service placed by its commune in one edition and by its département only in the other,
    in that same département, has not moved."""
    if before.place == after.place:
        return False
    if before.code_departement != after.code_departement:
        return True
    return not (before.place.startswith("dep:") or after.place.startswith("dep:"))


def find_rejected(pairs: list[Pair], old_rejected, new_rejected) -> set[int]:
    """The indices in ``pairs`` of the services added whose name was a row rejected by the
    older edition (now readable), and of those removed whose name is a row rejected by the
    newer one (no longer readable). Each rejected row explains one service at most."""
    left = {"old": list(old_rejected), "new": list(new_rejected)}
    found = set()
    for index, (before, after) in enumerate(pairs):
        if before is None and after is not None and after.statut != "ferme":
            names = left["old"]
            service = after
        elif after is None and before is not None and before.statut != "ferme":
            names = left["new"]
            service = before
        else:
            continue
        if service.name_key in names:
            names.remove(service.name_key)
            found.add(index)
    return found

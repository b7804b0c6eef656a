"""Editions of the map: what changed between an earlier build and a newer one.

An edition is a build folder (``coverage.csv``, ``services.csv``, ``summary.json``) or the same
tables in memory while a build runs (:mod:`.edition`), read back from a folder by :mod:`.read`
(either CSV format). :mod:`.match` finds each service again (by name and structure first: a
move is one change), :mod:`.compare` lists the changes, one row of ``changes.csv`` each, the
services' first and the population's apart, that :mod:`.text` words in French. Nothing here
knows about Click or the map: the CLI prints :meth:`Comparison.describe`, the renderer draws
:meth:`Comparison.map_data`.
"""

from __future__ import annotations

from ips_map.editions.compare import (
    CHANGE_COLUMNS,
    CHANGE_TYPES,
    Comparison,
    changes_bytes,
    compare_editions,
    diff_builds,
    write_changes,
)
from ips_map.editions.edition import Departement, Edition, Service, make_edition, service_key
from ips_map.editions.read import EDITION_FILES, read_edition

__all__ = [
    "CHANGE_COLUMNS",
    "CHANGE_TYPES",
    "EDITION_FILES",
    "Comparison",
    "Departement",
    "Edition",
    "Service",
    "changes_bytes",
    "compare_editions",
    "diff_builds",
    "make_edition",
    "read_edition",
    "service_key",
    "write_changes",
]

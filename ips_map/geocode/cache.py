"""The geocoder's answers kept on disk: one JSON file keyed by the normalised query, each
answer (found or not) with its date, so that a rebuild asks nothing already answered."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ips_map.outputs import write_json

log = logging.getLogger("ips_map")

_CACHE_VERSION = 1


class AnswerCache:
    """Answers by query key; ``path`` None keeps them in memory only.

    An unreadable file is ignored with a warning (its addresses are asked again) and
    replaced at the next :meth:`save`.
    """

    def __init__(self, path: Path | None, api: str):
        self.path = Path(path) if path else None
        self.api = api
        self.entries: dict[str, dict] = self._load()
        self._dirty = False

    def _load(self) -> dict[str, dict]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != _CACHE_VERSION:
                raise ValueError(f"version {data.get('version')!r}")
            return dict(data["entrees"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning(
                "%s : cache de géocodage illisible (%s) : ignoré, les adresses seront redemandées.",
                self.path,
                exc,
            )
            return {}

    def get(self, key: str) -> dict | None:
        """Return the answer cached under ``key``, or None."""
        return self.entries.get(key)

    def put(self, key: str, entry: dict) -> None:
        """Keep an answer (never a failed request: the caller only puts answers)."""
        self.entries[key] = entry
        self._dirty = True

    def save(self) -> None:
        """Write the file (atomically) when new answers came in."""
        if self.path is None or not self._dirty:
            return
        write_json(self.path, {"version": _CACHE_VERSION, "api": self.api, "entrees": self.entries})
        self._dirty = False

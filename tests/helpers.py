"""Small helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path


def write_listing(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write a listing file for a test (text in the given encoding) and return its path."""
    path.write_bytes(text.encode(encoding))
    return path

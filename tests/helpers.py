"""Small helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path

#: Flags for Debian's Chromium driven by Playwright: headless, as root, and no background
#: connection (the machine has no network; Chromium would retry them endlessly).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def write_listing(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write a listing file for a test (text in the given encoding) and return its path."""
    path.write_bytes(text.encode(encoding))
    return path

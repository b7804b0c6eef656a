"""Small helpers shared by the tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

#: The test corpus of listings (tests/data/listings/) and its generator, make_corpus.py.
CORPUS = Path(__file__).resolve().parent / "data" / "listings"

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


def load_module(name: str):
    """A script of tests/data/listings/ (``make_colleagues``) as a module."""
    spec = importlib.util.spec_from_file_location(name, CORPUS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def load_corpus_module():
    """tests/data/listings/make_corpus.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module

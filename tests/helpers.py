"""Small helpers shared by the tests."""

from __future__ import annotations

import contextlib
import importlib.util
import pickle
import sys
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on Windows: each worker then makes its own
    fcntl = None

from ips_map.progress import Progress

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


class RecordingProgress(Progress):
    """A :class:`~ips_map.progress.Progress` that keeps what it is told: each step's name,
    and for each counted step its total, the items told done and whether it was a detail."""

    def __init__(self):
        self.steps: list[str] = []
        self.counts: dict[str, dict] = {}

    def __call__(self, message: str) -> None:
        self.steps.append(message)

    @contextlib.contextmanager
    def count(self, message: str, total: int, unit: str, *, detail: bool = False):
        record = {"total": total, "done": 0, "unit": unit, "detail": detail, "calls": 0}
        self.counts[message] = record

        def advance(n: int = 1) -> None:
            record["done"] += n
            record["calls"] += 1

        yield advance


def made_once(request, tmp_path_factory, name: str, make):
    """``make(folder)`` once per run of the suite, whatever the number of workers: under
    pytest-xdist, the first worker to ask makes it, under a lock that the others wait on,
    and keeps it pickled beside the workers' folders; the others read it back (a build
    costs about 1.5 processor-seconds, reading it back 0.02). Its files stay in the
    folder of the worker that made them, which no test modifies."""
    worker = getattr(request.config, "workerinput", None)  # None: not an xdist worker
    if worker is None or fcntl is None:
        return make(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, above the workers'
    kept = shared / f"{name}.pickle"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if kept.exists():
            return pickle.loads(kept.read_bytes())
        made = make(tmp_path_factory.mktemp(name))
        partial = kept.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(made))
        partial.replace(kept)
        return made

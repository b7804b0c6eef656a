"""Progress of a long run, told as it goes: each step by its name, and the steps that go
through items one by one (addresses geocoded, files written) by their count.

The library only calls a :class:`Progress`; how it shows is the caller's choice. By default
each step is a line of the ``ips_map`` logger (stderr through the CLI); the command line
gives a progress bar with counts on a terminal (``ips_map.cli._progress``). Nothing here
writes to stdout, which carries the results.

A step already told by its line may count its items as a *detail* (``detail=True``: the
rows read, the rows placed, the parts of the page drawn): a bar on a terminal, nothing
elsewhere, where the step's line says enough.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator

from ips_map.vocabulary import plural, thousands

log = logging.getLogger("ips_map")

#: What a counted step is given: call it with the number of items just done.
Advance = Callable[[int], None]
#: Rows read between two reports of the progress (a call per row would cost more than a bar
#: is worth): the readers of CSV, workbooks and GeoJSON.
READ_BLOCK = 5_000


class Progress:
    """Told of each step of a run (call it with the step's name) and of the items of a
    counted step (:meth:`count`). This one logs a line per step, and for a counted step a
    line when it starts and one when it ends, with the count and the time taken."""

    def __call__(self, message: str) -> None:
        """A step starts."""
        log.info("… %s", message)

    @contextlib.contextmanager
    def count(
        self, message: str, total: int, unit: str, *, detail: bool = False
    ) -> Iterator[Advance]:
        """A step of ``total`` items (``unit``: « adresse », « fichier »): yields a function
        to call with the number of items done since the last call. A ``detail`` (the items
        of a step already told) says nothing here."""
        if detail:
            yield ignore
            return
        done = [0]
        start = time.monotonic()
        log.info("… %s : %s", message, plural(total, unit))

        def advance(n: int = 1) -> None:
            done[0] += n

        try:
            yield advance
        finally:
            seconds = f"{time.monotonic() - start:.1f}".replace(".", ",")
            done_of = f"{thousands(done[0])}/{plural(total, unit)}"
            log.info("… %s : %s en %s s", message, done_of, seconds)


class StepProgress(Progress):
    """A :class:`Progress` made from a function told the name of each step (what
    :func:`ips_map.pipeline.build` used to take): counted steps are told as one step."""

    def __init__(self, step: Callable[[str], None]):
        self.step = step

    def __call__(self, message: str) -> None:
        self.step(message)

    @contextlib.contextmanager
    def count(
        self, message: str, total: int, unit: str, *, detail: bool = False
    ) -> Iterator[Advance]:
        if not detail:
            self.step(f"{message} ({plural(total, unit)})")
        yield ignore


class Tally:
    """An :data:`Advance` that counts toward ``total`` and never past it (a text read again
    after a repair is not counted twice); :meth:`finish` tells what is left."""

    def __init__(self, advance: Advance, total: int):
        self.advance, self.total, self.done = advance, total, 0

    def __call__(self, n: int = 1) -> None:
        n = min(n, self.total - self.done)
        if n > 0:
            self.done += n
            self.advance(n)

    def finish(self) -> None:
        self(self.total - self.done)


def ignore(n: int = 1) -> None:
    """An :data:`Advance` that tells no one."""


#: A :class:`Progress` that tells no one (the library's default below the pipeline).
SILENT = StepProgress(lambda message: None)


def as_progress(progress: Progress | Callable[[str], None] | None) -> Progress:
    """A :class:`Progress` for whatever a caller gave: one, a function of each step's name,
    or None (lines of the logger)."""
    if isinstance(progress, Progress):
        return progress
    if progress is None:
        return Progress()
    return StepProgress(progress)

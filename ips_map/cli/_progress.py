"""The progress of ``build`` and ``validate`` as the command line shows it, always on stderr
(stdout carries the results, and stays clean when it is piped): on a terminal, a line per
step and a bar with counts for the counted steps (``click.progressbar``); otherwise (a file,
a pipe, a CI log) a line per step, and for a counted step a line when it starts and one when
it ends. ``-q`` shows none of it."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

import click

from ips_map.progress import Advance, Progress, ignore

log = logging.getLogger("ips_map")
#: How many times a bar is redrawn, at most, from empty to full.
BAR_REDRAWS = 200


class TerminalProgress(Progress):
    """:class:`~ips_map.progress.Progress` with bars when stderr is a terminal.

    Parameters
    ----------
    stream
        Where to write (stderr by default, read when the progress is made: CliRunner
        replaces it).
    """

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr

    @property
    def shown(self) -> bool:
        """Whether progress is shown at all: not with ``-q`` (the logger's level)."""
        return log.isEnabledFor(logging.INFO)

    @property
    def interactive(self) -> bool:
        """Whether the stream is a terminal, where a bar redraws itself."""
        isatty = getattr(self.stream, "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # a closed stream
            return False

    def __call__(self, message: str) -> None:
        if self.shown:
            log.info("… %s", message)

    @contextlib.contextmanager
    def count(
        self, message: str, total: int, unit: str, *, detail: bool = False
    ) -> Iterator[Advance]:
        if not self.shown or not self.interactive or total <= 1:
            with super().count(message, total, unit, detail=detail) as advance:
                yield advance if self.shown else ignore
            return
        # A detail is drawn under its step's line, indented, with its own words.
        label = f"    {message}" if detail else f"… {message}"
        with click.progressbar(
            length=total,
            label=label,
            file=self.stream,
            show_pos=True,
            show_percent=True,
            show_eta=True,
            width=30,
            # Drawn about 200 times whatever the count: 100,000 rows placed one by one
            # would otherwise redraw the bar 100,000 times.
            update_min_steps=max(1, total // BAR_REDRAWS),
        ) as bar:
            yield bar.update

"""The command line: ``ips-map build|diff|template|validate|fetch``, thin Click layers over
the library. Each command lives in its own module; this one holds the group, its logging
options and the console script's entry point.
"""

from __future__ import annotations

import gc
import logging
import sys

import click

from ips_map.cli import _french

# Click's own words in French (its usage errors, --help's headings), before the commands
# below are declared: some of them (--version's help) are read when they are.
_french.install()

from ips_map._version import __version__  # noqa: E402
from ips_map.cli._shared import CONTEXT_SETTINGS, Group, SafeFormatter  # noqa: E402
from ips_map.cli.build import build, diff  # noqa: E402
from ips_map.cli.fetch import fetch  # noqa: E402
from ips_map.cli.listing import template, validate  # noqa: E402

log = logging.getLogger("ips_map")


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose > 1 else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeFormatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


@click.group(cls=Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="ips-map")
@click.option("-v", "--verbose", count=True, help="Afficher chaque avertissement (-vv : débogage).")
@click.option("-q", "--quiet", is_flag=True, help="N'afficher que les erreurs.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """ips-map : carte des services IPS (emploi accompagné) par département.

    \b
    Exemple :
        ips-map build                              # carte de l'exemple embarqué
        ips-map build --services ma-liste.csv      # carte de votre liste
    """
    _setup_logging(verbose, quiet)
    ctx.obj = {"verbose": verbose}


for command in (build, diff, template, validate, fetch):
    cli.add_command(command)


def main() -> None:
    """Entry point of the ``ips-map`` console script.

    The objects left when the command ends are frozen (``gc.freeze``) before the process
    exits: the interpreter then skips them in its last collections, which took a quarter
    of a second of each build for memory the system takes back anyway. Files are closed and
    written before (atomically), and the exit handlers still run."""
    try:
        cli(prog_name="ips-map")
    finally:
        gc.freeze()

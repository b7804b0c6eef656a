"""What the commands share: the context settings, the listing argument type, the bounds of
downloads (``--max-size``, ``--timeout``), and the one place where the package's errors
become one-line messages."""

from __future__ import annotations

import logging
import math
import unicodedata
from pathlib import Path

import click

from ips_map.errors import IpsMapError
from ips_map.settings import DEFAULT_MAX_SIZE_MB, DEFAULT_TIMEOUT, MEGABYTE, is_url
from ips_map.sources.http import HttpSettings

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def terminal_safe(text: str) -> str:
    """Return ``text`` safe to print on a terminal: control and format characters (escape
    sequences that retitle or repaint the terminal, bidirectional overrides that reorder a
    line) are shown escaped (``\\x1b``, ``\\u202e``); line breaks and tabs stay."""
    out = []
    for ch in str(text):
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def echo(text: str) -> None:
    """Print a result line on stdout, made safe for a terminal (it may quote a listing)."""
    click.echo(terminal_safe(text))


class SafeFormatter(logging.Formatter):
    """Log lines (warnings quote listing values) made safe for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record))


class Group(click.Group):
    """A command group whose commands report the package's errors in one line.

    Every :class:`~ips_map.errors.IpsMapError` raised by a stage, in any command of the group
    or of its sub-groups, becomes a :class:`click.ClickException`: its message on stderr,
    exit code 1, no traceback. Anything else is a bug, and keeps its traceback.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except IpsMapError as exc:
            raise click.ClickException(terminal_safe(str(exc))) from exc


class ListingSourceType(click.ParamType):
    """A listing: an existing file, or an http(s) URL (downloaded when it is read)."""

    name = "FICHIER|URL"

    def convert(self, value, param, ctx):
        """Return the URL as text, or the file as a Path; fail on a missing file."""

        if is_url(value):
            return str(value).strip()
        text = str(value)
        if "://" in text:
            self.fail(f"« {text} » : seules les adresses http(s):// sont lues.", param, ctx)
        path = Path(text)
        if not path.exists():
            self.fail(
                f"fichier introuvable : {path} (ni un fichier, ni une adresse http(s)://).",
                param,
                ctx,
            )
        if path.is_dir():
            self.fail(f"{path} est un dossier : donnez le fichier de la liste.", param, ctx)
        return path


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Refuse ``nan``, which passes any range."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} n'est pas un nombre de secondes.")
    return value


#: ``--max-size MO``: the largest download (decoded) or listing file, in megabytes.
max_size_option = click.option(
    "--max-size",
    "max_size",
    type=click.IntRange(1, 100_000),
    default=DEFAULT_MAX_SIZE_MB,
    show_default=True,
    metavar="MO",
    help="Taille maximale en Mo d'un téléchargement (une fois décompressé) ou d'une liste lue "
    "depuis un fichier ; au-delà, rien n'est gardé.",
)

#: ``--timeout SECONDES``: the time a download may take, every attempt and wait included.
timeout_option = click.option(
    "--timeout",
    "timeout",
    type=click.FloatRange(1, 3600),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    callback=_finite,
    metavar="SECONDES",
    help="Durée maximale d'un téléchargement, nouveaux essais et attentes compris (connexion "
    "10 s et chaque lecture 60 s au plus) ; un transfert sous 1 ko/s pendant 10 s est "
    "abandonné.",
)


#: ``--csv-format``: the CSV files for a French spreadsheet (default) or with "," and ".".
csv_format_option = click.option(
    "--csv-format",
    "csv_format",
    type=click.Choice(["francais", "international"], case_sensitive=False),
    default=None,
    help="Format des fichiers CSV écrits : francais (séparateur ;, virgule décimale « 0,298 », "
    "UTF-8 avec BOM : s'ouvre en colonnes dans Excel ou LibreOffice en français) ou "
    "international (séparateur , et point décimal « 0.298 »). Par défaut : francais, ou "
    "$IPS_MAP_CSV_FORMAT.",
)


def http_settings(timeout: float, max_size: int, **options) -> HttpSettings:
    """The HTTP settings of ``--timeout`` (seconds) and ``--max-size`` (megabytes)."""
    return HttpSettings(
        timeout=(min(10.0, timeout), min(60.0, timeout)),
        deadline=timeout,
        max_size=max_size * MEGABYTE,
        **options,
    )

"""What the commands share: the context settings, the listing argument type, and the one
place where the package's errors become one-line messages."""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path

import click

from ips_map.errors import IpsMapError
from ips_map.settings import is_url

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

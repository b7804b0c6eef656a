"""The command line speaks French to the end: Click's own words (usage errors, --help's
headings) come from the catalogue of ips_map/cli/_french.py, whatever the machine's locale."""

from __future__ import annotations

import gettext
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ips_map.cli import _french, cli

#: English words of Click that must not reach a French user.
ENGLISH = re.compile(r"\b(Usage|Error|Try|Invalid value|No such|Did you mean|Show this)\b")


def test_the_compiled_catalogue_is_the_catalogue():
    assert _french.MO_PATH.read_bytes() == _french.mo_bytes(), "make locale"


def test_the_catalogue_reads_back_with_gettext_and_its_plural_rule():
    with _french.MO_PATH.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.gettext("Usage:") == "Utilisation :"
    one, many = ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)")
    assert catalogue.ngettext(one, many, 1) == "Vouliez-vous dire {possibility} ?"
    assert (
        catalogue.ngettext(one, many, 0) == "Vouliez-vous dire {possibility} ?"
    )  # French: 0 is one
    assert catalogue.ngettext(one, many, 2).startswith("(Vouliez-vous dire l'une")
    for key, value in _french.CATALOGUE.items():
        if isinstance(key, str):
            assert catalogue.gettext(key) == value


def _placeholders(text: str) -> set[str]:
    return {name for name in re.findall(r"\{(\w+)", text)} | set(re.findall(r"%\((\w+)\)", text))


def test_every_translation_keeps_the_placeholders_click_fills():
    for key, value in _french.CATALOGUE.items():
        english = key if isinstance(key, tuple) else (key,)
        french = value if isinstance(value, tuple) else (value,)
        assert len(english) == len(french), key
        for source, target in zip(english, french):
            # A French form may leave one out (« un nombre » for {number_type}), never add one.
            assert _placeholders(target) <= _placeholders(source), (source, target)


def test_every_message_of_the_catalogue_is_one_click_writes():
    """A Click release that rewords a message would leave it in English: the catalogue's
    messages are looked for in Click's sources."""
    sources = "".join(
        path.read_text(encoding="utf-8") for path in Path(click.__file__).parent.glob("*.py")
    )
    for key in _french.CATALOGUE:
        for text in key if isinstance(key, tuple) else (key,):
            literal = text.replace("\n", "\\n").replace("\t", "\\t")
            assert f'"{literal}"' in sources or f'"{literal}' in sources, text


@pytest.mark.parametrize(
    "args, french",
    [
        (["biuld"], "Erreur : Commande inconnue : biuld. Vouliez-vous dire 'build' ?"),
        (["build", "--nope"], "Erreur : Option inconnue : --nope."),
        (["build", "--seuils-km"], "Erreur : L'option --seuils-km demande une valeur."),
        (["build", "--csv-format", "x"], "n'est pas l'une des valeurs 'francais', 'international'"),
        (["fetch", "census", "--year", "abc"], "« abc » n'est pas un nombre valide."),
        (["build", "--services", "/nulle/part.csv"], "Valeur invalide pour '--services' : "),
    ],
)
def test_usage_errors_are_in_french(args, french):
    result = CliRunner().invoke(cli, args, prog_name="ips-map")
    assert result.exit_code == 2
    assert french in result.output
    if "Utilisation" in result.output:  # Click gives the usage with most errors
        assert "Utilisation : ips-map" in result.output and "Aide : « ips-map" in result.output
    assert not ENGLISH.search(result.output), result.output


def test_help_and_version_are_in_french():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Commandes:" in result.output and "Afficher cette aide et quitter." in result.output
    assert "Afficher la version et quitter." in result.output
    assert not ENGLISH.search(result.output), result.output


def test_a_machine_in_another_language_still_gets_french(tmp_path):
    """The console script in a fresh process, its locale English (LANG, LC_ALL)."""
    env = {**os.environ, "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8", "LANGUAGE": "en"}
    result = subprocess.run(
        [sys.executable, "-m", "ips_map", "build", "--nope"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert "Erreur : Option inconnue : --nope." in result.stderr, result.stderr

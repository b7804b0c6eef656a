"""Click's own words in French: its usage errors (« Erreur : option inconnue… »), the
headings and the help of ``--help`` and ``--version``.

Click writes them through :mod:`gettext` (the way its maintainers give applications to
translate them): the command line installs this catalogue as the text domain of the process
(:func:`install`) before Click says anything. The catalogue is :data:`CATALOGUE`; the
compiled file beside this module (``locale/fr/LC_MESSAGES/ips_map.mo``) is made from it by
``make locale`` (:func:`write_mo`; a test checks that they agree).
"""

from __future__ import annotations

import gettext
import os
import struct
from pathlib import Path

#: The text domain, and where its compiled catalogue lives.
DOMAIN = "ips_map"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
MO_PATH = LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{DOMAIN}.mo"

#: The catalogue's header: its encoding, and the French plural rule (1 is singular, 0 too).
HEADER = (
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Language: fr\n"
    "Plural-Forms: nplurals=2; plural=(n > 1);\n"
)

#: Click's messages (as written in click 8.1–8.3) and their French. A plural message is
#: keyed by its two English forms and has two French ones.
CATALOGUE: dict[str | tuple[str, str], str | tuple[str, str]] = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Show the version and exit.": "Afficher la version et quitter.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Aide : « {command} {option} ».",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing {param_type}": "{param_type} manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Missing command.": "Commande manquante.",
    "No such option {name!r}.": "Option inconnue : {name}.",
    "No such command {name!r}.": "Commande inconnue : {name}.",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "Vouliez-vous dire {possibility} ?",
        "(Vouliez-vous dire l'une de celles-ci : {possibilities} ?)",
    ),
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "Argument en trop : {args}",
        "Arguments en trop : {args}",
    ),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "L'option {name} demande une valeur.",
        "L'option {name} demande {nargs} valeurs.",
    ),
    "Option {name!r} does not take a value.": "L'option {name} ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "L'argument {name} prend {nargs} valeurs.",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): (
        "« {value} » n'est pas {choice}.",
        "« {value} » n'est pas l'une des valeurs {choices}.",
    ),
    "Choose from:\n\t{choices}": "Choisir parmi :\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "« {value} » n'est ni vrai ni faux. Valeurs reconnues : {states}"
    ),
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "{name} {filename!r} does not exist.": "{name} introuvable : {filename}.",
    "{name} {filename!r} is a file.": "{name} {filename} : c'est un fichier.",
    "{name} {filename!r} is a directory.": "{name} {filename} : c'est un dossier.",
    "{name} {filename!r} is not readable.": "{name} {filename} : lecture impossible.",
    "{name} {filename!r} is not writable.": "{name} {filename} : écriture impossible.",
    "Could not open file {filename!r}: {message}": (
        "Impossible d'ouvrir le fichier {filename} : {message}"
    ),
    "Aborted!": "Interrompu.",
    "unknown error": "erreur inconnue",
    "default: {default}": "par défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "Do you want to continue?": "Continuer ?",
    "Error: invalid input": "Erreur : saisie invalide",
}


def mo_bytes(catalogue: dict = CATALOGUE, header: str = HEADER) -> bytes:
    """The catalogue compiled in GNU gettext's ``.mo`` format (little-endian, without hash
    table), its entries sorted as the format asks."""
    entries = {"": header}
    for key, value in catalogue.items():
        msgid = "\0".join(key) if isinstance(key, tuple) else key
        entries[msgid] = "\0".join(value) if isinstance(value, tuple) else value
    keys = sorted(entries, key=lambda k: k.encode("utf-8"))
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    count = len(keys)
    start = 7 * 4 + 16 * count  # the header, then the two tables of (length, offset)
    offsets_ids, offsets_strs, blob = [], [], b""
    for text in ids:
        offsets_ids.append((len(text), start + len(blob)))
        blob += text + b"\0"
    for text in strs:
        offsets_strs.append((len(text), start + len(blob)))
        blob += text + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, 0)
    out += b"".join(struct.pack("<2I", *pair) for pair in offsets_ids)
    out += b"".join(struct.pack("<2I", *pair) for pair in offsets_strs)
    return out + blob


def install() -> None:
    """Make Click speak French in this process: the catalogue becomes the text domain that
    :func:`gettext.gettext` reads, in French whatever the machine's locale says."""
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    # gettext takes the language from the first of these variables that is set: ips-map
    # speaks French only, its usage errors too.
    os.environ["LANGUAGE"] = "fr"


def write_mo() -> Path:
    """Write the compiled catalogue beside this module (``make locale``)."""
    MO_PATH.parent.mkdir(parents=True, exist_ok=True)
    MO_PATH.write_bytes(mo_bytes())
    return MO_PATH

"""``ips-map template`` and ``ips-map validate``: a listing to fill in, and a listing checked
(thin Click layers over :mod:`ips_map.listing.template` and :mod:`ips_map.validate`)."""

from __future__ import annotations

from pathlib import Path

import click

from ips_map.cli._shared import (
    CONTEXT_SETTINGS,
    ListingSourceType,
    csv_format_option,
    echo,
    http_settings,
    max_size_option,
    timeout_option,
)


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Fichier à écrire (par défaut : modele-liste-services.xlsx ou .csv).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv"]),
    default=None,
    help="xlsx (une feuille « services » et une feuille « colonnes ») ou csv (avec "
    "NOM-colonnes.csv à côté). Par défaut : l'extension de --out, sinon xlsx.",
)
@click.option(
    "--force",
    is_flag=True,
    default=False,
    help="Remplacer le fichier s'il existe déjà (sinon, rien n'est écrit).",
)
def template(out: Path | None, fmt: str | None, force: bool) -> None:
    """Écrire une liste vide à remplir : chaque colonne, une ligne d'exemple et la
    description de chaque colonne.

    La ligne d'exemple n'est jamais placée sur une carte : remplacez-la par vos services.
    Un fichier qui existe déjà n'est pas remplacé, sauf avec --force.

    \b
    Exemple :
        ips-map template                               # modele-liste-services.xlsx
        ips-map template --format csv --out ma-liste.csv
    """
    from ips_map.listing.template import write_template

    for path in write_template(out, fmt, overwrite=force):
        echo(str(path))


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--services",
    "services",
    type=ListingSourceType(),
    required=True,
    help="Liste à vérifier : fichier CSV, XLSX, ODS ou GeoJSON, ou adresse http(s).",
)
@click.option(
    "--report",
    "report",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Écrire aussi chaque problème dans ce fichier CSV (ligne, colonne, valeur, message).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Cache des listes téléchargées (par défaut : $IPS_MAP_CACHE_DIR, sinon ~/.cache/ips-map).",
)
@csv_format_option
@max_size_option
@timeout_option
def validate(
    services,
    report: Path | None,
    cache_dir: Path | None,
    max_size: int,
    timeout: float,
    csv_format: str | None,
) -> None:
    """Vérifier une liste sans construire la carte : lecture et placement de chaque ligne.

    Affiche chaque problème (ligne, colonne, valeur, ce qui a été fait ou ce qu'il faut
    corriger). Code de sortie 0 quand chaque ligne est utilisable et qu'il y a au moins
    un service, 1 sinon.

    \b
    Exemple :
        ips-map validate --services ma-liste.xlsx
        ips-map validate --services ma-liste.csv --report problemes.csv
    """
    from ips_map.cli._progress import TerminalProgress
    from ips_map.settings import default_csv_format
    from ips_map.validate import format_report, validate_listing, write_report

    http = http_settings(timeout, max_size)
    result = validate_listing(services, cache_dir=cache_dir, http=http, progress=TerminalProgress())
    for line in format_report(result):
        echo(line)
    if report is not None:
        fmt = (csv_format or default_csv_format()).lower()
        echo(str(write_report(report, result, fmt)))
    if not result.ok:
        raise SystemExit(1)

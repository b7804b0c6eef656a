"""``ips-map fetch …``: refresh the data (a thin Click layer over :mod:`ips_map.refresh`)."""

from __future__ import annotations

import re

import click

from ips_map.cli._shared import (
    CONTEXT_SETTINGS,
    Group,
    http_settings,
    max_size_option,
    timeout_option,
)
from ips_map.refresh import FetchResult, fetch_boundaries, fetch_census, fetch_communes
from ips_map.sources.http import HttpSettings


def _echo(result: FetchResult) -> None:
    """Print what a fetch stored: its summary, then each file and record written."""
    click.echo(result.summary)
    for path in result.files + result.records:
        click.echo(str(path))


def _http(ctx: click.Context) -> HttpSettings:
    """The HTTP settings chosen by the options of ``ips-map fetch``."""
    return ctx.obj["http"]


@click.group(cls=Group, context_settings=CONTEXT_SETTINGS)
@timeout_option
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=3,
    show_default=True,
    help="Nouveaux essais après une erreur réseau, 429 ou 5xx (attente doublée à chaque fois).",
)
@max_size_option
@click.pass_context
def fetch(ctx: click.Context, timeout: float, retries: int, max_size: int) -> None:
    """Mettre à jour les données : populations Insee, communes, contours.

    Chaque fichier téléchargé est vérifié, puis rangé dans data/fetched/ avec son relevé de
    provenance (adresse, date, sha256) ; il remplace alors le fichier embarqué correspondant.
    Un téléchargement qui échoue, dépasse --timeout ou --max-size, ou un fichier refusé ne
    touche à rien : les données actuelles restent utilisées. Supprimer data/fetched/ revient
    aux données embarquées.

    \b
    Exemples :
        ips-map fetch census --year 2023
        ips-map fetch communes
        ips-map fetch boundaries --url https://exemple.fr/departements.geojson
    """
    ctx.ensure_object(dict)["http"] = http_settings(timeout, max_size, retries=retries)


@fetch.command("census")
@click.option(
    "--year",
    type=click.IntRange(1, 9999),
    required=True,
    help="Millésime N (publié par l'Insee fin décembre N+2).",
)
@click.option(
    "--page",
    default=None,
    metavar="NUMÉRO",
    callback=lambda ctx, param, value: _page_number(value),
    help="Numéro de la page insee.fr du millésime (insee.fr/fr/statistiques/<numéro>) : "
    "l'archive est <base>/<numéro>/ensemble.zip. Pour un millésime qu'ips-map ne connaît pas "
    "encore ; il est alors retenu dans data/fetched/census/millesimes.json.",
)
@click.option(
    "--url",
    default=None,
    help="Adresse de l'archive Insee (par défaut celle des millésimes connus : "
    "ips_map/sources/census_vintages.json, puis data/fetched/census/millesimes.json) ; "
    "retenue pour les fois suivantes.",
)
@click.option(
    "--base-url",
    default=None,
    help="Dossier de téléchargement de l'Insee (miroir, serveur de test ; par défaut "
    "$IPS_MAP_INSEE_URL, sinon https://www.insee.fr/fr/statistiques/fichier).",
)
@click.pass_context
def census(
    ctx: click.Context, year: int, page: str | None, url: str | None, base_url: str | None
) -> None:
    """Récupérer la population municipale des départements d'un millésime Insee.

    Lit le fichier des départements de l'archive Insee (« ensemble.zip », fichiers séparés
    par des points-virgules), ajoute Mayotte (recensement de 2017, signalé), vérifie les
    101 départements et la vraisemblance du total par rapport au millésime voisin, puis
    écrit data/fetched/census/departements_pmun_N.csv et son relevé de provenance. Le
    millésime devient utilisable par ips-map build --census-year N. Un millésime qu'ips-map
    ne connaît pas encore se récupère avec --page (ou --url) : son adresse est retenue dans
    data/fetched/census/millesimes.json, sans rien modifier dans ips-map.

    \b
    Exemples :
        ips-map fetch census --year 2023
        ips-map fetch census --year 2024 --page <numéro de la page insee.fr>
        ips-map fetch census --year 2024 \\
            --url https://www.insee.fr/fr/statistiques/fichier/<page>/ensemble.zip
    """
    if page and url:
        raise click.UsageError("--page et --url désignent toutes deux l'archive : une seule.")
    result = fetch_census(year, url=url, base_url=base_url, settings=_http(ctx), page=page)
    _echo(result)


def _page_number(value: str | None) -> str | None:
    """``--page``: the digits of an insee.fr page (its URL is accepted too)."""
    if value is None:
        return None
    found = re.fullmatch(
        r"\s*(?:https?://(?:www\.)?insee\.fr/fr/statistiques/)?(\d{4,9})/?\s*", value
    )
    if not found:
        raise click.BadParameter(
            f"« {value} » n'est pas un numéro de page insee.fr (ex. 8680726, de "
            "https://www.insee.fr/fr/statistiques/8680726)."
        )
    return found.group(1)


@fetch.command("communes")
@click.option(
    "--base-url",
    default=None,
    help="Adresse de l'API Découpage administratif (par défaut $IPS_MAP_GEO_API_URL, "
    "sinon https://geo.api.gouv.fr).",
)
@click.pass_context
def communes(ctx: click.Context, base_url: str | None) -> None:
    """Récupérer la table des communes depuis geo.api.gouv.fr.

    Codes, noms, département, région, codes postaux, population municipale, centre et
    anciens codes de chaque commune ; vérifie les 101 départements, le nombre de communes
    (au moins 34 000) et les codes (5 caractères), puis écrit data/fetched/census/
    communes.csv et communes_anciens_codes.csv avec leurs relevés de provenance.

    \b
    Exemple :
        ips-map fetch communes
    """
    _echo(fetch_communes(base_url=base_url, settings=_http(ctx)))


@fetch.command("boundaries")
@click.option("--url", required=True, help="Adresse d'un GeoJSON des départements.")
@click.option("--licence", default=None, help="Licence du fichier, citée sur la carte.")
@click.option("--attribution", default=None, help="Mention de la source, citée sur la carte.")
@click.option("--vintage", default=None, help="Millésime des contours (ex. « COG 2025 »).")
@click.pass_context
def boundaries(
    ctx: click.Context,
    url: str,
    licence: str | None,
    attribution: str | None,
    vintage: str | None,
) -> None:
    """Récupérer un fichier de contours des départements (GeoJSON).

    Vérifie les 101 codes (propriété code, code_insee, INSEE_DEP…), des géométries
    surfaciques (les invalides sont réparées), le CRS (reprojeté en EPSG:4326 s'il en
    déclare un autre) et que chaque département est à sa place, avant de remplacer les
    contours : data/fetched/geo/departements-avec-outre-mer.geojson et son relevé.

    \b
    Exemple :
        ips-map fetch boundaries --url https://exemple.fr/departements.geojson \\
            --licence "Licence Ouverte / Etalab" --attribution "IGN ADMIN EXPRESS" \\
            --vintage "COG 2025"
    """
    result = fetch_boundaries(
        url, settings=_http(ctx), licence=licence, attribution=attribution, vintage=vintage
    )
    _echo(result)

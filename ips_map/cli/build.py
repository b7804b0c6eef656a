"""``ips-map build`` and ``ips-map diff``: the map and its tables, and two editions compared
(thin Click layers over :func:`ips_map.pipeline.build` and :func:`ips_map.editions.diff_builds`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ips_map.cli._progress import TerminalProgress
from ips_map.cli._shared import (
    CONTEXT_SETTINGS,
    ListingSourceType,
    csv_format_option,
    echo,
    max_size_option,
    timeout_option,
)
from ips_map.errors import RowsLeftOut
from ips_map.settings import MEGABYTE
from ips_map.vocabulary import agreed, plural, thousands

log = logging.getLogger("ips_map")


def _numbers_option(flag: str, default: str, help: str):
    """An option that takes a list of numbers (:func:`_numbers`), named after its flag
    (``--seuils-km`` → ``seuils_km``)."""
    return click.option(
        flag,
        flag.lstrip("-").replace("-", "_"),
        default=default,
        show_default=True,
        callback=lambda ctx, param, value: _numbers(value, param),
        help=help,
    )


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--services",
    "services",
    type=ListingSourceType(),
    default=None,
    help="Liste des services : fichier CSV, XLSX, ODS ou GeoJSON, ou adresse http(s) d'un "
    "export (gardé en cache). Par défaut : l'exemple embarqué data/services/exemple.csv.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Dossier des résultats.",
)
@click.option(
    "--census-year",
    type=click.IntRange(1, 9999),
    default=None,
    help="Millésime de population Insee (par défaut le plus récent embarqué).",
)
@click.option(
    "--types",
    "types",
    default="ips,emploi_accompagne,autre",
    show_default=True,
    callback=lambda ctx, param, value: _service_types(value),
    help="Types de services comptés pour la couverture (séparés par des virgules) ; "
    "les autres ne sont ni comptés ni dessinés.",
)
@click.option("--title", default=None, help="Titre de la carte.")
@click.option(
    "--listing-date",
    default=None,
    help=(
        "Date de la liste affichée sur la carte (par défaut : la date écrite dans le titre "
        "de la liste, sinon la date de construction, et la carte le dit)."
    ),
)
@click.option(
    "--previous",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Dossier d'une construction précédente à comparer (écrit changes.csv ; section "
    "« Évolution » et couche « Évolutions » sur la carte).",
)
@click.option(
    "--geocode/--no-geocode",
    default=False,
    show_default=True,
    help="Géocoder les adresses sans coordonnées avec l'API Adresse (réseau ; réponses "
    "gardées dans ~/.cache/ips-map/geocodage.json ou $IPS_MAP_CACHE_DIR). Sinon : centre de "
    "la commune.",
)
@click.option(
    "--geocode-url",
    default=None,
    help="Adresse de l'API de géocodage (par défaut : $IPS_MAP_GEOCODE_URL, sinon "
    "https://data.geopf.fr/geocodage).",
)
@click.option(
    "--geocode-min-score",
    type=click.FloatRange(0, 1),
    default=None,
    help="Score minimal (0 à 1) d'une adresse géocodée retenue (par défaut : 0.5).",
)
@click.option(
    "--region",
    default=None,
    help="Édition régionale : code ou nom de la région (84, Auvergne-Rhône-Alpes) ; la carte, "
    "les chiffres et les tableaux ne portent que sur ses départements.",
)
@click.option(
    "--image/--no-image",
    default=None,
    help="Écrire carte.png et carte.pdf, la carte en image pour les rapports (par défaut : "
    "oui, sauf si IPS_MAP_IMAGE=0).",
)
@csv_format_option
@click.option(
    "--strict",
    is_flag=True,
    default=False,
    help="Ne rien construire quand des lignes de la liste sont laissées de côté (code de "
    "sortie 1, comme ips-map validate) ; sinon la carte est construite sans elles.",
)
@_numbers_option(
    "--seuils-km",
    "30,60",
    "Accès : les deux distances (km, à vol d'oiseau) au-delà desquelles les habitants "
    "sont comptés loin d'un service (colonnes pop_30km_plus, part_pop_60km_plus…).",
)
@_numbers_option(
    "--bandes-km",
    "15,30,45",
    "Accessibilité E2SFCA : bornes des bandes de distance (km), la dernière étant la "
    "portée d'un service.",
)
@_numbers_option(
    "--poids-bandes",
    "1,0.68,0.22",
    "Accessibilité E2SFCA : le poids de chaque bande (entre 0 et 1, décroissants ; "
    "« 1 ; 0,68 ; 0,22 » s'écrit aussi).",
)
@click.option(
    "--suggest",
    "suggest",
    type=click.IntRange(min=0),
    default=None,
    help="Où ouvrir : le nombre de communes suggérées pour de nouveaux services, choisies une "
    "à une pour rapprocher le plus d'habitants à moins du premier seuil (par défaut 5, ou "
    "IPS_MAP_SUGGEST ; 0 : aucune). Une suggestion calculée, pas une recommandation.",
)
@click.option(
    "--suggest-after-planned",
    is_flag=True,
    default=False,
    help="Suggestions faites en comptant les services en projet comme ouverts.",
)
@click.option(
    "--zones-emploi",
    is_flag=True,
    help="Dessiner aussi les 306 zones d'emploi (Insee 2020) : la carte passe des "
    "départements aux zones d'emploi, chacune avec son statut et ses distances.",
)
@max_size_option
@timeout_option
@click.pass_context
def build(
    ctx: click.Context,
    services: Path | None,
    out: Path,
    census_year: int | None,
    title: str | None,
    listing_date: str | None,
    previous: Path | None,
    geocode: bool,
    geocode_url: str | None,
    geocode_min_score: float | None,
    types: tuple[str, ...],
    max_size: int,
    timeout: float,
    region: str | None,
    image: bool | None,
    csv_format: str | None,
    strict: bool,
    seuils_km: tuple[float, ...],
    bandes_km: tuple[float, ...],
    poids_bandes: tuple[float, ...],
    suggest: int | None,
    suggest_after_planned: bool,
    zones_emploi: bool,
) -> None:
    """Construire la carte et les tableaux de couverture.

    Écrit dans --out : index.html (la carte, autonome), coverage.csv (un département par
    ligne), services.csv (chaque service et son placement), rejects.csv (lignes non
    utilisées et pourquoi), zones_emploi.csv (une zone d'emploi par ligne), communes.csv
    (la distance de chaque commune au service actif le plus proche), summary.json
    (chiffres nationaux) et carte.png, carte.pdf (la carte en image, sauf --no-image). Une
    liste plus grosse que --max-size est refusée ; une liste en ligne qui ne répond pas dans
    --timeout, ou dont la réponse n'est pas une liste, est remplacée par sa dernière copie en
    cache (avertissement).

    \b
    Exemple :
        ips-map build --services services.csv --census-year 2022 --out public/
        ips-map build --services services.csv --geocode
        ips-map build --census-year 2023 --out build/2023 --previous build/2022
        ips-map build --services services.csv --types ips   # les seuls services IPS
        ips-map build --services services.csv --region 84 --out build/ara
        ips-map build --services services.csv --seuils-km 20,40
    """
    from ips_map.pipeline import build as run_build
    from ips_map.settings import DEFAULT_TITLE, BuildSettings

    settings = BuildSettings(
        services=services,
        out=out,
        census_year=census_year,
        title=title or DEFAULT_TITLE,
        listing_date=listing_date,
        previous=previous,
        geocode=geocode,
        **({"geocode_url": geocode_url} if geocode_url else {}),
        **({"geocode_min_score": geocode_min_score} if geocode_min_score is not None else {}),
        types=types,
        max_size=max_size * MEGABYTE,
        timeout=timeout,
        region=region,
        **({"image": image} if image is not None else {}),
        **({"csv_format": csv_format.lower()} if csv_format else {}),
        strict=strict,
        access_thresholds_km=seuils_km,
        access_bands_km=bandes_km,
        access_weights=poids_bandes,
        **({"suggest": suggest} if suggest is not None else {}),
        suggest_after_planned=suggest_after_planned,
        zones_emploi=zones_emploi,
    )
    try:
        result = run_build(settings, progress=TerminalProgress())
    except RowsLeftOut as exc:
        # The verdict, as validate says it, then why nothing was written.
        for line in exc.lines:
            log.error("%s", line)
        raise click.ClickException(exc.reason) from None
    _report(result, verbose=bool((ctx.obj or {}).get("verbose")))


def _report(result, verbose: bool) -> None:
    """What the command says once the map is built: the verdict on the listing (as
    ``ips-map validate`` words it, each warning with -v), then the figures and files."""
    verdict = result.verdict
    noisy = bool(verdict.rejects or verdict.warnings() or result.listing.duplicates)
    for line in verdict.lines(detail=verbose):
        (log.warning if noisy else log.info)("%s", line)
    s = result.summary
    population = thousands(s["population_non_couverte"])
    share = f"{100 * s['part_population_non_couverte']:.1f}".replace(".", ",")
    unit = result.listing.unit
    left_out = s["lignes_rejetees"]
    echo(
        f"{plural(s['lignes_placees'], 'service placé', 'services placés')} sur "
        f"{plural(s['lignes_lues'], unit)}, {left_out} "
        f"{'laissée' if left_out < 2 else 'laissées'} de côté. Départements couverts : "
        f"{s['departements_couverts']}/{s['departements']} ; population sans service actif : "
        f"{population} ({share} %), Insee {s['annee_population']}."
    )
    if s.get("acces") and s.get("acces_methode"):
        echo(_access_line(s["acces"], s["acces_methode"]))
    if "region" in s:
        echo(_region_line(s["region"]))
    if result.comparison is not None:
        echo("\n".join(result.comparison.describe()))
    for path in result.outputs.values():
        echo(str(path))


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("old", type=click.Path(file_okay=False, path_type=Path))
@click.argument("new", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Dossier où écrire changes.csv (par défaut : NEW).",
)
@csv_format_option
def diff(old: Path, new: Path, out: Path | None, csv_format: str | None) -> None:
    """Comparer deux constructions (éditions) : OLD, la plus ancienne, et NEW.

    Lit coverage.csv, services.csv et summary.json de chaque dossier ; écrit changes.csv
    (une ligne par changement : type, code, nom, avant, apres, detail) dans NEW ou --out et
    affiche un résumé : départements dont le statut a changé, services ajoutés, fermés ou
    retirés, taux pour 100 000 habitants modifiés.

    \b
    Exemple :
        ips-map diff build/2022 build/2023
    """
    from ips_map.editions import diff_builds
    from ips_map.settings import default_csv_format

    comparison, path = diff_builds(old, new, out, fmt=(csv_format or default_csv_format()).lower())
    echo("\n".join(comparison.describe()))
    echo(str(path))


def _access_line(access: dict, method: dict) -> str:
    """How many inhabitants live beyond the first threshold from an active service."""
    from ips_map.access.options import french_km, km_label

    km = method["seuils_km"][0]
    far = access.get(f"pop_{km_label(km)}km_plus") or 0
    share = access.get(f"part_pop_{km_label(km)}km_plus") or 0
    percent = f"{100 * share:.1f}".replace(".", ",")
    return (
        f"Accès : {plural(far, 'habitant')} ({percent} %) à plus de {french_km(km)} km à "
        "vol d'oiseau d'un service actif."
    )


def _region_line(region: dict) -> str:
    """What a regional edition covers, and what it leaves out."""
    outside = region["services_hors_region"]
    return (
        f"Édition régionale : {region['nom']} ({region['code']}), "
        f"{plural(len(region['departements']), 'département')} ; "
        f"{plural(outside, 'service')} hors de la région, ni {agreed(outside, 'compté')} ni "
        f"{agreed(outside, 'repris', 'repris')} dans la carte et les tableaux."
    )


def _numbers(value: str, param: click.Parameter) -> tuple[float, ...]:
    """Parse a list of numbers: ``30,60`` or ``1,0.68,0.22``, or with semicolons or spaces
    between them and decimal commas (``1 ; 0,68 ; 0,22``)."""
    text = value.strip()
    if ";" in text or " " in text:
        parts = [p.strip().replace(",", ".") for p in text.replace(";", " ").split()]
    else:
        parts = [p.strip() for p in text.split(",")]
    try:
        numbers = tuple(float(p) for p in parts if p)
    except ValueError:
        numbers = ()
    if not numbers or any(n != n or n in (float("inf"), float("-inf")) for n in numbers):
        raise click.BadParameter(
            f"« {value} » : des nombres séparés par des virgules sont attendus, par exemple "
            f"{param.default}."
        )
    return numbers


def _service_types(value: str) -> tuple[str, ...]:
    """Parse --types: known type names, comma-separated, at least one."""
    from ips_map.vocabulary import SERVICE_TYPES

    chosen = tuple(dict.fromkeys(t.strip() for t in value.split(",") if t.strip()))
    unknown = [t for t in chosen if t not in SERVICE_TYPES]
    if unknown or not chosen:
        raise click.BadParameter(
            f"types inconnus : {', '.join(unknown) or '(aucun)'} ; valeurs possibles : "
            f"{', '.join(SERVICE_TYPES)}"
        )
    return chosen

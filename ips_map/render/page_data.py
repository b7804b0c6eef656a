"""The page's data contract: the JSON that :func:`ips_map.render.render_map` writes into the
page (``<script id="ips-data">``) and that the page's scripts read.

One frozen dataclass per record; the JSON keys are the field names. The départements are
written as one object of column arrays (each key once, not 101 times), the services as the
compact column table of :class:`ServiceTable`. :func:`to_json` turns the dataclasses into
JSON values and :func:`page_data_schema` derives the JSON Schema from the same classes
(committed as ``page-data.schema.json``; ``IPS_MAP_UPDATE_SCHEMA=1 pytest
tests/test_page_data.py`` rewrites it).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Literal, Union

from ips_map.render._encode import decode_ring
from ips_map.render._topology import decode_arcs, rebuild
from ips_map.vocabulary import (
    COVERAGE_STATUSES,
    PLACEMENT_METHODS,
    SERVICE_STATUSES,
    SERVICE_TYPES,
)

CoverageStatus = Literal[COVERAGE_STATUSES]
ServiceType = Literal[SERVICE_TYPES]
ServiceStatus = Literal[SERVICE_STATUSES]
PlacementMethod = Literal[tuple(PLACEMENT_METHODS)]
#: A status change towards coverage (non couvert → en projet → couvert) or away from it.
Direction = Literal["gain", "loss"]

#: ``layout`` of a list field stored as one object of column arrays.
COLUMNS = "columns"


def _doc(description: str, metadata: dict | None = None, **kwargs):
    """A dataclass field with its description (written into the schema)."""
    return field(metadata={"description": description, **(metadata or {})}, **kwargs)


@dataclass(frozen=True)
class Departement:
    """One département as the map draws it (a row of the ``departements`` columns)."""

    code: str = _doc("Code officiel géographique: 01…95, 2A, 2B, 971…976.")
    name: str = _doc("Name of the département.")
    region: str = _doc("Name of its region.")
    population: int = _doc("Population municipale.")
    census_year: int = _doc("Census vintage of the population.")
    population_note: str = _doc("What to know about the population (Mayotte); may be empty.")
    active: int = _doc("Active services (of the counted types) serving it.")
    planned: int = _doc("Planned services (of the counted types) serving it.")
    status: CoverageStatus = _doc("Coverage status.")
    rate: float | None = _doc("Active services per 100,000 inhabitants; null: no population.")
    rate_class: int = _doc("Class of the rate: -1 no data, 0 zero, k ≥ 1 the k-th colour.")
    shape: list[list[list[int]]] = _doc(
        "Polygons as drawn (DROM moved into their inset), each a list of rings (the shell "
        "first), each ring a list of arcs of the topology: i for arc i, ~i (-i-1) for arc i "
        "reversed. The ring is the arcs' points in turn, each arc without its last point."
    )
    active_by_type: list[int] | None = _doc(
        "Active services of each type, in the order of labels.service_type; only in maps "
        "whose listing mixes types.",
        default=None,
    )


@dataclass(frozen=True)
class Topology:
    """The départements' borders as arcs, each shared border once (render/_topology.py)."""

    precision: int = _doc("The grid: integers of 10^-precision degrees.")
    arcs: str = _doc(
        "Every arc's points in turn, latitude then longitude, each the difference from the "
        "previous point's (the first from 0), zig-zagged and written as varints over the "
        "alphabet of render/_encode.py (ALPHABET, FINAL, MORE)."
    )
    lengths: list[int] = _doc("Number of points of each arc, in order; both ends included.")


@dataclass(frozen=True)
class Frame:
    """The frame drawn around one overseas département's inset."""

    code: str = _doc("Code of the DROM.")
    label: str = _doc("Label written in the band above the frame.")
    bounds: tuple[float, float, float, float] = _doc("West, south, east, north (degrees).")
    label_north: float = _doc("Latitude of the top of the band above the frame (its label's).")
    move: tuple[float, float, float, float, float] | None = _doc(
        "How the inset moves a true position into the frame, in EPSG:3857 metres: scale, "
        "then the centres of the true and of the drawn shape (x, y each); drawn = target + "
        "scale × (true − origin). The page's search undoes it to measure true distances.",
        default=None,
    )


@dataclass(frozen=True)
class StatusChange:
    """A département whose coverage status changed since the previous edition."""

    code: str = _doc("Code of the département.")
    previous_status: CoverageStatus = _doc("Its status in the previous edition.")
    direction: Direction = _doc("Towards coverage (gain) or away from it (loss).")


@dataclass(frozen=True)
class RateChange:
    """A département whose rate per 100,000 inhabitants changed since the previous edition."""

    code: str = _doc("Code of the département.")
    previous_rate: float | None = _doc("Its rate in the previous edition; null: no population.")


@dataclass(frozen=True)
class Evolution:
    """What changed since the previous edition (maps built with ``--previous``)."""

    date: str = _doc("Build date of the previous edition.")
    census: int | None = _doc("Census vintage of the previous edition.")
    status_changes: list[StatusChange] = _doc("Départements whose status changed.")
    rate_changes: list[RateChange] = _doc("Départements whose rate changed.")


@dataclass(frozen=True)
class ConstantColumn:
    """A services column holding one value for every service."""

    constant: str = _doc("The value.")


@dataclass(frozen=True)
class DictionaryColumn:
    """A services column whose values repeat: each distinct value once, and indices."""

    values: list[str] = _doc("Distinct values, in order of first appearance.")
    indices: list[int] = _doc("For each service, the index of its value.")


#: A text column of the services table: the values themselves, one constant, or a dictionary.
Column = list[str] | ConstantColumn | DictionaryColumn


@dataclass(frozen=True)
class ServiceColumns:
    """The services' text columns; a column that is empty for every service is left out."""

    name: Column | None = _doc("Name of the service.", default=None)
    structure: Column | None = _doc("Organisation running it.", default=None)
    type: Column | None = _doc("Service type (a key of labels.service_type).", default=None)
    status: Column | None = _doc("actif, en_projet or non_reconnu (not ferme).", default=None)
    status_written: Column | None = _doc("A non_reconnu statut as written.", default=None)
    address: Column | None = _doc("Street, postcode and commune.", default=None)
    served: Column | None = _doc("Codes of the départements served, spaced.", default=None)
    phone: Column | None = _doc("Telephone.", default=None)
    website: Column | None = _doc("Website (linked only if http or https).", default=None)
    source: Column | None = _doc("Where the listing took it from.", default=None)
    method: Column | None = _doc("How it was placed (a key of labels.method).", default=None)


@dataclass(frozen=True)
class ServiceTable:
    """The services drawn on the map (closed ones are not), as columns."""

    count: int = _doc("Number of services.")
    precision: int = _doc("Decimal places of the positions.")
    positions: str = _doc("Positions as one encoded polyline (latitude first), as drawn.")
    columns: ServiceColumns = _doc("Text columns, in the order of the positions.")


@dataclass(frozen=True)
class Panes:
    """Names of the map's own Leaflet panes (created by the page before its script runs)."""

    services: str = _doc("The services' canvas, above the départements.")
    changes: str | None = _doc(
        "The changed départements' outlines; absent without a previous edition.", default=None
    )


@dataclass(frozen=True)
class Colours:
    """Fill colours of the départements."""

    status: dict[CoverageStatus, str] = _doc("By coverage status.")
    no_data: str = _doc("Rate view: population unknown.")
    rate_zero: str = _doc("Rate view: no active service.")
    rate: list[str] = _doc("Rate view: one colour per class, lightest first.")


@dataclass(frozen=True)
class PageText:
    """The wording of the page's scripts (tooltips, popups, controls); ``{name}`` marks a
    value filled in by the script."""

    population: str = _doc("Tooltip.", default="Population {year}")
    inhabitants: str = _doc("Tooltip.", default="{population} hab.")
    active: str = _doc("Tooltip.", default="Services actifs")
    active_by_type: str = _doc("Tooltip.", default="Actifs par type")
    planned: str = _doc("Tooltip.", default="Services en projet")
    status: str = _doc("Tooltip and popup.", default="Statut")
    rate: str = _doc("Tooltip and layer control.", default="Services pour 100 000 hab.")
    unknown_population: str = _doc("Tooltip.", default="population inconnue")
    previous_status: str = _doc("Tooltip.", default="Avant")
    previous_edition: str = _doc("Tooltip.", default="{status} (édition du {date})")
    previous_rate: str = _doc("Tooltip.", default="Taux avant")
    previous_census: str = _doc("Tooltip.", default="{rate} (population {census})")
    structure: str = _doc("Popup.", default="Structure")
    type: str = _doc("Popup.", default="Type")
    address: str = _doc("Popup.", default="Adresse")
    served: str = _doc("Popup.", default="Départements desservis")
    phone: str = _doc("Popup.", default="Téléphone")
    website: str = _doc("Popup.", default="Site")
    source: str = _doc("Popup.", default="Source")
    method: str = _doc("Popup.", default="Placement")
    same_place: str = _doc("Popup.", default="{count} services à cet endroit")
    separator: str = _doc("Between a label and its value.", default=" : ")
    status_layer: str = _doc("Layer control.", default="Statut de couverture")
    services_layer: str = _doc("Layer control.", default="Services")
    changes_layer: str = _doc("Layer control.", default="Évolutions")
    frames_layer: str = _doc("Layer control.", default="Cadres outre-mer")
    legend: str = _doc("Legend control.", default="Légende")
    regions_layer: str = _doc("Layer control and legend.", default="Limites des régions")
    close: str = _doc("Button of the phone's figures panel.", default="Fermer")


@dataclass(frozen=True)
class Labels:
    """What people read for each code, and the scripts' wording."""

    coverage_status: dict[CoverageStatus, str] = _doc("Coverage statuses.")
    service_type: dict[ServiceType, str] = _doc("Service types, in the order of counts.")
    service_status: dict[ServiceStatus, str] = _doc("Service statuses.")
    method: dict[PlacementMethod, str] = _doc("Placement methods, as a service's popup says.")
    locale: str = _doc("Locale of the number formats (BCP 47).")
    text: PageText = _doc("Wording of tooltips, popups and controls.")


@dataclass(frozen=True)
class PageData:
    """Everything the page's scripts draw: départements, services, insets, colours, words."""

    departements: list[Departement] = _doc(
        "The départements, as one object of column arrays (one array per field of a "
        "Departement, all of the same length).",
        metadata={"layout": COLUMNS},
    )
    topology: Topology = _doc("The arcs that the départements' shapes reference.")
    services: ServiceTable = _doc("The services drawn.")
    frames: list[Frame] = _doc("The insets' frames, top to bottom.")
    bounds: tuple[tuple[float, float], tuple[float, float]] = _doc(
        "South-west and north-east corners (latitude, longitude) of everything drawn."
    )
    panes: Panes = _doc("The map's panes.")
    colours: Colours = _doc("Fill colours.")
    labels: Labels = _doc("Labels and wording.")
    evolution: Evolution | None = _doc(
        "The comparison with the previous edition; absent without one.", default=None
    )
    region: str | None = _doc("A regional edition's région: « name (code) ».", default=None)
    context: list[list[list[list[int]]]] | None = _doc(
        "A regional edition's other metropolitan départements (shapes as Departement.shape), "
        "drawn as a pale outline.",
        default=None,
    )


# --- Writing ----------------------------------------------------------------------------------


def _optional(f: dataclasses.Field) -> bool:
    """A field whose default is None is left out when it is None."""
    return f.default is None


#: Values that are their own JSON value (not bool, not float: both need a look).
_PLAIN = frozenset((str, int))


def to_json(value):
    """Return a contract value (dataclasses, lists, dicts, numbers, text) as JSON values."""
    if dataclasses.is_dataclass(value):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is None and _optional(f):
                continue
            if f.metadata.get("layout") == COLUMNS:
                out[f.name] = _columns(item, _list_item_type(type(value), f.name))
            else:
                out[f.name] = to_json(item)
        return out
    if isinstance(value, (list, tuple)):
        if set(map(type, value)) <= _PLAIN:  # a column of a large table (types seen in C)
            return list(value)
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"not a JSON number: {value}")
    return value


def _columns(records: list, record_type: type) -> dict:
    """Records as one object of column arrays; an optional column absent from every record is
    left out (present in some records only, it is an error)."""
    out = {}
    for f in dataclasses.fields(record_type):
        values = [getattr(record, f.name) for record in records]
        if _optional(f):
            missing = sum(value is None for value in values)
            if missing == len(values):
                continue
            if missing:
                raise ValueError(f"column {f.name}: set in some records only")
        out[f.name] = [to_json(value) for value in values]
    return out


def _list_item_type(cls: type, name: str) -> type:
    return typing.get_args(typing.get_type_hints(cls)[name])[0]


# --- Reading (tests, comparisons) -------------------------------------------------------------


def read_page_data(html: str) -> dict:
    """Return the JSON data embedded in a built page."""
    match = re.search(r'<script type="application/json" id="ips-data">(.*?)</script>', html, re.S)
    if not match:
        raise ValueError("no #ips-data script in the page")
    return json.loads(match.group(1))


def column_rows(columns: dict) -> list[dict]:
    """Return an object of column arrays (the départements) as one dict per row."""
    names = list(columns)
    count = len(columns[names[0]]) if names else 0
    return [{name: columns[name][i] for name in names} for i in range(count)]


def departement_shapes(data: dict) -> dict[str, object]:
    """Return each département's shape as the page draws it (DROM in their insets), by code:
    the page's arcs decoded and its rings rebuilt from them as ``static/decode.js`` does."""
    topology = data["topology"]
    arcs = decode_arcs(topology["arcs"], topology["lengths"])
    columns = data["departements"]
    return {
        code: rebuild(shape, arcs, topology["precision"])
        for code, shape in zip(columns["code"], columns["shape"], strict=True)
    }


def service_rows(table: dict) -> list[dict]:
    """Return the page's services table as one dict per service: lon, lat and its columns."""
    count = table["count"]
    positions = decode_ring(table["positions"], table["precision"]) if count else []
    columns = {name: _column_values(column, count) for name, column in table["columns"].items()}
    return [
        {
            "lon": float(positions[i][0]),
            "lat": float(positions[i][1]),
            **{name: values[i] for name, values in columns.items()},
        }
        for i in range(count)
    ]


def _column_values(column, count: int) -> list[str]:
    if isinstance(column, list):
        return column
    if "constant" in column:
        return [column["constant"]] * count
    return [column["values"][i] for i in column["indices"]]


# --- The schema -------------------------------------------------------------------------------

_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def page_data_schema() -> dict:
    """Return the JSON Schema (draft 2020-12) of :class:`PageData`, built from its classes."""
    defs: dict[str, dict] = {}
    root = _object_schema(PageData, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ips-map page data",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def _description(cls: type) -> str:
    return " ".join(inspect.getdoc(cls).split("\n\n")[0].split())


def _object_schema(cls: type, defs: dict) -> dict:
    hints = typing.get_type_hints(cls)
    properties, required = {}, []
    for f in dataclasses.fields(cls):
        if f.metadata.get("layout") == COLUMNS:
            schema = _columns_ref(_list_item_type(cls, f.name), defs)
        else:
            schema = _schema(hints[f.name], defs, nullable=not _optional(f))
        properties[f.name] = {"description": f.metadata["description"], **schema}
        if not _optional(f):
            required.append(f.name)
    return {
        "description": _description(cls),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _ref(cls: type, defs: dict) -> dict:
    if cls.__name__ not in defs:
        defs[cls.__name__] = {}  # placeholder, against recursion
        defs[cls.__name__] = _object_schema(cls, defs)
    return {"$ref": f"#/$defs/{cls.__name__}"}


def _columns_ref(record_type: type, defs: dict) -> dict:
    """Schema of records stored as one object of column arrays."""
    name = f"{record_type.__name__}Columns"
    if name not in defs:
        rows = _object_schema(record_type, defs)
        columns = {
            key: {"description": prop["description"], "type": "array", "items": _items(prop)}
            for key, prop in rows["properties"].items()
        }
        defs[name] = {**rows, "properties": columns}
        defs[name]["description"] = (
            f"{rows['description']} Stored as columns: one array per field, same lengths."
        )
    return {"$ref": f"#/$defs/{name}"}


def _items(prop: dict) -> dict:
    return {key: value for key, value in prop.items() if key != "description"}


def _schema(tp, defs: dict, nullable: bool = True) -> dict:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (Union, types.UnionType):
        options = [arg for arg in args if arg is not type(None)]
        schemas = [_schema(arg, defs) for arg in options]
        if type(None) in args and nullable:
            schemas.append({"type": "null"})
        if len(schemas) == 1:
            return schemas[0]
        if all(set(s) == {"type"} for s in schemas):
            return {"type": [s["type"] for s in schemas]}
        return {"anyOf": schemas}
    if origin is Literal:
        return {"type": "string", "enum": list(args)}
    if origin is list:
        return {"type": "array", "items": _schema(args[0], defs)}
    if origin is tuple:
        items = [_schema(arg, defs) for arg in args]
        return {
            "type": "array",
            "prefixItems": items,
            "minItems": len(items),
            "maxItems": len(items),
            "items": False,
        }
    if origin is dict:
        return _dict_schema(args[0], args[1], defs)
    if dataclasses.is_dataclass(tp):
        return _ref(tp, defs)
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _dict_schema(key, value, defs: dict) -> dict:
    if typing.get_origin(key) is Literal:
        keys = list(typing.get_args(key))
        return {
            "type": "object",
            "properties": {name: _schema(value, defs) for name in keys},
            "required": keys,
            "additionalProperties": False,
        }
    return {"type": "object", "additionalProperties": _schema(value, defs)}


def schema_text() -> str:
    """The schema as written into ``page-data.schema.json``."""
    return json.dumps(page_data_schema(), ensure_ascii=False, indent=2) + "\n"

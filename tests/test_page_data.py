"""The page's data contract: the committed schema is the generated one, every built page's
data follows it, and the JSON is written by the contract's rules."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest

from ips_map.render.page_data import (
    PageData,
    column_rows,
    page_data_schema,
    read_page_data,
    schema_text,
    service_rows,
    to_json,
)
from tests.test_editions import EXPECTED_STATUS

SCHEMA = Path(__file__).resolve().parent.parent / "ips_map" / "render" / "page-data.schema.json"
PAGES = ("example", "hostile", "edition")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = page_data_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def pages(example_build, hostile_build, editions) -> dict[str, dict]:
    """The data of the pages built in the tests: the example (its listing mixes types), a
    hostile listing with a service overseas, an edition compared with the previous one."""
    paths = {
        "example": example_build.outputs["map"],
        "hostile": hostile_build.outputs["map"],
        "edition": editions.new / "index.html",
    }
    return {name: read_page_data(Path(p).read_text(encoding="utf-8")) for name, p in paths.items()}


def test_committed_schema_is_the_generated_one():
    if os.environ.get("IPS_MAP_UPDATE_SCHEMA") == "1":
        SCHEMA.write_text(schema_text(), encoding="utf-8")
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "the page's data classes changed: IPS_MAP_UPDATE_SCHEMA=1 rewrites the schema"
    )


@pytest.mark.parametrize("name", PAGES)
def test_page_data_follows_the_schema(pages, validator, name):
    data = pages[name]
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []
    # What a schema cannot say: columns of one length, one position per service.
    lengths = {key: len(column) for key, column in data["departements"].items()}
    assert set(lengths.values()) == {101}, lengths
    services = data["services"]
    for key, column in services["columns"].items():
        size = len(column) if isinstance(column, list) else len(column.get("indices", []))
        assert size in (services["count"], 0), key
        if isinstance(column, dict) and "indices" in column:
            assert max(column["indices"]) < len(column["values"]), key
    assert len(service_rows(services)) == services["count"]
    codes = set(data["departements"]["code"])
    for change in data.get("evolution", {}).get("status_changes", []):
        assert change["code"] in codes


def test_pages_carry_what_their_build_has(pages):
    example, edition = pages["example"], pages["edition"]
    # The example mixes types: active services by type; the edition's listing does not.
    assert len(example["departements"]["active_by_type"]) == 101
    assert "active_by_type" not in edition["departements"]
    assert "evolution" not in example and "changes" not in example["panes"]
    changes = {c["code"]: c for c in edition["evolution"]["status_changes"]}
    assert {code: c["previous_status"] for code, c in changes.items()} == {
        code: before for code, (before, _) in EXPECTED_STATUS.items()
    }
    assert {c["direction"] for c in changes.values()} == {"gain", "loss"}
    rows = column_rows(example["departements"])
    assert all(sum(row["active_by_type"]) >= row["active"] for row in rows)
    assert example["labels"]["text"]["separator"] == " : "


def test_schema_rejects_the_old_one_letter_keys(pages, validator):
    data = json.loads(json.dumps(pages["example"]))
    data["departements"]["c"] = data["departements"].pop("code")
    assert not validator.is_valid(data)
    del data["departements"]["c"]
    assert not validator.is_valid(data)  # a required column is missing
    data = json.loads(json.dumps(pages["example"]))
    data["services"]["columns"]["name"] = {"d": ["a"], "i": [0]}
    assert not validator.is_valid(data)


# --- Writing rules, on small records ------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """A row."""

    code: str = field(metadata={"description": "Code."})
    extra: int | None = field(default=None, metadata={"description": "Sometimes."})


@dataclass(frozen=True)
class _Table:
    """A table."""

    rows: list[_Row] = field(metadata={"description": "Rows.", "layout": "columns"})
    note: str | None = field(default=None, metadata={"description": "Note."})


def test_records_are_written_as_columns_and_absent_values_left_out():
    assert to_json(_Table(rows=[_Row("01"), _Row("2A")])) == {"rows": {"code": ["01", "2A"]}}
    assert to_json(_Table(rows=[_Row("01", 3)], note="n")) == {
        "rows": {"code": ["01"], "extra": [3]},
        "note": "n",
    }
    assert to_json(_Table(rows=[])) == {"rows": {"code": []}}


def test_a_column_set_in_some_records_only_is_refused():
    with pytest.raises(ValueError, match="extra"):
        to_json(_Table(rows=[_Row("01", 3), _Row("02")]))


def test_a_number_that_json_cannot_hold_is_refused():
    with pytest.raises(ValueError, match="nan"):
        to_json({"rate": float("nan")})


def test_schema_requires_what_is_always_written():
    schema = page_data_schema()
    assert schema["required"] == [
        "departements",
        "topology",
        "services",
        "frames",
        "bounds",
        "panes",
        "colours",
        "labels",
    ]
    columns = schema["$defs"]["DepartementColumns"]
    assert "active_by_type" not in columns["required"] and "code" in columns["required"]
    assert columns["properties"]["rate"]["items"] == {"type": ["number", "null"]}
    # A shape: polygons of rings of signed arc indices.
    assert columns["properties"]["shape"]["items"] == {
        "type": "array",
        "items": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
    }
    assert schema["$defs"]["Topology"]["required"] == ["precision", "arcs", "lengths"]
    assert set(schema["properties"]) == {f for f in PageData.__dataclass_fields__}

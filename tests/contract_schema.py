"""JSON Schemas of S3M's messages, for checking JSON answers against the contract.

Each message becomes an object schema keyed by its json names (``additionalProperties: false``),
each field typed as ProtoJSON allows (64-bit integers as numbers or digit strings). Where S3M's
field coincides with SchedMD's property of the same name (``scripts/draft_from_descriptor.SCHEMAS``
names the schema each message mirrors), SchedMD's enum of values is added: job states, node states
and flags must be Slurm's own. Where the shapes differ, the contract's shape stands.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from scripts.draft_from_descriptor import NESTED_SCHEMAS, SCHEMAS

REFERENCE = Path(__file__).resolve().parent / "reference"
F = FieldDescriptor
_RANGES = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1),
}


@functools.cache
def schedmd(version: str) -> dict[str, Any]:
    """SchedMD's component schemas for ``v0.0.43`` etc., without the version prefix."""
    doc = json.loads((REFERENCE / f"slurm-openapi-{version}.json").read_text(encoding="utf-8"))
    prefix = f"{version}_"
    return {name[len(prefix) :]: schema for name, schema in doc["components"]["schemas"].items()}


def _resolve(version: str, schema: Any) -> Any:
    while isinstance(schema, dict):
        if "$ref" in schema:
            schema = schedmd(version).get(schema["$ref"].rsplit("/", 1)[-1].removeprefix(f"{version}_"))
            continue
        return schema
    return schema


def _enum_of(version: str, prop: Any) -> list[str] | None:
    prop = _resolve(version, prop)
    if not isinstance(prop, dict):
        return None
    if prop.get("type") == "array":
        prop = _resolve(version, prop.get("items"))
    return list(prop["enum"]) if isinstance(prop, dict) and "enum" in prop else None


def message_schema(desc: Descriptor, version: str, upstream: Any = None) -> dict[str, Any]:
    """The JSON Schema of one message of API `version` (``v0.0.43``)."""
    upstream = _resolve(
        version, upstream if upstream is not None else schedmd(version).get(SCHEMAS.get(desc.name, ""))
    )
    props = (upstream or {}).get("properties", {}) if isinstance(upstream, dict) else {}
    properties: dict[str, Any] = {}
    for field in desc.fields:
        prop = props.get(field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value = field.message_type.fields_by_name["value"]
            schema: dict[str, Any] = {"type": "object", "additionalProperties": _scalar(value)}
        elif field.message_type is not None:
            inner = prop
            if inner is not None:
                inner = _resolve(version, inner)
                if isinstance(inner, dict) and inner.get("type") == "array":
                    inner = inner.get("items")
            elif field.message_type.name in NESTED_SCHEMAS:
                inner = schedmd(version).get(NESTED_SCHEMAS[field.message_type.name])
            schema = message_schema(field.message_type, version, inner)
        else:
            schema = _scalar(field)
            enum = _enum_of(version, prop) if prop is not None and field.type == F.TYPE_STRING else None
            if enum:
                schema = {"type": "string", "enum": enum}
        properties[field.json_name] = {"type": "array", "items": schema} if field.is_repeated else schema
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _scalar(field: FieldDescriptor) -> dict[str, Any]:
    if field.type == F.TYPE_STRING:
        return {"type": "string"}
    if field.type == F.TYPE_BOOL:
        return {"type": "boolean"}
    if field.type in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        return {"type": "number"}
    if field.type == F.TYPE_ENUM:
        return {"enum": [v.name for v in field.enum_type.values]}
    low, high = _RANGES[field.type]
    number = {"type": "integer", "minimum": low, "maximum": high}
    if field.type in (F.TYPE_INT64, F.TYPE_UINT64):
        return {"anyOf": [number, {"type": "string", "pattern": "^-?[0-9]{1,20}$"}]}  # ProtoJSON's form
    return number

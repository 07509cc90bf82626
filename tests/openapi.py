"""SchedMD's OpenAPI specs as the tests use them: schemas, endpoint roots and JSON Schema validators."""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

import jsonschema

from tests.conftest import REFERENCE

# Schema (without the version prefix) of each endpoint that SlurmIndirect mirrors.
ENDPOINT_SCHEMAS = {
    "ping": "openapi_ping_array_resp",
    "partitions": "openapi_partition_resp",
    "job_submit_req": "job_submit_req",
    "job_submit": "openapi_job_submit_response",
    "job": "openapi_job_info_resp",
    "jobs": "openapi_job_info_resp",
    "kill_job": "openapi_kill_job_resp",
    "nodes": "openapi_nodes_resp",
    "reservations": "openapi_reservation_resp",
    "diag": "openapi_diag_resp",
}


def dotted(version: str) -> str:
    """'v0043' -> 'v0.0.43'."""
    return f"v0.0.{int(version[1:])}"


@functools.cache
def spec(version: str) -> dict[str, Any]:
    """The whole OpenAPI document for a package version such as 'v0043'."""
    with open(REFERENCE / f"slurm-openapi-{dotted(version)}.json", encoding="utf-8") as fh:
        return json.load(fh)  # type: ignore[no-any-return]


def schemas(version: str) -> dict[str, dict[str, Any]]:
    """Component schemas keyed by their name without the version prefix."""
    prefix = f"{dotted(version)}_"
    return {k.removeprefix(prefix): v for k, v in spec(version)["components"]["schemas"].items()}


def _fix_required(schema: Any, strict: bool) -> None:
    """Rewrite Slurm's `required: ["nodes/count"]` into nested `required` lists, in place.

    slurmrestd lists required members of inline objects as slash paths, which JSON Schema would read
    as literal keys named "nodes/count" (and so reject every real response). With `strict`, objects
    also refuse keys the spec does not define, so a fixture cannot carry a typo.
    """
    if isinstance(schema, list):
        for item in schema:
            _fix_required(item, strict)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "object" and "properties" in schema:
        required = schema.get("required", [])
        plain = []
        for entry in required:
            head, _, rest = entry.partition("/")
            if not rest:
                plain.append(entry)
                continue
            child = schema["properties"].get(head, {})
            child.setdefault("required", [])
            if rest not in child["required"]:
                child["required"].append(rest)
        schema["required"] = plain
        if strict:
            schema["additionalProperties"] = False
    for value in list(schema.values()):
        _fix_required(value, strict)


@functools.cache
def _document(version: str, strict: bool) -> dict[str, Any]:
    doc = copy.deepcopy(spec(version))
    _fix_required(doc["components"], strict)
    return doc


def validator(version: str, schema_name: str, *, strict: bool = True) -> jsonschema.Draft7Validator:
    """A validator for one component schema (`schema_name` without the version prefix)."""
    doc = _document(version, strict)
    root = {"$ref": f"#/components/schemas/{dotted(version)}_{schema_name}", "components": doc["components"]}
    return jsonschema.Draft7Validator(root)


def errors(version: str, schema_name: str, instance: Any, *, strict: bool = True) -> list[str]:
    """Validation errors as 'json/path: message' lines (empty when the instance conforms)."""
    found = validator(version, schema_name, strict=strict).iter_errors(instance)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:200]}" for e in found)


def missing_properties(version: str, schema_name: str, instance: Any) -> list[str]:
    """Spec properties absent from `instance`, by JSON path, for objects that are present.

    slurmrestd writes every property of every object it returns, so a realistic fixture does too;
    this is what makes "the round trip loses no field" mean something.
    """
    names = schemas(version)
    prefix = f"#/components/schemas/{dotted(version)}_"
    out: list[str] = []

    def walk(schema: dict[str, Any], value: Any, path: str) -> None:
        while "$ref" in schema:
            schema = names[schema["$ref"].removeprefix(prefix)]
        if schema.get("type") == "object" and isinstance(value, dict):
            for key, prop in schema.get("properties", {}).items():
                if key not in value:
                    out.append(f"{path}/{key}")
                else:
                    walk(prop, value[key], f"{path}/{key}")
        elif schema.get("type") == "array" and isinstance(value, list):
            for index, item in enumerate(value):
                walk(schema.get("items", {}), item, f"{path}/{index}")

    walk(names[schema_name], instance, "")
    return out

"""OpenAPI documents as the tests use them.

``contract_document(version)`` is S3M's REST surface for one API version, built from S3M's published
contract (``tests/contract/olcf-s3m-apis.binpb``) as grpc-gateway's OpenAPI generator would: one
path per ``google.api.http`` rule of SlurmIndirect, path parameters from the rule's template, the
other request fields of a GET or DELETE as query parameters, a ``body: "*"`` request as the JSON
request body, and the response message as the schema of the answer. Two things follow S3M's public
gateway rather than the generator: the resource segment S3M's paths add after the version
(``/slurm/v0.0.43/defiant/ping``), and error statuses, which S3M answers with the RPC's own response
message (meta, errors[], warnings[]) rather than a ``google.rpc.Status``. The schemas are
``tests.contract_schema.message_schema``'s: json names, no unknown keys, SchedMD's enums where a
field coincides with Slurm's.

The rest of this module is SchedMD's OpenAPI specs (``tests/reference/``): component schemas and
JSON Schema validators, for the tests that compare our JSON with Slurm's.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
from google.api import annotations_pb2  # registers google.api.http, so that method options parse it
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor

from tests.contract_schema import message_schema

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference"
CONTRACT = HERE / "contract" / "olcf-s3m-apis.binpb"
SERVICE = "SlurmIndirect"
#: The resource each version's paths are routed to (defiant serves v0.0.42/43, odo v0.0.43/44).
RESOURCES = {"v0.0.42": "defiant", "v0.0.43": "defiant", "v0.0.44": "odo"}
#: HTTP statuses S3M answers with the RPC's response message (its errors[] saying why).
ERROR_STATUSES = {
    "400": "Bad Request",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "Not Found",
    "409": "Conflict",
    "429": "Too Many Requests",
    "500": "Internal Server Error",
    "503": "Service Unavailable",
}
JSON = "application/json"


def dotted(version: str) -> str:
    """'v0043' or 'v0.0.43' -> 'v0.0.43'."""
    return version if version.startswith("v0.0.") else f"v0.0.{int(version[1:])}"


def suffix(version: str) -> str:
    """'v0.0.43' or 'v0043' -> 'v0043', the proto package's last segment."""
    return f"v{int(dotted(version).rsplit('.', 1)[1]):04d}"


# -- S3M's contract as OpenAPI ----------------------------------------------------------------------


@functools.cache
def contract_pool() -> descriptor_pool.DescriptorPool:
    """A descriptor pool of the published files (nothing of ours: the contract as S3M ships it)."""
    assert annotations_pb2.http  # imported for its side effect: http rules parse as a field
    pool = descriptor_pool.DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(CONTRACT.read_bytes()).file:
        pool.Add(file)
    return pool


def service(version: str) -> Any:
    """The published SlurmIndirect service of an API version."""
    return contract_pool().FindServiceByName(f"olcf.s3m.slurm.{suffix(version)}.{SERVICE}")


def http_rule(method: MethodDescriptor) -> tuple[str, str, str]:
    """(HTTP method, path template, body) of a method's primary ``google.api.http`` rule."""
    rule = method.GetOptions().Extensions[annotations_pb2.http]
    verb = rule.WhichOneof("pattern")
    if verb is None or verb == "custom":
        raise ValueError(f"{method.full_name}: no plain HTTP rule")
    return verb, getattr(rule, verb), rule.body


def component_name(desc: Descriptor) -> str:
    """grpc-gateway's definition name: the package's last segment, then the message (``v0044PingResp``)."""
    package = desc.file.package.rsplit(".", 1)[-1]
    return package + desc.full_name.removeprefix(desc.file.package + ".").replace(".", "")


def contract_document(version: str, resource: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3 document of SlurmIndirect for `version` (``v0.0.43``), routed to `resource`."""
    version = dotted(version)
    resource = resource or RESOURCES[version]
    schemas: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for method in service(version).methods:
        verb, template, body = http_rule(method)
        prefix = f"/slurm/{version}/"
        if not template.startswith(prefix):
            raise ValueError(f"{method.full_name}: {template!r} is not under {prefix}")
        path = f"{prefix}{resource}/{template.removeprefix(prefix)}"
        paths.setdefault(path, {})[verb] = _operation(method, template, body, version, schemas)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"olcf.s3m.slurm.{suffix(version)}.{SERVICE}",
            "version": version,
            "description": "S3M's SlurmIndirect, from its published descriptors (tests/contract).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _ref(desc: Descriptor, version: str, schemas: dict[str, Any]) -> dict[str, str]:
    name = component_name(desc)
    if name not in schemas:
        schemas[name] = message_schema(desc, version)
    return {"$ref": f"#/components/schemas/{name}"}


def _operation(
    method: MethodDescriptor, template: str, body: str, version: str, schemas: dict[str, Any]
) -> dict[str, Any]:
    request = method.input_type
    bound = set(re.findall(r"\{([^}=]+)(?:=[^}]*)?\}", template))
    fields = {f.name: f for f in request.fields}
    unknown = bound - set(fields)
    if unknown:
        raise ValueError(f"{method.full_name}: path binds {sorted(unknown)}, which {request.name} lacks")
    properties = message_schema(request, version)["properties"] if request.fields else {}
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": properties[fields[name].json_name]}
        for name in sorted(bound, key=template.index)
    ]
    operation: dict[str, Any] = {"operationId": f"{SERVICE}_{method.name}", "tags": [SERVICE]}
    if body == "*":
        operation["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": _ref(request, version, schemas)}},
        }
    else:
        # As the generator does: every field neither in the path nor the body is a query parameter.
        for field in request.fields:
            if field.name in bound or field.name == body:
                continue
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                raise ValueError(f"{method.full_name}: message field {field.name} as a query parameter")
            parameters.append(
                {
                    "name": field.json_name,
                    "in": "query",
                    "required": False,
                    "schema": properties[field.json_name],
                }
            )
        if body:
            raise ValueError(f"{method.full_name}: body {body!r} (only '*' or none is used by S3M)")
    if parameters:
        operation["parameters"] = parameters
    answer = {JSON: {"schema": _ref(method.output_type, version, schemas)}}
    operation["responses"] = {
        "200": {"description": "A successful response.", "content": answer},
        **{status: {"description": reason, "content": answer} for status, reason in ERROR_STATUSES.items()},
    }
    return operation


# -- SchedMD's OpenAPI specs --------------------------------------------------------------------------


@functools.cache
def spec(version: str) -> dict[str, Any]:
    """SchedMD's whole OpenAPI document for a version such as 'v0043' or 'v0.0.43'."""
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
    """A validator for one SchedMD component schema (`schema_name` without the version prefix)."""
    doc = _document(dotted(version), strict)
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

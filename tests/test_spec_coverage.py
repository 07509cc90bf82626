"""Every property of SchedMD's OpenAPI schemas has a protobuf field of a compatible type, and back.

The roots come from the spec's own paths and the SlurmIndirect service descriptor (not from our
message names), and the walk recurses through $refs, inline objects and arrays, so a property that
is missing or mistyped anywhere fails here with its JSON path.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from tests import openapi
from tests.conftest import VERSIONS

F = FieldDescriptor
SIGNED_32 = {F.TYPE_INT32, F.TYPE_SINT32, F.TYPE_SFIXED32, F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64}
SIGNED_64 = {F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64}
# Inside a *_no_val_struct, `number` carries Slurm's unsigned C value (job priorities exceed 2^31).
NO_VAL_INT = {F.TYPE_UINT32, F.TYPE_UINT64}

# RPC -> (HTTP method, path under /slurm/<version>/) of the slurmrestd endpoint it mirrors.
RPC_ENDPOINTS = {
    "Ping": ("get", "ping/"),
    "GetPartitions": ("get", "partitions/"),
    "PostJobSubmit": ("post", "job/submit"),
    "GetJob": ("get", "job/{job_id}"),
    "GetJobs": ("get", "jobs/"),
    "DeleteJob": ("delete", "job/{job_id}"),
    "GetNodes": ("get", "nodes/"),
    "GetReservations": ("get", "reservations/"),
    "GetDiag": ("get", "diag/"),
}


def pb2(version: str) -> Any:
    """The upb module generated for a package version."""
    return importlib.import_module(f"s3m_apis_pb.slurm.{version}.slurm_pb2")


class Walker:
    """Compares one spec schema tree with one message tree, collecting problems by JSON path."""

    def __init__(self, version: str) -> None:
        self.schemas = openapi.schemas(version)
        self.prefix = f"#/components/schemas/{openapi.dotted(version)}_"
        self.problems: list[str] = []
        self.checked_properties = 0
        self._seen: set[tuple[int, str]] = set()

    def resolve(self, schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """Follow $refs; return the schema and the name of the last one followed."""
        name = None
        while "$ref" in schema:
            name = schema["$ref"].removeprefix(self.prefix)
            schema = self.schemas[name]
        return schema, name

    def message(self, schema: dict[str, Any], desc: Descriptor, path: str, no_val: bool = False) -> None:
        """Check that `desc` has a field for every property of the object `schema`, and no others."""
        key = (id(schema), desc.full_name)
        if key in self._seen:
            return
        self._seen.add(key)
        properties = schema.get("properties", {})
        for name, prop in properties.items():
            self.checked_properties += 1
            field = desc.fields_by_name.get(name)
            if field is None:
                self.problems.append(f"{path}.{name}: no field in {desc.full_name}")
                continue
            self.field(prop, field, f"{path}.{name}", no_val)
        for field in desc.fields:
            if field.name not in properties:
                self.problems.append(f"{path}.{field.name}: {desc.full_name} has a field the spec lacks")

    def field(self, prop: dict[str, Any], field: FieldDescriptor, path: str, no_val: bool) -> None:
        """Check one property against one field, recursing into messages."""
        schema, ref = self.resolve(prop)
        kind = schema.get("type")
        repeated = field.is_repeated
        if kind == "array":
            if not repeated:
                self.problems.append(f"{path}: array in the spec, singular field {field.full_name}")
                return
            items, _ = self.resolve(schema.get("items", {}))
            if items.get("type") == "object":
                self.object_field(items, field, f"{path}[]", no_val=False)
            elif items.get("type", "string") != "string":
                self.problems.append(f"{path}[]: items of type {items.get('type')} unsupported")
            elif field.type != F.TYPE_STRING:
                self.problems.append(f"{path}[]: string items, field type {field.type}")
            return
        if repeated:
            self.problems.append(f"{path}: {kind} in the spec, repeated field {field.full_name}")
            return
        if kind == "object":
            self.object_field(schema, field, path, no_val=bool(ref and ref.endswith("_no_val_struct")))
            return
        self.scalar(schema, field, path, no_val)

    def object_field(self, schema: dict[str, Any], field: FieldDescriptor, path: str, no_val: bool) -> None:
        """An object property must be a message field whose message mirrors the object."""
        if field.type != F.TYPE_MESSAGE:
            self.problems.append(f"{path}: object in the spec, field type {field.type}")
            return
        self.message(schema, field.message_type, path, no_val)

    def scalar(self, schema: dict[str, Any], field: FieldDescriptor, path: str, no_val: bool) -> None:
        """A scalar must have a type that holds every value of the spec's type and format."""
        kind, fmt = schema.get("type"), schema.get("format")
        allowed: set[int]
        if kind == "string":
            allowed = {F.TYPE_STRING}
        elif kind == "boolean":
            allowed = {F.TYPE_BOOL}
        elif kind == "number":
            allowed = {F.TYPE_DOUBLE}
        elif kind == "integer":
            allowed = set(SIGNED_64 if fmt == "int64" else SIGNED_32)
            if no_val:
                allowed |= NO_VAL_INT
        else:
            self.problems.append(f"{path}: spec type {kind!r} not handled")
            return
        if field.type not in allowed:
            self.problems.append(f"{path}: spec {kind}/{fmt}, field type {field.type}")
        # Inside NoVal structs `set`/`infinite` are plain, as in S3M's Go API (`Uint32NoVal{Set: true}`).
        if kind != "string" and not no_val and not field.has_presence:
            self.problems.append(f"{path}: scalar without presence; make it proto3 `optional`")


def endpoint(version: str, rpc: str) -> dict[str, Any]:
    """The OpenAPI operation an RPC mirrors."""
    method, suffix = RPC_ENDPOINTS[rpc]
    return openapi.spec(version)["paths"][f"/slurm/{openapi.dotted(version)}/{suffix}"][method]  # type: ignore[no-any-return]


@pytest.mark.parametrize("version", VERSIONS)
def test_service_has_exactly_the_documented_rpcs(version: str) -> None:
    service = pb2(version).DESCRIPTOR.services_by_name["SlurmIndirect"]
    assert sorted(m.name for m in service.methods) == sorted(RPC_ENDPOINTS)
    empty_input = {m.name for m in service.methods if m.input_type.full_name == "google.protobuf.Empty"}
    assert empty_input == {"Ping", "GetPartitions", "GetJobs", "GetNodes", "GetReservations", "GetDiag"}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_spec_property_has_a_compatible_field(version: str) -> None:
    service = pb2(version).DESCRIPTOR.services_by_name["SlurmIndirect"]
    walker = Walker(version)
    for method in service.methods:
        operation = endpoint(version, method.name)
        response = operation["responses"]["200"]["content"]["application/json"]["schema"]
        schema, _ = walker.resolve(response)
        walker.message(schema, method.output_type, f"{method.name}<-{response['$ref'].rsplit('/', 1)[1]}")
        if "requestBody" in operation:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            schema, _ = walker.resolve(body)
            walker.message(schema, method.input_type, f"{method.name}->{body['$ref'].rsplit('/', 1)[1]}")
    assert walker.problems == [], "\n".join(walker.problems)
    # A walk that checks nothing would pass vacuously: the nine endpoints reach ~600 distinct
    # properties (shared schemas such as `meta` and the NoVal structs are walked once).
    assert walker.checked_properties > 550


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("rpc", "message"), [("GetJob", "JobIdReq"), ("DeleteJob", "DeleteJobReq")])
def test_path_and_query_parameters_have_fields(version: str, rpc: str, message: str) -> None:
    desc = pb2(version).DESCRIPTOR.message_types_by_name[message]
    params = {p["name"]: p for p in endpoint(version, rpc)["parameters"] if p["in"] == "path"}
    if rpc == "DeleteJob":
        params |= {p["name"]: p for p in endpoint(version, rpc)["parameters"] if p["in"] == "query"}
    assert sorted(desc.fields_by_name) == sorted(params)
    for name, param in params.items():
        assert param["schema"]["type"] == "string"
        assert desc.fields_by_name[name].type == F.TYPE_STRING


def test_walker_reports_a_missing_field_by_path() -> None:
    """The coverage check itself must be able to fail: a property it cannot find is reported."""
    walker = Walker("v0043")
    schema = {
        "type": "object",
        "properties": {"job_id": {"type": "integer", "format": "int32"}, "no_such_key": {"type": "string"}},
    }
    desc = pb2("v0043").DESCRIPTOR.message_types_by_name["JobIdReq"]
    walker.message(schema, desc, "probe")
    assert "probe.no_such_key: no field in slurm.v0043.JobIdReq" in walker.problems
    assert any(p.startswith("probe.job_id: spec integer/int32, field type") for p in walker.problems)

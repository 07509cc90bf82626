#!/usr/bin/env python3
"""Draft a .proto file from a published FileDescriptorSet, with Slurm's field descriptions as comments.

S3M publishes its contract as compiled descriptors (``tests/contract/olcf-s3m-apis.binpb``), not as
.proto sources. A draft made here transcribes one file's names, numbers, types, labels, json names
and options exactly, and documents each message and field with the description SchedMD's OpenAPI
spec gives the Slurm schema it mirrors. The committed protos are the source of truth; a draft is
where a new API version starts (review it, then ``make generate``; tests/test_contract.py proves
the compiled result equals the published descriptor).

    python scripts/draft_from_descriptor.py proto/slurm/v0044/slurm.proto \\
        --spec tests/reference/slurm-openapi-v0.0.44.json > proto/slurm/v0044/slurm.proto.draft
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2 as d
from google.protobuf import descriptor_pool, message_factory

ROOT = Path(__file__).resolve().parent.parent
F = d.FieldDescriptorProto
SCALARS = {
    F.TYPE_DOUBLE: "double",
    F.TYPE_FLOAT: "float",
    F.TYPE_INT64: "int64",
    F.TYPE_UINT64: "uint64",
    F.TYPE_INT32: "int32",
    F.TYPE_UINT32: "uint32",
    F.TYPE_BOOL: "bool",
    F.TYPE_STRING: "string",
    F.TYPE_BYTES: "bytes",
    F.TYPE_SINT32: "sint32",
    F.TYPE_SINT64: "sint64",
    F.TYPE_FIXED32: "fixed32",
    F.TYPE_FIXED64: "fixed64",
}
# S3M's message -> the SchedMD schema it mirrors (without the version prefix). Nested messages
# follow the property of the parent schema that has their field's name.
SCHEMAS = {
    "ErrorResp": "openapi_error",
    "WarningResp": "openapi_warning",
    "Uint16NoVal": "uint16_no_val_struct",
    "Uint32NoVal": "uint32_no_val_struct",
    "Uint64NoVal": "uint64_no_val_struct",
    "Float64NoVal": "float64_no_val_struct",
    "ExitCode": "process_exit_code_verbose",
    "ProcessExitCodeVerbose": "process_exit_code_verbose",
    "MetaResp": "openapi_meta",
    "DiagResp": "openapi_diag_resp",
    "DiagStatistics": "stats_msg",
    "DiagRPCSMessage": "stats_msg_rpc_type",
    "DiagRPCSUser": "stats_msg_rpc_user",
    "DiagScheduleExit": "schedule_exit_fields",
    "DiagBFExit": "bf_exit_fields",
    "JobsResp": "openapi_job_info_resp",
    "SlurmJobDescription": "job_info",
    "JobIdResp": "openapi_slurmdbd_jobs_resp",
    "SlurmDBJobDescription": "job",
    "JobSubmitReq": "job_submit_req",
    "JobSubmitResp": "openapi_job_submit_response",
    "DeleteJobResp": "openapi_kill_job_resp",
    "NodesResp": "openapi_nodes_resp",
    "SlurmNodeDescription": "node",
    "ControllerPingResp": "controller_ping",
    "PingResp": "openapi_ping_array_resp",
    "PartitionsResp": "openapi_partition_resp",
    "SlurmPartitionDescription": "partition_info",
    "ReservationsResp": "openapi_reservation_resp",
    "Reservation": "reservation_info",
}
NESTED_SCHEMAS = {"JobDescription": "job_desc_msg", "Crontab": "cron_entry"}


class Spec:
    """SchedMD's schemas of one version, for descriptions."""

    def __init__(self, path: Path | None) -> None:
        self.schemas: dict[str, Any] = {}
        self.prefix = ""
        if path is not None:
            doc = json.loads(path.read_text(encoding="utf-8"))
            self.schemas = doc["components"]["schemas"]
            self.prefix = next(iter(self.schemas)).split("_", 1)[0] + "_"

    def resolve(self, schema: Any) -> Any:
        """Follow $ref and one-element allOf until an object or scalar schema remains."""
        while isinstance(schema, dict):
            if "$ref" in schema:
                schema = self.schemas.get(schema["$ref"].rsplit("/", 1)[-1])
            elif "items" in schema and schema.get("type") == "array":
                schema = schema["items"]
            else:
                return schema
        return schema

    def named(self, name: str | None) -> Any:
        return self.schemas.get(self.prefix + name) if name else None


def describe(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    text = " ".join(text.split())
    return [f"{indent}// {line}" for line in textwrap.wrap(text, 100 - len(indent) - 3)]


def type_name(field: Any, package: str, scope: str) -> str:
    if field.type in (F.TYPE_MESSAGE, F.TYPE_ENUM):
        name = field.type_name.lstrip(".")
        for prefix in (f"{package}.{scope}." if scope else None, f"{package}."):
            if prefix and name.startswith(prefix) and "." not in name[len(prefix) :]:
                return name[len(prefix) :]
        return name if name.startswith("google.") else f".{name}" if name.count(".") else name
    return SCALARS[field.type]


def text_value(message: Any) -> str:
    """A message option in text format, on one line: ``{ get: "/x" body: "*" }``."""
    from google.protobuf import text_format

    return "{ " + text_format.MessageToString(message, as_one_line=True) + " }"


def options_of(options: Any, indent: str) -> list[str]:
    """``option (ext) = {...};`` lines for the extensions a descriptor's options carry."""
    lines = []
    for field, value in sorted(options.ListFields(), key=lambda fv: fv[0].number):
        if not field.is_extension:
            continue
        values = value if field.is_repeated else [value]
        for item in values:
            lines.append(f"{indent}option ({field.full_name}) = {text_value(item)};")
    return lines


def message(m: Any, package: str, spec: Spec, schema: Any, scope: str, indent: str) -> list[str]:
    out = describe((schema or {}).get("description"), indent)
    out.append(f"{indent}message {m.name} {{")
    props = (schema or {}).get("properties", {})
    inner = indent + "  "
    maps = {n.name: n for n in m.nested_type if n.options.map_entry}
    nested_schema: dict[str, Any] = {}
    open_oneof: int | None = None
    for f in m.field:
        prop = props.get(f.name)
        real_oneof = f.HasField("oneof_index") and not f.proto3_optional
        if open_oneof is not None and (not real_oneof or f.oneof_index != open_oneof):
            out.append(f"{indent}  }}")
            inner, open_oneof = indent + "  ", None
        if real_oneof and open_oneof is None:
            out.append(f"{indent}  oneof {m.oneof_decl[f.oneof_index].name} {{")
            inner, open_oneof = indent + "    ", f.oneof_index
        out += describe((prop or {}).get("description"), inner)
        label = "repeated " if f.label == F.LABEL_REPEATED else "optional " if f.proto3_optional else ""
        kind = type_name(f, package, scope + "." + m.name if scope else m.name)
        entry = maps.get(f.type_name.rsplit(".", 1)[-1]) if f.type == F.TYPE_MESSAGE else None
        if entry is not None:  # a map<K, V> field, whose entry message protoc makes itself
            key, value = (type_name(x, package, scope) for x in entry.field)
            label, kind = "", f"map<{key}, {value}>"
        if real_oneof:
            label = ""
        opts = f' [json_name = "{f.json_name}"]' if f.HasField("json_name") else ""
        if f.options.deprecated:
            opts = opts[:-1] + ", deprecated = true]" if opts else " [deprecated = true]"
        out.append(f"{inner}{label}{kind} {f.name} = {f.number}{opts};")
        if f.type == F.TYPE_MESSAGE and prop is not None:
            nested_schema[f.type_name.rsplit(".", 1)[-1]] = spec.resolve(prop)
    if open_oneof is not None:
        out.append(f"{indent}  }}")
    inner = indent + "  "
    for n in m.nested_type:
        if n.options.map_entry:
            continue
        sub = nested_schema.get(n.name) or spec.named(NESTED_SCHEMAS.get(n.name))
        out.append("")
        out += message(n, package, spec, sub, f"{scope}.{m.name}" if scope else m.name, inner)
    for e in m.enum_type:
        out.append("")
        out += enum(e, inner)
    out.append(f"{indent}}}")
    return out


def enum(e: Any, indent: str) -> list[str]:
    out = [f"{indent}enum {e.name} {{"]
    out += [f"{indent}  {v.name} = {v.number};" for v in e.value]
    out.append(f"{indent}}}")
    return out


def draft(file: Any, spec: Spec) -> str:
    out = [f'syntax = "{file.syntax or "proto2"}";', "", f"package {file.package};", ""]
    out += [f'import "{dep}";' for dep in file.dependency]
    out += ["", f'option go_package = "{file.options.go_package}";', ""]
    for m in file.message_type:
        out += message(m, file.package, spec, spec.named(SCHEMAS.get(m.name)), "", "")
        out.append("")
    for e in file.enum_type:
        out += enum(e, "")
        out.append("")
    for ext in file.extension:
        out.append(f"extend {ext.extendee.lstrip('.')} {{")
        label = "repeated " if ext.label == F.LABEL_REPEATED else ""
        out.append(f"  {label}{type_name(ext, file.package, '')} {ext.name} = {ext.number};")
        out += ["}", ""]
    for s in file.service:
        out.append(f"service {s.name} {{")
        out += options_of(s.options, "  ")
        for method in s.method:
            req = type_name(F(type=F.TYPE_MESSAGE, type_name=method.input_type), file.package, "")
            rsp = type_name(F(type=F.TYPE_MESSAGE, type_name=method.output_type), file.package, "")
            out.append(f"  rpc {method.name}({req}) returns ({rsp}) {{")
            out += options_of(method.options, "    ")
            out.append("  }")
        out += ["}", ""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).rstrip() + "\n"


def load(data: bytes) -> Any:
    """The descriptor set, parsed so that its custom options (google.api.http, S3M's headers) are
    known: through message classes of a pool built from the set itself."""
    plain = d.FileDescriptorSet.FromString(data)
    pool = descriptor_pool.DescriptorPool()
    for file in plain.file:
        pool.Add(file)
    classes = message_factory.GetMessageClassesForFiles([f.name for f in plain.file], pool)
    return classes["google.protobuf.FileDescriptorSet"].FromString(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="the descriptor's file name, e.g. proto/slurm/v0043/slurm.proto")
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "contract" / "olcf-s3m-apis.binpb")
    parser.add_argument("--spec", type=Path, help="SchedMD's OpenAPI spec, for descriptions")
    args = parser.parse_args()
    files = {f.name: f for f in load(args.set.read_bytes()).file}
    if args.file not in files:
        sys.exit(f"{args.file} is not in {args.set}: {sorted(files)}")
    sys.stdout.write(draft(files[args.file], Spec(args.spec)))


if __name__ == "__main__":
    main()

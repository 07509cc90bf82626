#!/usr/bin/env python3
"""Draft a SlurmIndirect .proto from SchedMD's OpenAPI spec (a one-off aid, not part of the build).

The .proto files in proto/ are the maintained source. This script wrote their first draft, and it
is kept so that the next data_parser version (v0.0.44, ...) can be drafted the same way:

    python scripts/draft_proto.py ../shared/reference/slurm-openapi-v0.0.43.json v0043 > draft.proto

Pass ``--numbers-from proto/slurm/v0043/slurm.proto`` to reuse an existing file's field numbers for
fields of the same message path and name (that is how v0042 shares v0043's numbers). Review the
draft by hand before committing; tests/test_spec_coverage.py then checks it against the spec.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap

ROOTS = (
    "job_submit_req",
    "openapi_ping_array_resp",
    "openapi_partition_resp",
    "openapi_job_submit_response",
    "openapi_job_info_resp",
    "openapi_kill_job_resp",
    "openapi_nodes_resp",
    "openapi_reservation_resp",
    "openapi_diag_resp",
)
NO_VAL = {
    "uint16_no_val_struct": ("Uint16NoVal", "uint32"),
    "uint32_no_val_struct": ("Uint32NoVal", "uint32"),
    "uint64_no_val_struct": ("Uint64NoVal", "uint64"),
    "float64_no_val_struct": ("Float64NoVal", "double"),
}
SCALARS = {
    ("integer", "int32"): "int32",
    ("integer", "int64"): "int64",
    ("boolean", None): "bool",
    ("number", "double"): "double",
}


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\-/]", name) if part)


class Drafter:
    def __init__(self, spec: dict, version: str, numbers: dict[str, dict[str, int]]) -> None:
        self.prefix = f"v0.0.{version[-2:]}_"
        self.schemas = {k[len(self.prefix) :]: v for k, v in spec["components"]["schemas"].items()}
        self.numbers = numbers
        self.done: set[str] = set()
        self.out: list[str] = []

    def message_name(self, schema: str) -> str:
        if schema == "job_desc_msg":
            return "JobSubmitReq.JobDescription"
        if schema in NO_VAL:
            return NO_VAL[schema][0]
        return camel(schema)

    def field_type(self, prop: dict, name: str, nested: list[str]) -> tuple[str, bool]:
        """Return (proto type, repeated) for one property; inline objects are queued in `nested`."""
        if "$ref" in prop:
            target = prop["$ref"].rsplit("/", 1)[1][len(self.prefix) :]
            schema = self.schemas[target]
            if schema.get("type") == "array":
                return self.field_type(schema, name, nested)[0], True
            self.queue(target)
            return self.message_name(target), False
        kind = prop.get("type")
        if kind == "array":
            items = prop["items"]
            if "$ref" in items:
                return self.field_type(items, name, nested)[0], True
            return "string", True  # strings, enum flags and the untyped deprecated arrays
        if kind == "object":
            nested.append(name)
            return camel(name), False
        if kind == "string":
            return "string", False
        return SCALARS[(kind, prop.get("format"))], False

    def queue(self, schema: str) -> None:
        if schema not in self.done and schema != "job_desc_msg":
            self.pending.append(schema)

    def emit_message(self, msg_path: str, schema: dict, indent: int) -> None:
        pad = "  " * indent
        short = msg_path.rsplit(".", 1)[-1]
        self.out.append(f"{pad}message {short} {{")
        nested: list[str] = []
        known = self.numbers.get(msg_path, {})
        next_free = max(known.values(), default=0) + 1
        fields: list[tuple[int, list[str]]] = []
        for index, (key, prop) in enumerate(schema.get("properties", {}).items(), start=1):
            body: list[str] = []
            ptype, repeated = self.field_type(prop, key, nested)
            if key in known:
                number = known[key]
            elif self.numbers:
                number, next_free = next_free, next_free + 1
            else:
                number = index
            label = "repeated " if repeated else ""
            if not repeated and ptype in {"int32", "int64", "bool", "double"}:
                label = "optional "
            desc = (prop.get("description") or "").strip()
            if prop.get("deprecated"):
                # Not [deprecated = true]: betterproto2 then warns whenever the field is set, and
                # Slurm fills several deprecated fields (ping's `pinged`, `mode`) in every answer.
                desc = f"Deprecated by Slurm. {desc}"
            if desc:
                for line in textwrap.wrap(desc, 100 - len(pad) - 5):
                    body.append(f"{pad}  // {line}")
            body.append(f"{pad}  {label}{ptype} {key} = {number};")
            fields.append((number, body))
        for key in nested:
            self.emit_message(f"{msg_path}.{camel(key)}", schema["properties"][key], indent + 1)
        # Declared in number order: betterproto2 writes fields in declaration order and upb in number
        # order, so only then are their bytes identical (v0042 reuses v0043's numbers out of spec order).
        for _, body in sorted(fields, key=lambda item: item[0]):
            self.out.extend(body)
        self.out.append(f"{pad}}}")

    def draft(self) -> str:
        self.pending = list(ROOTS)
        while self.pending:
            name = self.pending.pop(0)
            if name in self.done:
                continue
            self.done.add(name)
            if name in NO_VAL:
                continue
            schema = self.schemas[name]
            path = self.message_name(name)
            if name == "job_submit_req":
                self.out.append("message JobSubmitReq {")
                self.emit_message("JobSubmitReq.JobDescription", self.schemas["job_desc_msg"], 1)
                self.out.pop()  # reopened below with JobSubmitReq's own fields
                self.out.append("  }")
                self.out.pop()
                self.out.append("  }")
                nested: list[str] = []
                for number, (key, prop) in enumerate(schema["properties"].items(), start=1):
                    ptype, repeated = self.field_type(prop, key, nested)
                    number = self.numbers.get("JobSubmitReq", {}).get(key, number)
                    self.out.append(f"  // {prop['description']}")
                    self.out.append(f"  {'repeated ' if repeated else ''}{ptype} {key} = {number};")
                self.out.append("}")
            else:
                self.emit_message(path, schema, 0)
            self.out.append("")
        for schema, (msg, number_type) in NO_VAL.items():
            if schema in self.done:
                self.out.append(f"message {msg} {{")
                self.out.append("  bool set = 1;")
                self.out.append("  bool infinite = 2;")
                self.out.append(f"  {number_type} number = 3;")
                self.out.append("}")
                self.out.append("")
        return "\n".join(self.out)


def numbers_from(path: str) -> dict[str, dict[str, int]]:
    """Read message-path -> field -> number from an existing proto (enough of a parser for ours)."""
    numbers: dict[str, dict[str, int]] = {}
    stack: list[str] = []
    with open(path, encoding="utf-8") as fh:
        lines = fh.readlines()
    for line in lines:
        line = line.split("//", 1)[0].strip()
        if m := re.match(r"message (\w+) \{", line):
            stack.append(m.group(1))
        elif line == "}" and stack:
            stack.pop()
        elif stack and (m := re.match(r"(?:optional |repeated )?[\w.]+ (\w+) = (\d+)", line)):
            numbers.setdefault(".".join(stack), {})[m.group(1)] = int(m.group(2))
    return numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec")
    parser.add_argument("version", help="package suffix, e.g. v0043")
    parser.add_argument("--numbers-from")
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as fh:
        spec = json.load(fh)
    numbers = numbers_from(args.numbers_from) if args.numbers_from else {}
    sys.stdout.write(Drafter(spec, args.version, numbers).draft() + "\n")


if __name__ == "__main__":
    main()

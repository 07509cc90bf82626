#!/usr/bin/env python3
"""Write proto/field-numbers.lock.json: every message field's number and type, from the compiled protos.

Run it (`make lock`) only after adding fields on purpose; tests/test_field_numbers.py fails when a
locked field disappears, changes number or changes type, and when a new field is not locked yet.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "proto" / "field-numbers.lock.json"
VERSIONS = ("v0043", "v0042")


def _walk(desc: Any, out: dict[str, dict[str, list[Any]]]) -> None:
    out[desc.full_name] = {
        f.name: [f.number, f.type, "repeated" if f.is_repeated else ("optional" if f.has_presence else "")]
        + ([f.message_type.full_name] if f.message_type is not None else [])
        for f in desc.fields
    }
    for nested in desc.nested_types:
        _walk(nested, out)


def current() -> dict[str, dict[str, list[Any]]]:
    """Field number, type, label (and message type) of every message, keyed by full name."""
    out: dict[str, dict[str, list[Any]]] = {}
    for version in VERSIONS:
        module = importlib.import_module(f"s3m_apis_pb.slurm.{version}.slurm_pb2")
        for desc in module.DESCRIPTOR.message_types_by_name.values():
            _walk(desc, out)
    return dict(sorted(out.items()))


def render(lock: dict[str, dict[str, list[Any]]]) -> str:
    """JSON with one line per field, so that a diff of the lock reads like a diff of the protos."""
    lines = ["{"]
    for i, (message, fields) in enumerate(lock.items()):
        lines.append(f"  {json.dumps(message)}: {{")
        for j, (name, spec) in enumerate(fields.items()):
            lines.append(f"    {json.dumps(name)}: {json.dumps(spec)}{',' if j < len(fields) - 1 else ''}")
        lines.append("  }" + ("," if i < len(lock) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    LOCK.write_text(render(current()))
    print(f"wrote {LOCK.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

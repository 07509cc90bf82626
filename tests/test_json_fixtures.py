"""Realistic S3M replies as JSON, one per RPC and API version, complete and exact in both runtimes.

Fixtures live in tests/fixtures/<suffix>/<stem>.json. Each is the JSON S3M's gateway sends for one
response message of one version (keys are the fields' json names), with every field of the message
present, nested messages included, and Slurm's own values: job, node and partition states from
SchedMD's enums, NoVal structs (set, unset, infinite), int64 raw values beyond 2^53 (Slurm's
MEM_PER_CPU flag in bit 63), non-ASCII names. Version quirks are S3M's: v0042/v0043 spell
``allowed_configuration``, ``defult_queue_depth`` and GetJob's ``gruop``, write reservation core
specializations as ``"node:cores"`` strings and ``purge_completed`` as a bare NoVal, and v0042's
``meta`` version numbers are integers; v0044 has Slurm's names and shapes.

Each fixture is checked four ways: against ``tests.contract_schema.message_schema`` (strict: no
unknown keys, SchedMD's enums), for completeness, through upb with ``s3m_grpc.slurmjson``
(``normalize(strict=True)`` in, ``to_json(defaults=True)`` out, identical), and into betterproto via
the wire with the same values.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from betterproto.casing import safe_snake_case
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from s3m_grpc.slurmjson import normalize, to_json
from tests.contract_schema import message_schema

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VERSIONS = {"v0042": "v0.0.42", "v0043": "v0.0.43", "v0044": "v0.0.44"}
# Fixture stem -> the response message it is.
KINDS = {
    "ping": "PingResp",
    "partitions": "PartitionsResp",
    "job": "JobIdResp",  # GetJob: slurmdbd's record of the job
    "jobs": "JobsResp",  # GetJobs: slurmctld's view of the queue
    "submit": "JobSubmitResp",
    "delete": "DeleteJobResp",  # a job that had already ended: OK, with Slurm's warning
    "delete_error": "DeleteJobResp",  # an unknown job: the error reply's body, errors[] set
    "nodes": "NodesResp",
    "reservations": "ReservationsResp",
    "diag": "DiagResp",
}
CASES = [(suffix, stem) for suffix in VERSIONS for stem in KINDS]
F = FieldDescriptor
# What betterproto holds for each scalar type (an int64 must be an int, not ProtoJSON's string).
PYTHON_TYPES = {
    F.TYPE_STRING: str,
    F.TYPE_BOOL: bool,
    F.TYPE_DOUBLE: float,
    F.TYPE_FLOAT: float,
    F.TYPE_INT32: int,
    F.TYPE_INT64: int,
    F.TYPE_UINT32: int,
    F.TYPE_UINT64: int,
}


def load(suffix: str, stem: str) -> Any:
    return json.loads((FIXTURES / suffix / f"{stem}.json").read_text(encoding="utf-8"))


def upb_class(suffix: str, stem: str) -> Any:
    return getattr(importlib.import_module(f"s3m_apis_pb.slurm.{suffix}.slurm_pb2"), KINDS[stem])


def betterproto_class(suffix: str, stem: str) -> Any:
    return getattr(importlib.import_module(f"s3m_apis_betterproto.slurm.{suffix}"), KINDS[stem])


def objects(desc: Descriptor, data: Any, path: str = "") -> Iterator[tuple[Descriptor, dict[str, Any], str]]:
    """Every JSON object of the fixture with the message it stands for."""
    yield desc, data, path
    for field in desc.fields:
        if field.message_type is None or field.json_name not in data:
            continue
        value = data[field.json_name]
        items = enumerate(value) if field.is_repeated else [(None, value)]
        for i, item in items:
            where = f"{path}/{field.json_name}" + ("" if i is None else f"/{i}")
            yield from objects(field.message_type, item, where)


def renamed(desc: Descriptor, data: dict[str, Any], *, to_field_names: bool) -> dict[str, Any]:
    """The object with json names turned into field names (or back), recursively.

    They differ in one field of the contract, SlurmDBJobDescription.Step.cpu (json name ``CPU``,
    Slurm's key), and s3m_grpc.slurmjson only knows field names: see
    test_slurmjson_reads_and_writes_json_names.
    """
    fields = {(f.json_name if to_field_names else f.name): f for f in desc.fields}
    out = {}
    for key, value in data.items():  # keys of no field are kept: normalize(strict=True) must see them
        field = fields.get(key)
        if field is None:
            out[key] = value
            continue
        if field.message_type is not None:
            inner = field.message_type
            if field.is_repeated:
                value = [renamed(inner, v, to_field_names=to_field_names) for v in value]
            else:
                value = renamed(inner, value, to_field_names=to_field_names)
        out[field.name if to_field_names else field.json_name] = value
    return out


def test_every_fixture_file_is_covered() -> None:
    on_disk = {(p.parent.name, p.stem) for p in FIXTURES.glob("*/*.json")}
    assert on_disk == set(CASES)


@pytest.mark.parametrize(("suffix", "stem"), CASES)
def test_fixture_validates_against_the_contract(suffix: str, stem: str) -> None:
    schema = message_schema(upb_class(suffix, stem).DESCRIPTOR, VERSIONS[suffix])
    validator = jsonschema.Draft202012Validator(schema)
    problems = [
        f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(load(suffix, stem))
    ]
    assert problems == []


@pytest.mark.parametrize(("suffix", "stem"), CASES)
def test_fixture_is_complete(suffix: str, stem: str) -> None:
    missing = [
        f"{path}/{field.json_name}"
        for desc, data, path in objects(upb_class(suffix, stem).DESCRIPTOR, load(suffix, stem))
        for field in desc.fields
        if field.json_name not in data
    ]
    assert missing == []


def reachable(desc: Descriptor, seen: set[str] | None = None) -> set[str]:
    seen = set() if seen is None else seen
    if desc.full_name not in seen:
        seen.add(desc.full_name)
        for field in desc.fields:
            if field.message_type is not None:
                reachable(field.message_type, seen)
    return seen


@pytest.mark.parametrize("suffix", VERSIONS)
def test_the_fixtures_of_a_version_hold_every_message_of_its_replies(suffix: str) -> None:
    """Empty lists cannot hide a nested message: each one occurs, filled in, in some fixture."""
    expected: set[str] = set()
    found: set[str] = set()
    for stem in KINDS:
        desc = upb_class(suffix, stem).DESCRIPTOR
        expected |= reachable(desc)
        found |= {d.full_name for d, _, _ in objects(desc, load(suffix, stem))}
    assert sorted(expected - found) == []


@pytest.mark.parametrize(("suffix", "stem"), CASES)
def test_fixture_roundtrips_through_upb_exactly(suffix: str, stem: str) -> None:
    """normalize(strict=True) accepts every key; to_json(defaults=True) gives the fixture back.

    defaults=True, because the fixtures are complete: they spell out every 0, "", false and [],
    which protobuf does not keep (proto3 scalars without presence have no "set to zero"), and
    defaults=True writes exactly those back. Sub-messages are written whenever they are present,
    and proto3 ``optional`` fields (JobSubmitResp's) whenever they are set, in both modes; all are
    present here. defaults=False writes the same values minus the zero ones, checked too.
    """
    data = load(suffix, stem)
    cls = upb_class(suffix, stem)
    message = cls(
        **normalize(cls.DESCRIPTOR, renamed(cls.DESCRIPTOR, data, to_field_names=True), strict=True)
    )
    again = cls.FromString(message.SerializeToString())
    assert renamed(cls.DESCRIPTOR, to_json(again, defaults=True), to_field_names=False) == data
    sparse = renamed(cls.DESCRIPTOR, to_json(again), to_field_names=False)
    assert _is_sparse_subset(sparse, data)
    assert sparse != data  # some zero value in every fixture: the two modes differ


def _is_sparse_subset(sparse: Any, full: Any) -> bool:
    if isinstance(sparse, dict):
        return all(k in full and _is_sparse_subset(v, full[k]) for k, v in sparse.items())
    if isinstance(sparse, list):
        return len(sparse) == len(full) and all(map(_is_sparse_subset, sparse, full))
    return bool(sparse == full)


def same_values(desc: Descriptor, message: Any, data: dict[str, Any], path: str = "") -> Iterator[str]:
    """Every difference between a betterproto message and the JSON object, field by field."""
    for field in desc.fields:
        where = f"{path}/{field.json_name}"
        value = getattr(message, safe_snake_case(field.name))
        expected = data[field.json_name]
        if field.message_type is not None:
            if not field.is_repeated:
                yield from same_values(field.message_type, value, expected, where)
                continue
            if len(value) != len(expected):
                yield f"{where}: {len(value)} elements, expected {len(expected)}"
                continue
            for i, (item, want) in enumerate(zip(value, expected, strict=True)):
                yield from same_values(field.message_type, item, want, f"{where}/{i}")
            continue
        kind = PYTHON_TYPES[field.type]
        items = list(value) if field.is_repeated else [value]
        wanted = expected if field.is_repeated else [expected]
        if items != wanted or not all(isinstance(v, kind) for v in items):
            yield f"{where}: {value!r}, expected {expected!r}"


@pytest.mark.parametrize(("suffix", "stem"), CASES)
def test_fixture_loads_into_betterproto_with_the_same_values(suffix: str, stem: str) -> None:
    data = load(suffix, stem)
    upb = upb_class(suffix, stem)
    wire = upb(**normalize(upb.DESCRIPTOR, renamed(upb.DESCRIPTOR, data, to_field_names=True), strict=True))
    wire_bytes = wire.SerializeToString()
    message = betterproto_class(suffix, stem)().parse(wire_bytes)
    assert list(same_values(upb.DESCRIPTOR, message, data)) == []
    assert bytes(message) == wire_bytes


def test_big_integers_stay_exact_in_both_runtimes() -> None:
    """int64 raw values with Slurm's MEM_PER_CPU flag (bit 63) are far beyond a JSON double's 2^53."""
    data = load("v0043", "partitions")
    gpu = next(p for p in data["partitions"] if p["name"] == "batch-gpu")
    assert gpu["maximums"]["memory_per_cpu"] == -(2**63) + 8000
    cls = upb_class("v0043", "partitions")
    message = cls(**normalize(cls.DESCRIPTOR, data, strict=True))
    assert to_json(message)["partitions"][1]["maximums"]["memory_per_cpu"] == -(2**63) + 8000
    via_bp = betterproto_class("v0043", "partitions")().parse(message.SerializeToString())
    assert via_bp.partitions[1].maximums.memory_per_cpu == -(2**63) + 8000
    # ProtoJSON's spelling of the same numbers (strings) is accepted too, as S3M's gateway may send it.
    gpu["maximums"]["memory_per_cpu"] = str(-(2**63) + 8000)
    gpu["maximums"]["partition_memory_per_cpu"]["number"] = str(2**64 - 2)
    again = cls(**normalize(cls.DESCRIPTOR, data, strict=True))
    assert again.partitions[1].maximums.memory_per_cpu == -(2**63) + 8000
    assert again.partitions[1].maximums.partition_memory_per_cpu.number == 2**64 - 2


@pytest.mark.parametrize("suffix", VERSIONS)
def test_version_quirks_are_in_the_fixtures(suffix: str) -> None:
    """The fixtures differ where S3M's versions differ, and nowhere is a quirk of another version."""
    old = suffix != "v0044"
    nodes = load(suffix, "partitions")["partitions"][0]["nodes"]
    assert ("allowed_configuration" in nodes) is old
    assert ("allowed_allocation" in nodes) is not old
    record = load(suffix, "job")["jobs"][0]
    assert ("gruop" in record) is old
    assert ("group" in record) is not old
    exits = load(suffix, "diag")["statistics"]["schedule_exit"]
    assert ("defult_queue_depth" in exits) is old
    reservation = load(suffix, "reservations")["reservations"][0]
    assert isinstance(reservation["core_specializations"][0], str) is old
    assert ("time" in reservation["purge_completed"]) is not old
    major = load(suffix, "ping")["meta"]["slurm"]["version"]["major"]
    assert isinstance(major, int) is (suffix == "v0042")


@pytest.mark.parametrize("suffix", VERSIONS)
def test_slurmjson_reads_and_writes_json_names(suffix: str) -> None:
    data = load(suffix, "job")
    cls = upb_class(suffix, "job")
    message = cls(**normalize(cls.DESCRIPTOR, data, strict=True))
    assert to_json(message, defaults=True) == data

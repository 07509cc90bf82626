"""Realistic slurmrestd responses validate against SchedMD's spec and survive both runtimes.

Fixtures live in tests/fixtures/<version>/. Each is a complete object as slurmrestd writes it
(every property present), checked here against the spec with strict JSON Schema validation, then
loaded into the generated messages and dumped back without losing a field: no_val structs, integers
beyond 2^53, empty arrays and empty objects included.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from betterproto2 import Casing, OutputFormat

from tests import openapi
from tests.conftest import FIXTURES, VERSIONS

# Fixture stem -> (spec schema, message name).
KINDS = {
    "ping": ("openapi_ping_array_resp", "OpenapiPingArrayResp"),
    "partitions": ("openapi_partition_resp", "OpenapiPartitionResp"),
    "job_submit_req": ("job_submit_req", "JobSubmitReq"),
    "job_submit": ("openapi_job_submit_response", "OpenapiJobSubmitResponse"),
    "job": ("openapi_job_info_resp", "OpenapiJobInfoResp"),
    "jobs": ("openapi_job_info_resp", "OpenapiJobInfoResp"),
    "kill_job": ("openapi_kill_job_resp", "OpenapiKillJobResp"),
    "kill_job_error": ("openapi_kill_job_resp", "OpenapiKillJobResp"),
    "nodes": ("openapi_nodes_resp", "OpenapiNodesResp"),
    "reservations": ("openapi_reservation_resp", "OpenapiReservationResp"),
    "diag": ("openapi_diag_resp", "OpenapiDiagResp"),
}
CASES = [(v, stem) for v in VERSIONS for stem in KINDS]


def load(version: str, stem: str) -> Any:
    return json.loads((FIXTURES / version / f"{stem}.json").read_text(encoding="utf-8"))


def message_class(version: str, stem: str) -> Any:
    return getattr(importlib.import_module(f"s3m_apis_betterproto.slurm.{version}"), KINDS[stem][1])


def slurm_dict(message: Any, *, full: bool) -> Any:
    """Slurm's JSON shape: snake_case keys and plain integers (not ProtoJSON's int64 strings)."""
    return message.to_dict(
        casing=Casing.SNAKE, output_format=OutputFormat.PYTHON, include_default_values=full
    )


def test_every_fixture_file_is_covered() -> None:
    on_disk = {(p.parent.name, p.stem) for p in Path(FIXTURES).glob("*/*.json")}
    assert on_disk == set(CASES)


@pytest.mark.parametrize(("version", "stem"), CASES)
def test_fixture_validates_against_the_spec(version: str, stem: str) -> None:
    assert openapi.errors(version, KINDS[stem][0], load(version, stem)) == []


@pytest.mark.parametrize(("version", "stem"), [c for c in CASES if c[1] != "job_submit_req"])
def test_response_fixture_is_complete(version: str, stem: str) -> None:
    assert openapi.missing_properties(version, KINDS[stem][0], load(version, stem)) == []


@pytest.mark.parametrize(("version", "stem"), CASES)
def test_fixture_roundtrips_through_betterproto_and_upb(version: str, stem: str) -> None:
    data = load(version, stem)
    cls = message_class(version, stem)
    message = cls.from_dict(data)  # unknown keys raise: nothing is dropped silently
    full = stem != "job_submit_req"  # a request carries only what the user set
    assert slurm_dict(message, full=full) == data
    upb_cls = getattr(importlib.import_module(f"s3m_apis_pb.slurm.{version}.slurm_pb2"), KINDS[stem][1])
    via_upb = cls.parse(upb_cls.FromString(bytes(message)).SerializeToString())
    assert slurm_dict(via_upb, full=full) == data


def test_submit_request_is_what_the_olcf_curl_example_sends() -> None:
    from s3m_apis_betterproto.slurm.v0043 import JobSubmitReq, JobSubmitReqJobDescription, Uint32NoVal

    request = JobSubmitReq(
        job=JobSubmitReqJobDescription(
            name="my-job",
            account="STF040",
            partition="batch-cpu",
            minimum_nodes=1,
            tasks=1,
            time_limit=Uint32NoVal(number=60, set=True),
            current_working_directory="/lustre/polis/stf040/scratch/user",
            environment=["PATH=/usr/bin"],
            script="#!/bin/bash\necho Hello World",
        )
    )
    assert slurm_dict(request, full=False) == load("v0043", "job_submit_req")


def test_big_numbers_stay_integers() -> None:
    data = load("v0043", "nodes")
    data["nodes"][0]["real_memory"] = 2**53 + 1
    data["nodes"][0]["free_mem"]["number"] = 2**64 - 2
    message = message_class("v0043", "nodes").from_dict(data)
    out = slurm_dict(message, full=True)
    assert out["nodes"][0]["real_memory"] == 2**53 + 1
    assert out["nodes"][0]["free_mem"]["number"] == 2**64 - 2

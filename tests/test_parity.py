"""Transport parity: every RPC, all three versions, over grpclib, grpcio, rest and auto, same answers.

One emulator serves all four transports. Each transport runs the same scenario on its own jobs; the
answers are compared message for message after blanking what legitimately differs between two calls
(times, measured latencies, the diag counters that count the calls themselves, and the job ids).
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from betterproto import Casing
from betterproto.lib.std.google.protobuf import Empty

from s3m_grpc import errors
from s3m_grpc.emulator import Emulator
from tests.conftest import KEEP_JOBS, TOKEN

#: (API version, the resource that offers it) for each of S3M's three versions.
VERSIONS = [("v0042", "defiant"), ("v0043", "defiant"), ("v0044", "odo")]

TRANSPORTS = ("grpclib", "grpcio", "rest", "auto")
# Values that differ between any two calls, whatever the transport.
VOLATILE = {
    "latency",
    "last_update",
    "last_backfill",
    "req_time",
    "req_time_start",
    "job_states_ts",
    "job_id",
    "submit_time",
    "accrue_time",
    "eligible_time",
    "last_sched_evaluation",
    "start_time",
    "end_time",
    "count",
    "stdout_expanded",
    "stderr_expanded",
    "stdin_expanded",
    "priority",
    "standard_output",
    "standard_error",
    "jobs_submitted",
    "jobs_canceled",
    "schedule_queue_length",
    "jobs_pending",
    "elapsed",
    "start",
    "end",
    "planned",
    "id",
    "stdout",
    "stderr",
    "message",
    "description",
}


def blank(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("*" if k in VOLATILE else _unnumbered(k, blank(v))) for k, v in value.items()}
    if isinstance(value, list):
        return [blank(v) for v in value]
    return value


def _unnumbered(key: str, value: Any) -> Any:
    # A warning names its job ("... (job 1001 is CANCELLED)"); every transport submits its own.
    return re.sub(r"\bjob \d+", "job N", value) if key == "warning" and isinstance(value, str) else value


def as_dict(message: Any) -> Any:
    return blank(message.to_dict(casing=Casing.SNAKE, include_default_values=True))


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(
        tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, work_dir=tmp_path / "emulator"
    ) as emu:
        yield emu


async def scenario(
    emulator: Emulator,
    transport: str,
    version: str,
    cwd: Path,
    *,
    resource: str = "defiant",
    partition: str = "debug",
) -> dict[str, Any]:
    """Every RPC once (plus the errors), on a job of this transport's own; answers as dicts."""
    pb = importlib.import_module(f"s3m_apis_betterproto.slurm.{version}")
    out: dict[str, Any] = {}
    async with emulator.factory(transport=transport, resource=resource) as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        out["ping"] = await client.ping(Empty())
        out["partitions"] = await client.get_partitions(Empty())
        out["nodes"] = await client.get_nodes(Empty())
        out["reservations"] = await client.get_reservations(Empty())
        job = pb.JobSubmitReqJobDescription(
            name="parity",
            partition=partition,
            begin_time=pb.Uint64NoVal(number=int(time.time()) + 86400, set=True),  # waits: BeginTime
            tasks=2,
            time_limit=pb.Uint32NoVal(number=5, set=True),
            comment="same",
            current_working_directory=str(cwd),
            environment=["A=1"],
        )
        submitted = await client.post_job_submit(_request(pb, version, job, "#!/bin/bash\ntrue\n"))
        out["submit"] = submitted
        out["job"] = await client.get_job(pb.JobIdReq(job_id=str(submitted.job_id)))
        jobs = await client.get_jobs(Empty())
        out["jobs_of_mine"] = [j for j in jobs.jobs if j.job_id == submitted.job_id]
        out["cancel"] = await client.delete_job(pb.DeleteJobReq(job_id=str(submitted.job_id)))
        out["cancelled"] = await client.get_job(pb.JobIdReq(job_id=str(submitted.job_id)))
        out["diag"] = await client.get_diag(Empty())
        for name, call in (
            ("missing", client.get_job(pb.JobIdReq(job_id="99999999"))),
            ("cancel_again", client.delete_job(pb.DeleteJobReq(job_id=str(submitted.job_id)))),
            (
                "rejected",
                client.post_job_submit(
                    _request(pb, version, pb.JobSubmitReqJobDescription(partition="nope"), "#!/bin/sh\n")
                ),
            ),
        ):
            try:
                out[name] = await call
            except errors.S3MError as exc:
                out[name] = (type(exc).__name__, [e.error_number for e in exc.errors])
    return {
        k: (v if isinstance(v, tuple) else [as_dict(j) for j in v] if isinstance(v, list) else as_dict(v))
        for k, v in out.items()
    }


def _request(pb: Any, version: str, job: Any, script: str) -> Any:
    """A JobSubmitReq in the form OLCF documents for the version."""
    if version == "v0044":
        return pb.JobSubmitReq(script=script, jobs=[job])
    job.script = script
    return pb.JobSubmitReq(job=job)


@pytest.mark.parametrize(("version", "resource"), VERSIONS)
async def test_all_transports_give_the_same_answers(
    emulator: Emulator, version: str, resource: str, tmp_path: Path
) -> None:
    partition = "debug" if resource == "defiant" else "batch-cpu"
    results = {
        t: await scenario(emulator, t, version, tmp_path, resource=resource, partition=partition)
        for t in TRANSPORTS
    }
    assert_parity(results, version)


def assert_parity(results: dict[str, dict[str, Any]], version: str) -> None:
    """The scenario's fixed outcomes, and every transport's answers equal to grpclib's."""
    reference = results["grpclib"]
    assert reference["missing"] == ("NotFound", [2017])
    assert reference["rejected"] == ("JobRejected", [2000])
    assert reference["job"]["jobs"][0]["state"]["current"] == ["PENDING"]  # GetJob: slurmdb's shape
    assert reference["cancelled"]["jobs"][0]["state"]["current"] == ["CANCELLED"]
    # Cancelling a finished job succeeds with a warning, as with slurmrestd (ESLURM_ALREADY_DONE).
    assert reference["cancel_again"]["warnings"][0]["source"] == "_signal_job"
    assert reference["cancel_again"]["status"][0]["error"]["code"] == 2021
    assert len(reference) == 13  # nine RPCs, a re-read of the job, three failures
    for transport in TRANSPORTS[1:]:
        for key, answer in reference.items():
            assert results[transport][key] == answer, f"{transport} differs from grpclib on {key} ({version})"

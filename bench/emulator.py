"""Emulator capacity: submissions per second at 64 in flight, and `jobs` latency with 10,000 held.

The jobs are held (``hold: true``), so the queue only grows: the listing then carries every job,
as a busy centre's queue does. Latencies are medians of repeated calls after one warm-up call.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
from s3m_apis_betterproto.google.protobuf import Empty
from s3m_apis_betterproto.slurm.v0043 import JobSubmitReq, JobSubmitReqJobDescription, SlurmIndirectStub

from s3m_grpc.client import Slurm
from s3m_grpc.factory import S3MClientFactory


async def _submit_all(client: Any, count: int, in_flight: int) -> float:
    request = JobSubmitReq(
        script="#!/bin/bash\ntrue\n",
        job=JobSubmitReqJobDescription(
            name="queued", hold=True, current_working_directory=tempfile.gettempdir(), environment=["A=1"]
        ),
    )
    queue = iter(range(count))

    async def worker() -> None:
        for _ in queue:
            await client.post_job_submit(request)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return time.perf_counter() - started


async def _median(call: Any, repeats: int) -> float:
    await call()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


@contextlib.contextmanager
def emulator_process(header_file: Path) -> Iterator[tuple[str, str]]:
    """`python -m s3m_grpc.emulator` in its own process, as users run it: (gRPC target, REST URL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "s3m_grpc.emulator", "--write-header-file", str(header_file)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().split()
        fields = dict(part.split("=", 1) for part in line if "=" in part)
        yield fields["grpc"], fields["rest"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


async def measure(jobs: int, repeats: int) -> dict[str, Any]:
    """Fill an emulator with `jobs` held jobs and time submissions and listings."""
    with tempfile.TemporaryDirectory() as tmp, emulator_process(Path(tmp) / "h.env") as (grpc, rest):
        header = Path(tmp) / "h.env"
        async with S3MClientFactory(grpc, token_file=header) as factory:
            client = factory.create_client(SlurmIndirectStub)
            seconds = await _submit_all(client, jobs, 64)
            listed = len((await client.get_jobs(Empty())).jobs)
            grpc_jobs = await _median(lambda: client.get_jobs(Empty()), repeats)
        token = header.read_text().split(":", 1)[1].strip()
        async with httpx.AsyncClient(headers={"Authorization": token}, timeout=60) as http:
            url = f"{rest}/slurm/v0.0.43/defiant/jobs"
            rest_jobs = await _median(lambda: http.get(url), repeats)
            body = (await http.get(url)).content
        loads = await _median(lambda: _aloads(body), repeats)
        async with S3MClientFactory(grpc, token_file=header, transport="rest", rest_url=rest) as factory:
            client = factory.create_client(SlurmIndirectStub)
            rest_stub = await _median(lambda: client.get_jobs(Empty()), repeats)
        high = {}
        for transport in ("grpclib", "rest"):
            async with Slurm(grpc, token_file=header, transport=transport, rest_url=rest) as slurm:
                high[transport] = await _median(lambda s=slurm: _touch(s), repeats)
    return {
        "jobs": jobs,
        "listed": listed,
        "submit_per_second": jobs / seconds,
        "grpc_jobs_seconds": grpc_jobs,
        "rest_jobs_seconds": rest_jobs,
        "rest_stub_seconds": rest_stub,
        "high_level_grpc_seconds": high["grpclib"],
        "high_level_rest_seconds": high["rest"],
        "orjson_loads_seconds": loads,
        "json_bytes": len(body),
    }


async def _touch(slurm: Slurm) -> int:
    """List the jobs through the high-level API and read each one's id, state and name."""
    return sum(job.job_id + len(job.state) + len(job.name) for job in await slurm.jobs())


async def _aloads(body: bytes) -> object:
    return orjson.loads(body)


def run(*, smoke: bool, jobs: int = 10_000, repeats: int = 5) -> dict[str, Any]:
    """Measure; print a table; return the figures for the JSON result."""
    result = asyncio.run(measure(200 if smoke else jobs, 1 if smoke else repeats))
    assert result["listed"] == result["jobs"], "the emulator lost jobs"
    print(
        f"emulator (its own process) with {result['jobs']:,} held jobs (median of {1 if smoke else repeats}):"
    )
    rows = [
        ("submissions/s at 64 in flight (gRPC, grpclib client)", f"{result['submit_per_second']:,.0f}"),
        ("jobs listing over gRPC, ms (with client decode)", f"{result['grpc_jobs_seconds'] * 1e3:.1f}"),
        ("jobs listing over REST, ms (httpx, body not parsed)", f"{result['rest_jobs_seconds'] * 1e3:.1f}"),
        ("  orjson.loads of that body alone, ms", f"{result['orjson_loads_seconds'] * 1e3:.1f}"),
        ("jobs listing over REST through the stub, ms", f"{result['rest_stub_seconds'] * 1e3:.1f}"),
        (
            "Slurm.jobs() over gRPC (upb views), touch id/state/name, ms",
            f"{result['high_level_grpc_seconds'] * 1e3:.1f}",
        ),
        (
            "Slurm.jobs() over REST (orjson views), touch id/state/name, ms",
            f"{result['high_level_rest_seconds'] * 1e3:.1f}",
        ),
    ]
    for name, value in rows:
        print(f"  {name:<62} {value:>10}")
    return result

"""A short soak (the long one is issue 8's `make soak`): mixed RPCs at 64 in flight, faults on, no leaks.

Every transport takes a share of 2,000 calls (listings, single jobs, pings, submissions with their
exactly-once keys, cancels) while the emulator injects latency, UNAVAILABLE and accept-then-drop.
Afterwards: descriptors, tasks and memory are back where they were, and every submission is one job.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import resource
from collections import Counter
from pathlib import Path

import pytest

from s3m_grpc import JobSpec, Slurm, errors
from s3m_grpc.emulator import Emulator
from tests.conftest import TOKEN

CALLS = 2000
IN_FLIGHT = 64


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def workload(emulator: Emulator, transport: str, calls: int, cwd: Path) -> list[int]:
    submitted: list[int] = []
    rng = random.Random(transport)  # noqa: S311 - a reproducible mix, not cryptography
    spec = JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(cwd), hold=True)
    async with Slurm(emulator.grpc_target, TOKEN, transport=transport, rest_url=emulator.rest_url) as slurm:
        queue = iter(range(calls))

        async def worker() -> None:
            for _ in queue:
                roll = rng.random()
                try:
                    if roll < 0.1:
                        submitted.append((await slurm.submit(spec, attempts=20)).job_id)
                    elif roll < 0.4:
                        await slurm.jobs()
                    elif roll < 0.6 and submitted:
                        await slurm.job(rng.choice(submitted))
                    elif roll < 0.65 and submitted:
                        await slurm.cancel(rng.choice(submitted))
                    else:
                        await slurm.ping()
                except (errors.Unavailable, errors.FailedPrecondition, errors.DeadlineExceeded):
                    pass  # injected faults that outlast the retries, and cancels of cancelled jobs

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return submitted


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count descriptors")
async def test_short_soak(tmp_path: Path) -> None:
    faults = [
        "*:latency:seconds=0.002,p=0.2",
        "Ping:unavailable:p=0.05",
        "GetJobs:unavailable:p=0.05",
        "PostJobSubmit:accept_then_drop:p=0.2",
    ]
    async with Emulator(
        tokens=[TOKEN], time_scale=0.01, min_job_age=1e6, seed=3, faults=faults, work_dir=tmp_path / "w"
    ) as emu:  # keep finished jobs: every id must stay findable
        await workload(emu, "grpclib", 100, tmp_path)  # warm-up: libraries' one-time descriptors and caches
        gc.collect()
        fds, tasks = open_fds(), len(asyncio.all_tasks())
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ids: list[int] = []
        for transport in ("grpclib", "grpcio", "rest"):
            ids += await workload(emu, transport, CALLS // 3, tmp_path)
        for _ in range(10):
            await asyncio.sleep(0.05)
        gc.collect()
        jobs = emu.scheduler().visible_jobs()
        keys = Counter(job.desc["comment"] for job in jobs)
        assert max(keys.values()) == 1  # no submission became two jobs
        assert set(ids) <= {job.job_id for job in jobs}  # every handle is a job that exists
        assert open_fds() <= fds  # no growth (a warm-up connection may still have been closing)
        assert len(asyncio.all_tasks()) <= tasks
        grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        assert grown_mib < 200  # peak RSS, a loose bound: a leak of this workload would show as much more

#!/usr/bin/env python3
"""A bounded soak: mixed RPCs at 64 in flight over every client transport while the emulator injects faults.

`make soak` runs 100,000 calls (listings, single jobs, pings, submissions with exactly-once keys,
cancels, which succeed also for jobs that have ended, as with slurmrestd) in rounds that rotate
through grpclib, grpcio and REST. After each round it samples open descriptors, asyncio tasks and
resident memory; at the end it accounts for every submission: the emulator must have created
exactly as many jobs as the client got job ids back, all distinct.
`tests/test_soak_short.py` runs the same workload at 2,000 calls in `make test`.
Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from s3m_grpc import JobSpec, Slurm, errors
from s3m_grpc.emulator import Emulator

IN_FLIGHT = 64
TRANSPORTS = ("grpclib", "grpcio", "rest")
FAULTS = (
    "*:latency:seconds=0.002,p=0.2",
    "Ping:unavailable:p=0.05",
    "GetJobs:unavailable:p=0.05",
    "GetJob:rate_limit:p=0.02,retry_after=0",
    "PostJobSubmit:accept_then_drop:p=0.2",
)
# Outcomes that a faulty gateway may leave after retries; anything else ends the soak.
TOLERATED = (errors.Unavailable, errors.RateLimited, errors.DeadlineExceeded)


@dataclasses.dataclass
class Tally:
    """What the workload did: calls by kind and outcome, and the ids submissions returned."""

    calls: Counter[str] = dataclasses.field(default_factory=Counter)
    job_ids: list[int] = dataclasses.field(default_factory=list)
    submit_failures: int = 0


async def workload(
    emulator: Emulator, token: str, transport: str, calls: int, cwd: Path, tally: Tally, *, seed: int = 0
) -> None:
    """`calls` mixed RPCs at IN_FLIGHT concurrency through one high-level client on `transport`."""
    rng = random.Random(f"{transport}-{seed}")  # noqa: S311 - a reproducible mix, not cryptography
    spec = JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(cwd), time_limit=1)
    recent: list[int] = []
    async with Slurm(emulator.grpc_target, token, transport=transport, rest_url=emulator.rest_url) as slurm:
        queue = iter(range(calls))

        async def worker() -> None:
            for _ in queue:
                roll = rng.random()
                kind = (
                    "submit"
                    if roll < 0.1
                    else "jobs"
                    if roll < 0.3
                    else "job"
                    if roll < 0.55 and recent
                    else "cancel"
                    if roll < 0.6 and recent
                    else "ping"
                )
                try:
                    if kind == "submit":
                        try:
                            job_id = (await slurm.submit(spec, attempts=20)).job_id
                        except errors.S3MError:
                            tally.submit_failures += 1
                            raise
                        tally.job_ids.append(job_id)
                        recent.append(job_id)
                        del recent[:-200]
                    elif kind == "jobs":
                        await slurm.jobs()
                    elif kind == "job":
                        await slurm.job(rng.choice(recent))
                    elif kind == "cancel":
                        await slurm.cancel(rng.choice(recent))
                    else:
                        await slurm.ping()
                    tally.calls[f"{kind} ok"] += 1
                except errors.NotFound:
                    tally.calls[f"{kind} purged"] += 1  # finished jobs leave the queue, as in Slurm
                except TOLERATED as exc:
                    tally.calls[f"{kind} {type(exc).__name__}"] += 1

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))


def open_fds() -> int:
    """Descriptors open in this process."""
    return len(os.listdir("/proc/self/fd"))


def rss_mib() -> float:
    """Current resident memory (not the peak) in MiB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def settle(since: Collection[asyncio.Task[Any]], *, bound: float = 60.0) -> list[str]:
    """Wait for the tasks started after `since` was taken to end; the names of any still running.

    Waits for the tasks themselves, never a guessed moment: a closing connection or a job the
    emulator is still running ends when it ends, however loaded the machine. Only a task that
    does not end within `bound` seconds (a leak) is returned.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound
    me = asyncio.current_task()
    while True:
        pending = [t for t in asyncio.all_tasks() if t is not me and t not in since]
        if not pending or loop.time() >= deadline:
            break
        await asyncio.wait(pending, timeout=deadline - loop.time())
    for _ in range(3):  # the callbacks of ended tasks close their transports
        await asyncio.sleep(0)
    gc.collect()
    return sorted(t.get_name() + ": " + repr(t.get_coro()) for t in pending)


async def soak(total: int, rounds: int) -> int:
    """Run the soak and print its figures; the number of failed checks."""
    token = "soak-" + os.urandom(12).hex()
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="s3m-soak-") as tmp:
        cwd = Path(tmp)
        async with Emulator(
            tokens=[token], time_scale=0.01, seed=11, faults=FAULTS, work_dir=cwd / "w"
        ) as emulator:
            serving = set(asyncio.all_tasks())
            await workload(emulator, token, "grpclib", 300, cwd, Tally())  # warm-up: one-time caches
            await settle(serving)
            baseline = set(asyncio.all_tasks())
            base = (open_fds(), len(baseline), rss_mib())
            created_before = emulator.scheduler().counters["jobs_submitted"]
            print(f"{'after':>12} {'calls':>8} {'fds':>5} {'tasks':>6} {'rss MiB':>8} {'calls/s':>8}")
            print(f"{'warm-up':>12} {0:>8} {base[0]:>5} {base[1]:>6} {base[2]:>8.1f}")
            samples = []
            leaked: list[str] = []
            started = time.perf_counter()
            done = 0
            for index in range(rounds):
                transport = TRANSPORTS[index % len(TRANSPORTS)]
                share = total // rounds
                round_started = time.perf_counter()
                await workload(emulator, token, transport, share, cwd, tally, seed=index)
                rate = share / (time.perf_counter() - round_started)
                leaked += await settle(baseline)
                done += share
                sample = (open_fds(), len(asyncio.all_tasks()), rss_mib())
                samples.append(sample)
                print(
                    f"{transport:>12} {done:>8,} {sample[0]:>5} {sample[1]:>6} {sample[2]:>8.1f} {rate:>8.0f}"
                )
            seconds = time.perf_counter() - started
            created = emulator.scheduler().counters["jobs_submitted"] - created_before
    ids = tally.job_ids
    print(f"\n{done:,} calls in {seconds:.0f} s ({done / seconds:.0f}/s), {IN_FLIGHT} in flight")
    print("outcomes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(tally.calls.items())))
    print(
        f"submissions: {len(ids):,} job ids returned, {len(set(ids)):,} distinct, "
        f"{created:,} jobs created by the gateway, {tally.submit_failures} submissions failed"
    )
    # Memory: compare the last third with the first third of the rounds, past start-up growth.
    third = max(1, len(samples) // 3)
    early = max(s[2] for s in samples[:third])
    late = max(s[2] for s in samples[-third:])
    checks = {
        "every submission is exactly one job": len(ids) == len(set(ids)) == created
        and tally.submit_failures == 0,
        "no descriptor growth": max(s[0] for s in samples) <= base[0] + 2,
        "no task growth": max(s[1] for s in samples) <= base[1] and not leaked,
        f"memory flat (first third {early:.1f} MiB, last third {late:.1f} MiB)": late <= early * 1.10 + 8,
    }
    for name in leaked:
        print(f"still running: {name}")
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return sum(not ok for ok in checks.values())


def main() -> int:
    """Parse arguments, run, exit 1 on a failed check."""
    logging.basicConfig(level=logging.ERROR)  # adoptions are logged as warnings, thousands of them
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15, help="samples taken (transports rotate per round)")
    args = parser.parse_args()
    return 1 if asyncio.run(soak(args.calls, args.rounds)) else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Exactly-once submission at scale: N submissions while 30% fail ambiguously (accept, then drop).

`make soak` runs it with 10,000 submissions; it prints the jobs submitted against the jobs found,
the duplicates and the losses, for each client transport.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from s3m_grpc import JobSpec, Slurm
from s3m_grpc.emulator import Emulator


async def run(count: int, transport: str, in_flight: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        async with Emulator(time_scale=0.01, seed=7, faults=["PostJobSubmit:accept_then_drop:p=0.3"]) as emu:
            # Jobs that begin in an hour stay pending (reason BeginTime), so none ends and is purged.
            spec = JobSpec(
                script="#!/bin/bash\ntrue\n", working_directory=tmp, begin_time=int(time.time()) + 3600
            )
            ids: list[int] = []
            queue = iter(range(count))
            started = time.perf_counter()
            async with Slurm(emu.grpc_target, emu.token, transport=transport, rest_url=emu.rest_url) as slurm:

                async def worker() -> None:
                    for _ in queue:
                        ids.append((await slurm.submit(spec, attempts=20)).job_id)

                await asyncio.gather(*(worker() for _ in range(in_flight)))
            seconds = time.perf_counter() - started
            jobs = emu.scheduler().visible_jobs()
            keys = Counter(j.desc["comment"] for j in jobs)
            injected = emu.faults.faults[0].injected
    return {
        "submitted": count,
        "found": len(jobs),
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "lost": count - len({j.job_id for j in jobs} & set(ids)),
        "ambiguous_failures": injected,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--in-flight", type=int, default=2)
    parser.add_argument("--transports", default="grpclib,rest", help="comma-separated client transports")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # each adoption is logged as a warning; thousands here
    for transport in args.transports.split(","):
        r = asyncio.run(run(args.count, transport, args.in_flight))
        share = r["ambiguous_failures"] / r["submitted"]
        print(
            f"{transport:>8}: submitted {r['submitted']:,}, found {r['found']:,}, "
            f"duplicates {r['duplicates']}, lost {r['lost']}, ambiguous failures injected "
            f"{r['ambiguous_failures']:,} ({share:.0%}), {r['seconds']:.0f} s"
        )


if __name__ == "__main__":
    main()

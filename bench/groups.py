"""The client's cost per tick while it waits on a job group: RPCs and CPU, the emulator in its own process.

    python bench/groups.py --elements 1000 --ticks 20

1,000 array elements are submitted (held PENDING by a begin time, so the queue really holds them
all), then the driver ticks: each tick is one GetJobs listing of the whole queue, plus a GetJob
only for an element the listing no longer shows. Printed: RPCs per tick and the client's CPU
milliseconds per tick (process time: the emulator's CPU is in another process).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.emulator import emulator_process
from s3m_grpc import JobSpec, Slurm
from s3m_grpc.auth import read_header_file
from s3m_grpc.driver import driver_of


async def measure(target: str, token: str, elements: int, ticks: int, state: Path) -> dict[str, float]:
    """Submit the array, then time `ticks` ticks; the figures."""
    async with Slurm(target, token) as slurm:
        spec = JobSpec(
            script="#!/bin/sh\ntrue\n",
            working_directory=str(state),
            begin_time=int(time.time()) + 86400,
            array=f"0-{elements - 1}",
        )
        group = slurm.group(state_dir=state)
        group.add(spec, label="big")
        started = time.monotonic()
        await group.submit()
        driver = driver_of(slurm)
        while group.summary().counts.get("HELD", 0):
            await driver.tick()
        submitted = time.monotonic() - started
        before = (driver.stats.ticks, driver.stats.listings + driver.stats.lookups, driver.stats.cpu)
        wall = time.monotonic()
        for _ in range(ticks):
            await driver.tick()
        wall = time.monotonic() - wall
        n = driver.stats.ticks - before[0]
        calls = driver.stats.listings + driver.stats.lookups - before[1]
        return {
            "elements": elements,
            "submit_s": submitted,
            "calls_per_tick": calls / n,
            "cpu_ms_per_tick": 1000 * (driver.stats.cpu - before[2]) / n,
            "wall_ms_per_tick": 1000 * wall / n,
        }


def main() -> None:
    """Run the measurement and print it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--elements", type=int, default=1000)
    parser.add_argument("--ticks", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        header = Path(tmp) / "header"
        with emulator_process(header) as (target, _rest):
            token = read_header_file(header).reveal()
            result = asyncio.run(measure(target, token, args.elements, args.ticks, Path(tmp)))
    for name, value in result.items():
        print(f"{name:>18}: {value:.2f}")


if __name__ == "__main__":
    main()

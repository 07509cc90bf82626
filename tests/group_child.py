"""A client that plans a job array and drives it until killed (tests/test_job_groups.py kills it -9)."""

from __future__ import annotations

import asyncio
import os
import sys

from s3m_grpc import JobSpec, Slurm
from s3m_grpc.driver import driver_of
from s3m_grpc.job import Backoff


async def main(target: str, state: str, work: str, array: str) -> None:
    async with Slurm(target, os.environ["S3M_TOKEN"]) as slurm:  # the token from the environment, not argv
        group = slurm.group(state_dir=state)
        group.add(JobSpec(script="#!/bin/sh\ntrue\n", working_directory=work, array=array), label="big")
        driver_of(slurm).backoff = Backoff(initial=0.02, maximum=0.1)
        await group.submit()
        print(group.group_id, flush=True)
        await group.wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))

"""`make demo`: OLCF's documented SlurmIndirect calls, run against a local server.

Starts the in-process SlurmIndirect server on 127.0.0.1 (a free port) with a one-off token, then
follows OLCF's Python project template (``S3MClientFactory`` as an async context manager) and
makes each call from OLCF's Compute API page with the generated v0.0.43 stub.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from s3m_apis_betterproto.clientfactory import S3MClientFactory
from s3m_apis_betterproto.google.protobuf import Empty
from s3m_apis_betterproto.slurm.v0043 import (
    DeleteJobReq,
    JobIdReq,
    JobSubmitReq,
    JobSubmitReqJobDescription,
    SlurmIndirectStub,
    Uint32NoVal,
)

from s3m_grpc.emulator import Emulator


def _show(call: str, summary: str) -> None:
    print(f"  {call:<22} {summary}")


async def documented_calls(client: Any, scratch: Path) -> None:
    """Each call as OLCF documents it, with a one-line summary of the answer.

    The one change: the job runs in a real scratch directory instead of the docs' /lustre path, so
    that its output file appears here.
    """
    pong = await client.ping(Empty())
    _show("ping", ", ".join(f"{p.hostname} responding={p.responding}" for p in pong.pings))

    partitions = await client.get_partitions(Empty())
    _show(
        "get_partitions",
        ", ".join(
            f"{p.name} ({p.nodes.total} nodes, max {p.maximums.time.number} min)"
            for p in partitions.partitions
        ),
    )

    result = await client.post_job_submit(
        JobSubmitReq(
            job=JobSubmitReqJobDescription(
                name="my-job",
                account="STF040",
                partition="batch-cpu",
                minimum_nodes=1,
                tasks=1,
                time_limit=Uint32NoVal(number=60, set=True),
                current_working_directory=str(scratch),
                environment=["PATH=/usr/bin"],
                script="#!/bin/bash\necho Hello World",
            )
        )
    )
    _show("post_job_submit", f"job_id={result.job_id} step_id={result.step_id}")

    job = await client.get_job(JobIdReq(job_id=str(result.job_id)))
    info = job.jobs[0]
    _show(
        "get_job", f"{info.job_id} {info.name} {'/'.join(info.job_state)} time_limit={info.time_limit.number}"
    )
    while info.job_state[0] in ("PENDING", "RUNNING"):
        await asyncio.sleep(0.1)
        info = (await client.get_job(JobIdReq(job_id=str(result.job_id)))).jobs[0]
    output = (await asyncio.to_thread(Path(info.stdout_expanded).read_text, encoding="utf-8")).strip()
    _show(
        "  ... finished",
        f"{info.job_state[0]} exit={info.exit_code.return_code.number}, "
        f"{Path(info.stdout_expanded).name}: {output!r}",
    )

    jobs = await client.get_jobs(Empty())
    _show(
        "get_jobs",
        f"{len(jobs.jobs)} job(s): " + ", ".join(f"{j.job_id}={j.job_state[0]}" for j in jobs.jobs),
    )

    sleeper = await client.post_job_submit(
        JobSubmitReq(
            job=JobSubmitReqJobDescription(
                name="long-sim",
                partition="batch-cpu",
                current_working_directory=str(scratch),
                environment=["PATH=/usr/bin:/bin"],
                script="#!/bin/bash\nsleep 600",
            )
        )
    )
    await client.delete_job(DeleteJobReq(job_id=str(sleeper.job_id)))
    after = await client.get_job(JobIdReq(job_id=str(sleeper.job_id)))
    while after.jobs[0].job_state[0] == "RUNNING":
        await asyncio.sleep(0.05)
        after = await client.get_job(JobIdReq(job_id=str(sleeper.job_id)))
    _show("delete_job", f"{sleeper.job_id} is now {after.jobs[0].job_state[0]}")

    nodes = await client.get_nodes(Empty())
    _show(
        "get_nodes",
        f"{len(nodes.nodes)} nodes, "
        + ", ".join(f"{n.name}:{n.state[0]}" for n in nodes.nodes[:3])
        + ", ...",
    )

    reservations = await client.get_reservations(Empty())
    _show("get_reservations", ", ".join(f"{r.name} on {r.node_list}" for r in reservations.reservations))

    diag = await client.get_diag(Empty())
    s = diag.statistics
    _show(
        "get_diag",
        f"jobs_submitted={s.jobs_submitted} jobs_completed={s.jobs_completed} "
        f"jobs_canceled={s.jobs_canceled}",
    )


async def main() -> None:
    """Serve, call as OLCF's template does, stop."""
    async with Emulator() as emulator:
        os.environ["S3M_TOKEN"] = emulator.token  # the template reads it from the environment
        service_url = emulator.grpc_target  # OLCF's is "s3m.olcf.ornl.gov"; loopback means plaintext
        print(
            f"s3m-grpc demo: OLCF's documented SlurmIndirect calls against a local emulator at {service_url}"
        )
        token = os.environ.get("S3M_TOKEN", "")
        with tempfile.TemporaryDirectory(prefix="s3m-demo-") as scratch:
            async with S3MClientFactory(service_url, token) as factory:
                await documented_calls(factory.create_client(SlurmIndirectStub), Path(scratch))
    print("done.")


if __name__ == "__main__":
    asyncio.run(main())

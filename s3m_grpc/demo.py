"""`make demo`: the s3m command line and OLCF's documented Python calls, against a local emulator.

1. Starts ``s3m emulator`` with a curl-style header file (OLCF's ``.env``), as a user would.
2. Runs the everyday flow through the ``s3m`` command line: ping, partitions, submit a hello-world
   script and wait for it, print its output file, list the jobs.
3. Follows OLCF's Python project template (``S3MClientFactory``) and makes each call from OLCF's
   Compute API page with the generated v0.0.43 stub on defiant, then submits with v0.0.44's form
   on odo.
4. Stops the emulator.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from betterproto.lib.std.google.protobuf import Empty
from s3m_apis_betterproto.clientfactory import S3MClientFactory
from s3m_apis_betterproto.slurm import v0044
from s3m_apis_betterproto.slurm.v0043 import (
    DeleteJobReq,
    JobIdReq,
    JobSubmitReq,
    JobSubmitReqJobDescription,
    SlurmIndirectStub,
    Uint32NoVal,
)


def _show(call: str, summary: str) -> None:
    print(f"  {call:<22} {summary}")


async def documented_calls(client: Any, scratch: Path) -> None:
    """Each call as OLCF documents it, with a one-line summary of the answer.

    The one change: the job runs in a real scratch directory instead of the docs' /lustre path, so
    that its output file appears here.
    """
    pong = await client.ping(Empty())
    _show("ping", ", ".join(f"{p.hostname} {p.pinged} ({p.mode})" for p in pong.pings))

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

    # S3M answers GetJob with slurmdbd's record: state.current, time, steps, user.
    job = await client.get_job(JobIdReq(job_id=str(result.job_id)))
    info = job.jobs[0]
    _show("get_job", f"{info.job_id} {info.name} {'/'.join(info.state.current)} user={info.user}")
    while info.state.current[0] in ("PENDING", "RUNNING"):
        await asyncio.sleep(0.1)
        info = (await client.get_job(JobIdReq(job_id=str(result.job_id)))).jobs[0]
    output = (await asyncio.to_thread(Path(info.stdout_expanded).read_text, encoding="utf-8")).strip()
    _show(
        "  ... finished",
        f"{info.state.current[0]} exit={info.exit_code.return_code.number} elapsed={info.time.elapsed}s, "
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
    while after.jobs[0].state.current[0] == "RUNNING":
        await asyncio.sleep(0.05)
        after = await client.get_job(JobIdReq(job_id=str(sleeper.job_id)))
    _show("delete_job", f"{sleeper.job_id} is now {after.jobs[0].state.current[0]}")

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


HELLO = """#!/bin/bash
#SBATCH --job-name=hello-world
#SBATCH --partition=batch-cpu
#SBATCH --time=5
#SBATCH --ntasks=1
echo "Hello World from job $SLURM_JOB_ID ($SLURM_JOB_NAME) on $SLURMD_NODENAME"
"""


def _run_cli(env: dict[str, str], *args: str) -> None:
    print(f"\n$ s3m {' '.join(args)}", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", "s3m_grpc.cli", *args], env=env, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"s3m {args[0]} exited with {done.returncode}")


def cli_flow(env: dict[str, str], scratch: Path) -> None:
    """The everyday flow through the s3m command line."""
    script = scratch / "hello.sh"
    script.write_text(HELLO, encoding="utf-8")
    _run_cli(env, "ping")
    _run_cli(env, "partitions")
    _run_cli(env, "submit", str(script), "--chdir", str(scratch), "--wait")
    for output in sorted(scratch.glob("slurm-*.out")):
        print(f"\n$ cat {output.name}\n{output.read_text(encoding='utf-8').rstrip()}", flush=True)
    _run_cli(env, "jobs")


async def python_flow(grpc_target: str, token: str, scratch: Path) -> None:
    """OLCF's documented calls through S3MClientFactory; then v0.0.44's submission on odo."""
    async with S3MClientFactory(grpc_target, token) as factory:
        await documented_calls(factory.create_client(SlurmIndirectStub), scratch)
    async with S3MClientFactory(grpc_target, token, {"olcf-resource": "odo"}) as factory:
        client = factory.create_client(v0044.SlurmIndirectStub)
        result = await client.post_job_submit(
            v0044.JobSubmitReq(
                script="#!/bin/bash\necho Hello World",
                jobs=[
                    v0044.JobSubmitReqJobDescription(
                        name="my-job",
                        minimum_nodes=1,
                        tasks=1,
                        time_limit=v0044.Uint32NoVal(number=60, set=True),
                        current_working_directory=str(scratch),
                        environment=["PATH=/usr/bin"],
                    )
                ],
            )
        )
        _show("odo v0.0.44 submit", f"job_id={result.job_id} (script + jobs[1], as OLCF's v0.0.44 tab)")


def main() -> None:
    """Start the emulator, run both parts, stop it."""
    with tempfile.TemporaryDirectory(prefix="s3m-demo-") as tmp:
        scratch = Path(tmp)
        header = scratch / ".env"
        clean = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
        print("$ s3m emulator --write-header-file .env &", flush=True)
        from s3m_grpc.emulator.process import EmulatorProcess

        with EmulatorProcess("--write-header-file", str(header), "--time-scale", "0.05") as emulator:
            print(emulator.ready_line, flush=True)
            env = {
                **clean,
                "S3M_EMULATOR_HOST": emulator.grpc,
                "S3M_EMULATOR_REST_URL": emulator.rest,
                "S3M_TOKEN_FILE": str(header),
                "COLUMNS": "110",
            }
            cli_flow(env, scratch)
            print("\nOLCF's documented SlurmIndirect calls, through S3MClientFactory (Python):", flush=True)
            token = header.read_text(encoding="utf-8").split(":", 1)[1].strip()
            asyncio.run(python_flow(emulator.grpc, token, scratch))
    print("\ndone: the emulator is stopped.")


if __name__ == "__main__":
    main()

__all__ = ["HELLO", "cli_flow", "documented_calls", "main", "python_flow"]

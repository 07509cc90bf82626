"""``--wait`` for ``s3m submit`` and ``s3m wait``: one listing per tick, progress, and the exit code.

A line per state change while waiting (a live status line on a terminal), a line per job at the
end; exit 0 only if every job COMPLETED with exit code 0. Ctrl-C says which jobs are still in the
queue and how to resume waiting for them.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from s3m_grpc.cli_output import EXIT_INTERRUPTED, EXIT_JOB_FAILED, EXIT_OK, EXIT_TIMEOUT, Output, elapsed

if TYPE_CHECKING:
    from s3m_grpc.client import Slurm


async def wait_and_report(slurm: Slurm, jobs: list[Any], args: argparse.Namespace, out: Output) -> int:
    """Wait for every job; a line per job at the end; exit 0 only if all COMPLETED with exit 0."""
    import asyncio

    from s3m_grpc.errors import JobVanished, S3MError, WaitTimeout

    try:
        await _wait_all(jobs, args.timeout, _progress(out))
    except asyncio.CancelledError:  # Ctrl-C (cli turns SIGINT into a cancellation)
        left = " ".join(str(j.job_id) for j in jobs if not j.terminal)
        if left:
            out.error(f"interrupted; still in the queue: {left}. Resume with: s3m wait {left}{_where(args)}")
        return EXIT_INTERRUPTED
    except WaitTimeout as exc:
        out.error(str(exc))
        return EXIT_TIMEOUT
    except JobVanished as exc:
        out.error(str(exc))
        return EXIT_JOB_FAILED
    results = []
    for job in jobs:
        view = job.last
        ok = view.state == "COMPLETED" and not view.exit_code
        why = ""
        if not ok:
            why = view.state_reason or ""
            try:  # slurmctld's own words for it, while the job is still listed
                listed = [j for j in await slurm.jobs() if j.job_id == job.job_id]
                description = listed[0].state_description if listed else ""
            except S3MError:
                description = ""
            why = ": ".join(part for part in (why, description) if part and part != "None")
        results.append((job, view, ok, why))
    if out.as_json:
        out.json(
            [
                {
                    "job_id": job.job_id,
                    "state": view.state,
                    "exit_code": view.exit_code,
                    "reason": why,
                    "stdout": view.stdout_path,
                }
                for job, view, _, why in results
            ]
            if len(results) > 1 or args.command == "wait"
            else {
                "job_id": results[0][0].job_id,
                "state": results[0][1].state,
                "exit_code": results[0][1].exit_code,
                "reason": results[0][3],
                "stdout": results[0][1].stdout_path,
            }
        )
    else:
        for job, view, _, why in results:
            how = f"exit code {view.exit_code}" + (f", {why}" if why else "")
            out.line(f"job {job.job_id} {view.state} ({how}); output: {view.stdout_path}")
    return EXIT_OK if all(ok for _, _, ok, _ in results) else EXIT_JOB_FAILED


def _where(args: argparse.Namespace) -> str:
    """The flags that point a resumed command at the same place (what the environment does not say)."""
    import os
    import shlex

    parts = []
    if args.url != os.environ.get("S3M_URL", "s3m.olcf.ornl.gov"):
        parts.append(f" --url {shlex.quote(args.url)}")
    if args.resource != os.environ.get("S3M_RESOURCE", "defiant"):
        parts.append(f" --resource {shlex.quote(args.resource)}")
    if args.token_file:
        parts.append(f" --token-file {shlex.quote(args.token_file)}")
    return "".join(parts)


def _progress(out: Output) -> Any:
    """How state changes are shown: a live line on a terminal, else a line each (on stderr)."""
    if out.as_json:
        return None
    if sys.stderr.isatty():
        return _LiveStatus()
    started = time.monotonic()

    def line(job: Any, state: str) -> None:
        print(
            f"job {job.job_id} {state} ({elapsed(time.monotonic() - started)})", file=sys.stderr, flush=True
        )

    return line


class _LiveStatus:
    """A rich status line on the terminal, rewritten in place."""

    def __init__(self) -> None:
        from rich.console import Console

        self.started = time.monotonic()
        self.status = Console(stderr=True).status("")
        self.status.start()

    def __call__(self, job: Any, state: str) -> None:
        self.status.update(f"job {job.job_id}: {state}, {elapsed(time.monotonic() - self.started)} elapsed")

    def stop(self) -> None:
        self.status.stop()


async def _wait_all(jobs: list[Any], timeout: float | None, report: Any) -> None:
    """Poll the jobs (GetJob: accounting answers after a purge) until all are finished."""
    import asyncio

    from s3m_grpc._aio import Deadline
    from s3m_grpc.errors import WaitTimeout
    from s3m_grpc.job import Backoff

    deadline = Deadline.after(timeout)
    delays = Backoff(initial=0.5, maximum=5.0).delays()
    shown: dict[int, str] = {}
    try:
        while True:
            for job in jobs:
                if not job.terminal:
                    await job.refresh()
                if report is not None and shown.get(job.job_id) != job.state:
                    shown[job.job_id] = job.state
                    report(job, job.state)
            left = [j for j in jobs if not j.terminal]
            if not left:
                return
            if deadline.passed():
                names = ", ".join(f"{j.job_id} {j.state}" for j in left)
                raise WaitTimeout(f"still waiting after {timeout:g} s: {names}", rpc="GetJob")
            remaining = deadline.remaining()
            delay = next(delays)
            await asyncio.sleep(delay if remaining is None else min(delay, remaining))
    finally:
        if isinstance(report, _LiveStatus):
            report.stop()


__all__ = ["wait_and_report"]

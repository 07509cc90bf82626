"""The ``s3m`` subcommands: each takes the connected Slurm client, the parsed arguments and an Output.

``cli`` parses the command line and connects; this module does the work and prints (tables with
rich, or JSON), returning the exit code ``cli`` documents.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from s3m_grpc.client import Slurm

EXIT_OK, EXIT_JOB_FAILED, EXIT_USAGE, EXIT_S3M, EXIT_TIMEOUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130


class Output:
    """Tables on a terminal (rich), or JSON; errors always to stderr."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def json(self, value: Any) -> None:
        """Print a value as indented JSON."""
        import orjson

        sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Print a titled table (rich is imported only here: it costs start-up time)."""
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, title_justify="left", box=None, header_style="bold")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)

    def line(self, text: str) -> None:
        """Print one line."""
        print(text, flush=True)

    def error(self, text: str) -> None:
        """Print an error to stderr, prefixed like other Unix tools."""
        print(f"s3m: {text}", file=sys.stderr, flush=True)


def _minutes(value: float | None) -> str:
    if value is None:
        return ""
    if value == float("inf"):
        return "UNLIMITED"
    days, rest = divmod(int(value), 1440)
    return f"{days}-{rest // 60:02d}:{rest % 60:02d}:00" if days else f"{rest // 60}:{rest % 60:02d}:00"


def _elapsed(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


async def _ping(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    pings = await slurm.ping()
    if out.as_json:
        out.json([p.to_dict() for p in pings])
    else:
        out.table(
            f"{slurm.resource}: controllers",
            ["HOST", "STATE", "LATENCY (us)", "MODE"],
            [[p.hostname, p.pinged, p.latency, p.mode] for p in pings],
        )
    return EXIT_OK if pings and all(p.pinged == "UP" for p in pings) else EXIT_S3M


async def _partitions(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    parts = await slurm.partitions()
    if out.as_json:
        out.json([p.to_dict() for p in parts])
    else:
        out.table(
            f"{slurm.resource}: partitions",
            ["PARTITION", "STATE", "NODES", "MAX NODES", "DEFAULT TIME", "MAX TIME"],
            [
                [
                    p.name,
                    ",".join(p.state),
                    p.total_nodes,
                    p.max_nodes,
                    _minutes(p.default_time),
                    _minutes(p.max_time),
                ]
                for p in parts
            ],
        )
    return EXIT_OK


async def _nodes(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    nodes = await slurm.nodes()
    if out.as_json:
        out.json([n.to_dict() for n in nodes])
    else:
        out.table(
            f"{slurm.resource}: nodes",
            ["NODE", "STATE", "CPUS (ALLOC/TOTAL)", "MEMORY (MiB)", "PARTITIONS"],
            [
                [n.name, ",".join(n.state), f"{n.alloc_cpus}/{n.cpus}", n.real_memory, ",".join(n.partitions)]
                for n in nodes
            ],
        )
    return EXIT_OK


async def _reservations(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    reservations = await slurm.reservations()
    if out.as_json:
        out.json([r.to_dict() for r in reservations])
    else:

        def when(t: float | None) -> str:
            return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else ""

        out.table(
            f"{slurm.resource}: reservations",
            ["RESERVATION", "NODES", "START", "END"],
            [[r.name, r.node_list, when(r.start_time), when(r.end_time)] for r in reservations],
        )
    return EXIT_OK


async def _diag(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    stats = (await slurm.diag()).to_dict()
    if out.as_json:
        out.json(stats)
    else:
        keys = [
            "jobs_submitted",
            "jobs_started",
            "jobs_completed",
            "jobs_canceled",
            "jobs_failed",
            "jobs_pending",
            "jobs_running",
            "schedule_cycle_last",
            "bf_backfilled_jobs",
        ]
        out.table(
            f"{slurm.resource}: scheduler", ["STATISTIC", "VALUE"], [[k, stats.get(k, 0)] for k in keys]
        )
    return EXIT_OK


async def _jobs(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    jobs = await slurm.jobs(user=args.user, state=args.state, name=args.name, partition=args.partition)
    if out.as_json:
        out.json([j.to_dict() for j in jobs])
        return EXIT_OK
    now = time.time()
    rows = []
    for j in jobs:
        started = j.start_time if j.state != "PENDING" else None
        ended = j.end_time if j.terminal else None
        elapsed = _elapsed((ended or now) - started) if started else ""
        rows.append(
            [
                j.job_id,
                j.name,
                j.user_name,
                j.partition,
                j.state,
                elapsed,
                j.nodes
                if j.state == "RUNNING"
                else f"({j.state_reason})"
                if j.state == "PENDING"
                else j.nodes,
            ]
        )
    out.table(
        f"{slurm.resource}: {len(rows)} job(s)",
        ["JOBID", "NAME", "USER", "PARTITION", "STATE", "TIME", "NODELIST(REASON)"],
        rows,
    )
    return EXIT_OK


async def _job(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    job = await slurm.job(args.job_id)
    if out.as_json:
        out.json(job.to_dict())
        return EXIT_OK
    fields = [
        ("job_id", job.job_id),
        ("name", job.name),
        ("state", job.state),
        ("reason", job.state_reason),
        ("user", job.user_name),
        ("account", job.account),
        ("partition", job.partition),
        ("nodes", job.nodes),
        ("exit_code", job.exit_code),
        ("elapsed", _elapsed(job.elapsed)),
        ("comment", job.comment),
        ("working_directory", job.working_directory),
        ("stdout", job.stdout_path),
    ]
    out.table(f"job {job.job_id}", ["FIELD", "VALUE"], fields)
    return EXIT_OK


async def _submit(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    from s3m_grpc.errors import JobVanished, WaitTimeout
    from s3m_grpc.sbatch import export, parse_time
    from s3m_grpc.spec import JobSpec

    overrides: dict[str, Any] = {
        k: getattr(args, k)
        for k in (
            "name",
            "partition",
            "account",
            "qos",
            "nodes",
            "tasks",
            "cpus_per_task",
            "working_directory",
            "standard_output",
            "standard_error",
        )
        if getattr(args, k) is not None
    }
    try:
        if args.time is not None:
            overrides["time_limit"] = parse_time(args.time)
        if args.export is not None:
            overrides["environment"] = export(args.export)
    except ValueError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    spec = JobSpec.from_script(args.script, **overrides)
    job = await slurm.submit(spec, validate=args.validate)
    if not args.wait:
        out.json({"job_id": job.job_id}) if out.as_json else out.line(f"Submitted batch job {job.job_id}")
        return EXIT_OK
    if not out.as_json:
        out.line(f"Submitted batch job {job.job_id}")
    try:
        view = await _wait_with_status(job, args.timeout, show=not out.as_json and sys.stderr.isatty())
    except WaitTimeout as exc:
        out.error(str(exc))
        return EXIT_TIMEOUT
    except JobVanished as exc:
        out.error(str(exc))
        return EXIT_JOB_FAILED
    ok = view.state == "COMPLETED" and not view.exit_code
    if out.as_json:
        out.json(
            {
                "job_id": job.job_id,
                "state": view.state,
                "exit_code": view.exit_code,
                "stdout": view.stdout_path,
            }
        )
    else:
        out.line(f"job {job.job_id} {view.state} (exit code {view.exit_code}); output: {view.stdout_path}")
    return EXIT_OK if ok else EXIT_JOB_FAILED


async def _wait_with_status(job: Any, timeout: float | None, *, show: bool) -> Any:
    """Wait for the job, with a live "state, elapsed" line on a terminal."""
    from s3m_grpc.client import Backoff

    backoff = Backoff(initial=0.5, maximum=5.0)
    if not show:
        return await job.wait(timeout=timeout, backoff=backoff)
    from rich.console import Console

    console = Console(stderr=True)
    started = time.monotonic()
    import asyncio

    waiter = asyncio.ensure_future(job.wait(timeout=timeout, backoff=backoff))
    with console.status("") as status:
        while not waiter.done():
            status.update(f"job {job.job_id}: {job.state}, {_elapsed(time.monotonic() - started)} elapsed")
            await asyncio.wait({waiter}, timeout=0.5)
    return waiter.result()


async def _cancel(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    await slurm.cancel(args.job_id, signal=args.signal)
    what = f"sent {args.signal} to" if args.signal else "cancelled"
    out.json({"job_id": args.job_id, "signal": args.signal}) if out.as_json else out.line(
        f"{what} job {args.job_id}"
    )
    return EXIT_OK


COMMANDS = {
    "ping": _ping,
    "partitions": _partitions,
    "nodes": _nodes,
    "reservations": _reservations,
    "diag": _diag,
    "jobs": _jobs,
    "job": _job,
    "submit": _submit,
    "cancel": _cancel,
}

__all__ = [
    "COMMANDS",
    "EXIT_INTERRUPTED",
    "EXIT_JOB_FAILED",
    "EXIT_OK",
    "EXIT_S3M",
    "EXIT_TIMEOUT",
    "EXIT_USAGE",
    "Output",
]

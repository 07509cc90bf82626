"""The ``s3m`` subcommands: each takes the connected Slurm client, the parsed arguments and an Output.

``cli`` parses the command line and connects; this module does the work and prints (tables with
rich, or JSON), returning the exit code ``cli`` documents.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from s3m_grpc.cli_output import (
    EXIT_OK,
    EXIT_S3M,
    EXIT_USAGE,
    Output,
    elapsed,
)
from s3m_grpc.cli_wait import wait_and_report

if TYPE_CHECKING:
    from s3m_grpc.client import Slurm


def _minutes(value: float | None) -> str:
    if value is None:
        return ""
    if value == float("inf"):
        return "UNLIMITED"
    days, rest = divmod(int(value), 1440)
    return f"{days}-{rest // 60:02d}:{rest % 60:02d}:00" if days else f"{rest // 60}:{rest % 60:02d}:00"


async def _ping(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    pings = await slurm.ping()
    out.views(
        pings,
        f"{slurm.resource}: controllers",
        ["HOST", "STATE", "LATENCY (us)", "MODE"],
        lambda p: [p.hostname, p.pinged, p.latency, p.mode],
    )
    return EXIT_OK if pings and all(p.pinged == "UP" for p in pings) else EXIT_S3M


async def _partitions(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    out.views(
        await slurm.partitions(),
        f"{slurm.resource}: partitions",
        ["PARTITION", "STATE", "NODES", "MAX NODES", "DEFAULT TIME", "MAX TIME"],
        lambda p: [
            p.name,
            ",".join(p.state),
            p.total_nodes,
            p.max_nodes,
            _minutes(p.default_time),
            _minutes(p.max_time),
        ],
    )
    return EXIT_OK


async def _nodes(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    out.views(
        await slurm.nodes(),
        f"{slurm.resource}: nodes",
        ["NODE", "STATE", "CPUS (ALLOC/TOTAL)", "MEMORY (MiB)", "PARTITIONS"],
        lambda n: [
            n.name,
            ",".join(n.state),
            f"{n.alloc_cpus}/{n.cpus}",
            n.real_memory,
            ",".join(n.partitions),
        ],
    )
    return EXIT_OK


async def _reservations(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    def when(t: float | None) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else ""

    out.views(
        await slurm.reservations(),
        f"{slurm.resource}: reservations",
        ["RESERVATION", "NODES", "START", "END"],
        lambda r: [r.name, r.node_list, when(r.start_time), when(r.end_time)],
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
    if not args.all and not args.state:  # as squeue: the active ones, unless asked otherwise
        jobs = [j for j in jobs if not j.terminal]
    if out.as_json:
        out.json([j.to_dict() for j in jobs])
        return EXIT_OK
    from s3m_grpc.array_view import array_view

    arrays = array_view(slurm.resource)  # tasks as ARRAYJOBID_INDEX, held ones folded, as squeue
    now = time.time()
    rows = []
    for j in jobs:
        started = j.start_time if j.state != "PENDING" else None
        ended = j.end_time if j.terminal else None
        took = elapsed((ended or now) - started) if started else ""
        rows.append(
            [
                arrays.labels.get(j.job_id, j.job_id),
                j.name,
                j.user_name,
                j.partition,
                j.state,
                took,
                j.nodes
                if j.state == "RUNNING"
                else f"({j.state_reason})"
                if j.state == "PENDING"
                else j.nodes,
            ]
        )
    if not args.state or "PENDING" in args.state:
        rows += [
            [label, name, "", "", "PENDING", "", "(JobArrayTaskLimit)"] for label, name, _ in arrays.held
        ]
    out.table(
        f"{slurm.resource}: {len(rows)} job(s)"
        + ("" if args.all or args.state else " active (--all: finished too)"),
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
        ("elapsed", elapsed(job.elapsed)),
        ("comment", job.comment),
        ("working_directory", job.working_directory),
        ("stdout", job.stdout_path),
    ]
    out.table(f"job {job.job_id}", ["FIELD", "VALUE"], fields)
    return EXIT_OK


def _wrapped(command: str) -> str:
    """The script sbatch --wrap makes of a command line."""
    return f"#!/bin/sh\n# This script was made by s3m submit --wrap.\n{command}\n"


def _with_arguments(script: str, arguments: Sequence[str]) -> str:
    """The script with ``set -- ARGS`` after its #SBATCH header: S3M's job description has no argv,
    so the arguments ride in the script, as $1, $2, ... exactly as sbatch passes them."""
    import shlex

    if not arguments:
        return script
    lines = script.splitlines(keepends=True)
    at = 0
    for index, line in enumerate(lines):  # sbatch reads #SBATCH lines until the first command
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        at = index + 1
    setter = f"set -- {shlex.join(arguments)}  # s3m submit's script arguments\n"
    return "".join([*lines[:at], setter, *lines[at:]])


async def _submit(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    from s3m_grpc.sbatch import export, parse_memory, parse_time
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
            "array",
            "dependency",
        )
        if getattr(args, k, None) is not None
    }
    if (args.script is None) == (args.wrap is None):
        out.error("give a batch script or --wrap COMMAND (one of them)")
        return EXIT_USAGE
    if args.wrap is not None and args.arguments:
        out.error("script arguments need a script; with --wrap, put them in the command")
        return EXIT_USAGE
    try:
        if args.time is not None:
            overrides["time_limit"] = parse_time(args.time)
        if args.mem is not None:
            overrides["memory_per_node"] = parse_memory(args.mem)
        if args.mem_per_cpu is not None:
            overrides["memory_per_cpu"] = parse_memory(args.mem_per_cpu)
        if args.export is not None:
            overrides["environment"] = export(args.export)
    except ValueError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    if args.wrap is not None:
        spec = JobSpec.from_text(_wrapped(args.wrap), path="--wrap", **overrides)
    else:
        spec = JobSpec.from_script(args.script, **overrides)
        if args.arguments:
            spec = spec.replace(script=_with_arguments(spec.script, args.arguments))
    if spec.array is not None or spec.dependency is not None:  # run by the client: s3m_grpc.group
        from s3m_grpc.cli_groups import submit_group

        if args.validate:
            await slurm.validate(spec)
        return await submit_group(slurm, spec, args, out)
    job = await slurm.submit(spec, validate=args.validate)
    if not args.wait:
        out.json({"job_id": job.job_id}) if out.as_json else out.line(f"Submitted batch job {job.job_id}")
        return EXIT_OK
    if not out.as_json:
        out.line(f"Submitted batch job {job.job_id}")
    return await wait_and_report(slurm, [job], args, out)


async def _wait(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    from s3m_grpc.job import Job

    jobs = []
    for job_id in dict.fromkeys(args.job_ids):  # in order, each once
        record = await slurm.job(job_id)  # NotFound now, not after a grace period
        job = Job(slurm, record.job_id)
        job.last = record
        jobs.append(job)
    return await wait_and_report(slurm, jobs, args, out)


async def _cancel(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    warnings = [w.description for w in await slurm.cancel(args.job_id, signal=args.signal)]
    if out.as_json:
        out.json({"job_id": args.job_id, "signal": args.signal, "warnings": warnings})
    elif warnings:  # e.g. it had already finished: success, as scancel, but nothing was done
        undone = "no signal was sent" if args.signal else "nothing was cancelled"
        out.line(f"job {args.job_id}: {'; '.join(warnings)} ({undone})")
    else:
        out.line(f"{f'sent {args.signal} to' if args.signal else 'cancelled'} job {args.job_id}")
    return EXIT_OK


async def _resume(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    from s3m_grpc.cli_groups import resume

    return await resume(slurm, args, out)


COMMANDS = {
    "ping": _ping,
    "partitions": _partitions,
    "nodes": _nodes,
    "reservations": _reservations,
    "diag": _diag,
    "jobs": _jobs,
    "job": _job,
    "submit": _submit,
    "wait": _wait,
    "cancel": _cancel,
    "resume": _resume,
}


__all__ = ["COMMANDS"]

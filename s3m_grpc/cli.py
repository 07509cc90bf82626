"""The ``s3m`` command line: Slurm jobs through OLCF's S3M gateway.

Exit codes:
  0    success (for ``submit --wait``: the job COMPLETED with exit code 0)
  1    the job finished unsuccessfully (FAILED, CANCELLED, TIMEOUT, ...) or vanished
  2    usage or configuration error (bad option, bad #SBATCH line, no token, ...)
  3    S3M or Slurm refused or failed the request (authentication, not found, rejected, network)
  4    ``--wait`` gave up (``--timeout``)
  130  interrupted
The token is read from S3M_TOKEN or a header file (``--token-file``, S3M_TOKEN_FILE), never taken
as an argument: arguments are visible to every user of the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from s3m_grpc._version import __version__

if TYPE_CHECKING:
    from s3m_grpc.client import Slurm

EXIT_OK, EXIT_JOB_FAILED, EXIT_USAGE, EXIT_S3M, EXIT_TIMEOUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
EPILOG = """exit codes: 0 success; 1 the job failed (submit --wait); 2 usage or configuration error;
3 S3M or Slurm refused or failed the request; 4 --wait timed out; 130 interrupted.
token: from S3M_TOKEN, or a file holding 'Authorization: <token>' (--token-file, S3M_TOKEN_FILE)."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``s3m``."""
    parser = argparse.ArgumentParser(
        prog="s3m",
        description="Run Slurm jobs through OLCF's S3M gateway.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"s3m-grpc {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        default=os.environ.get("S3M_URL", "s3m.olcf.ornl.gov"),
        help="S3M address, host[:port] or URL (default: $S3M_URL or s3m.olcf.ornl.gov)",
    )
    common.add_argument("--rest-url", help="REST base URL when it differs from --url")
    common.add_argument(
        "--resource",
        default=os.environ.get("S3M_RESOURCE", "defiant"),
        help="defiant, odo, wombat, quokka (default: $S3M_RESOURCE or defiant)",
    )
    common.add_argument(
        "--api-version",
        choices=["v0.0.42", "v0.0.43", "v0.0.44"],
        help="Slurm API version (default: the resource's newest; defiant v0.0.43, odo v0.0.44)",
    )
    common.add_argument("--transport", default="auto", choices=["auto", "grpclib", "grpcio", "rest"])
    common.add_argument(
        "--token-file", help="file holding 'Authorization: <token>' (default: $S3M_TOKEN_FILE)"
    )
    common.add_argument("--json", action="store_true", help="machine-readable JSON output")
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log to stderr: -v our steps (retries, adoptions), -vv everything incl. the wire libraries",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("ping", parents=[common], help="is the resource's Slurm controller answering?")
    sub.add_parser("partitions", parents=[common], help="partitions and their limits")
    sub.add_parser("nodes", parents=[common], help="nodes, their state and allocation")
    sub.add_parser("reservations", parents=[common], help="advance reservations")
    sub.add_parser("diag", parents=[common], help="scheduler statistics")
    jobs = sub.add_parser("jobs", parents=[common], help="jobs in the queue (filters apply here)")
    jobs.add_argument("--user")
    jobs.add_argument("--state", action="append", help="e.g. RUNNING (repeatable)")
    jobs.add_argument("--name")
    jobs.add_argument("--partition")
    job = sub.add_parser("job", parents=[common], help="one job in detail")
    job.add_argument("job_id")
    submit = sub.add_parser(
        "submit",
        parents=[common],
        help="submit a batch script (#SBATCH lines are read)",
        description="Submit a batch script. #SBATCH directives in it are read; the "
        "options below override them.",
    )
    submit.add_argument("script", help="the batch script")
    submit.add_argument("--wait", action="store_true", help="wait for the job to finish; exit 1 if it failed")
    submit.add_argument("--timeout", type=float, help="with --wait: give up after this many seconds (exit 4)")
    submit.add_argument("--validate", action="store_true", help="check partition limits before submitting")
    submit.add_argument("-J", "--job-name", dest="name")
    submit.add_argument("-p", "--partition")
    submit.add_argument("-A", "--account")
    submit.add_argument("-q", "--qos")
    submit.add_argument("-t", "--time", help="time limit: minutes, H:MM:SS, D-HH, ...")
    submit.add_argument("-N", "--nodes", type=int)
    submit.add_argument("-n", "--ntasks", type=int, dest="tasks")
    submit.add_argument("-c", "--cpus-per-task", type=int)
    submit.add_argument("-D", "--chdir", dest="working_directory", help="working directory on the cluster")
    submit.add_argument("-o", "--output", dest="standard_output")
    submit.add_argument("-e", "--error", dest="standard_error")
    submit.add_argument(
        "--export",
        help="ALL, NONE, or NAME[=value],... (ALL never copies S3M_TOKEN, S3M_TOKEN_FILE or the token)",
    )
    cancel = sub.add_parser("cancel", parents=[common], help="cancel a job (or send it a signal)")
    cancel.add_argument("job_id")
    cancel.add_argument("--signal", help="e.g. SIGTERM, USR1 (default: Slurm's, SIGKILL)")
    emulator = sub.add_parser(
        "emulator",
        help="run a local S3M gateway (gRPC + REST) for demos and tests",
        description="Run a local S3M gateway: SlurmIndirect over gRPC and REST, "
        "with a real job runner. Prints one 'ready' line, then serves "
        "until interrupted.",
    )
    from s3m_grpc.emulator.cli import add_arguments

    add_arguments(emulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``s3m`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command == "emulator":
        from s3m_grpc.emulator.cli import run

        return run(args)
    try:
        import asyncio  # here, not at the top: `s3m --version` and `--help` do not need it

        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _configure_logging(verbosity: int) -> None:
    """Warnings always; -v our INFO; -vv DEBUG from every logger (tokens are redacted at the source)."""
    import logging

    logging.basicConfig(
        level=logging.DEBUG if verbosity >= 2 else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if verbosity == 1:
        logging.getLogger("s3m_grpc").setLevel(logging.INFO)


async def _run(args: argparse.Namespace) -> int:
    from s3m_grpc.client import Slurm
    from s3m_grpc.errors import ConfigurationError, S3MError

    _configure_logging(args.verbose)
    out = Output(args.json)
    try:
        slurm = Slurm(
            args.url,
            None,
            resource=args.resource,
            api_version=args.api_version,
            transport=args.transport,
            token_file=args.token_file,
            rest_url=args.rest_url,
        )
    except ConfigurationError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    try:
        async with slurm:
            return await COMMANDS[args.command](slurm, args, out)
    except ConfigurationError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    except S3MError as exc:
        out.error(f"{type(exc).__name__}: {exc}")
        return EXIT_S3M


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


if __name__ == "__main__":
    sys.exit(main())

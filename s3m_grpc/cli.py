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
from collections.abc import Sequence
from typing import TYPE_CHECKING

from s3m_grpc._version import __version__
from s3m_grpc.cli_commands import COMMANDS, EXIT_INTERRUPTED, EXIT_S3M, EXIT_USAGE, Output
from s3m_grpc.rpc import RESOURCE_VERSIONS, VERSIONS
from s3m_grpc.transports import TRANSPORTS

if TYPE_CHECKING:
    pass

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
        help=f"{', '.join(RESOURCE_VERSIONS)} (default: $S3M_RESOURCE or defiant)",
    )
    common.add_argument(
        "--api-version",
        choices=list(VERSIONS),
        help="Slurm API version (default: the resource's newest; defiant v0.0.43, odo v0.0.44)",
    )
    common.add_argument("--transport", default="auto", choices=list(TRANSPORTS))
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


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["EPILOG", "build_parser", "main"]

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
from s3m_grpc.cli_commands import COMMANDS
from s3m_grpc.cli_facility import COMMANDS as FACILITY_COMMANDS
from s3m_grpc.cli_facility import OPEN_COMMANDS
from s3m_grpc.cli_facility import add_parsers as add_facility_parsers
from s3m_grpc.cli_output import EXIT_INTERRUPTED, EXIT_S3M, EXIT_USAGE, Output
from s3m_grpc.rpc import RESOURCE_VERSIONS, VERSIONS
from s3m_grpc.transports import TRANSPORTS

if TYPE_CHECKING:
    pass

DESCRIPTION = """Run Slurm jobs through OLCF's S3M gateway.

Against a local emulator:  eval "$(s3m emulator --background --print-env)";  s3m ping
Against the real S3M:      export S3M_TOKEN_FILE=~/.s3m.env   (a 0600 file: 'Authorization: <token>')"""
EPILOG = """exit codes: 0 success; 1 the job failed (submit --wait); 2 usage or configuration error;
3 S3M or Slurm refused or failed the request; 4 --wait timed out; 130 interrupted.
token: from S3M_TOKEN, or a file holding 'Authorization: <token>' (--token-file, S3M_TOKEN_FILE)."""


def _connection_options(parser: argparse.ArgumentParser, *, after: bool) -> None:
    """The options every command takes, before the command (``s3m --url X ping``) or after it.

    After it their default is SUPPRESS, so that one given before is not overwritten by the
    subcommand's default; the values are the same either way, and a flag beats the environment.
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if after else value

    parser.add_argument(
        "--url",
        default=default(os.environ.get("S3M_URL", "s3m.olcf.ornl.gov")),
        help="S3M address, host[:port] or URL (default: $S3M_URL, $S3M_EMULATOR_HOST, or s3m.olcf.ornl.gov)",
    )
    parser.add_argument("--rest-url", default=default(None), help="REST base URL when it differs from --url")
    parser.add_argument(
        "--resource",
        default=default(os.environ.get("S3M_RESOURCE", "defiant")),
        help=f"{', '.join(RESOURCE_VERSIONS)} (default: $S3M_RESOURCE or defiant)",
    )
    parser.add_argument(
        "--api-version",
        default=default(None),
        choices=list(VERSIONS),
        help="Slurm API version (default: the resource's newest; defiant v0.0.43, odo v0.0.44)",
    )
    parser.add_argument(
        "--transport",
        default=default(os.environ.get("S3M_TRANSPORT", "auto")),
        choices=list(TRANSPORTS),
        help="auto (gRPC; REST if gRPC cannot connect), grpclib, grpcio or rest (default: $S3M_TRANSPORT)",
    )
    parser.add_argument(
        "--token-file",
        default=default(None),
        help="file holding 'Authorization: <token>' (beats $S3M_TOKEN; default: $S3M_TOKEN_FILE)",
    )
    parser.add_argument(
        "--json", action="store_true", default=default(False), help="machine-readable JSON output"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="log to stderr: -v our steps (retries, adoptions), -vv everything incl. the wire libraries",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``s3m``."""
    parser = argparse.ArgumentParser(
        prog="s3m",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"s3m-grpc {__version__}")
    _connection_options(parser, after=False)
    common = argparse.ArgumentParser(add_help=False)
    _connection_options(common, after=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("ping", parents=[common], help="is the resource's Slurm controller answering?")
    sub.add_parser("partitions", parents=[common], help="partitions and their limits")
    sub.add_parser("nodes", parents=[common], help="nodes, their state and allocation")
    sub.add_parser("reservations", parents=[common], help="advance reservations")
    sub.add_parser("diag", parents=[common], help="scheduler statistics")
    jobs = sub.add_parser(
        "jobs", parents=[common], help="jobs in the queue: active ones, or --all (filters apply here)"
    )
    jobs.add_argument("--all", action="store_true", help="finished jobs too (while Slurm still lists them)")
    jobs.add_argument("-u", "--user")
    jobs.add_argument(
        "-t", "--state", action="append", help="a state or squeue code: RUNNING, PD, ... (repeatable)"
    )
    jobs.add_argument("-n", "--name")
    jobs.add_argument("-p", "--partition")
    job = sub.add_parser("job", parents=[common], help="one job in detail")
    job.add_argument("job_id")
    submit = sub.add_parser(
        "submit",
        parents=[common],
        help="submit a batch script (#SBATCH lines are read), or --wrap a command",
        description="Submit a batch script. #SBATCH directives in it are read; the options below "
        "override them. Arguments after -- reach the script as $1, $2, ...: "
        "s3m submit job.sh --wait -- input.dat 42",
    )
    submit.add_argument("script", nargs="?", help="the batch script (its arguments after --)")
    submit.add_argument("--wrap", metavar="COMMAND", help="submit this command line as a /bin/sh script")
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
    submit.add_argument("--mem", help="memory per node: MiB, or 500M, 4G, 1T")
    submit.add_argument("--mem-per-cpu", help="memory per CPU: MiB, or 500M, 4G")
    submit.add_argument("-D", "--chdir", dest="working_directory", help="working directory on the cluster")
    submit.add_argument("-o", "--output", dest="standard_output")
    submit.add_argument("-e", "--error", dest="standard_error")
    submit.add_argument(
        "--export",
        help="ALL, NONE, or NAME[=value],... (ALL never copies S3M_TOKEN, S3M_TOKEN_FILE or the token)",
    )
    submit.add_argument("-a", "--array", help="indices: 0-99, 0-99:3, 1,3,5-7, with %%N at most N at once")
    submit.add_argument(
        "-d", "--dependency", help="afterok:ID[:ID], afterany, afternotok, after, singleton; , or ?"
    )
    from s3m_grpc.cli_groups import add_resume_parser

    add_resume_parser(sub, common)
    wait = sub.add_parser(
        "wait",
        parents=[common],
        help="wait for jobs to finish (exit 0 only if all COMPLETED with exit code 0)",
        description="Wait for jobs, e.g. after an interrupted submit --wait. Exit codes as submit --wait.",
    )
    wait.add_argument("job_ids", nargs="+", metavar="JOBID")
    wait.add_argument("--timeout", type=float, help="give up after this many seconds (exit 4)")
    cancel = sub.add_parser("cancel", parents=[common], help="cancel a job (or send it a signal)")
    cancel.add_argument("job_id")
    cancel.add_argument("--signal", help="e.g. SIGTERM, USR1 (default: Slurm's, SIGKILL)")
    add_facility_parsers(sub, common)
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
    words = list(sys.argv[1:] if argv is None else argv)
    # Everything after `--` is the script's (sbatch passes what follows the script; here options
    # may follow it too, so the script's own arguments are marked off).
    arguments: list[str] = []
    if "--" in words:
        at = words.index("--")
        words, arguments = words[:at], words[at + 1 :]
    args, extra = parser.parse_known_args(words)
    if extra:  # said by the subcommand's parser, so the usage shown is the subcommand's
        _parser_of(parser, args.command).error(f"unrecognized arguments: {' '.join(extra)}")
    if arguments and args.command != "submit":
        parser.error("arguments after -- are for the script of s3m submit")
    args.arguments = arguments
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command == "emulator":
        from s3m_grpc.emulator.cli import run

        args.emulator_argv = words[words.index("emulator") + 1 :]  # for --background's re-start
        return run(args)
    try:
        import asyncio  # here, not at the top: `s3m --version` and `--help` do not need it

        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `s3m jobs | head`: the reader left; say nothing more, as other tools
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool that died of it


def _parser_of(parser: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser:
    """The subcommand's own parser (for its usage line), or the top-level one."""
    for action in parser._actions:  # argparse keeps subparsers here, without a public accessor
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]  # type: ignore[no-any-return]
    return parser


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


def _show_warnings(out: Output) -> None:
    """Python warnings (a DowntimeWarning before a submission) as one ``s3m: warning:`` line each."""
    import warnings

    def show(message: Warning | str, *args: object, **kwargs: object) -> None:
        out.error(f"warning: {message}")

    warnings.showwarning = show


async def _run(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from s3m_grpc.auth import resolve_token
    from s3m_grpc.client import Slurm
    from s3m_grpc.errors import ConfigurationError, S3MError

    _configure_logging(args.verbose)
    out = Output(args.json)
    _show_warnings(out)
    # Ctrl-C cancels the command, which can then say what is still running (submit --wait, wait).
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, task.cancel)
    try:
        # Looked for before anything is sent: "no token" and "a token that was refused" are
        # different problems, with different fixes.
        token = resolve_token(None, token_file=args.token_file, required=args.command not in OPEN_COMMANDS)
        slurm = Slurm(
            args.url,
            token,
            resource=args.resource,
            api_version=args.api_version,
            transport=args.transport,
            rest_url=args.rest_url,
        )
    except ConfigurationError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    try:
        async with slurm:
            return await {**COMMANDS, **FACILITY_COMMANDS}[args.command](slurm, args, out)
    except asyncio.CancelledError:
        return EXIT_INTERRUPTED
    except ConfigurationError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    except S3MError as exc:
        out.error(f"{type(exc).__name__}: {exc}")
        return EXIT_S3M


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["EPILOG", "build_parser", "main"]

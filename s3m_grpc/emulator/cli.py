"""``s3m emulator`` / ``python -m s3m_grpc.emulator``: run the local S3M gateway until interrupted.

When both servers listen it prints exactly one line to stdout and flushes it:

    s3m emulator ready grpc=127.0.0.1:PORT rest=http://127.0.0.1:PORT

Tokens come from ``S3M_TOKEN`` and/or ``--token-file`` (a bare token or ``Authorization: <token>``);
without either, one random token is made, and ``--write-header-file`` is how to learn it (the
emulator never prints a token).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from s3m_grpc.auth import read_header_file
from s3m_grpc.errors import ConfigurationError

READY = "s3m emulator ready grpc={grpc} rest={rest}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's options (shared by ``s3m emulator`` and ``python -m s3m_grpc.emulator``)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--grpc-port", type=int, default=0, help="gRPC port (default 0: a free port)")
    parser.add_argument("--rest-port", type=int, default=0, help="REST port (default 0: a free port)")
    parser.add_argument(
        "--backend",
        choices=["builtin", "slurm"],
        default="builtin",
        help="who runs the jobs: the built-in model (default) or the Slurm cluster on PATH",
    )
    parser.add_argument(
        "--slurm-conf", help="with --backend slurm: SLURM_CONF for the Slurm commands (default: theirs)"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (the emulator runs submitted scripts)",
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        action="append",
        default=[],
        help="accepted token: a file with a bare token or 'Authorization: <token>' (repeatable)",
    )
    parser.add_argument(
        "--readonly-token-file",
        type=Path,
        action="append",
        default=[],
        help="a token with compute-ace-readonly scope: cannot submit or cancel (repeatable)",
    )
    parser.add_argument(
        "--write-header-file",
        type=Path,
        metavar="PATH",
        help="write 'Authorization: <token>' to PATH (mode 0600), for curl -H @PATH",
    )
    parser.add_argument("--config", type=Path, help="cluster model and faults (TOML or JSON)")
    parser.add_argument("--state-dir", type=Path, help="keep job records here (SQLite) across restarts")
    parser.add_argument("--work-dir", type=Path, help="where jobs without a working directory run")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="real seconds per emulated second (0.01: a 1-minute limit lasts 0.6 s)",
    )
    parser.add_argument(
        "--min-job-age",
        type=float,
        default=300.0,
        help="seconds a finished job stays listed (Slurm's MinJobAge, default 300)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="RPC:KIND[:k=v,...]",
        help="inject a fault, e.g. PostJobSubmit:accept_then_drop:p=0.3 (repeatable)",
    )
    parser.add_argument("--seed", type=int, help="seed for fault probabilities")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr at INFO")


def tokens_from(args: argparse.Namespace) -> tuple[list[str] | None, list[str]]:
    """(full-scope tokens or None for "make one", read-only tokens) from S3M_TOKEN and the files."""
    full = [read_header_file(p).reveal() for p in args.token_file]
    if os.environ.get("S3M_TOKEN", "").strip():
        full.append(os.environ["S3M_TOKEN"].strip())
    readonly = [read_header_file(p).reveal() for p in args.readonly_token_file]
    return (full or None), readonly


async def serve(args: argparse.Namespace) -> int:
    """Run until SIGINT/SIGTERM; returns the exit code."""
    from s3m_grpc.emulator.app import Emulator

    tokens, readonly = tokens_from(args)
    emulator = Emulator(
        host=args.host,
        grpc_port=args.grpc_port,
        rest_port=args.rest_port,
        tokens=tokens,
        readonly_tokens=readonly,
        config=args.config,
        state_dir=args.state_dir,
        work_dir=args.work_dir,
        time_scale=args.time_scale,
        min_job_age=args.min_job_age,
        faults=args.fault,
        seed=args.seed,
        allow_remote=args.allow_remote,
        backend=args.backend,
        slurm_conf=args.slurm_conf,
    )
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await emulator.start()
    try:
        if args.write_header_file:
            emulator.write_header_file(args.write_header_file)
        elif tokens is None:
            print(
                "s3m emulator: no token given (S3M_TOKEN, --token-file); a random one was made; "
                "use --write-header-file to obtain it",
                file=sys.stderr,
            )
        print(READY.format(grpc=emulator.grpc_target, rest=emulator.rest_url), flush=True)
        await stop.wait()
    finally:
        await emulator.stop()
    return 0


def run(args: argparse.Namespace) -> int:
    """Entry point once arguments are parsed."""
    if args.verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    try:
        import asyncio  # lazily: `s3m --help` builds this module's parser

        return asyncio.run(serve(args))
    except ConfigurationError as exc:
        print(f"s3m emulator: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"s3m emulator: cannot serve: {exc.strerror or exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m s3m_grpc.emulator``."""
    parser = argparse.ArgumentParser(prog="python -m s3m_grpc.emulator", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))

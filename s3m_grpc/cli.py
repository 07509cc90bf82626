"""The ``s3m`` command line.

Subcommands:
  emulator    run a local S3M gateway (gRPC + REST) for demos and tests
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from s3m_grpc._version import __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``s3m``."""
    parser = argparse.ArgumentParser(prog="s3m", description="Run Slurm jobs through OLCF's S3M gateway.")
    parser.add_argument("--version", action="version", version=f"s3m-grpc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
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
    if args.command == "emulator":
        from s3m_grpc.emulator.cli import run

        return run(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""``s3m status`` and ``s3m token``: S3M's Status and TokenControl APIs on the command line.

``status`` needs no token (S3M's Status API is open). ``token`` prints what S3M says about the
token in use (owner, project, scopes, expiry, the methods it may call) and never the token.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING

from s3m_grpc.cli_output import EXIT_OK, EXIT_USAGE, Output

if TYPE_CHECKING:  # s3m_grpc.facility imports asyncio: not for `s3m --help` (test_cli checks)
    from s3m_grpc.client import Slurm
    from s3m_grpc.facility import Downtime


def _when(moment: dt.datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else ""


def _rows(downtimes: tuple[Downtime, ...]) -> list[list[str]]:
    return [[d.resource, _when(d.start), _when(d.end), d.description] for d in downtimes]


async def _status(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    report = await slurm.status(args.name)
    if out.as_json:
        out.json(report.as_json())
        return EXIT_OK
    out.table(
        "Resources",
        ["NAME", "STATUS", "ENCLAVE", "NEXT DOWNTIME"],
        [
            [r.name, r.status, r.security_enclave, _when(r.upcoming[0].start) if r.upcoming else ""]
            for r in report.resources
        ],
    )
    columns = ["RESOURCE", "START", "END", "DESCRIPTION"]
    if report.current:
        out.table("Downtimes now", columns, _rows(report.current))
    else:
        out.line("No downtime in effect.")
    if report.upcoming:
        out.table("Downtimes in the next 10 days", columns, _rows(report.upcoming))
    else:
        out.line("No downtime in the next 10 days.")
    return EXIT_OK


async def _revoke(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    import sys

    if not args.yes:
        if not sys.stdin.isatty():
            out.error("token --revoke is for good: add --yes to confirm (no terminal to ask on)")
            return EXIT_USAGE
        info = await slurm.token_info()
        import asyncio

        question = f"Revoke this token of {info.project} ({info.username}) for good? [y/N] "
        answer = await asyncio.to_thread(input, question)  # the loop keeps Ctrl-C working meanwhile
        if answer.strip().lower() not in ("y", "yes"):
            out.line("not revoked")
            return EXIT_OK
    await slurm.revoke_token()
    if out.as_json:
        out.json({"revoked": True})
    else:
        out.line("revoked: S3M refuses this token from now on; remove it from your files and environment")
    return EXIT_OK


async def _token(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    from s3m_grpc.facility import EXPIRY_WARNING, allowed_methods

    if args.revoke:
        return await _revoke(slurm, args, out)
    info = await slurm.token_info()
    if out.as_json:
        out.json(info.as_json())
        return EXIT_OK
    left = info.expires_in()
    out.line(f"user:        {info.username}")
    out.line(f"project:     {info.project}")
    out.line(f"permissions: {', '.join(info.permissions) or '(none)'}")
    out.line(f"enclave:     {info.security_enclave}")
    if info.description:
        out.line(f"description: {info.description}")
    if info.expires is None or left is None:
        out.line("expires:     (not reported)")
    else:
        days = left.total_seconds() / 86400
        out.line(
            f"expires:     {_when(info.expires)} (in {days:.1f} days)"
            if days >= 0
            else f"expired:     {_when(info.expires)}"
        )
        if left < EXPIRY_WARNING:
            out.error(
                "warning: the token "
                + ("has expired" if days < 0 else f"expires in {days:.1f} days")
                + ": make a new one on myOLCF (S3M Access -> New Token)"
            )
    if info.one_time:
        out.line("one-time:    yes (it can be used once)")
    methods = allowed_methods(info)
    if methods:
        out.line(f"may call:    {len(methods)} methods")
        for method in methods:
            out.line(f"  {method}")
    return EXIT_OK


#: Subcommands that need no token (the Status API is open).
OPEN_COMMANDS = frozenset({"status"})
COMMANDS = {"status": _status, "token": _token}


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """``status`` and ``token`` for the top-level parser."""
    status = sub.add_parser(
        "status",
        parents=[common],
        help="resources and their downtimes, now and in the next 10 days (no token needed)",
    )
    status.add_argument("name", nargs="?", metavar="RESOURCE", help="one resource (default: all)")
    token = sub.add_parser(
        "token",
        parents=[common],
        help="what S3M says about your token: project, permissions, expiry (never the token itself)",
    )
    token.add_argument(
        "--revoke", action="store_true", help="revoke the token at S3M, for good (if it was exposed)"
    )
    token.add_argument("--yes", action="store_true", help="with --revoke: do not ask for confirmation")


__all__ = ["COMMANDS", "OPEN_COMMANDS", "add_parsers"]

"""``s3m submit --array/--dependency`` and ``s3m resume``: job groups from the command line.

S3M carries neither, so the client holds what may not go yet. ``--wait`` drives the group to the
end (a progress line per change: done/running/pending; exit 1 if any element failed or can never
run); without it, what may go now is submitted and the rest stays in the journal until ``s3m
resume`` (which takes ``--wait`` too).
"""

from __future__ import annotations

import argparse
import functools
import sys
from typing import TYPE_CHECKING, Any

from s3m_grpc.cli_output import EXIT_INTERRUPTED, EXIT_JOB_FAILED, EXIT_OK, EXIT_TIMEOUT, Output
from s3m_grpc.errors import WaitTimeout

if TYPE_CHECKING:
    from s3m_grpc.client import Slurm
    from s3m_grpc.group import JobGroup, Summary
    from s3m_grpc.spec import JobSpec


def add_resume_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``s3m resume`` to the subcommands."""
    words = "carry on with held arrays and dependencies from the journal (each job submitted once)"
    resume = sub.add_parser("resume", parents=[common], help=words, description=words)
    for flags, options in (
        (("--wait",), {"action": "store_true", "help": "drive them to the end; exit 1 if any failed"}),
        (("--timeout",), {"type": float, "help": "with --wait: give up after this many seconds (exit 4)"}),
        (("-A", "--account"), {"help": "the journal of this account (as given to submit -A)"}),
    ):
        resume.add_argument(*flags, **options)


def _report(out: Output, group: JobGroup, summary: Summary) -> None:
    if out.as_json:
        out.json(
            {
                "group": group.group_id,
                "total": summary.total,
                "counts": summary.counts,
                "failed": summary.failed,
                "never_satisfied": summary.never_satisfied,
                "job_ids": {e.label: [el.job_id for el in e.elements] for e in group.entries.values()},
            }
        )
        return
    out.line(
        f"group {group.group_id}: {summary}; "
        + ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items()))
    )
    if summary.failed:
        out.line(f"failed: {' '.join(summary.failed)}")
    if summary.never_satisfied:
        out.line(f"never submitted (DependencyNeverSatisfied): {' '.join(summary.never_satisfied)}")


async def _drive(groups: list[JobGroup], args: argparse.Namespace, out: Output) -> int:
    import asyncio  # here: `s3m --help` builds this module's parser and must stay cheap

    shown: dict[str, str] = {}

    def progress(summary: Summary, *, group_id: str) -> None:
        text = str(summary)
        if not out.as_json and shown.get(group_id) != text:
            shown[group_id] = text
            print(f"group {group_id}: {text}", file=sys.stderr, flush=True)

    try:
        summaries = await asyncio.gather(
            *(
                g.wait(timeout=args.timeout, progress=functools.partial(progress, group_id=g.group_id))
                for g in groups
            )
        )
    except asyncio.CancelledError:
        out.error("interrupted; the plan is in the journal. Carry on with: s3m resume --wait")
        return EXIT_INTERRUPTED
    except WaitTimeout as exc:
        out.error(f"{exc}. Carry on with: s3m resume --wait")
        return EXIT_TIMEOUT
    for group, summary in zip(groups, summaries, strict=True):
        _report(out, group, summary)
    return EXIT_OK if all(s.ok for s in summaries) else EXIT_JOB_FAILED


async def submit_group(slurm: Slurm, spec: JobSpec, args: argparse.Namespace, out: Output) -> int:
    """Submit an array or a dependent job as a group; with ``--wait``, drive it to the end."""
    group = slurm.group(account=spec.account)
    group.add(spec, label="job")
    summary = await group.submit()
    first = group.entries["job"].elements[0].job_id
    if not out.as_json:
        which = f" (array job id {first})" if spec.array and first else ""
        out.line(f"Submitted job group {group.group_id}{which}: {summary}")
    if args.wait:
        return await _drive([group], args, out)
    held = sum(e.status == "held" for e in group.entries["job"].elements)
    if held:
        out.error(
            f"{held} of {summary.total} held by this client (S3M has no array or dependency field): "
            "run `s3m resume --wait` to submit them as their turn comes"
        )
    if out.as_json or summary.never_satisfied:
        _report(out, group, summary)
    return EXIT_JOB_FAILED if summary.never_satisfied else EXIT_OK  # as sbatch's "dependency problem"


async def resume(slurm: Slurm, args: argparse.Namespace, out: Output) -> int:
    """``s3m resume``: carry on with the journal's unfinished groups (each element submitted once)."""
    groups = await slurm.resume(account=args.account)
    if not groups:
        out.line("nothing to resume")
        return EXIT_OK
    if args.wait:
        return await _drive(groups, args, out)
    from s3m_grpc.driver import driver_of

    driver = driver_of(slurm)  # one tick (one listing) for all of them, not one per group
    for group in groups:
        driver.register(group)
    await driver.tick()
    for group in groups:
        _report(out, group, group.summary())
    return EXIT_OK


__all__ = ["add_resume_parser", "resume", "submit_group"]

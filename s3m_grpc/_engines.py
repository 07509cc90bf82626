"""What the workflow-engine adapters (``s3m_grpc.parsl``, ``s3m_grpc.psij``) share.

Both are called from the engines' own threads, synchronously: they own one ``Slurm`` client on one
background event loop (``sync._LoopThread``, the loop ``SyncSlurm`` uses) and poll every job they
track with one listing per tick (``poll``).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Iterable
from typing import Any, Final, TypeVar

from s3m_grpc.client import DEFAULT_URL, Slurm
from s3m_grpc.errors import ConfigurationError, JobVanished, NotFound
from s3m_grpc.job import Job
from s3m_grpc.sync import _LoopThread

T = TypeVar("T")

#: Slurm's base job states by what an engine needs to know: each adapter names these phases.
PHASES: Final = {
    **dict.fromkeys(("PENDING", "CONFIGURING", "REQUEUED"), "queued"),
    "SUSPENDED": "held",
    **dict.fromkeys(("RUNNING", "COMPLETING"), "running"),
    "COMPLETED": "completed",
    "CANCELLED": "cancelled",
    **dict.fromkeys(("FAILED", "NODE_FAIL", "BOOT_FAIL", "OUT_OF_MEMORY"), "failed"),
    # A pilot ending at its walltime is expected (Parsl must not count it as a failure).
    **dict.fromkeys(("TIMEOUT", "DEADLINE", "PREEMPTED"), "timeout"),
}


def by_phase(
    queued: T, held: T, running: T, completed: T, cancelled: T, failed: T, timeout: T
) -> dict[str, T]:
    """An engine's table of Slurm's base states, from its states for each of ``PHASES``' phases."""
    targets = locals()
    return {state: targets[phase] for state, phase in PHASES.items()}


class Engine:
    """A ``Slurm`` client on a background event loop, made on first use and closed by ``close``."""

    def __init__(
        self,
        *,
        url: str | None,
        resource: str | None,
        api_version: str | None,
        transport: str | None,
        token_file: str | os.PathLike[str] | None,
        rest_url: str | None,
    ) -> None:
        self.options: dict[str, Any] = {
            "url": url or DEFAULT_URL,
            "resource": resource,
            "api_version": api_version,
            "token_file": token_file,
            "rest_url": rest_url,
        }
        if transport is not None:
            self.options["transport"] = transport
        self._runner: _LoopThread | None = None
        self._slurm: Slurm | None = None
        # Made now (then closed) so that bad settings fail when the engine's config is built,
        # not in a scaling thread minutes later.
        slurm = self.slurm
        self.resource = slurm.resource
        self.api_version = slurm.api_version

    async def _client(self) -> Slurm:
        if self._slurm is None:
            self._slurm = Slurm(**self.options)  # on the loop's thread: its channels belong there
        return self._slurm

    @property
    def slurm(self) -> Slurm:
        """The client (made on the first call)."""
        return self.run(self._client())

    def run(self, awaitable: Awaitable[T], timeout: float | None = None) -> T:
        """Run a coroutine on the background loop and return its result."""
        if self._runner is None:
            self._runner = _LoopThread()
        return self._runner.run(awaitable, timeout)

    def close(self) -> None:
        """Close the client and stop the loop's thread (a later call starts them again)."""
        runner, slurm = self._runner, self._slurm
        self._runner = self._slurm = None
        if runner is None:
            return
        try:
            if slurm is not None:
                runner.run(slurm.aclose(), 30)
        finally:
            runner.close()


async def poll(slurm: Slurm, jobs: Iterable[Job]) -> dict[int, JobVanished]:
    """Update every unfinished job from ONE listing; jobs it lacks are asked for once each (GetJob).

    A job that left the queue (purged after MinJobAge) is answered by accounting; one that is gone
    from both while unfinished is returned in the result with its ``JobVanished``, never left
    running forever.
    """
    open_jobs = [job for job in jobs if not job.terminal]
    if not open_jobs:
        return {}
    listed = {view.job_id: view for view in await slurm.jobs()}
    vanished: dict[int, JobVanished] = {}
    for job in open_jobs:
        view: Any = listed.get(job.job_id)
        if view is None:
            try:
                view = await slurm.job(job.job_id)
            except NotFound:
                view = None
        try:
            job._observe(view)
        except JobVanished as exc:
            vanished[job.job_id] = exc
    return vanished


def job_id_of(native: object) -> int:
    """A Slurm job id from an engine's id (``"1234"``); ConfigurationError for anything else."""
    text = str(native).strip()
    if not text.isdigit() or int(text) <= 0:
        raise ConfigurationError(f"{native!r} is not a Slurm job id (a positive integer)")
    return int(text)


__all__ = ["PHASES", "Engine", "by_phase", "job_id_of", "poll"]

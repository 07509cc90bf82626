"""What the gateway needs from whatever runs the jobs: the built-in scheduler or a real Slurm cluster.

Both ``Scheduler`` (the model, in this process) and ``SlurmBackend`` (Slurm's commands) provide
these. Answers are Slurm's own objects in SchedMD's v0.0.43 shapes (``render`` turns them into
S3M's messages for each API version, as JSON or protobuf); refusals are ``SlurmRejection``s. A
method may answer directly or with an awaitable, because the model knows at once and a real
cluster has to be asked.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
JsonObject = dict[str, Any]


class Backend(Protocol):
    """The jobs and machines behind one S3M resource."""

    model: Any  # has ``name``: the cluster name, which keys the renderer's caches
    started_at: int

    def clock(self) -> float:
        """Now, in Slurm's seconds."""

    def count_rpc(self, message_type: str) -> None:
        """Count an RPC for diag's rpcs_by_message_type."""

    async def start(self) -> None:
        """Get ready to serve."""

    async def stop(self) -> None:
        """Stop what the backend itself runs."""

    def ping(self) -> Awaitable[JsonObject]:
        """The controller's ping answer."""

    def submit(self, desc: JsonObject, script: str) -> int | Awaitable[int]:
        """Queue a job; its id."""

    def job(self, job_id: int) -> Any:
        """One job (a backend object that ``job_info`` renders), or SlurmRejection 2017."""

    def lookup(self, job_id: int) -> Any:
        """A job as accounting knows it (GetJob), purged ones included where the backend can."""

    def visible_jobs(self) -> Any:
        """Every job the controller still holds."""

    def cancel(
        self, job_id: int, signal_text: str = "", flags: str = ""
    ) -> Awaitable[str | None] | str | None:
        """Signal or cancel a job; a warning's text if it had already ended (not an error)."""

    def job_info(self, job: Any) -> JsonObject:
        """slurmctld's ``job_info`` of a job object (which has ``job_id`` and ``rev`` for caching)."""

    def job_record(self, job: Any) -> JsonObject:
        """slurmdbd's ``job`` record of it (S3M's GetJob shape)."""

    def node_list(self) -> list[JsonObject] | Awaitable[list[JsonObject]]:
        """Every node."""

    def partition_list(self) -> list[JsonObject] | Awaitable[list[JsonObject]]:
        """Every partition."""

    def reservation_list(self) -> list[JsonObject] | Awaitable[list[JsonObject]]:
        """Every reservation."""

    def diag(self) -> JsonObject | Awaitable[JsonObject]:
        """Scheduler statistics."""


async def resolved(value: T | Awaitable[T]) -> T:
    """`value`, awaited if the backend answered with an awaitable."""
    if inspect.isawaitable(value):
        return await value
    return value


__all__ = ["Backend", "resolved"]

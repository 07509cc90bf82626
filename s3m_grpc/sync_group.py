"""``SyncJobGroup``: a ``JobGroup`` (arrays, dependencies) without ``await``, for ``SyncSlurm``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from s3m_grpc.group import JobGroup, Summary
from s3m_grpc.spec import JobSpec


class SyncJobGroup:
    """See ``JobGroup``: the same methods, run on ``SyncSlurm``'s event loop thread."""

    def __init__(self, run: Callable[[Awaitable[Any]], Any], group: JobGroup) -> None:
        self._run = run
        self.group = group

    def __repr__(self) -> str:
        return f"Sync{self.group!r}"

    @property
    def group_id(self) -> str:
        """See ``JobGroup.group_id``."""
        return self.group.group_id

    def add(self, spec: JobSpec, *, label: str | None = None, dependency: str | None = None) -> str:
        """See ``JobGroup.add``."""
        return self.group.add(spec, label=label, dependency=dependency)

    def submit(self) -> Summary:
        """See ``JobGroup.submit``."""
        summary: Summary = self._run(self.group.submit())
        return summary

    def wait(
        self, *, timeout: float | None = None, progress: Callable[[Summary], None] | None = None
    ) -> Summary:
        """See ``JobGroup.wait``."""
        summary: Summary = self._run(self.group.wait(timeout=timeout, progress=progress))
        return summary

    def summary(self) -> Summary:
        """See ``JobGroup.summary``."""
        return self.group.summary()


__all__ = ["SyncJobGroup"]

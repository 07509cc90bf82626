"""``Job``: a handle on one submitted job (refresh, wait, cancel), and ``Backoff`` for polling."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from s3m_grpc._aio import Deadline
from s3m_grpc.errors import ConfigurationError, JobVanished, NotFound, SlurmWarning, WaitTimeout
from s3m_grpc.views import JobRecord, JobView

if TYPE_CHECKING:
    from s3m_grpc.client import Slurm

#: Either view of a job: a listing's (JobView) or GetJob's record (JobRecord).
AnyJobView = JobView | JobRecord


@dataclass(frozen=True, kw_only=True)
class Backoff:
    """Polling intervals: ``initial`` growing by ``factor`` up to ``maximum``, with full jitter."""

    initial: float = 1.0
    factor: float = 1.5
    maximum: float = 30.0
    jitter: bool = True

    def __post_init__(self) -> None:
        if not (0 < self.initial <= self.maximum) or self.factor < 1:
            raise ConfigurationError("Backoff needs 0 < initial <= maximum and factor >= 1")

    def delays(self) -> Iterator[float]:
        """An endless series of delays."""
        delay = self.initial
        rng = random.Random()  # noqa: S311 - spreading polls, not cryptography
        while True:
            # "Full jitter" (AWS): uniform in (0.1 delay, delay], so that many waiters do not poll in step.
            yield rng.uniform(delay * 0.1, delay) if self.jitter else delay
            delay = min(delay * self.factor, self.maximum)


class Job:
    """A handle on one submitted job: ``refresh``, ``wait``, ``cancel``; remembers the last state seen."""

    #: How long a job may be missing just after submission before that means something.
    SUBMIT_GRACE = 30.0

    def __init__(self, slurm: Slurm, job_id: int, *, key: str | None = None) -> None:
        self.slurm = slurm
        self.job_id = job_id
        #: The submission key in the job's comment (``s3m-key:<key>``).
        self.key = key
        self.submitted_at = time.monotonic()
        #: The last view of the job, None until one arrives.
        self.last: AnyJobView | None = None

    def __repr__(self) -> str:
        return f"Job({self.job_id}, state={self.state!r})"

    @property
    def state(self) -> str:
        """The last state seen (``SUBMITTED`` before the first)."""
        return self.last.state if self.last is not None else "SUBMITTED"

    @property
    def terminal(self) -> bool:
        """True once the job was seen finished."""
        return self.last is not None and self.last.terminal

    def _observe(self, view: AnyJobView | None) -> None:
        """Take a new view of the job (None: it was not found); JobVanished if that means it is lost."""
        if view is not None:
            self.last = view
            return
        if self.terminal:
            return  # finished, then purged after MinJobAge: normal, the last view says how it ended
        if self.last is None and time.monotonic() - self.submitted_at < self.SUBMIT_GRACE:
            return  # not visible yet: slurmctld and gateways lag behind a submission
        seen = self.last.state if self.last is not None else "never seen"
        raise JobVanished(
            f"job {self.job_id} left the queue while {seen}: its outcome is unknown", rpc="GetJob"
        )

    async def refresh(self) -> AnyJobView | None:
        """Fetch the job now (None if it is not visible yet)."""
        try:
            view: AnyJobView | None = await self.slurm.job(self.job_id)
        except NotFound:
            view = None
        self._observe(view)
        return self.last

    async def wait(
        self,
        until: str | Collection[str] = "finished",
        *,
        timeout: float | None = None,
        backoff: Backoff | None = None,
        cancel_on_timeout: bool = False,
    ) -> AnyJobView:
        """Poll until the job reaches a state (``"finished"``: any terminal one; or e.g. ``"RUNNING"``).

        A job that ends counts as reaching RUNNING's successors too: waiting for RUNNING returns
        as soon as the job runs or has already finished. Raises WaitTimeout after `timeout` seconds
        (cancelling the job first if ``cancel_on_timeout``), JobVanished if the job disappears.
        """
        wanted = {until} if isinstance(until, str) else set(until)
        deadline = Deadline.after(timeout)
        for delay in (backoff or Backoff()).delays():
            view = await self.refresh()
            if view is not None and (view.terminal or (wanted != {"finished"} and view.state in wanted)):
                return view
            if deadline.passed():
                if cancel_on_timeout:
                    await self.cancel()
                raise WaitTimeout(f"job {self.job_id} still {self.state} after {timeout:g} s", rpc="GetJob")
            left = deadline.remaining()
            await asyncio.sleep(delay if left is None else min(delay, left))
        raise AssertionError("unreachable")  # pragma: no cover - delays() is endless

    async def cancel(self, *, signal: str | None = None) -> list[SlurmWarning]:
        """Cancel the job (or send it `signal`); Slurm's warnings (e.g. it had already finished)."""
        return await self.slurm.cancel(self.job_id, signal=signal)


__all__ = ["AnyJobView", "Backoff", "Job"]

"""The ``Driver``: one polling loop per client for all its job groups, one listing per tick.

Each tick lists the queue once (GetJobs), asks GetJob only about elements the listing no longer
shows (and external dependency targets), lets every group take what it sees, and submits what
may go. Polling backs off (``Backoff``) while nothing changes and starts again fast when something
does. ``stats`` counts ticks, calls and the client's CPU time, for the cost per tick.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from s3m_grpc.errors import NotFound, PermissionDenied, S3MError, Unauthenticated, WaitTimeout
from s3m_grpc.job import AnyJobView, Backoff

if TYPE_CHECKING:
    from s3m_grpc.client import Slurm
    from s3m_grpc.dependency import Target
    from s3m_grpc.group import JobGroup, Summary

log = logging.getLogger("s3m_grpc.group")
_DRIVERS: weakref.WeakKeyDictionary[Any, Driver] = weakref.WeakKeyDictionary()


@dataclass
class Stats:
    """What the driver cost: ticks, RPCs (listings, lookups, submissions) and CPU seconds in ticks."""

    ticks: int = 0
    listings: int = 0
    lookups: int = 0
    submissions: int = 0
    cpu: float = 0.0


class Driver:
    """Polls for every group of one client; see the module's docstring."""

    def __init__(self, slurm: Slurm) -> None:
        self.slurm = slurm
        self.groups: list[JobGroup] = []
        self.backoff = Backoff(initial=1.0, factor=1.5, maximum=30.0)
        self.stats = Stats()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._waiters = 0
        self._progress: dict[str, Callable[[Summary], None]] = {}
        self._external: dict[int, str] = {}  # ended jobs not ours: their state does not change

    def __repr__(self) -> str:
        return f"Driver({len(self.groups)} groups, {self.stats})"

    def register(self, group: JobGroup) -> None:
        """Drive `group` from the next tick on."""
        if group not in self.groups and not group.done:
            self.groups.append(group)

    async def tick(self) -> bool:
        """One round for every group; True if anything changed."""
        async with self._lock:
            started = time.process_time()
            try:
                return await self._tick()
            finally:
                self.stats.ticks += 1
                self.stats.cpu += time.process_time() - started

    async def _tick(self) -> bool:
        listed = {view.job_id: view for view in await self.slurm.jobs()}
        self.stats.listings += 1
        cache: dict[int, AnyJobView | None] = {}

        async def lookup(job_id: int) -> AnyJobView | None:
            if job_id not in cache:
                self.stats.lookups += 1
                try:
                    cache[job_id] = await self.slurm.job(job_id)
                except NotFound:
                    cache[job_id] = None
            return cache[job_id]

        changed = False
        for group in self.groups:
            changed |= await group.observe(listed, lookup)
        external: dict[int, list[str]] = {}
        for group in self.groups:  # dependency targets that are nobody's in this client: look them up
            for entry in group.entries.values():
                if entry.dependency is None or all(e.status != "held" for e in entry.elements):
                    continue
                for term in entry.dependency.terms:
                    for target in term.targets:
                        if self._own(target) is None and not target.ref.startswith("@"):
                            external[int(target.ref)] = await self._external_state(
                                int(target.ref), listed, lookup
                            )
        busy = {v.name for v in listed.values() if not v.terminal}
        for group in self.groups:
            busy.update(group.active_names())

        def resolve(target: Target) -> list[str]:
            own = self._own(target)
            if own is not None:
                return own
            return external.get(int(target.ref), []) if target.index is None else []

        for group in self.groups:
            for _ in range(2):  # a second round: an array's first element went alone, the rest may follow
                ready = group.ready(resolve, busy)
                if not ready:
                    break
                changed = True
                gate = asyncio.Semaphore(group.in_flight)

                async def send(
                    item: tuple[Any, int], group: JobGroup = group, gate: asyncio.Semaphore = gate
                ) -> None:
                    async with gate:
                        await group.send(*item)

                await asyncio.gather(*(send(item) for item in ready))
                self.stats.submissions += len(ready)
        for group in list(self.groups):
            callback = self._progress.get(group.group_id)
            if callback is not None:
                callback(group.summary())
            if not group.done:
                continue
            self.groups.remove(group)
            group.finished.set()
        return changed

    def _own(self, target: Target) -> list[str] | None:
        for group in self.groups:
            states = group.own_states(target)
            if states is not None:
                return states
        return None

    async def _external_state(self, job_id: int, listed: dict[int, Any], lookup: Any) -> list[str]:
        if job_id in self._external:
            return [self._external[job_id]]
        view = listed.get(job_id) or await lookup(job_id)
        if view is None:
            return []
        if view.terminal:
            self._external[job_id] = view.state
        return [view.state]

    async def wait(
        self, group: JobGroup, *, timeout: float | None, progress: Callable[[Summary], None] | None
    ) -> None:
        """Until `group` is done (ticks shared with other waiters); WaitTimeout after `timeout`."""
        self.register(group)
        if progress is not None:
            self._progress[group.group_id] = progress
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        self._waiters += 1
        finished = asyncio.ensure_future(group.finished.wait())
        try:
            done, _ = await asyncio.wait(
                {finished, self._task}, timeout=timeout, return_when="FIRST_COMPLETED"
            )
            if finished not in done:
                if self._task in done:
                    self._task.result()  # the loop failed: its error, not a timeout
                raise WaitTimeout(f"group {group.group_id} not done after {timeout:g} s: {group.summary()}")
        finally:
            finished.cancel()
            self._progress.pop(group.group_id, None)
            self._waiters -= 1
            if self._waiters == 0 and self._task is not None and not self._task.done():
                self._task.cancel()  # nobody waits: stop polling (an element mid-send is found next time)

    async def _run(self) -> None:
        delays = self.backoff.delays()
        while self.groups:
            try:
                changed = await self.tick()
            except (Unauthenticated, PermissionDenied):
                raise
            except S3MError as exc:  # a hiccup of the gateway: the plan is in the journal, poll again
                log.warning("job groups: a tick failed (%s); trying again", type(exc).__name__)
                changed = False
            if not self.groups:
                return
            if changed:
                delays = self.backoff.delays()
            await asyncio.sleep(next(delays))


def driver_of(slurm: Slurm) -> Driver:
    """The driver of a client (made on first use)."""
    driver = _DRIVERS.get(slurm)
    if driver is None:
        driver = _DRIVERS[slurm] = Driver(slurm)
    return driver


__all__ = ["Driver", "Stats", "driver_of"]

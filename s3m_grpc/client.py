"""``Slurm``: the high-level client. Submit a script, wait for it, list queues of thousands of jobs.

    async with Slurm("s3m.olcf.ornl.gov", resource="defiant") as slurm:
        job = await slurm.submit(JobSpec.from_script("hello.sh"))
        done = await job.wait(timeout=3600)
        print(done.state, done.exit_code)

``SyncSlurm`` offers the same without ``await``, also inside a running event loop (Jupyter).
Listings (``jobs``, ``nodes``, ``partitions``, ``reservations``) are decoded by the fast runtime and
returned as read-only views (``s3m_grpc.views``).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import random
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from s3m_grpc.codec import FastReply, fast_reply
from s3m_grpc.errors import (
    CallCancelled,
    ConfigurationError,
    ConnectError,
    DeadlineExceeded,
    JobVanished,
    NotFound,
    ProtocolError,
    S3MError,
    ServerError,
    SubmissionUnknown,
    Unavailable,
    UnknownError,
    WaitTimeout,
)
from s3m_grpc.factory import S3MClientFactory
from s3m_grpc.rpc import BY_NAME, PACKAGES
from s3m_grpc.spec import JobSpec
from s3m_grpc.views import JobView, Listing, NodeView, PartitionView, ReservationView, View

log = logging.getLogger("s3m_grpc.client")
T = TypeVar("T")

DEFAULT_URL = "s3m.olcf.ornl.gov"
#: Marks the submission key in a job's comment.
KEY_PREFIX = "s3m-key:"


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

    def delays(self) -> Iterable[float]:
        """An endless series of delays."""
        delay = self.initial
        rng = random.Random()  # noqa: S311 - spreading polls, not cryptography
        while True:
            # "Full jitter" (AWS): uniform in (0, delay], so that many waiters do not poll in step.
            yield rng.uniform(delay * 0.1, delay) if self.jitter else delay
            delay = min(delay * self.factor, self.maximum)


class Slurm:
    """An async client for one resource behind S3M; an async context manager."""

    #: How long to keep trying to search the queue after an ambiguous submission failure (seconds).
    LOOKUP_PATIENCE = 60.0

    def __init__(
        self,
        url: str = DEFAULT_URL,
        token: str | None = None,
        *,
        resource: str | None = None,
        api_version: str = "v0.0.43",
        factory: S3MClientFactory | None = None,
        **factory_options: Any,
    ) -> None:
        """Same settings as ``S3MClientFactory`` (or pass ``factory``); ``api_version`` picks the protos."""
        if api_version not in PACKAGES:
            raise ConfigurationError(
                f"unsupported Slurm API version {api_version!r}; one of {sorted(PACKAGES)}"
            )
        self.api_version = api_version
        self._owns_factory = factory is None
        self.factory = factory or S3MClientFactory(url, token, resource=resource, **factory_options)
        self.resource = resource or self.factory.resource
        self._pb = importlib.import_module(f"s3m_apis_betterproto.slurm.{PACKAGES[api_version]}")
        self._stub = self.factory.create_client(self._pb.SlurmIndirectStub, resource=self.resource)
        self._empty = importlib.import_module("s3m_apis_betterproto.google.protobuf").Empty()
        self._partitions: Listing | None = None
        self._listing_lock = asyncio.Lock()
        self._listing: tuple[float, dict[str, int]] | None = None

    def __repr__(self) -> str:
        return (
            f"Slurm(resource={self.resource!r}, api_version={self.api_version!r}, factory={self.factory!r})"
        )

    async def __aenter__(self) -> Slurm:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the factory if this client made it."""
        if self._owns_factory:
            await self.factory.aclose()

    # -- reading -----------------------------------------------------------------------------------

    async def _fast(self, rpc: str, request: Any = None, *, timeout: float | None = None) -> FastReply:
        """Call an RPC and keep its reply in the fast runtime."""
        entry = BY_NAME[rpc]
        response = fast_reply(getattr(self._pb, entry.response))
        route = entry.grpc_path(f"slurm.{PACKAGES[self.api_version]}")
        reply: FastReply = await self._stub._unary_unary(
            route, request or self._empty, response, timeout=timeout
        )
        return reply

    async def ping(self) -> list[View]:
        """The controllers' answers (``hostname``, ``responding``, ``latency``)."""
        return list(Listing((await self._fast("Ping")).items("pings"), View))

    async def partitions(self) -> Listing:
        """Every partition (views), also cached for ``validate``."""
        self._partitions = Listing((await self._fast("GetPartitions")).items("partitions"), PartitionView)
        return self._partitions

    async def nodes(self) -> Listing:
        """Every node (views)."""
        return Listing((await self._fast("GetNodes")).items("nodes"), NodeView)

    async def reservations(self) -> Listing:
        """Every reservation (views)."""
        return Listing((await self._fast("GetReservations")).items("reservations"), ReservationView)

    async def diag(self) -> View:
        """Scheduler statistics."""
        return View((await self._fast("GetDiag")).field("statistics"))

    async def jobs(
        self,
        *,
        user: str | None = None,
        state: str | Collection[str] | None = None,
        name: str | None = None,
        partition: str | None = None,
    ) -> list[JobView] | Listing:
        """Jobs in the queue, filtered here (S3M has no server-side filter): all given filters must match."""
        listing = Listing((await self._fast("GetJobs")).items("jobs"), JobView)
        if user is None and state is None and name is None and partition is None:
            return listing
        states = {state} if isinstance(state, str) else set(state) if state is not None else None
        return [
            j
            for j in listing
            if (user is None or j.user_name == user)
            and (states is None or j.state in states)
            and (name is None or j.name == name)
            and (partition is None or j.partition == partition)
        ]

    async def job(self, job_id: int | str) -> JobView:
        """One job; NotFound if Slurm does not know it (any more)."""
        reply = await self._fast("GetJob", self._pb.JobIdReq(job_id=str(job_id)))
        jobs = reply.items("jobs")
        if not jobs:
            raise NotFound(f"job {job_id} not found", rpc="GetJob")
        return JobView(jobs[0])

    # -- changing ----------------------------------------------------------------------------------

    async def validate(self, spec: JobSpec) -> None:
        """Check a spec against the partition's limits (fetched once); ConfigurationError if it breaks one."""
        partitions = self._partitions if self._partitions is not None else await self.partitions()
        if spec.partition is None:
            return
        found = next((p for p in partitions if p.name == spec.partition), None)
        if found is None:
            raise ConfigurationError(
                f"no partition {spec.partition!r} on {self.resource} "
                f"(there are: {', '.join(p.name for p in partitions)})"
            )
        if spec.time_limit is not None and found.max_time is not None and spec.time_limit > found.max_time:
            raise ConfigurationError(
                f"time limit {spec.time_limit:g} min exceeds {found.name}'s maximum of {found.max_time:g} min"
            )
        if spec.nodes is not None and found.max_nodes is not None and spec.nodes > found.max_nodes:
            raise ConfigurationError(
                f"{spec.nodes} nodes exceed {found.name}'s maximum of {found.max_nodes:g}"
            )

    async def submit(
        self,
        spec: JobSpec,
        *,
        validate: bool = False,
        timeout: float | None = None,
        key: str | None = None,
        attempts: int = 3,
    ) -> Job:
        """Submit a job exactly once; returns its handle. ``validate`` checks partition limits first.

        The submission carries a key in the job's ``comment`` (``s3m-key:<key>``), where Slurm keeps
        it and ``s3m job`` shows it. When a submission fails ambiguously (a dropped connection, a
        deadline, a 5xx after the request may have arrived), the queue is searched for the key and a
        job found is adopted; only if none carries it is the job submitted again (same key), up to
        ``attempts`` times in all.
        """
        if validate:
            await self.validate(spec)
        key = key or uuid.uuid4().hex
        marker = f"{KEY_PREFIX}{key}"
        request = spec.to_request(
            self.api_version, comment=f"{spec.comment} [{marker}]" if spec.comment else marker
        )
        for attempt in range(1, attempts + 1):
            failed_at = time.monotonic()
            try:
                reply = await self._stub.post_job_submit(request, timeout=timeout)
            except S3MError as exc:
                if not _ambiguous(exc):
                    raise  # refused, or never sent: nothing to recover
                found = await self._find_submission(key, since=failed_at, cause=exc)
                if found is not None:
                    log.warning(
                        "submission %s failed (%s) but job %s carries its key: adopted",
                        key,
                        type(exc).__name__,
                        found,
                    )
                    return Job(self, found, key=key)
                if attempt == attempts:
                    raise
                log.warning(
                    "submission %s failed (%s) and no job carries its key: submitting again",
                    key,
                    type(exc).__name__,
                )
                continue
            job = Job(self, int(reply.job_id), key=key)
            log.info("submitted job %s to %s", job.job_id, self.resource)
            return job
        raise AssertionError("unreachable")  # pragma: no cover

    async def _find_submission(self, key: str, *, since: float, cause: S3MError) -> int | None:
        """The job carrying a submission key, or None once a successful search did not find it.

        A search that fails proves nothing, so it is tried again; if the queue cannot be read at all,
        SubmissionUnknown is raised rather than risking a second copy of the job. A successful search
        is repeated once with a newer listing, for gateways that show new jobs late.
        """
        searched = 0
        started = time.monotonic()
        for delay in Backoff(initial=0.2, maximum=2.0).delays():
            try:
                index: dict[str, int] | None = await self._keys_since(since)
            except S3MError:
                index = None
            if index is not None:
                if key in index:
                    return index[key]
                searched += 1
                if searched == 2:
                    return None
                since = time.monotonic()  # the second look must come from a newer listing
            elif time.monotonic() - started > self.LOOKUP_PATIENCE:
                raise SubmissionUnknown(
                    f"the submission may or may not have reached Slurm, and the queue could not be searched "
                    f"for its key s3m-key:{key}",
                    key=key,
                    rpc="PostJobSubmit",
                ) from cause
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _keys_since(self, since: float) -> dict[str, int]:
        """Submission key -> job id, from a listing started after `since` (shared by concurrent callers)."""
        async with self._listing_lock:
            if self._listing is None or self._listing[0] < since:
                started = time.monotonic()
                index: dict[str, int] = {}
                for view in await self.jobs():
                    comment = view.comment
                    at = comment.find(KEY_PREFIX)
                    if at >= 0:
                        found = comment[at + len(KEY_PREFIX) :].split("]", 1)[0].split()[0]
                        index[found] = view.job_id
                self._listing = (started, index)
            return self._listing[1]

    async def cancel(self, job_id: int | str, *, signal: str | None = None) -> None:
        """Cancel a job (Slurm's default signal, SIGKILL), or send it ``signal``."""
        await self._stub.delete_job(self._pb.DeleteJobReq(job_id=str(job_id), signal=signal or ""))

    async def watch(
        self, jobs: Iterable[Job], *, interval: float = 5.0
    ) -> AsyncIterator[tuple[Job, str, str]]:
        """Yield ``(job, old_state, new_state)`` as jobs change, polling with one listing per tick.

        Ends when every job is finished. Jobs missing from the listing are judged like ``Job.refresh``
        does (a short grace period after submission; afterwards a purge before the end is an error).
        """
        pending = {job.job_id: job for job in jobs}
        while pending:
            listed = {view.job_id: view for view in await self.jobs()}
            for job_id, job in list(pending.items()):
                before = job.state
                job._observe(listed.get(job_id))
                if job.state != before:
                    yield job, before, job.state
                if job.terminal:
                    del pending[job_id]
            if pending:
                await asyncio.sleep(interval)


def _ambiguous(exc: S3MError) -> bool:
    """True for failures after which the submission may or may not have reached Slurm."""
    if isinstance(exc, ConnectError):
        return False  # the connection never opened: nothing was sent
    return isinstance(
        exc, (Unavailable, DeadlineExceeded, ServerError, ProtocolError, UnknownError, CallCancelled)
    )


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
        self.last: JobView | None = None

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

    def _observe(self, view: JobView | None) -> None:
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

    async def refresh(self) -> JobView | None:
        """Fetch the job now (None if it is not visible yet)."""
        try:
            view: JobView | None = await self.slurm.job(self.job_id)
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
    ) -> JobView:
        """Poll until the job reaches a state (``"finished"``: any terminal one; or e.g. ``"RUNNING"``).

        A job that ends counts as reaching RUNNING's successors too: waiting for RUNNING returns
        as soon as the job runs or has already finished. Raises WaitTimeout after `timeout` seconds
        (cancelling the job first if ``cancel_on_timeout``), JobVanished if the job disappears.
        """
        wanted = {until} if isinstance(until, str) else set(until)
        deadline = None if timeout is None else time.monotonic() + timeout
        for delay in (backoff or Backoff()).delays():
            view = await self.refresh()
            if view is not None and (view.terminal or (wanted != {"finished"} and view.state in wanted)):
                return view
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                if cancel_on_timeout:
                    await self.cancel()
                raise WaitTimeout(f"job {self.job_id} still {self.state} after {timeout:g} s", rpc="GetJob")
            await asyncio.sleep(delay if deadline is None else min(delay, max(deadline - now, 0.0)))
        raise AssertionError("unreachable")  # pragma: no cover - delays() is endless

    async def cancel(self, *, signal: str | None = None) -> None:
        """Cancel the job (or send it `signal`)."""
        await self.slurm.cancel(self.job_id, signal=signal)


class _LoopThread:
    """An event loop on its own daemon thread, for running coroutines from synchronous code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="s3m-grpc-sync", daemon=True)
        self.thread.start()

    def run(self, coroutine: Awaitable[T], timeout: float | None = None) -> T:
        if threading.current_thread() is self.thread:
            raise RuntimeError("SyncSlurm called from its own event loop thread; use Slurm there")
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(coroutine), self.loop)
        return future.result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


class SyncSlurm:
    """``Slurm`` without ``await``. Works in plain scripts and inside running event loops (Jupyter).

    The async client runs on an event loop of its own thread, so a caller's running loop is never
    blocked re-entrantly: no "event loop is already running", no deadlock.
    """

    def __init__(self, url: str = DEFAULT_URL, token: str | None = None, **options: Any) -> None:
        self._runner = _LoopThread()
        try:
            self._async = self._runner.run(_make_slurm(url, token, options))
        except BaseException:
            self._runner.close()
            raise

    def __enter__(self) -> SyncSlurm:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client and stop its thread."""
        try:
            self._runner.run(self._async.aclose())
        finally:
            self._runner.close()

    def _call(self, method: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        return self._runner.run(method(*args, **kwargs))

    def ping(self) -> list[View]:
        """See ``Slurm.ping``."""
        return self._call(self._async.ping)

    def partitions(self) -> Listing:
        """See ``Slurm.partitions``."""
        return self._call(self._async.partitions)

    def nodes(self) -> Listing:
        """See ``Slurm.nodes``."""
        return self._call(self._async.nodes)

    def reservations(self) -> Listing:
        """See ``Slurm.reservations``."""
        return self._call(self._async.reservations)

    def diag(self) -> View:
        """See ``Slurm.diag``."""
        return self._call(self._async.diag)

    def jobs(self, **filters: Any) -> list[JobView] | Listing:
        """See ``Slurm.jobs``."""
        return self._call(self._async.jobs, **filters)

    def job(self, job_id: int | str) -> JobView:
        """See ``Slurm.job``."""
        return self._call(self._async.job, job_id)

    def submit(self, spec: JobSpec, **options: Any) -> SyncJob:
        """See ``Slurm.submit``."""
        return SyncJob(self, self._call(self._async.submit, spec, **options))

    def cancel(self, job_id: int | str, *, signal: str | None = None) -> None:
        """See ``Slurm.cancel``."""
        self._call(self._async.cancel, job_id, signal=signal)


class SyncJob:
    """``Job`` without ``await``."""

    def __init__(self, client: SyncSlurm, job: Job) -> None:
        self._client = client
        self.job = job
        self.job_id = job.job_id

    def __repr__(self) -> str:
        return repr(self.job)

    @property
    def state(self) -> str:
        """The last state seen."""
        return self.job.state

    def refresh(self) -> JobView | None:
        """See ``Job.refresh``."""
        return self._client._call(self.job.refresh)

    def wait(self, until: str | Collection[str] = "finished", **options: Any) -> JobView:
        """See ``Job.wait``."""
        return self._client._call(self.job.wait, until, **options)

    def cancel(self, *, signal: str | None = None) -> None:
        """See ``Job.cancel``."""
        self._client._call(self.job.cancel, signal=signal)


async def _make_slurm(url: str, token: str | None, options: dict[str, Any]) -> Slurm:
    # Made on the runner's loop, so that its channels belong to that loop.
    return Slurm(url, token, **options)


__all__ = ["Backoff", "Job", "Slurm", "SyncJob", "SyncSlurm"]

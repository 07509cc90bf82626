"""``SyncSlurm`` and ``SyncJob``: the high-level client without ``await``.

They work in plain scripts and inside running event loops (Jupyter): the async client runs on an
event loop of its own thread, so a caller's running loop is never blocked re-entrantly (no "event
loop is already running", no deadlock). Every public method of ``Slurm`` and ``Job`` is here, with
the same parameters (tests/test_sync_surface.py compares them).
"""

from __future__ import annotations

import asyncio
import os
import threading
import warnings
from collections.abc import Awaitable, Collection, Iterator
from typing import Any, TypeVar

from s3m_grpc.auth import Token
from s3m_grpc.client import DEFAULT_URL, Slurm
from s3m_grpc.config import DEFAULT, MAX_RECEIVE_BYTES, Keepalive, OrDefault, Timeouts
from s3m_grpc.errors import DowntimeWarning, SlurmWarning
from s3m_grpc.facility import StatusReport, TokenInfo
from s3m_grpc.job import AnyJobView, Backoff, Job
from s3m_grpc.retry import RetryPolicy
from s3m_grpc.spec import JobSpec
from s3m_grpc.sync_group import SyncJobGroup
from s3m_grpc.transports import FallbackPolicy, Transport
from s3m_grpc.views import JobRecord, JobView, Listing, View

T = TypeVar("T")


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
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()  # Ctrl-C in the caller must not leave the call running on the loop
            raise

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        if not self.thread.is_alive():
            self.loop.close()


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


class SyncSlurm:
    """``Slurm`` without ``await``; a context manager."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        token: str | Token | None = None,
        *,
        resource: str | None = None,
        api_version: str | None = None,
        transport: OrDefault[str | Transport] = DEFAULT,
        tls: bool | None = None,
        insecure: bool = False,
        ca_file: str | os.PathLike[str] | None = None,
        server_hostname: str | None = None,
        token_file: str | os.PathLike[str] | None = None,
        timeouts: OrDefault[Timeouts] = DEFAULT,
        keepalive: OrDefault[Keepalive] = DEFAULT,
        max_receive_bytes: int = MAX_RECEIVE_BYTES,
        rest_url: str | None = None,
        enclave: str | None = "open",
        fallback: OrDefault[FallbackPolicy] = DEFAULT,
        retry: OrDefault[RetryPolicy] = DEFAULT,
        checks: bool = True,
    ) -> None:
        """The settings of ``Slurm``."""
        options = dict(locals())
        del options["self"]
        self._runner = _LoopThread()
        try:
            self._async = self._runner.run(_make_slurm(options))
        except BaseException:
            self._runner.close()
            raise

    def __repr__(self) -> str:
        return f"Sync{self._async!r}"

    def __enter__(self) -> SyncSlurm:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def resource(self) -> str:
        """The resource this client talks to."""
        return self._async.resource

    @property
    def api_version(self) -> str:
        """The Slurm API version in use."""
        return self._async.api_version

    def close(self) -> None:
        """Close the client and stop its thread."""
        try:
            self._runner.run(self._async.aclose())
        finally:
            self._runner.close()

    def _run(self, awaitable: Awaitable[T]) -> T:
        return self._runner.run(awaitable)

    def ping(self) -> list[View]:
        """See ``Slurm.ping``."""
        return self._run(self._async.ping())

    def partitions(self) -> Listing:
        """See ``Slurm.partitions``."""
        return self._run(self._async.partitions())

    def nodes(self) -> Listing:
        """See ``Slurm.nodes``."""
        return self._run(self._async.nodes())

    def reservations(self) -> Listing:
        """See ``Slurm.reservations``."""
        return self._run(self._async.reservations())

    def diag(self) -> View:
        """See ``Slurm.diag``."""
        return self._run(self._async.diag())

    def jobs(
        self,
        *,
        user: str | None = None,
        state: str | Collection[str] | None = None,
        name: str | None = None,
        partition: str | None = None,
    ) -> list[JobView] | Listing:
        """See ``Slurm.jobs``."""
        return self._run(self._async.jobs(user=user, state=state, name=name, partition=partition))

    def job(self, job_id: int | str) -> JobRecord:
        """See ``Slurm.job``."""
        return self._run(self._async.job(job_id))

    def status(self, resource: str | None = None) -> StatusReport:
        """Resources and their current and upcoming downtimes; see ``Slurm.status``."""
        return self._run(self._async.status(resource))

    def token_info(self) -> TokenInfo:
        """What S3M says about this client's token; see ``Slurm.token_info``."""
        return self._run(self._async.token_info())

    def validate(self, spec: JobSpec) -> None:
        """See ``Slurm.validate``."""
        self._run(self._async.validate(spec))

    def submit(
        self,
        spec: JobSpec,
        *,
        validate: bool = False,
        timeout: float | None = None,
        key: str | None = None,
        attempts: int = 3,
    ) -> SyncJob:
        """See ``Slurm.submit``."""
        job, notes = self._run(
            self._async._submit(spec, validate=validate, timeout=timeout, key=key, attempts=attempts)
        )
        for note in notes:  # here, not in the loop's thread: the warning names the caller's line
            warnings.warn(note, DowntimeWarning, stacklevel=2)
        return SyncJob(self, job)

    def revoke_token(self) -> None:
        """See ``Slurm.revoke_token``."""
        self._run(self._async.revoke_token())

    def group(
        self, *, account: str | None = None, state_dir: str | os.PathLike[str] | None = None
    ) -> SyncJobGroup:
        """See ``Slurm.group``."""
        return SyncJobGroup(self._run, self._async.group(account=account, state_dir=state_dir))

    def submit_group(
        self, *specs: JobSpec, account: str | None = None, state_dir: str | os.PathLike[str] | None = None
    ) -> SyncJobGroup:
        """See ``Slurm.submit_group``."""
        group = self._run(self._async.submit_group(*specs, account=account, state_dir=state_dir))
        return SyncJobGroup(self._run, group)

    def resume(
        self, *, account: str | None = None, state_dir: str | os.PathLike[str] | None = None
    ) -> list[SyncJobGroup]:
        """See ``Slurm.resume``."""
        groups = self._run(self._async.resume(account=account, state_dir=state_dir))
        return [SyncJobGroup(self._run, g) for g in groups]

    def cancel(self, job_id: int | str, *, signal: str | None = None) -> list[SlurmWarning]:
        """See ``Slurm.cancel``."""
        return self._run(self._async.cancel(job_id, signal=signal))

    def watch(
        self, jobs: Collection[SyncJob | Job], *, interval: float = 5.0
    ) -> Iterator[tuple[SyncJob, str, str]]:
        """See ``Slurm.watch``: yields ``(job, old_state, new_state)`` until every job is finished."""
        handles = {(j.job if isinstance(j, SyncJob) else j).job_id: j for j in jobs}
        wrapped = {
            job_id: (j if isinstance(j, SyncJob) else SyncJob(self, j)) for job_id, j in handles.items()
        }
        stream = self._async.watch([w.job for w in wrapped.values()], interval=interval)
        try:
            while True:
                try:
                    job, old, new = self._run(stream.__anext__())
                except StopAsyncIteration:
                    return
                yield wrapped[job.job_id], old, new
        finally:
            self._run(stream.aclose())


class SyncJob:
    """``Job`` without ``await``."""

    def __init__(self, client: SyncSlurm, job: Job) -> None:
        self._client = client
        self.job = job

    def __repr__(self) -> str:
        return repr(self.job)

    @property
    def job_id(self) -> int:
        """Slurm's job id."""
        return self.job.job_id

    @property
    def key(self) -> str | None:
        """The submission key in the job's comment."""
        return self.job.key

    @property
    def state(self) -> str:
        """The last state seen."""
        return self.job.state

    @property
    def terminal(self) -> bool:
        """True once the job was seen finished."""
        return self.job.terminal

    @property
    def last(self) -> AnyJobView | None:
        """The last view of the job."""
        return self.job.last

    def refresh(self) -> AnyJobView | None:
        """See ``Job.refresh``."""
        return self._client._run(self.job.refresh())

    def wait(
        self,
        until: str | Collection[str] = "finished",
        *,
        timeout: float | None = None,
        backoff: Backoff | None = None,
        cancel_on_timeout: bool = False,
    ) -> AnyJobView:
        """See ``Job.wait``."""
        return self._client._run(
            self.job.wait(until, timeout=timeout, backoff=backoff, cancel_on_timeout=cancel_on_timeout)
        )

    def cancel(self, *, signal: str | None = None) -> list[SlurmWarning]:
        """See ``Job.cancel``."""
        return self._client._run(self.job.cancel(signal=signal))


async def _make_slurm(options: dict[str, Any]) -> Slurm:
    # Made on the runner's loop, so that its channels belong to that loop.
    return Slurm(**options)


__all__ = ["SyncJob", "SyncSlurm"]

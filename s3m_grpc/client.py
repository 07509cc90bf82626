"""``Slurm``: the high-level client. Submit a script, wait for it, list queues of thousands of jobs.

    async with Slurm("s3m.olcf.ornl.gov", resource="defiant") as slurm:
        job = await slurm.submit(JobSpec.from_script("hello.sh"))
        done = await job.wait(timeout=3600)
        print(done.state, done.exit_code)

Calls go through the factory as ``Call`` values and come back in the fast runtime (upb or orjson):
listings (``jobs``, ``nodes``, ``partitions``, ``reservations``) are read-only views
(``s3m_grpc.views``), never betterproto objects. ``SyncSlurm`` (``s3m_grpc.sync``) offers the same
without ``await``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import warnings
from collections.abc import AsyncGenerator, Collection, Iterable
from typing import TYPE_CHECKING, Any, Final

from s3m_grpc.auth import Token
from s3m_grpc.codec import FastReply
from s3m_grpc.config import DEFAULT, MAX_RECEIVE_BYTES, Keepalive, OrDefault, Timeouts
from s3m_grpc.errors import ConfigurationError, DowntimeWarning, NotFound, S3MError, SlurmWarning
from s3m_grpc.facility import StatusReport, TokenInfo
from s3m_grpc.facility_client import FacilityClient
from s3m_grpc.factory import S3MClientFactory
from s3m_grpc.job import Backoff, Job
from s3m_grpc.retry import RetryPolicy
from s3m_grpc.rpc import BY_NAME, RESOURCE_VERSIONS, VERSIONS, default_version
from s3m_grpc.slurmdefs import job_state
from s3m_grpc.spec import JobSpec
from s3m_grpc.submission import Finder, check_key, comment_with_key, new_key
from s3m_grpc.transports import FallbackPolicy, Transport
from s3m_grpc.views import JobRecord, JobView, Listing, NodeView, PartitionView, ReservationView, View

if TYPE_CHECKING:
    from s3m_grpc.group import JobGroup

log = logging.getLogger("s3m_grpc.client")

DEFAULT_URL: Final = "s3m.olcf.ornl.gov"
_NO_RETRY: Final = RetryPolicy.none()


class Slurm:
    """An async client for one resource behind S3M; an async context manager."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        token: str | Token | None = None,
        *,
        resource: str | None = None,
        api_version: str | None = None,
        factory: S3MClientFactory | None = None,
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
        """The settings of ``S3MClientFactory`` (or pass a ``factory``); ``api_version`` picks the protos.

        ``api_version`` defaults to the resource's newest public version (defiant v0.0.43, odo
        v0.0.44, wombat and quokka v0.0.42); a version the resource does not offer is refused.
        With ``checks`` (the default), a submission or cancellation first asks TokenControl what
        the token may do (once per client) and a submission asks the Status API about downtimes
        (``s3m_grpc.facility_client``).
        """
        self._owns_factory = factory is None
        if factory is None:
            factory = S3MClientFactory(
                url,
                token,
                resource=resource,
                transport=transport,
                tls=tls,
                insecure=insecure,
                ca_file=ca_file,
                server_hostname=server_hostname,
                token_file=token_file,
                timeouts=timeouts,
                keepalive=keepalive,
                max_receive_bytes=max_receive_bytes,
                rest_url=rest_url,
                enclave=enclave,
                fallback=fallback,
                retry=retry,
            )
        self.factory = factory
        self.resource = resource or factory.resource
        version = api_version or default_version(self.resource)
        offered = RESOURCE_VERSIONS.get(self.resource, tuple(VERSIONS))
        if version not in VERSIONS or version not in offered:
            raise ConfigurationError(
                f"{self.resource} does not offer Slurm API {version!r}; it offers {', '.join(offered)}"
            )
        self.api_version = version
        self._version = VERSIONS[version]
        self._pb = self._version.upb
        self._partitions: Listing | None = None
        self._finder = Finder(self._keyed_jobs, self._comment_of)
        #: Status and TokenControl for this client: ``status()``, ``token_info()``, the checks.
        self.facility = FacilityClient(factory, self.resource, self._version)
        self.checks = bool(checks)

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

    async def _fast(
        self, rpc: str, request: Any = None, *, timeout: float | None = None, retry: RetryPolicy | None = None
    ) -> FastReply:
        """Call an RPC and keep its reply in the fast runtime."""
        call = self.factory.make_call(
            BY_NAME[rpc], self._version, request, resource=self.resource, timeout=timeout
        )
        reply: FastReply = await self.factory.invoke(call, retry=retry)
        return reply

    async def ping(self) -> list[View]:
        """The controllers' answers (``hostname``, ``pinged``, ``latency``, ``mode``)."""
        return list(_listing(await self._fast("Ping"), "pings", View))

    async def partitions(self) -> Listing:
        """Every partition (views), also cached for ``validate``."""
        self._partitions = _listing(await self._fast("GetPartitions"), "partitions", PartitionView)
        return self._partitions

    async def nodes(self) -> Listing:
        """Every node (views)."""
        return _listing(await self._fast("GetNodes"), "nodes", NodeView)

    async def reservations(self) -> Listing:
        """Every reservation (views)."""
        return _listing(await self._fast("GetReservations"), "reservations", ReservationView)

    async def diag(self) -> View:
        """Scheduler statistics."""
        reply = await self._fast("GetDiag")
        return View(reply.field("statistics") or {}, reply.element("statistics"))

    async def jobs(
        self,
        *,
        user: str | None = None,
        state: str | Collection[str] | None = None,
        name: str | None = None,
        partition: str | None = None,
    ) -> list[JobView] | Listing:
        """Jobs in the queue, filtered here (S3M has no server-side filter): all given filters must match.

        `state` takes Slurm's names or squeue's codes in any case (``"PD"``, ``"running"``); an
        unknown one is a ConfigurationError.
        """
        try:  # before anything is sent: a misspelt state would silently list nothing
            wanted = [state] if isinstance(state, str) else list(state) if state is not None else None
            states = {job_state(s) for s in wanted} if wanted is not None else None
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        listing = _listing(await self._fast("GetJobs"), "jobs", JobView)
        if user is None and state is None and name is None and partition is None:
            return listing
        return [
            j
            for j in listing
            if (user is None or j.user_name == user)
            and (states is None or j.state in states)
            and (name is None or j.name == name)
            and (partition is None or j.partition == partition)
        ]

    async def job(self, job_id: int | str) -> JobRecord:
        """One job, as S3M's GetJob answers (slurmdbd's record); NotFound if Slurm does not know it."""
        reply = await self._fast("GetJob", self._pb.JobIdReq(job_id=str(job_id)))
        jobs = reply.items("jobs")
        if not jobs:
            raise NotFound(f"job {job_id} not found", rpc="GetJob")
        return JobRecord(jobs[0], reply.element("jobs"))

    # -- changing ----------------------------------------------------------------------------------

    async def status(self, resource: str | None = None) -> StatusReport:
        """Resources and their current and upcoming downtimes (S3M's open Status API); one if named."""
        return await self.facility.status(resource)

    async def token_info(self) -> TokenInfo:
        """What S3M says about this client's token: owner, project, scopes, expiry, allowed methods."""
        return await self.facility.token_info()

    async def revoke_token(self) -> None:
        """Revoke this client's token at S3M, for good (OLCF: do it at once if it was exposed)."""
        await self.facility.revoke_token()

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
        limit = spec.time_limit
        if isinstance(limit, float | int) and found.max_time is not None and limit > found.max_time:
            raise ConfigurationError(
                f"time limit {limit:g} min exceeds {found.name}'s maximum of {found.max_time:g} min"
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

        The submission carries a key in the job's ``comment`` (``[s3m-key:<key>]``), where Slurm
        keeps it and ``s3m job`` shows it. When a submission fails ambiguously (a dropped
        connection, a deadline, a 5xx after the request may have arrived), the queue is searched
        for the key and a job found is adopted; only if none carries it is the job submitted again
        (same key), up to ``attempts`` times in all (``s3m_grpc.submission``). With ``checks``, a
        read-only token is refused first (PermissionDenied) and a downtime warned of
        (``DowntimeWarning``).
        """
        job, notes = await self._submit(spec, validate=validate, timeout=timeout, key=key, attempts=attempts)
        for note in notes:
            warnings.warn(note, DowntimeWarning, stacklevel=2)
        return job

    async def _submit(
        self, spec: JobSpec, *, validate: bool, timeout: float | None, key: str | None, attempts: int
    ) -> tuple[Job, list[str]]:
        """``submit``, with the downtime notes for the caller to warn of (at the caller's own line)."""
        if not isinstance(spec, JobSpec):
            raise ConfigurationError(f"submit() takes a JobSpec, got {type(spec).__name__}")
        if spec.array is not None or spec.dependency is not None:
            raise ConfigurationError(
                "S3M carries no array or dependency: the client runs them, use "
                "`await slurm.submit_group(spec)` (then `await group.wait()`)"
            )
        if attempts < 1:
            raise ConfigurationError("attempts must be at least 1")
        self._refuse_token_in_environment(spec)
        if validate:
            await self.validate(spec)
        try:
            key = check_key(key) if key is not None else new_key()
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        comment = comment_with_key(spec.comment, key)
        request = spec.to_upb(self.api_version, comment=comment)
        notes: list[str] = []
        if self.checks:  # after every check of the input: PermissionDenied, downtime notes
            limit = spec.time_limit
            minutes = limit if isinstance(limit, int | float) else None
            notes = await self.facility.check("PostJobSubmit", minutes=minutes, timeout=timeout)
        floor = await self._finder.floor()
        for attempt in range(1, attempts + 1):
            failed_at = time.monotonic()
            try:
                reply = await self._fast("PostJobSubmit", request, timeout=timeout)
            except S3MError as exc:
                if not exc.outcome_unknown:
                    raise  # refused, or never sent: nothing to recover
                found = await self._finder.find(key, failed_at=failed_at, floor=floor, cause=exc)
                if found is not None:
                    log.warning(
                        "submission %s failed (%s) but job %s carries its key: adopted",
                        key,
                        type(exc).__name__,
                        found,
                    )
                    self._finder.saw(found)
                    return Job(self, found, key=key), notes
                if attempt == attempts:
                    raise
                log.warning(
                    "submission %s failed (%s) and no job carries its key: submitting again",
                    key,
                    type(exc).__name__,
                )
                continue
            job_id = int(reply.field("job_id") or 0)
            if job_id <= 0:
                raise S3MError("the submission was accepted without a job id", rpc="PostJobSubmit")
            self._finder.saw(job_id)
            log.info("submitted job %s to %s", job_id, self.resource)
            return Job(self, job_id, key=key), notes
        raise AssertionError("unreachable")  # pragma: no cover

    # -- groups: arrays and dependencies, run by this client (s3m_grpc.group) ---------------------

    def group(
        self, *, account: str | None = None, state_dir: str | os.PathLike[str] | None = None
    ) -> JobGroup:
        """A new, empty group journaled under the state directory (``s3m_grpc.journal``)."""
        from s3m_grpc.groups_api import new_group

        return new_group(self, account=account, state_dir=state_dir)

    async def submit_group(
        self, *specs: JobSpec, account: str | None = None, state_dir: str | os.PathLike[str] | None = None
    ) -> JobGroup:
        """Plan `specs` (arrays; dependencies on ``@job0``, ``@job1``... or job ids), submit what may go."""
        group = self.group(account=account, state_dir=state_dir)
        for spec in specs:
            group.add(spec)
        await group.submit()
        return group

    async def resume(
        self, *, account: str | None = None, state_dir: str | os.PathLike[str] | None = None
    ) -> list[JobGroup]:
        """The journal's unfinished groups, locked for this client; ``wait()`` on them to carry on."""
        from s3m_grpc.groups_api import resume_groups

        return resume_groups(self, account=account, state_dir=state_dir)

    async def _find_submission(self, key: str, *, floor: int = 0) -> int | None:
        """The job carrying submission key `key`, or None once sure none does (``Finder.find``)."""
        cause = S3MError("looking for a submission whose outcome is unknown", rpc="PostJobSubmit")
        return await self._finder.find(key, failed_at=time.monotonic(), floor=floor, cause=cause)

    async def _submission_floor(self) -> int:
        """The highest job id known before a submission about to be made (0: unknown)."""
        return await self._finder.floor()

    def _refuse_token_in_environment(self, spec: JobSpec) -> None:
        token = self.factory.token
        if token is None:
            return
        secret = token.reveal()
        for name, value in spec.environment.items():
            if secret in value:
                raise ConfigurationError(
                    f"the job's environment variable {name} holds your S3M token: it would be stored with "
                    "the job and visible in its environment; remove it (--export=ALL never copies it)"
                )

    async def _keyed_jobs(self) -> Iterable[tuple[int, str]]:
        """(job id, comment) of every job in the queue, for the submission-key search (no retries:
        the search has its own backoff)."""
        reply = await self._fast("GetJobs", retry=_NO_RETRY)
        return [(view.job_id, view.comment) for view in _listing(reply, "jobs", JobView)]

    async def _comment_of(self, job_id: int) -> str:
        return (await self.job(job_id)).comment

    async def cancel(self, job_id: int | str, *, signal: str | None = None) -> list[SlurmWarning]:
        """Cancel a job (Slurm's default signal, SIGKILL), or send it ``signal``; Slurm's warnings.

        Cancelling a job that has already finished succeeds, as with slurmrestd, with a warning
        saying so (nothing was cancelled): the caller decides whether that matters.
        """
        request = self._pb.DeleteJobReq(job_id=str(job_id), signal=signal or "")
        call = self.factory.make_call(BY_NAME["DeleteJob"], self._version, request, resource=self.resource)
        if self.checks:  # once the values are checked (make_call): PermissionDenied for read-only
            await self.facility.check("DeleteJob")
        # A signal is sent at most once: a retry after an ambiguous failure could deliver it twice.
        reply: FastReply = await self.factory.invoke(call, retry=_NO_RETRY if signal else None)
        return reply.warnings

    async def watch(
        self, jobs: Iterable[Job], *, interval: float = 5.0
    ) -> AsyncGenerator[tuple[Job, str, str], None]:
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


def _listing(reply: FastReply, name: str, view: type[View]) -> Listing:
    return Listing(reply.items(name), view, reply.element(name))


__all__ = ["DEFAULT_URL", "Backoff", "Job", "Slurm"]

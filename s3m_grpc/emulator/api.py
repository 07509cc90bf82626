"""The gateway core both protocols share: auth, routing, faults, the work, and the reply.

A front end (gRPC or REST) turns a request into a ``Request``, hands it to ``Gateway.handle`` and
writes back what it gets: a ``Reply`` that renders itself as JSON or protobuf bytes for the
request's API version (``render``), or an ``ApiError`` with the gRPC status, HTTP status and
Slurm ``errors[]`` to answer with.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from s3m_grpc.emulator import render
from s3m_grpc.emulator.backend import Backend, resolved
from s3m_grpc.emulator.facility import Facility, TokenBook, TokenDetails
from s3m_grpc.emulator.faults import Fault, FaultPlan
from s3m_grpc.emulator.state import SlurmRejection
from s3m_grpc.errors import SlurmError, SlurmWarning, for_grpc_code
from s3m_grpc.rpc import RESOURCE_KEY, VERSIONS, Rpc
from s3m_grpc.slurmdefs import ERRNOS, no_val

JsonObject = dict[str, Any]
#: The largest request either protocol accepts (a batch script is at most 4 MiB in Slurm): refused
#: from its declared size, before its bytes are read.
MAX_REQUEST_BYTES = 8 * 1024 * 1024
# slurmctld's RPC names, for diag's rpcs_by_message_type.
_MESSAGE_TYPES = {
    "Ping": "REQUEST_PING",
    "GetPartitions": "REQUEST_PARTITION_INFO",
    "PostJobSubmit": "REQUEST_SUBMIT_BATCH_JOB",
    "GetJob": "REQUEST_JOB_INFO_SINGLE",
    "GetJobs": "REQUEST_JOB_INFO",
    "DeleteJob": "REQUEST_KILL_JOB",
    "GetNodes": "REQUEST_NODE_INFO",
    "GetReservations": "REQUEST_RESERVATION_INFO",
    "GetDiag": "REQUEST_STATS_INFO",
}
# An error reply still has the RPC's listing, empty, so that clients reading it find the field.
_EMPTY_LISTING = {
    "Ping": "pings",
    "GetPartitions": "partitions",
    "GetJob": "jobs",
    "GetJobs": "jobs",
    "DeleteJob": "status",
    "GetNodes": "nodes",
    "GetReservations": "reservations",
}


class ApiError(Exception):
    """A refused call: statuses for both protocols and a Slurm-style errors[] entry."""

    def __init__(
        self,
        grpc_status: int,
        http_status: int,
        number: int,
        error: str,
        description: str,
        source: str = "s3m-gateway",
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(description)
        self.grpc_status = grpc_status
        self.http_status = http_status
        self.error = SlurmError(number, error, description, source)
        self.retry_after = retry_after

    @classmethod
    def of(cls, number: int, description: str, *, source: str = "s3m-gateway") -> ApiError:
        """An error with the statuses and text of one of Slurm's error numbers."""
        errno = ERRNOS[number]
        return cls(errno.grpc_code, errno.http_status, number, errno.text, description, source)

    @property
    def entry(self) -> JsonObject:
        """The error as an ``errors[]`` entry of a Slurm response."""
        e = self.error
        return {
            "error_number": e.error_number,
            "error": e.error,
            "description": e.description,
            "source": e.source,
        }

    @classmethod
    def from_rejection(cls, rejection: SlurmRejection) -> ApiError:
        """A slurmctld refusal, answered as S3M forwards it."""
        return cls(
            rejection.grpc_status,
            rejection.http_status,
            rejection.number,
            rejection.error,
            rejection.description,
            rejection.source,
        )


@dataclass
class Request:
    """One request, whichever protocol carried it."""

    protocol: str  # "grpc" or "rest"
    rpc: Rpc
    version: str  # "v0.0.43"
    resource: str | None
    token: str | None
    params: JsonObject = field(default_factory=dict)  # job_id/signal/flags, or the JobSubmitReq JSON


@dataclass
class Reply:
    """A successful answer, rendered on demand for the request's version and protocol."""

    request: Request
    body: JsonObject
    backend: Backend
    jobs: list[Any] | None = None  # listings render their jobs from the cache
    after: Fault | None = None  # truncated, malformed or accept_then_drop
    warnings: list[SlurmWarning] = field(default_factory=list)
    gateway: Gateway | None = None

    def json(self) -> bytes:
        """JSON bytes, keyed by the message's field names."""
        return self._render("json")

    def proto(self) -> bytes:
        """Protobuf bytes of the RPC's response message."""
        return self._render("proto")

    def _render(self, fmt: str) -> bytes:
        request, backend = self.request, self.backend
        version = VERSIONS[request.version]
        cluster = backend.model.name
        release = getattr(backend, "release", ("25", "05", "8"))
        warnings = [
            {"warning": w.description, "description": w.description, "source": w.source}
            for w in self.warnings
        ]
        body = {
            **render.shape(request.rpc.name, self.body, request.version),
            "meta": render.meta(request.version, cluster, release),
            "errors": [],
            "warnings": warnings,
        }
        rest = render.encode(version, request.rpc.response, body, fmt)
        if self.jobs is None:
            return rest
        kind = "info" if request.rpc.name == "GetJobs" else "record"
        shaper = render.job_info if kind == "info" else render.job_record
        source = backend.job_info if kind == "info" else backend.job_record
        if self.gateway is None:
            raise RuntimeError("a job listing rendered without its gateway")

        def make(job: Any) -> Any:  # called for the jobs the cache does not hold (one closure, not 10,000)
            return shaper(source(job), request.version)

        parts = self.gateway.job_cache.render(
            cluster,
            request.version,
            fmt,
            kind,
            [(job.job_id, job.rev, job) for job in self.jobs],
            make,
            full_listing=kind == "info",
        )
        return render.join_jobs(version, request.rpc.response, parts, rest, fmt)


@dataclass
class Resource:
    """A resource name, the API versions it offers, and its backend."""

    name: str
    versions: tuple[str, ...]
    scheduler: Backend


class Gateway:
    """S3M's front door: checks, faults and dispatch for every resource."""

    def __init__(
        self,
        resources: Mapping[str, Resource],
        *,
        tokens: Collection[str] | None,
        readonly_tokens: Collection[str] = (),
        faults: FaultPlan | None = None,
        facility: Facility | None = None,
        project: str = "EMU001",
        token_expires: dt.datetime | None = None,
    ) -> None:
        self.resources = dict(resources)
        #: The accepted tokens and their scopes (compared in constant time; revocable).
        self.tokens = TokenBook(tokens, readonly_tokens, project=project, expires=token_expires)
        self.faults = faults or FaultPlan()
        self.job_cache = render.JobCache()
        #: The Status API's board: these resources and their downtimes (none unless given).
        self.facility = facility or Facility(self.resources)

    def authenticate(self, presented: str | None) -> str:
        """The token's scope, or ApiError UNAUTHENTICATED (checked before anything else is read)."""
        scope = self.tokens.scope(presented)
        if scope is None:
            raise ApiError.of(9008, "missing or invalid S3M token")
        return scope

    def token_details(self, presented: str | None) -> TokenDetails:
        """What introspection tells about the token presented (UNAUTHENTICATED for an unknown one)."""
        return self.tokens.details(self.authenticate(presented))

    def revoke(self, presented: str | None) -> None:
        """Stop accepting the token presented, for good (S3M: "an irreversible action")."""
        self.authenticate(presented)
        self.tokens.revoke(presented or "")

    def route(self, request: Request) -> Resource:
        """The resource a request names, and check that it offers the request's API version."""
        valid = ", ".join(sorted(self.resources))
        if not request.resource:
            raise ApiError(
                3,
                400,
                9000,
                "Invalid query",
                f"no {RESOURCE_KEY} metadata: S3M routes every SlurmIndirect call by it (one of {valid})",
            )
        resource = self.resources.get(request.resource)
        if resource is None:
            raise ApiError.of(9007, f"no resource named {request.resource[:64]!r}; the resources are {valid}")
        if request.version not in resource.versions:
            # NOT_FOUND on gRPC as 404 on REST: the (resource, version) pair does not exist, so
            # the client raises the same NotFound over every transport.
            raise ApiError(
                5,
                404,
                9007,
                "Unsupported API version",
                f"{resource.name} offers Slurm API {', '.join(resource.versions)}, not {request.version}",
            )
        return resource

    async def handle(self, request: Request, *, scope: str | None = None) -> Reply:
        """Check, delay or fail as planned, do the work, and return the reply (or raise ApiError)."""
        scope = scope or self.authenticate(request.token)
        resource = self.route(request)
        if (not request.rpc.idempotent or request.rpc.name == "DeleteJob") and scope != "compute-ace":
            raise ApiError.of(2002, "a compute-ace-readonly token cannot submit or cancel jobs")
        delay, fault = self.faults.pick(request.rpc.name, request.protocol)
        if delay:
            await asyncio.sleep(delay)
        if fault is not None and fault.kind in ("unavailable", "rate_limit", "error", "status"):
            raise _fault_error(fault)
        if fault is not None and fault.kind == "drop":
            raise DropConnection()
        backend = resource.scheduler
        backend.count_rpc(_MESSAGE_TYPES[request.rpc.name])
        try:
            reply = await self._dispatch(request, backend)
        except SlurmRejection as rejection:
            raise ApiError.from_rejection(rejection) from None
        if fault is not None:
            reply.after = fault  # malformed, truncated or accept_then_drop: the work is done
        return reply

    def error_body(self, request: Request, error: ApiError) -> JsonObject:
        """An error reply's JSON: the RPC's (empty) listing, meta, errors[], warnings[]."""
        resource = self.resources.get(request.resource or "")
        cluster = resource.scheduler.model.name if resource is not None else ""
        version = request.version if request.version in VERSIONS else "v0.0.43"
        body: JsonObject = {"meta": render.meta(version, cluster, ("25", "05", "8"))}
        listing = _EMPTY_LISTING.get(request.rpc.name)
        if listing:
            body[listing] = []
        return {**body, "errors": [error.entry], "warnings": []}

    async def _dispatch(self, request: Request, backend: Backend) -> Reply:
        name, p = request.rpc.name, request.params
        reply = Reply(request, {}, backend, gateway=self)
        now = no_val(int(backend.clock()))
        if name == "Ping":
            reply.body = {"pings": [await backend.ping()]}
        elif name == "GetPartitions":
            reply.body = {"partitions": await resolved(backend.partition_list()), "last_update": now}
        elif name == "GetNodes":
            reply.body = {"nodes": await resolved(backend.node_list()), "last_update": now}
        elif name == "GetReservations":
            reply.body = {
                "reservations": await resolved(backend.reservation_list()),
                "last_update": no_val(backend.started_at),
            }
        elif name == "GetDiag":
            reply.body = {"statistics": await resolved(backend.diag())}
        elif name == "GetJobs":
            reply.jobs = await resolved(backend.visible_jobs())
            reply.body = {"last_backfill": no_val(), "last_update": now}
        elif name == "GetJob":
            reply.jobs = [await resolved(backend.lookup(_job_id(p.get("job_id"))))]
        elif name == "DeleteJob":
            job_id = _job_id(p.get("job_id"))
            done = await resolved(
                backend.cancel(job_id, str(p.get("signal") or ""), str(p.get("flags") or ""))
            )
            error = {"string": "No error", "code": 0, "message": ""}
            if done:  # already ended: success with a warning, as slurmrestd answers ESLURM_ALREADY_DONE
                reply.warnings.append(SlurmWarning(done, "_signal_job"))
                errno = ERRNOS[2021]
                error = {"string": errno.text, "code": errno.number, "message": done}
            reply.body = {
                "status": [
                    {
                        "error": error,
                        "step_id": "batch",
                        "job_id": no_val(job_id),
                        "federation": {"sibling": ""},
                    }
                ]
            }
        elif name == "PostJobSubmit":
            job, script = submission(p, request.version)
            job_id = await resolved(backend.submit(job, script))
            reply.body = {"job_id": job_id, "step_id": "batch", "job_submit_user_msg": ""}
        return reply


class DropConnection(Exception):
    """The front end must close the connection without answering."""


def _fault_error(fault: Fault) -> ApiError:
    if fault.kind == "unavailable":
        return ApiError.of(1800, "injected: service unavailable")
    if fault.kind == "rate_limit":
        return ApiError(
            8, 429, 2050, "Too many requests", "injected: rate limit", retry_after=fault.retry_after
        )
    if fault.kind == "status":
        http = for_grpc_code(fault.code).http_status
        return ApiError(fault.code, http, 0, f"status {fault.code}", f"injected {fault.code}")
    return ApiError.of(2090, "injected: internal error")


def _job_id(raw: Any) -> int:
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**32:
        raise SlurmRejection(
            2017, description=f"job id {text[:40]!r} is not a job id", grpc_status=3, http_status=400
        )
    return int(text)


def submission(body: JsonObject, version: str) -> tuple[JsonObject, str]:
    """(job description, script) from a JobSubmitReq body, as Slurm reads one.

    v0.0.44 takes ``script`` with one description in ``jobs`` (OLCF's form) or ``job`` with its
    own script; several ``jobs`` are one heterogeneous job, which this emulator does not run.
    """
    jobs = body.get("jobs") or []
    job = body.get("job")
    if job and jobs:
        raise SlurmRejection(9001, description="send either job or jobs, not both", source="job_submit_req")
    if len(jobs) > 1:
        raise SlurmRejection(
            9001,
            description=f"jobs holds {len(jobs)} components: one heterogeneous job, which the emulator "
            "does not run (Slurm would start them as one job, not as separate submissions)",
            source="job_submit_req",
        )
    job = job or (jobs[0] if jobs else None)
    if not isinstance(job, dict):
        raise SlurmRejection(2009, description="no job description", source="job")
    for key, value in job.items():  # C strings in slurmctld: a NUL would cut the value short
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise SlurmRejection(9001, description=f"{key} contains a NUL character", source="job")
    script = job.get("script") or body.get("script") or ""
    if job.get("script") and body.get("script") and job["script"] != body["script"]:
        raise SlurmRejection(
            9001, description="two different scripts (script and the job's)", source="job_submit_req"
        )
    return job, str(script)


__all__ = [
    "MAX_REQUEST_BYTES",
    "ApiError",
    "DropConnection",
    "Gateway",
    "Reply",
    "Request",
    "Resource",
    "submission",
]

"""The gateway core both protocols share: auth, routing, faults, the work, and rendering.

A front end (gRPC or REST) turns a request into a ``Call``, hands it to ``Gateway.handle`` and
writes back what it gets: a ``Reply`` that renders itself as Slurm JSON or protobuf bytes for the
call's API version, or an ``ApiError`` with the gRPC status, HTTP status and Slurm ``errors[]`` to
answer with. Rendered jobs are cached per (job, revision, version, format), so a listing of 10,000
queued jobs is mostly concatenation.
"""

from __future__ import annotations

import asyncio
import hmac
import importlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from s3m_grpc.emulator.backend import Backend, resolved
from s3m_grpc.emulator.faults import Fault, FaultPlan
from s3m_grpc.emulator.scheduler import SLURM_RELEASE, Job, SlurmRejection, no_val
from s3m_grpc.errors import SlurmError, for_grpc_code
from s3m_grpc.rpc import PACKAGES, Rpc
from s3m_grpc.slurmjson import normalize

JsonObject = dict[str, Any]
# The members each response schema requires, for error bodies (which must still validate).
_EMPTY_BODY: dict[str, JsonObject] = {
    "Ping": {"pings": []},
    "GetPartitions": {"partitions": [], "last_update": no_val()},
    "PostJobSubmit": {},
    "GetJob": {"jobs": [], "last_backfill": no_val(), "last_update": no_val()},
    "GetJobs": {"jobs": [], "last_backfill": no_val(), "last_update": no_val()},
    "DeleteJob": {"status": []},
    "GetNodes": {"nodes": [], "last_update": no_val()},
    "GetReservations": {"reservations": [], "last_update": no_val()},
    "GetDiag": {"statistics": {}},
}
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


class ApiError(Exception):
    """A refused call: statuses for both protocols and Slurm-style errors[]."""

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
class Call:
    """One request, whichever protocol carried it."""

    protocol: str  # "grpc" or "rest"
    rpc: Rpc
    version: str  # "v0.0.43"
    resource: str | None
    token: str | None
    params: JsonObject = field(default_factory=dict)  # job_id/signal/flags, or the JobSubmitReq JSON


@dataclass
class Reply:
    """A successful answer, rendered on demand for the call's version and protocol."""

    renderer: Renderer
    call: Call
    body: JsonObject
    jobs: list[Job] | None = None  # listings render their jobs from the cache
    scheduler: Backend | None = None
    after: Fault | None = None  # truncated, malformed or accept_then_drop

    def json(self) -> bytes:
        """Slurm JSON bytes."""
        return self.renderer.render(self, "json")

    def proto(self) -> bytes:
        """Protobuf bytes of the RPC's response message."""
        return self.renderer.render(self, "proto")


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
    ) -> None:
        self.resources = dict(resources)
        self.tokens = None if tokens is None else [t.encode() for t in tokens]
        self.readonly = [t.encode() for t in readonly_tokens]
        self.faults = faults or FaultPlan()
        self.renderer = Renderer()

    def scope(self, presented: str | None) -> str | None:
        """'compute-ace', 'compute-ace-readonly' or None, compared in constant time against every token."""
        if self.tokens is None:
            return "compute-ace"
        if not presented:
            return None
        given = presented.encode()
        # Every comparison runs, so the time taken does not tell which token nearly matched.
        full = sum(hmac.compare_digest(given, t) for t in self.tokens)
        readonly = sum(hmac.compare_digest(given, t) for t in self.readonly)
        return "compute-ace" if full else "compute-ace-readonly" if readonly else None

    async def handle(self, call: Call) -> Reply:
        """Check, delay or fail as planned, do the work, and return the reply (or raise ApiError)."""
        scope = self.scope(call.token)
        if scope is None:
            raise ApiError(16, 401, 9008, "Authentication failure", "missing or invalid S3M token")
        resource = self.resources.get(call.resource or "")
        if resource is None:
            raise ApiError(5, 404, 9007, "Unknown resource", f"no resource named {call.resource!r}")
        if call.version not in resource.versions:
            raise ApiError(
                12,
                404,
                9007,
                "Unsupported API version",
                f"{resource.name} does not offer Slurm API {call.version}",
            )
        if (not call.rpc.idempotent or call.rpc.name == "DeleteJob") and scope != "compute-ace":
            raise ApiError(
                7,
                403,
                2002,
                "Access/permission denied",
                "a compute-ace-readonly token cannot submit or cancel jobs",
            )
        delay, fault = self.faults.pick(call.rpc.name, call.protocol)
        if delay:
            await asyncio.sleep(delay)
        if fault is not None and fault.kind in ("unavailable", "rate_limit", "error", "status"):
            raise _fault_error(fault)
        if fault is not None and fault.kind == "drop":
            raise DropConnection()
        scheduler = resource.scheduler
        scheduler.count_rpc(_MESSAGE_TYPES[call.rpc.name])
        try:
            reply = await self._dispatch(call, scheduler)
        except SlurmRejection as rejection:
            raise ApiError.from_rejection(rejection) from None
        if fault is not None:
            reply.after = fault  # malformed, truncated or accept_then_drop: the work is done
        return reply

    async def _dispatch(self, call: Call, scheduler: Backend) -> Reply:
        name, p = call.rpc.name, call.params
        reply = Reply(self.renderer, call, {}, scheduler=scheduler)
        now = no_val(int(scheduler.clock()))
        if name == "Ping":
            reply.body = {"pings": [await scheduler.ping()]}
        elif name == "GetPartitions":
            reply.body = {"partitions": await resolved(scheduler.partition_list()), "last_update": now}
        elif name == "GetNodes":
            reply.body = {"nodes": await resolved(scheduler.node_list()), "last_update": now}
        elif name == "GetReservations":
            reply.body = {
                "reservations": await resolved(scheduler.reservation_list()),
                "last_update": no_val(scheduler.started_at),
            }
        elif name == "GetDiag":
            reply.body = {"statistics": await resolved(scheduler.diag())}
        elif name == "GetJobs":
            reply.jobs = await resolved(scheduler.visible_jobs())
            reply.body = {"last_backfill": no_val(), "last_update": now}
        elif name == "GetJob":
            reply.jobs = [await resolved(scheduler.job(_job_id(p.get("job_id"))))]
            reply.body = {"last_backfill": no_val(), "last_update": now}
        elif name == "DeleteJob":
            job_id = _job_id(p.get("job_id"))
            await resolved(scheduler.cancel(job_id, str(p.get("signal") or ""), str(p.get("flags") or "")))
            reply.body = {
                "status": [
                    {
                        "error": {"string": "No error", "code": 0, "message": ""},
                        "step_id": "batch",
                        "job_id": no_val(job_id),
                        "federation": {"sibling": ""},
                    }
                ]
            }
        elif name == "PostJobSubmit":
            job, script = _submission(p)
            job_id = await resolved(scheduler.submit(job, script))
            reply.body = {"job_id": job_id, "step_id": "batch", "job_submit_user_msg": ""}
        return reply


class DropConnection(Exception):
    """The front end must close the connection without answering."""


def _fault_error(fault: Fault) -> ApiError:
    if fault.kind == "unavailable":
        return ApiError(
            14,
            503,
            1800,
            "Unable to contact slurm controller (connect failure)",
            "injected: service unavailable",
        )
    if fault.kind == "rate_limit":
        return ApiError(
            8, 429, 2050, "Too many requests", "injected: rate limit", retry_after=fault.retry_after
        )
    if fault.kind == "status":
        http = for_grpc_code(fault.code).http_status
        return ApiError(fault.code, http, 0, f"status {fault.code}", f"injected {fault.code}")
    return ApiError(13, 500, 2090, "Internal error", "injected: internal error")


def _job_id(raw: Any) -> int:
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**32:
        raise SlurmRejection(
            2017,
            "Invalid job id specified",
            f"job id {text[:40]!r} is not a job id",
            grpc_status=3,
            http_status=400,
        )
    return int(text)


def _submission(body: JsonObject) -> tuple[JsonObject, str]:
    """(job description, script) from a JobSubmitReq body; ``jobs`` (HetJob) takes its first."""
    jobs = body.get("jobs") or []
    job = body.get("job") or (jobs[0] if jobs else None)
    if body.get("job") and jobs:
        raise SlurmRejection(
            9001, "Failed to parse", "send either job or jobs, not both", source="job_submit_req"
        )
    if not isinstance(job, dict):
        raise SlurmRejection(2009, "Job script not specified", "no job description", source="job")
    script = body.get("script") or job.get("script") or ""
    return job, str(script)


class Renderer:
    """Slurm JSON and protobuf renderings per API version, with a cache for jobs."""

    def __init__(self) -> None:
        self._modules = {
            v: importlib.import_module(f"s3m_apis_pb.slurm.{p}.slurm_pb2") for v, p in PACKAGES.items()
        }
        # (resource, version, format) -> job id -> (revision, rendering)
        self._job_cache: dict[tuple[str, str, str], dict[int, tuple[int, bytes]]] = {}

    def meta(self, version: str, cluster: str, release: tuple[str, str, str] = SLURM_RELEASE) -> JsonObject:
        """slurmrestd's ``meta`` block (`release`: the Slurm version behind the gateway)."""
        major, minor, micro = release
        return {
            "plugin": {
                "type": "openapi/slurmctld",
                "name": "Slurm OpenAPI slurmctld",
                "data_parser": f"data_parser/{version}",
                "accounting_storage": "",
            },
            "client": {"source": "s3m-grpc emulator", "user": "", "group": ""},
            "command": [],
            "slurm": {
                "version": {"major": major, "micro": micro, "minor": minor},
                "release": ".".join(release),
                "cluster": cluster,
            },
        }

    def message_class(self, version: str, name: str) -> Any:
        """The upb class of a message in a version."""
        return getattr(self._modules[version], name)

    def error_body(self, call: Call, error: ApiError, cluster: str) -> JsonObject:
        """A Slurm-style error response for the call's endpoint (it still validates)."""
        return {
            **_EMPTY_BODY[call.rpc.name],
            "meta": self.meta(call.version, cluster),
            "errors": [error.entry],
            "warnings": [],
        }

    def encode(self, version: str, message: str, body: JsonObject, fmt: str) -> bytes:
        """One object as JSON or protobuf for a version (keys the version lacks are dropped)."""
        cls = self.message_class(version, message)
        clean = normalize(cls.DESCRIPTOR, body)
        if fmt == "proto":
            return cls(**clean).SerializeToString()  # type: ignore[no-any-return]
        return orjson.dumps(clean if version != "v0.0.43" else body)

    def render(self, reply: Reply, fmt: str) -> bytes:
        """The whole response of a reply."""
        call, scheduler = reply.call, reply.scheduler
        cluster = scheduler.model.name if scheduler is not None else ""
        release = getattr(scheduler, "release", SLURM_RELEASE)
        body = {**reply.body, "meta": self.meta(call.version, cluster, release), "errors": [], "warnings": []}
        rest = self.encode(call.version, call.rpc.response, body, fmt)
        if reply.jobs is None:
            return rest
        if scheduler is None:
            raise RuntimeError("a job listing without its scheduler")
        parts = self._jobs(scheduler, reply.jobs, call.version, fmt, listing=call.rpc.name == "GetJobs")
        if fmt == "proto":
            # `jobs` is field 1 of OpenapiJobInfoResp: each job is tag 0x0a, its length, its bytes.
            return b"".join(b"\x0a" + _varint(len(p)) + p for p in parts) + rest
        return b'{"jobs":[' + b",".join(parts) + b"]" + (b"," + rest[1:] if rest != b"{}" else b"}")

    def _jobs(
        self, scheduler: Backend, jobs: list[Job], version: str, fmt: str, *, listing: bool
    ) -> list[bytes]:
        key = (scheduler.model.name, version, fmt)
        cache = self._job_cache.setdefault(key, {})
        fresh: dict[int, tuple[int, bytes]] = {}
        out = []
        for job in jobs:
            hit = cache.get(job.job_id)
            if hit is None or hit[0] != job.rev:
                hit = (job.rev, self.encode(version, "JobInfo", scheduler.job_info(job), fmt))
            fresh[job.job_id] = hit
            out.append(hit[1])
        if listing:
            self._job_cache[key] = fresh  # a full listing: purged jobs fall out of the cache here
        else:
            cache.update(fresh)
        return out


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)

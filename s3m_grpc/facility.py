"""S3M's Status and TokenControl APIs at the high level: downtimes, and what a token may do.

``Slurm.status()`` reads the resources and their current and upcoming downtimes (the Status API
is open: no token is sent); ``Slurm.token_info()`` asks TokenControl about the token in use (its
project, scopes, expiry and the gRPC methods it may call; never the token itself). ``Slurm.submit``
uses both before sending anything: a read-only token is refused here, with the permission it
lacks named, and a downtime that covers the job's time draws a ``DowntimeWarning``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from s3m_grpc.errors import DowntimeWarning, NotFound, PermissionDenied, S3MError
from s3m_grpc.retry import RetryPolicy
from s3m_grpc.rpc import STATUS, TOKEN_CONTROL, ApiVersion

if TYPE_CHECKING:
    from s3m_grpc.factory import S3MClientFactory

log = logging.getLogger("s3m_grpc.client")

UTC: Final = dt.timezone.utc
#: The scope that allows submitting and cancelling jobs (OLCF's Compute page).
WRITE_SCOPE: Final = "compute-ace"
#: Introspection warns when a token expires sooner than this.
EXPIRY_WARNING: Final = dt.timedelta(days=7)
_WRITES: Final = {"PostJobSubmit": "submitting a job", "DeleteJob": "cancelling a job"}


def _time(message: Any, name: str) -> dt.datetime | None:
    """A Timestamp field as an aware datetime; None when unset."""
    if not message.HasField(name):
        return None
    value: dt.datetime = getattr(message, name).ToDatetime(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class Downtime:
    """One downtime of a resource, current or upcoming."""

    resource: str
    start: dt.datetime | None
    end: dt.datetime | None
    description: str
    scheduled: bool
    reboot: bool

    @classmethod
    def of(cls, message: Any) -> Downtime:
        """From an ``olcf.s3m.status.v1alpha.Downtime``."""
        return cls(
            message.resource_name,
            _time(message, "start"),
            _time(message, "end"),
            message.description,
            message.attributes.scheduled,
            message.attributes.reboot,
        )

    def covers(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether it overlaps the span from `start` to `end`."""
        return (self.start is None or self.start < end) and (self.end is None or self.end > start)

    def describe(self) -> str:
        """``hardware maintenance, 2026-12-02 10:00 to 14:00 UTC``."""
        fmt = "%Y-%m-%d %H:%M"
        span = f"{self.start:{fmt}}" if self.start else "now"
        if self.end is not None:
            same_day = self.start is not None and self.start.date() == self.end.date()
            span += f" to {self.end:{'%H:%M' if same_day else fmt}}"
        return f"{self.description or 'downtime'}, {span} UTC"


@dataclass(frozen=True)
class ResourceStatus:
    """One resource as the Status API reports it."""

    name: str
    description: str
    status: str  # OPERATIONAL, UNAVAILABLE or UNSPECIFIED
    security_enclave: str
    upcoming: tuple[Downtime, ...]
    retrieved_at: dt.datetime | None

    @classmethod
    def of(cls, message: Any) -> ResourceStatus:
        """From an ``olcf.s3m.status.v1alpha.Resource``."""
        return cls(
            message.name,
            message.description,
            message.DESCRIPTOR.fields_by_name["status"].enum_type.values_by_number[message.status].name,
            message.security_enclave,
            tuple(Downtime.of(d) for d in message.upcoming_downtimes),
            _time(message, "retrieved_at"),
        )


@dataclass(frozen=True)
class StatusReport:
    """Resources, and the downtimes in effect and coming (within ten days)."""

    resources: tuple[ResourceStatus, ...]
    current: tuple[Downtime, ...]
    upcoming: tuple[Downtime, ...]

    def for_resource(self, name: str) -> StatusReport:
        """The same report narrowed to one resource."""
        return StatusReport(
            tuple(r for r in self.resources if r.name == name),
            tuple(d for d in self.current if d.resource == name),
            tuple(d for d in self.upcoming if d.resource == name),
        )

    def conflicts(self, resource: str, now: dt.datetime, minutes: float | None) -> list[Downtime]:
        """Downtimes of `resource` in effect now or starting within the job's time limit."""
        end = now + dt.timedelta(minutes=minutes) if minutes else now + dt.timedelta(seconds=1)
        seen = [*self.current, *self.upcoming]
        return [d for d in seen if d.resource == resource and d.covers(now, end)]

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready document (times as ISO 8601)."""

        def down(d: Downtime) -> dict[str, Any]:
            return {
                "resource": d.resource,
                "start": d.start.isoformat() if d.start else None,
                "end": d.end.isoformat() if d.end else None,
                "description": d.description,
                "scheduled": d.scheduled,
                "reboot": d.reboot,
            }

        return {
            "resources": [
                {
                    "name": r.name,
                    "description": r.description,
                    "status": r.status,
                    "security_enclave": r.security_enclave,
                    "upcoming_downtimes": [down(d) for d in r.upcoming],
                }
                for r in self.resources
            ],
            "current_downtimes": [down(d) for d in self.current],
            "upcoming_downtimes": [down(d) for d in self.upcoming],
        }


@dataclass(frozen=True)
class TokenInfo:
    """What S3M says about the token in use: owner, project, scopes, expiry, allowed methods."""

    username: str
    project: str
    permissions: tuple[str, ...]
    expires: dt.datetime | None
    security_enclave: str
    description: str
    one_time: bool
    #: (gRPC method path, permission) pairs, when S3M listed them.
    grpc_permissions: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, message: Any) -> TokenInfo:
        """From an ``olcf.s3m.tms.v1.TokenDetailsIntrospective``."""
        return cls(
            message.username,
            message.project,
            tuple(message.permissions),
            _time(message, "planned_expiration"),
            message.security_enclave,
            message.description,
            message.one_time_token,
            tuple((p.path, p.permission) for p in message.grpc_permissions),
        )

    def expires_in(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        """Time left before the token expires (negative once it has); None: no expiry reported."""
        if self.expires is None:
            return None
        return self.expires - (now or dt.datetime.now(UTC))

    def may_call(self, path: str) -> bool | None:
        """Whether the token may call a gRPC method; None when S3M listed no methods."""
        if not self.grpc_permissions:
            return None
        return any(allowed == path for allowed, _ in self.grpc_permissions)

    def missing(self, rpc: str, api: ApiVersion) -> str | None:
        """Why this token may not make `rpc` (a message naming the permission), or None if it may."""
        what = _WRITES.get(rpc)
        if what is None:
            return None
        allowed = self.may_call(api.grpc_path(api.rpc(rpc)))
        if allowed is None:  # no method list: judge by the scopes
            allowed = WRITE_SCOPE in self.permissions or not any(
                p.startswith(WRITE_SCOPE) for p in self.permissions
            )
        if allowed:
            return None
        held = ", ".join(self.permissions) or "no permissions"
        return (
            f"this token ({held}) may not make {rpc}: {what} needs the {WRITE_SCOPE} permission. "
            f"Make a token with {WRITE_SCOPE} for project {self.project or '?'} on myOLCF (S3M Access)"
        )

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready document (the token's details, never the token)."""
        return {
            "username": self.username,
            "project": self.project,
            "permissions": list(self.permissions),
            "expires": self.expires.isoformat() if self.expires else None,
            "security_enclave": self.security_enclave,
            "description": self.description,
            "one_time": self.one_time,
            "grpc_permissions": [{"path": p, "permission": g} for p, g in self.grpc_permissions],
        }


def allowed_methods(info: TokenInfo) -> Sequence[str]:
    """The short names of the methods a token may call (``SlurmIndirect/PostJobSubmit``), deduplicated."""
    seen: dict[str, None] = {}
    for path, _ in info.grpc_permissions:
        service, _, method = path.rpartition("/")
        seen[f"{service.rsplit('.', 1)[-1]}/{method}"] = None
    return list(seen)


class FacilityClient:
    """Status and TokenControl calls for one client, with the checks a submission makes first."""

    #: How long a status report is reused before a submission asks again (S3M caches 15 minutes).
    STATUS_TTL: Final = 60.0
    #: The checks before a submission must not hold it up for long: a slow answer is skipped.
    CHECK_TIMEOUT: Final = 5.0

    def __init__(self, factory: S3MClientFactory, resource: str, api: ApiVersion) -> None:
        self.factory = factory
        self.resource = resource
        self.api = api
        self._token: TokenInfo | None = None
        self._status: tuple[float, StatusReport] | None = None

    async def _message(
        self, api: ApiVersion, rpc: str, request: Any = None, *, timeout: float | None, checking: bool
    ) -> Any:
        call = self.factory.make_call(api.rpc(rpc), api, request, resource=self.resource, timeout=timeout)
        # A check before a submission is tried once: it must not hold the submission up.
        return (await self.factory.invoke(call, retry=_ONCE if checking else None)).message

    async def status(
        self, resource: str | None = None, *, timeout: float | None = None, checking: bool = False
    ) -> StatusReport:
        """Resources and their current and upcoming downtimes; one resource if named (NotFound if unknown)."""
        resources, current, upcoming = await asyncio.gather(
            *(
                self._message(STATUS, rpc, timeout=timeout, checking=checking)
                for rpc in ("ListResources", "ListDowntimesCurrent", "ListDowntimesUpcoming")
            )
        )
        report = StatusReport(
            tuple(ResourceStatus.of(r) for r in resources.resources),
            tuple(Downtime.of(d) for d in current.downtimes),
            tuple(Downtime.of(d) for d in upcoming.downtimes),
        )
        if resource is None:
            return report
        if not any(r.name == resource for r in report.resources):
            names = ", ".join(r.name for r in report.resources) or "none"
            raise NotFound(
                f"S3M's status lists no resource {resource!r} (it lists: {names})", rpc="ListResources"
            )
        return report.for_resource(resource)

    async def token_info(self, *, timeout: float | None = None, checking: bool = False) -> TokenInfo:
        """What S3M says about the token in use (UNAUTHENTICATED without a valid one)."""
        request = TOKEN_CONTROL.upb.IntrospectAuthTokenRequest(grpc_permissions=True)
        reply = await self._message(
            TOKEN_CONTROL, "IntrospectAuthToken", request, timeout=timeout, checking=checking
        )
        return TokenInfo.of(reply.token)

    async def check(self, rpc: str, *, minutes: float | None = None) -> None:
        """Before `rpc` goes out: PermissionDenied if the token may not make it; DowntimeWarning if
        the resource is in a downtime, or one begins within `minutes` (the job's time limit).

        Either check is skipped, never fatal, when S3M cannot answer it: the gateway has the last
        word on permissions anyway, and a status page that is down must not stop a submission.
        """
        token, status = await asyncio.gather(
            self._cached_token(),
            self._cached_status() if rpc == "PostJobSubmit" else _none(),
            return_exceptions=True,
        )
        for outcome in (token, status):
            if isinstance(outcome, BaseException) and not isinstance(outcome, S3MError):
                raise outcome
        if isinstance(token, TokenInfo):
            reason = token.missing(rpc, self.api)
            if reason is not None:
                raise PermissionDenied(reason, rpc=rpc)
        if isinstance(status, StatusReport):
            now = dt.datetime.now(UTC)
            for downtime in status.conflicts(self.resource, now, minutes):
                if downtime.covers(now, now + dt.timedelta(seconds=1)):
                    text = (
                        f"is in a downtime ({downtime.describe()}): "
                        "the job will wait in the queue until it ends"
                    )
                else:
                    text = (
                        f"has a downtime within the job's time limit ({downtime.describe()}): "
                        "Slurm may not start the job until after it"
                    )
                warnings.warn(f"{self.resource} {text}", DowntimeWarning, stacklevel=4)

    async def _cached_token(self) -> TokenInfo | None:
        if self.factory.token is None:
            return None
        if self._token is None:
            try:
                self._token = await self.token_info(timeout=self.CHECK_TIMEOUT, checking=True)
            except S3MError as exc:
                log.debug("token introspection skipped: %s", type(exc).__name__)
                raise
        return self._token

    async def _cached_status(self) -> StatusReport:
        cached = self._status
        if cached is not None and time.monotonic() - cached[0] < self.STATUS_TTL:
            return cached[1]
        try:
            report = await self.status(timeout=self.CHECK_TIMEOUT, checking=True)
        except S3MError as exc:
            log.debug("status check skipped: %s", type(exc).__name__)
            raise
        self._status = (time.monotonic(), report)
        return report


_ONCE: Final = RetryPolicy.none()


async def _none() -> None:
    return None


__all__ = [
    "EXPIRY_WARNING",
    "WRITE_SCOPE",
    "Downtime",
    "FacilityClient",
    "ResourceStatus",
    "StatusReport",
    "TokenInfo",
    "allowed_methods",
]

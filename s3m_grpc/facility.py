"""S3M's Status and TokenControl APIs at the high level: downtimes, and what a token may do.

``Slurm.status()`` reads the resources and their current and upcoming downtimes (the Status API
is open: no token is sent); ``Slurm.token_info()`` asks TokenControl about the token in use (its
project, scopes, expiry and the gRPC methods it may call; never the token itself). ``Slurm.submit``
uses both before sending anything: a read-only token is refused here, with the permission it
lacks named, and a downtime that covers the job's time draws a ``DowntimeWarning``. The values
are here; the calls and the checks are in ``s3m_grpc.facility_client``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

UTC: Final = dt.timezone.utc
#: The scope that allows submitting and cancelling jobs (OLCF's Compute page), and the read-only one.
WRITE_SCOPE: Final = "compute-ace"
READONLY_SCOPE: Final = "compute-ace-readonly"
#: Introspection warns when a token expires sooner than this.
EXPIRY_WARNING: Final = dt.timedelta(days=7)
_WRITES: Final = {"PostJobSubmit": "submitting a job", "DeleteJob": "cancelling a job"}


def _time(message: Any, name: str) -> dt.datetime | None:
    """A Timestamp field as an aware datetime; None when unset."""
    if not message.HasField(name):
        return None
    value: dt.datetime = getattr(message, name).ToDatetime(tzinfo=UTC)
    return value


def _enum_name(message: Any, name: str) -> str:
    """An enum field's name; ``UNKNOWN(7)`` for a number this client does not know (proto3 keeps it)."""
    number = getattr(message, name)
    value = message.DESCRIPTOR.fields_by_name[name].enum_type.values_by_number.get(number)
    return value.name if value is not None else f"UNKNOWN({number})"


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
            _enum_name(message, "status"),
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

    def unavailable(self, resource: str) -> bool:
        """Whether the Status API reports `resource` UNAVAILABLE (with or without a downtime listed)."""
        return any(r.name == resource and r.status == "UNAVAILABLE" for r in self.resources)

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

    def missing(self, rpc: str) -> str | None:
        """Why this token may not make `rpc` (a message naming the permission), or None if it may.

        Judged by the scopes alone, and only where they say so (a read-only scope without the full
        one): S3M's method list has no published format, and the gateway has the last word.
        """
        what = _WRITES.get(rpc)
        if what is None or WRITE_SCOPE in self.permissions or READONLY_SCOPE not in self.permissions:
            return None
        held = ", ".join(self.permissions)
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


__all__ = [
    "EXPIRY_WARNING",
    "READONLY_SCOPE",
    "WRITE_SCOPE",
    "Downtime",
    "ResourceStatus",
    "StatusReport",
    "TokenInfo",
    "allowed_methods",
]

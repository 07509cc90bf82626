"""What S3M's Status and TokenControl APIs answer in the emulator: downtimes and token details.

Downtimes come from the emulator's config (``[[downtimes]]`` in TOML) or ``--downtime``; each has a
resource, a start and an end in wall-clock time (not the emulator's scaled job clock: a downtime
is an appointment with people). A downtime is *current* from its start to its end, *upcoming*
when it starts within the next ten days, as OLCF's page says. Token details describe the tokens
the emulator accepts: their scope (``compute-ace`` or ``compute-ace-readonly``), project, expiry,
and which gRPC methods they may call.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from s3m_grpc.errors import ConfigurationError
from s3m_grpc.rpc import ROUTES, STATUS

UTC: Final = dt.timezone.utc
#: "Upcoming" reaches this far ahead (OLCF: "scheduled downtimes within the next 10 days").
UPCOMING: Final = dt.timedelta(days=10)
FULL_SCOPE: Final = "compute-ace"
READONLY_SCOPE: Final = "compute-ace-readonly"
# Methods that change something: a read-only token may not call them.
_WRITES: Final = frozenset({"PostJobSubmit", "DeleteJob"})
_RELATIVE = re.compile(r"\+(\d{1,6})([smhd])", re.ASCII)
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def when(text: str, *, now: dt.datetime | None = None) -> dt.datetime:
    """A time from ``now``, ``+90m``/``+2h``/``+1d``, or ISO 8601 (``2026-12-24T08:00:00Z``), in UTC."""
    now = now or dt.datetime.now(UTC)
    text = text.strip()
    if text == "now":
        return now
    relative = _RELATIVE.fullmatch(text)
    if relative:
        return now + dt.timedelta(seconds=int(relative[1]) * _UNITS[relative[2]])
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigurationError(
            f"invalid time {text[:40]!r}: use 'now', '+30m', '+2h', '+1d' or ISO 8601 "
            "such as 2026-12-24T08:00:00Z"
        ) from None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Downtime:
    """One planned (or unplanned) outage of a resource."""

    resource: str
    start: dt.datetime
    end: dt.datetime
    description: str = "Scheduled maintenance"
    scheduled: bool = True
    reboot: bool = False
    updated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(UTC))

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ConfigurationError(f"downtime of {self.resource}: its end must come after its start")

    def current(self, now: dt.datetime) -> bool:
        """In effect at `now`."""
        return self.start <= now < self.end

    def upcoming(self, now: dt.datetime) -> bool:
        """Starting after `now`, within the next ten days."""
        return now < self.start <= now + UPCOMING

    @classmethod
    def parse(cls, text: str, *, now: dt.datetime | None = None) -> Downtime:
        """From ``RESOURCE,START,END[,DESCRIPTION]`` (``defiant,now,+2h,hardware maintenance``)."""
        parts = text.split(",", 3)
        if len(parts) < 3 or not parts[0].strip():
            raise ConfigurationError(
                f"invalid downtime {text[:60]!r}: expected RESOURCE,START,END[,DESCRIPTION] "
                "such as 'defiant,now,+2h,hardware maintenance'"
            )
        description = parts[3].strip() if len(parts) == 4 and parts[3].strip() else "Scheduled maintenance"
        return cls(parts[0].strip(), when(parts[1], now=now), when(parts[2], now=now), description)

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any], *, now: dt.datetime | None = None) -> Downtime:
        """From a config entry: resource, start, end, and optionally description, scheduled, reboot."""
        known = {"resource", "start", "end", "description", "scheduled", "reboot"}
        unknown = sorted(set(spec) - known)
        if unknown or not {"resource", "start", "end"} <= set(spec):
            raise ConfigurationError(
                f"a [[downtimes]] entry takes {', '.join(sorted(known))} (resource, start and end required); "
                f"got {', '.join(sorted(spec))}"
            )

        def moment(value: Any) -> dt.datetime:
            if isinstance(value, dt.datetime):  # TOML has its own datetimes
                return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
            return when(str(value), now=now)

        return cls(
            str(spec["resource"]),
            moment(spec["start"]),
            moment(spec["end"]),
            str(spec.get("description", "Scheduled maintenance")),
            bool(spec.get("scheduled", True)),
            bool(spec.get("reboot", False)),
        )


@dataclass(frozen=True)
class TokenDetails:
    """What introspection tells about one accepted token (never the token itself)."""

    scope: str  # compute-ace or compute-ace-readonly
    project: str
    expires: dt.datetime
    description: str = "s3m emulator token"
    enclave: str = "open"

    @property
    def username(self) -> str:
        """The project's user account, ``{project}_auser`` as OLCF names it."""
        return f"{self.project.lower()}_auser"

    def may_call(self, path: str) -> bool:
        """Whether this token's scope allows a gRPC method."""
        found = ROUTES.get(path)
        if found is None:
            return False
        rpc, api = found
        return api is STATUS or self.scope == FULL_SCOPE or rpc.name not in _WRITES

    def grpc_permissions(self) -> list[tuple[str, str]]:
        """(method path, the scope that grants it) for every method this token may call."""
        return [(path, self._grant(path)) for path in sorted(ROUTES) if self.may_call(path)]

    def _grant(self, path: str) -> str:
        rpc, api = ROUTES[path]
        if api is STATUS:
            return "public"
        if api.family == "tms":
            return "token-self"
        return FULL_SCOPE if rpc.name in _WRITES else self.scope


class TokenBook:
    """The tokens the gateway accepts, their scopes, and those revoked (for good)."""

    def __init__(
        self,
        tokens: Collection[str] | None,
        readonly: Collection[str] = (),
        *,
        project: str = "EMU001",
        expires: dt.datetime | None = None,
    ) -> None:
        #: None: any token is accepted with full scope (a test gateway).
        self.full = None if tokens is None else [t.encode() for t in tokens]
        self.readonly = [t.encode() for t in readonly]
        self.revoked: list[bytes] = []
        self.project = project
        #: When the tokens expire, as introspection tells (default: 30 days from now).
        self.expires = expires or dt.datetime.now(UTC) + dt.timedelta(days=30)

    def scope(self, presented: str | None) -> str | None:
        """'compute-ace', 'compute-ace-readonly' or None, compared in constant time against every token."""
        given = (presented or "").encode("utf-8", "surrogateescape")
        # Every comparison runs, so the time taken does not tell which token nearly matched.
        revoked = given and sum(hmac.compare_digest(given, t) for t in self.revoked)
        if self.full is None:  # a test gateway: anything goes, bar a revoked token
            return None if revoked else FULL_SCOPE
        if not given or revoked:
            return None
        full = sum(hmac.compare_digest(given, t) for t in self.full)
        readonly = sum(hmac.compare_digest(given, t) for t in self.readonly)
        return FULL_SCOPE if full else READONLY_SCOPE if readonly else None

    def details(self, scope: str) -> TokenDetails:
        """What introspection tells about a token of `scope`."""
        return TokenDetails(scope, self.project, self.expires)

    def revoke(self, presented: str) -> None:
        """Refuse `presented` from now on."""
        self.revoked.append(presented.encode("utf-8", "surrogateescape"))


class Facility:
    """The emulator's status board: its resources and their downtimes, at the time of asking."""

    def __init__(self, resources: Iterable[str], downtimes: Iterable[Downtime] = ()) -> None:
        self.resources = list(resources)
        self.downtimes: list[Downtime] = []
        for downtime in downtimes:
            self.add(downtime)

    def add(self, downtime: Downtime) -> None:
        """Put a resource in a downtime (current or upcoming); ConfigurationError for an unknown resource."""
        if downtime.resource not in self.resources:
            raise ConfigurationError(
                f"downtime for unknown resource {downtime.resource}; "
                f"the resources are {', '.join(self.resources)}"
            )
        self.downtimes.append(downtime)

    def current(self, now: dt.datetime) -> list[Downtime]:
        """Downtimes in effect, earliest start first."""
        return sorted((d for d in self.downtimes if d.current(now)), key=lambda d: d.start)

    def upcoming(self, now: dt.datetime, resource: str | None = None) -> list[Downtime]:
        """Downtimes starting within ten days, earliest first."""
        found = (d for d in self.downtimes if d.upcoming(now) and resource in (None, d.resource))
        return sorted(found, key=lambda d: d.start)

    def down(self, resource: str, now: dt.datetime) -> bool:
        """Whether a downtime is in effect for `resource`."""
        return any(d.resource == resource and d.current(now) for d in self.downtimes)


__all__ = [
    "FULL_SCOPE",
    "READONLY_SCOPE",
    "UPCOMING",
    "Downtime",
    "Facility",
    "TokenBook",
    "TokenDetails",
    "when",
]

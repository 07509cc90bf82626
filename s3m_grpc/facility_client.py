"""The Status and TokenControl calls of one client, and the checks a submission makes first.

Before a submission (or a cancellation) the client asks TokenControl, once per client, what its
token may do: a read-only token is refused here, before anything is sent. A submission also asks
the Status API (a report reused for a minute) whether the resource is down, or will be within the
job's time limit: a warning, never a refusal. Neither check may hold a submission up: each is
bounded (5 s, or the call's own timeout if shorter), tried once, and after a failure left alone
(TokenControl for the client's lifetime, the Status API for a minute). The gateway has the last
word on permissions anyway.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Final, TypeVar

from s3m_grpc._aio import within
from s3m_grpc.errors import NotFound, PermissionDenied
from s3m_grpc.facility import UTC, Downtime, ResourceStatus, StatusReport, TokenInfo
from s3m_grpc.retry import RetryPolicy
from s3m_grpc.rpc import STATUS, TOKEN_CONTROL, ApiVersion

if TYPE_CHECKING:
    from s3m_grpc.factory import S3MClientFactory

log = logging.getLogger("s3m_grpc.client")
T = TypeVar("T")
_ONCE: Final = RetryPolicy.none()


class FacilityClient:
    """Status and TokenControl calls for one client, with the checks a submission makes first."""

    #: How long a status report (or a failure to get one) is reused (S3M itself caches 15 minutes).
    STATUS_TTL: Final = 60.0
    #: The longest a check may take before the submission goes ahead without it.
    CHECK_TIMEOUT: float = 5.0

    def __init__(self, factory: S3MClientFactory, resource: str, api: ApiVersion) -> None:
        self.factory = factory
        self.resource = resource
        self.api = api
        self._token: TokenInfo | None = None
        self._token_checked = False  # asked once per client, whatever the answer
        self._status: tuple[float, StatusReport | None] | None = None

    async def _message(
        self, api: ApiVersion, rpc: str, request: Any = None, *, timeout: float | None, checking: bool
    ) -> Any:
        call = self.factory.make_call(api.rpc(rpc), api, request, resource=self.resource, timeout=timeout)
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

    async def revoke_token(self, *, timeout: float | None = None) -> None:
        """Revoke the token in use, for good; calls with it fail from now on (never retried)."""
        await self._message(
            TOKEN_CONTROL,
            "RevokeAuthToken",
            TOKEN_CONTROL.upb.RevokeAuthTokenRequest(),
            timeout=timeout,
            checking=True,
        )
        self._token, self._token_checked = None, True

    async def check(
        self, rpc: str, *, minutes: float | None = None, timeout: float | None = None
    ) -> list[str]:
        """Before `rpc` goes out: PermissionDenied if the token may not make it; otherwise what to
        warn of (the resource is down, or a downtime begins within `minutes`, the job's time limit).
        """
        limit = self.CHECK_TIMEOUT if timeout is None else min(self.CHECK_TIMEOUT, timeout)
        token, report = await asyncio.gather(
            self._cached_token(limit),
            self._cached_status(limit) if rpc == "PostJobSubmit" else _nothing(),
        )
        if token is not None:
            reason = token.missing(rpc)
            if reason is not None:
                raise PermissionDenied(reason, rpc=rpc)
        return [] if report is None else self._notes(report, minutes)

    def _notes(self, report: StatusReport, minutes: float | None) -> list[str]:
        now = dt.datetime.now(UTC)
        notes = []
        for downtime in report.conflicts(self.resource, now, minutes):
            if downtime.covers(now, now + dt.timedelta(seconds=1)):
                notes.append(
                    f"{self.resource} is in a downtime ({downtime.describe()}): "
                    "the job will wait in the queue until it ends"
                )
            else:
                notes.append(
                    f"{self.resource} has a downtime within the job's time limit ({downtime.describe()}): "
                    "Slurm may not start the job until after it"
                )
        if not notes and report.unavailable(self.resource):  # an outage nobody planned
            notes.append(
                f"S3M's status reports {self.resource} UNAVAILABLE: the job may wait until it is back"
            )
        return notes

    async def _cached_token(self, limit: float) -> TokenInfo | None:
        if self.factory.token is None or self._token_checked:
            return self._token
        self._token_checked = True
        self._token = await _quietly(
            "token introspection", self.token_info(timeout=limit, checking=True), limit
        )
        return self._token

    async def _cached_status(self, limit: float) -> StatusReport | None:
        cached = self._status
        if cached is not None and time.monotonic() - cached[0] < self.STATUS_TTL:
            return cached[1]
        report = await _quietly("status check", self.status(timeout=limit, checking=True), limit)
        self._status = (time.monotonic(), report)  # a failure too: not asked again for a minute
        return report


async def _quietly(what: str, check: Awaitable[T], limit: float) -> T | None:
    """The check's answer, or None if it failed or took longer than `limit` (logged, never raised).

    Any exception, not only S3MError: an answer this client cannot read (a new enum value, a new
    shape) must not stop a submission that the gateway itself would take.
    """
    try:
        return await within(check, limit + 0.5)  # the call's own deadline comes first
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # any exception: see the docstring
        log.info("%s skipped: %s", what, type(exc).__name__, exc_info=log.isEnabledFor(logging.DEBUG))
        return None


async def _nothing() -> None:
    return None


__all__ = ["FacilityClient"]

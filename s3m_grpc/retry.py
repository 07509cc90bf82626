"""Retrying, as a small immutable value: which failures, how often, how long to wait.

Idempotent RPCs (ping, gets, listings, cancel) are retried on UNAVAILABLE (HTTP 502/503, a dropped
connection), on 429 (honouring Retry-After) and on an unusable reply, with exponential backoff and
full jitter, never past the call's overall deadline. A submission is retried here only when nothing
can have reached Slurm (the connection never opened, or 429: refused before any work); every other
failure of a submission is ambiguous, and ``Slurm.submit`` resolves it by its submission key.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from s3m_grpc._aio import Deadline
from s3m_grpc.errors import (
    ConfigurationError,
    DeadlineExceeded,
    ProtocolError,
    RateLimited,
    S3MError,
    Unavailable,
)

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How an RPC is retried. ``RetryPolicy.none()`` switches retries off (tests, or callers that retry)."""

    attempts: int = 4  # in all, the first one included
    initial: float = 0.2
    multiplier: float = 2.0
    maximum: float = 10.0
    retry_on: tuple[type[S3MError], ...] = (Unavailable, RateLimited, ProtocolError)

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.initial <= 0 or self.multiplier < 1 or self.maximum < self.initial:
            raise ConfigurationError(
                "RetryPolicy needs attempts >= 1, 0 < initial <= maximum, multiplier >= 1"
            )

    @classmethod
    def none(cls) -> RetryPolicy:
        """One attempt, no retries."""
        return cls(attempts=1)

    def should_retry(self, exc: S3MError, *, idempotent: bool) -> bool:
        """Is this failure worth another attempt for an RPC of this kind?"""
        if not isinstance(exc, self.retry_on):
            return False
        if idempotent:
            return True
        # A submission is sent again only after a failure that proves it did nothing (the
        # connection never opened, or a 429: refused before any work).
        return not exc.outcome_unknown

    def delay(self, attempt: int, exc: S3MError, rng: random.Random) -> float:
        """Seconds to wait before attempt number `attempt` + 1 (full jitter; Retry-After wins)."""
        if isinstance(exc, RateLimited) and exc.retry_after is not None and math.isfinite(exc.retry_after):
            return max(exc.retry_after, 0.0)
        cap = min(self.initial * self.multiplier ** (attempt - 1), self.maximum)
        return rng.uniform(0, cap)

    async def run(
        self, call: Callable[[float | None], Awaitable[T]], *, timeout: float | None, idempotent: bool
    ) -> T:
        """Run ``call(remaining_timeout)`` until it succeeds, the policy gives up, or the deadline passes."""
        deadline = Deadline.after(timeout)
        rng: random.Random | None = None  # made on the first retry: seeding costs ~8 us per call
        attempt = 1
        failed: S3MError | None = None  # the failure that made us retry
        while True:
            started = time.monotonic()
            try:
                return await call(deadline.remaining(floor=0.001))
            except S3MError as exc:
                timed_out = isinstance(exc, DeadlineExceeded) and deadline.passed()
                if timed_out and failed is not None and idempotent:
                    # A retry ran out of the caller's deadline: the failure that made us retry is
                    # the real one, whether the deadline fell in a backoff wait or in an attempt.
                    # Never for a submission: its retry may have reached Slurm, and the earlier
                    # failure ("nothing was sent") would hide that from exactly-once submission.
                    raise failed from exc
                if attempt >= self.attempts or not self.should_retry(exc, idempotent=idempotent):
                    raise
                rng = rng or random.Random()  # noqa: S311 - spreading retries, not cryptography
                wait = self.delay(attempt, exc, rng)
                # Another attempt that could not finish in time (judged by this one's duration)
                # would only turn the real failure into a deadline.
                if not deadline.allows(wait + (time.monotonic() - started)):
                    raise
                failed = exc
                await asyncio.sleep(wait)
                attempt += 1


__all__ = ["RetryPolicy"]

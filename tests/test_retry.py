"""RetryPolicy.run on its own: which failure the caller sees when retries meet the deadline."""

from __future__ import annotations

import asyncio

import pytest

from s3m_grpc import RetryPolicy, errors


async def test_a_retry_cut_off_by_the_deadline_reports_the_failure_that_caused_it() -> None:
    calls: list[float | None] = []

    async def attempt(remaining: float | None) -> str:
        calls.append(remaining)
        if len(calls) == 1:
            raise errors.Unavailable("the gateway is restarting", rpc="GetNodes")
        await asyncio.sleep(remaining or 0)  # the retry runs into the caller's deadline
        raise errors.DeadlineExceeded("deadline exceeded while waiting for the reply", rpc="GetNodes")

    policy = RetryPolicy(attempts=5, initial=0.001, maximum=0.001)
    with pytest.raises(errors.Unavailable, match="restarting") as caught:
        await policy.run(attempt, timeout=0.3, idempotent=True)
    assert isinstance(caught.value.__cause__, errors.DeadlineExceeded)
    assert len(calls) == 2


async def test_a_first_attempt_that_times_out_is_a_deadline() -> None:
    async def attempt(remaining: float | None) -> str:
        raise errors.DeadlineExceeded("slow", rpc="GetJobs")

    with pytest.raises(errors.DeadlineExceeded):
        await RetryPolicy().run(attempt, timeout=5, idempotent=True)


async def test_no_retry_is_started_that_the_last_attempt_says_cannot_finish() -> None:
    calls = 0

    async def attempt(remaining: float | None) -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.2)  # each attempt takes 0.2 s before failing
        raise errors.Unavailable("down", rpc="Ping")

    policy = RetryPolicy(attempts=50, initial=0.001, maximum=0.001)
    with pytest.raises(errors.Unavailable):
        await policy.run(attempt, timeout=0.5, idempotent=True)
    # At least 0.2 s each within 0.5 s: after two, a third could not finish (it would only have
    # turned "down" into a deadline). A slower machine makes fewer, never more.
    assert calls <= 2


async def test_a_submission_whose_retry_times_out_stays_outcome_unknown() -> None:
    calls = 0

    async def attempt(remaining: float | None) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise errors.ConnectError("refused", rpc="PostJobSubmit")  # nothing was sent: retried
        await asyncio.sleep(remaining or 0)  # the retry may have reached Slurm, then the deadline
        raise errors.DeadlineExceeded("deadline exceeded while waiting for the reply", rpc="PostJobSubmit")

    policy = RetryPolicy(attempts=5, initial=0.001, maximum=0.001)
    with pytest.raises(errors.DeadlineExceeded) as caught:
        await policy.run(attempt, timeout=0.3, idempotent=False)
    assert caught.value.outcome_unknown  # exactly-once submission then looks the job up by its key
    assert calls == 2


async def test_a_policy_that_retries_deadlines_still_does() -> None:
    calls = 0

    async def attempt(remaining: float | None) -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise errors.DeadlineExceeded("one slow attempt", rpc="Ping")
        return "pong"

    policy = RetryPolicy(
        attempts=3, initial=0.001, maximum=0.001, retry_on=(errors.Unavailable, errors.DeadlineExceeded)
    )
    assert await policy.run(attempt, timeout=30, idempotent=True) == "pong"
    assert calls == 3

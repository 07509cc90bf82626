"""The asyncio helpers: timeouts that never swallow a cancellation (CPython gh-86296)."""

from __future__ import annotations

import asyncio
import sys

import pytest

from s3m_grpc._aio import bounded, within


async def _cancelled_as_it_finishes(helper: str) -> asyncio.Task[object]:
    """A task in `helper` whose awaited future finishes in the same loop iteration as its cancel."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    wrap = {"within": within, "bounded": bounded, "wait_for": asyncio.wait_for}[helper]
    task = asyncio.ensure_future(wrap(future, 10))  # type: ignore[operator]
    for _ in range(3):
        await asyncio.sleep(0)  # the task is waiting now
    future.set_result(1)
    task.cancel()  # Ctrl-C in the CLI: the poll's reply has just arrived
    await asyncio.wait({task})
    return task


@pytest.mark.parametrize("helper", ["within", "bounded"])
async def test_a_cancel_that_meets_a_result_still_cancels(helper: str) -> None:
    task = await _cancelled_as_it_finishes(helper)
    assert task.cancelled()  # asyncio.wait_for on 3.11 returned 1 here: `s3m wait` ignored Ctrl-C


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="gh-86296 is fixed in 3.12's wait_for")
async def test_the_race_is_real_on_this_python() -> None:
    # Why within() exists: the same sequence through asyncio.wait_for loses the cancel.
    task = await _cancelled_as_it_finishes("wait_for")
    assert not task.cancelled()
    assert task.result() == 1


async def test_within_returns_raises_and_times_out() -> None:
    assert await within(asyncio.sleep(0, "x"), 5) == "x"
    assert await within(asyncio.sleep(0, "y"), None) == "y"
    with pytest.raises(asyncio.TimeoutError):
        await within(asyncio.Event().wait(), 0.01)

    async def fails() -> None:
        raise KeyError("k")

    with pytest.raises(KeyError):
        await within(fails(), 5)

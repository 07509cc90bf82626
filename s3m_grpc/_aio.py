"""asyncio helpers whose timeouts can never swallow a cancellation.

On Python 3.10 and 3.11, ``asyncio.wait_for`` can turn a task's cancellation into a normal return
or a ``TimeoutError`` when the awaited future completes (or times out) in the same loop iteration
as the cancel (CPython gh-86296). A loop that wraps ``wait_for`` in ``suppress(TimeoutError)`` then
never ends, and whoever awaits it hangs for good. ``asyncio.wait`` has no such race: a cancellation
always raises ``CancelledError`` out of it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Deadline:
    """A moment on the monotonic clock by which something must be done (``at=None``: never)."""

    at: float | None

    @classmethod
    def after(cls, timeout: float | None) -> Deadline:
        """The deadline `timeout` seconds from now (None: no deadline)."""
        return cls(None if timeout is None else time.monotonic() + timeout)

    def remaining(self, *, floor: float = 0.0) -> float | None:
        """Seconds left, at least `floor`; None without a deadline."""
        return None if self.at is None else max(self.at - time.monotonic(), floor)

    def passed(self) -> bool:
        """Whether the deadline has come."""
        return self.at is not None and time.monotonic() >= self.at

    def allows(self, seconds: float) -> bool:
        """Whether `seconds` from now is still before the deadline."""
        return self.at is None or time.monotonic() + seconds < self.at


async def bounded(awaitable: Awaitable[Any], timeout: float | None) -> bool:
    """Await `awaitable` for at most `timeout` seconds: True if it finished, False if time ran out.

    On timeout or cancellation the awaitable is cancelled; its exception, if it raised one, is
    raised here. A cancellation of the caller is always re-raised.
    """
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    finally:
        if not task.done():
            task.cancel()
    if not done:
        # Give the cancelled work a moment to release what it holds (a socket, a file); a task
        # that ignores its cancellation cannot hold us here.
        await asyncio.wait({task}, timeout=1.0)
        return False
    task.result()
    return True


async def within(awaitable: Awaitable[T], timeout: float | None) -> T:
    """``asyncio.wait_for`` without gh-86296: the result, or TimeoutError; a cancel always propagates."""
    if timeout is None:
        return await awaitable
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    except BaseException:
        task.cancel()
        raise
    if not done:
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)  # let it release what it holds, as bounded() does
        raise asyncio.TimeoutError
    return task.result()


__all__ = ["Deadline", "bounded", "within"]

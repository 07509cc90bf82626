"""asyncio helpers whose timeouts can never swallow a cancellation.

On Python 3.10 and 3.11, ``asyncio.wait_for`` can turn a task's cancellation into a normal return
or a ``TimeoutError`` when the awaited future completes (or times out) in the same loop iteration
as the cancel (CPython gh-86296). A loop that wraps ``wait_for`` in ``suppress(TimeoutError)`` then
never ends, and whoever awaits it hangs for good. ``asyncio.wait`` has no such race: a cancellation
always raises ``CancelledError`` out of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any


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


__all__ = ["bounded"]

"""Starting and stopping the emulator's parts: nothing may hang, whatever the timing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from s3m_grpc.emulator.model import EmulatorConfig
from s3m_grpc.emulator.scheduler import Scheduler


async def test_scheduler_stop_cannot_hang_when_a_wake_races_the_cancel(tmp_path: Path) -> None:
    # Scheduler._loop used asyncio.wait_for(wake.wait(), 1.0) under suppress(TimeoutError): when the
    # wake-up lands in the same loop iteration as stop()'s cancel, Python 3.10/3.11's wait_for
    # returns normally and the loop never ends. Every interleaving of set() and stop() is tried.
    model = next(iter(EmulatorConfig().resources.values()))
    hung = []
    for ticks in range(8):
        scheduler = Scheduler(model, work_dir=tmp_path, time_scale=0.01)
        await scheduler.start()
        await asyncio.sleep(0.02)  # the loop is now waiting for a wake-up
        scheduler._wake.set()
        for _ in range(ticks):
            await asyncio.sleep(0)
        stopping = asyncio.ensure_future(scheduler.stop())
        done, _ = await asyncio.wait({stopping}, timeout=5)
        if not done:
            hung.append(ticks)
    assert not hung, f"stop() hung after a wake-up {hung} loop iterations before it"

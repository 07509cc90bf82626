"""The short soak in `make test`: `bench/soak.py`'s workload at 2,000 calls (`make soak` runs 100,000).

Every transport takes a share of mixed calls (listings, single jobs, pings, submissions with their
exactly-once keys, cancels) at 64 in flight while the emulator injects latency, UNAVAILABLE, 429 and
accept-then-drop. Afterwards descriptors and tasks are back where they were, memory has not run
away, and the gateway created exactly one job per job id the client got back.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from bench.soak import FAULTS, TRANSPORTS, Tally, open_fds, rss_mib, settle, workload
from s3m_grpc.emulator import Emulator
from tests.conftest import TOKEN

CALLS = 2000


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count descriptors")
# Mostly waiting, not work: a dropped submission is declared unsent only after Finder.SETTLE (10 s)
# of searching. 35 s alone, about 60 s beside two busy CPU loops.
@pytest.mark.timeout(300)
async def test_short_soak(tmp_path: Path) -> None:
    async with Emulator(
        tokens=[TOKEN], time_scale=0.01, seed=3, faults=FAULTS, work_dir=tmp_path / "w"
    ) as emu:
        serving = set(asyncio.all_tasks())
        await workload(emu, TOKEN, "grpclib", 100, tmp_path, Tally())  # warm-up: one-time caches
        await settle(serving)
        baseline = set(asyncio.all_tasks())
        fds, tasks, rss = open_fds(), len(baseline), rss_mib()
        created_before = emu.scheduler().counters["jobs_submitted"]
        tally = Tally()
        for index, transport in enumerate(TRANSPORTS):
            await workload(emu, TOKEN, transport, CALLS // len(TRANSPORTS), tmp_path, tally, seed=index)
        leaked = await settle(baseline)
        created = emu.scheduler().counters["jobs_submitted"] - created_before
        after = open_fds(), len(asyncio.all_tasks()), rss_mib()  # the emulator's included
    assert tally.submit_failures == 0
    assert len(tally.job_ids) == len(set(tally.job_ids)) == created > 50  # one job per submission
    assert sum(tally.calls.values()) == CALLS - CALLS % len(TRANSPORTS)
    assert after[0] <= fds + 2  # no growth (a warm-up connection may still have been closing)
    assert leaked == []  # every task the workload started has ended (jobs, connections, retries)
    assert after[1] <= tasks
    assert after[2] - rss < 200  # a loose bound: a leak of this workload would show as far more

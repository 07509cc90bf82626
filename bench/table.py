"""The benchmark table's pieces: a row (ours, baseline, goal), timing helpers, printing.

Every ratio is ours against a baseline measured in the same run, on the same machine.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc


@dataclasses.dataclass
class Row:
    """One line of the table: ours against the baseline, and the goal if the issue sets one."""

    key: str
    name: str
    ours: float
    baseline: float | None
    unit: str
    goal: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        """ours / baseline (for throughput rows too: above 1 is better there)."""
        return None if not self.baseline else self.ours / self.baseline


async def median(call: Callable[[], Awaitable[Any]], repeats: int) -> float:
    """Median seconds of `call` after one warm-up."""
    await call()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def rate(call: Callable[[], Awaitable[Any]], in_flight: int, seconds: float) -> float:
    """Calls per second with `in_flight` concurrent callers over about `seconds` (after a warm-up)."""
    for _ in range(20):
        await call()
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await call()
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return done / (time.perf_counter() - started)


def touch_views(jobs: Any) -> int:
    """Read every job's id, state and name through our views."""
    return sum(j.job_id + len(j.state) + len(j.name) for j in jobs)


@dataclasses.dataclass
class Env:
    """The running emulator and the clients' shared pieces."""

    grpc_target: str
    rest_url: str
    header: Path
    token: str
    pb2: Any
    stub: Any  # raw grpc.aio SlurmIndirectStub
    channel: grpc.aio.Channel
    md: tuple[tuple[str, str], ...]
    job_id: int = 0


def judge(row: Row) -> Row:
    """Fill in `met` for ratio goals (absolute goals are judged where they are measured)."""
    if row.met is None and row.goal and row.ratio is not None:
        bound = float(row.goal.split()[-1].rstrip("x"))
        row.met = row.ratio <= bound if row.goal.startswith("<=") else row.ratio >= bound
    return row


def show(rows: list[Row], smoke: bool) -> None:
    """Print the table."""
    print(f"{'':5} {'measurement':<88} {'ours':>10} {'baseline':>10} {'ratio':>7} {'goal':>11}  met")
    for row in rows:
        base = _fmt(row, row.baseline) if row.baseline else ""
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        met = "" if smoke or row.met is None else ("yes" if row.met else "NO")
        ours = _fmt(row, row.ours)
        print(f"{row.key:5} {row.name:<88} {ours:>10} {base:>10} {ratio:>7} {row.goal:>11}  {met}")


def _fmt(row: Row, value: float) -> str:
    if row.unit == "ms":
        return f"{value * 1e3:,.1f} ms"
    if row.unit == "MiB":
        return f"{value:,.1f} MiB"
    if value < 10:  # a slow rate (a betterproto listing: ~0.02/s) or a count per tick
        return f"{value:,.3g}{row.unit}"
    return f"{value:,.0f}{row.unit}"

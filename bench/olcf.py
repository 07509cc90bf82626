"""P3b, P7 and P8: s3m-grpc against OLCF's own package, and what `watch` costs per tick.

OLCF's package (``s3m_apis_betterproto``) is not on PyPI. Its equivalent is built here from what
it publishes: the same betterproto 2.0.0b7 stubs (tests/test_contract.py proves our protos equal
its descriptors) on its factory's channel, a grpclib ``Channel`` with the token and resource as
the stub's metadata (``OlcfFactory``; written from its documented behaviour, not copied).

P3b  the generated stub through our factory vs the same stub through OLCF's factory: get job
     (calls/s at 1 in flight) and a full GetJobs listing (betterproto decodes it on both sides)
P7   `Slurm.jobs()` vs OLCF's ``client.get_jobs(Empty())`` on the same listing, id/state/name touched
P8   `Slurm.watch` on 1,000 jobs: RPCs per tick, and client CPU per tick vs one listing's decode
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from betterproto.lib.std.google.protobuf import Empty
from grpclib.client import Channel
from s3m_apis_betterproto.slurm.v0043 import JobIdReq, SlurmIndirectStub

from bench.decode import touch_messages
from bench.table import Env, Row, rate, touch_views
from s3m_grpc.client import Slurm
from s3m_grpc.factory import S3MClientFactory
from s3m_grpc.job import Job


class OlcfFactory:
    """OLCF's ``S3MClientFactory`` as published: one grpclib Channel, the stub with metadata."""

    def __init__(self, target: str, token: str, resource: str = "defiant") -> None:
        host, port = target.rsplit(":", 1)
        self.channel = Channel(host=host, port=int(port))  # the emulator is plaintext on loopback
        self.metadata = {"authorization": token, "olcf-resource": resource}

    def create_client(self, stub_class: Any) -> Any:
        """The stub on the shared channel, every call carrying the metadata."""
        return stub_class(self.channel, metadata=self.metadata)

    def close(self) -> None:
        """Close the channel."""
        self.channel.close()


async def _once(call: Any) -> float:
    """Seconds for one call (after the caller's warm-up)."""
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def p3b_p7(env: Env, jobs: int, seconds: float, smoke: bool) -> list[Row]:
    """Our factory vs OLCF's with the same stub (P3b); the high-level listing vs OLCF's (P7).

    b7 decodes a job in ~5 ms, so each full GetJobs through a betterproto stub takes tens of
    seconds at 10,000 jobs: those are timed once each, after one warm-up call on each side.
    """
    olcf = OlcfFactory(env.grpc_target, env.token)
    try:
        theirs = olcf.create_client(SlurmIndirectStub)
        async with S3MClientFactory(env.grpc_target, token_file=env.header) as factory:
            ours = factory.create_client(SlurmIndirectStub)
            job_req = JobIdReq(job_id=str(env.job_id))
            got: dict[str, list[float]] = {"ours": [], "theirs": []}
            for _ in range(1 if smoke else 3):  # taking turns: a slow second lands on both
                got["ours"].append(await rate(lambda: ours.get_job(job_req), 1, seconds))
                got["theirs"].append(await rate(lambda: theirs.get_job(job_req), 1, seconds))
            get_ours, get_theirs = (statistics.median(got[side]) for side in ("ours", "theirs"))

            async def list_ours() -> int:
                return touch_messages(await ours.get_jobs(Empty()))

            async def list_theirs() -> int:
                # A fresh channel each time: b7 blocks the loop for the ~50 s of each decode, long
                # enough for the emulator to close the other side's idle connection meanwhile.
                fresh = OlcfFactory(env.grpc_target, env.token)
                try:
                    return touch_messages(await fresh.create_client(SlurmIndirectStub).get_jobs(Empty()))
                finally:
                    fresh.close()

            touched = await list_theirs()  # warm-ups, and both sides read the same jobs
            assert await list_ours() == touched, "the two sides read different jobs"
            ours_list, theirs_list = await _once(list_ours), await _once(list_theirs)
        async with Slurm(env.grpc_target, token_file=env.header) as slurm:

            async def high_level() -> int:
                return touch_views(await slurm.jobs())

            assert await high_level() == touched
            samples = [await _once(high_level) for _ in range(1 if smoke else 5)]
            slurm_list = sorted(samples)[len(samples) // 2]
    finally:
        olcf.close()
    n = f"{jobs:,}"
    return [
        Row("P3b", "get job, 1 in flight: generated stub via our factory vs via OLCF's", get_ours, get_theirs,
            "/s", ">= 1.0x"),
        Row("P3b", f"  GetJobs, {n} jobs (b7 decodes both): via our factory vs via OLCF's", 1 / ours_list,
            1 / theirs_list, "/s", ">= 1.0x"),
        Row("P7", f"Slurm.jobs() vs OLCF's client.get_jobs(Empty()) (b7), {n} jobs touched",
            1 / slurm_list, 1 / theirs_list, "/s", ">= 100x"),
    ]  # fmt: skip


async def p8(env: Env, watched: int, ticks: int) -> list[Row]:
    """`watch` on `watched` pending jobs for `ticks` ticks: RPCs per tick; CPU per tick vs a listing."""
    async with Slurm(env.grpc_target, token_file=env.header) as slurm:
        listing = await slurm.jobs()
        handles = [Job(slurm, view.job_id) for view in list(listing)[:watched]]
        calls = {"rpc": 0, "listing": 0}
        enough = asyncio.Event()
        invoke, listing_call = slurm.factory.invoke, slurm.jobs

        async def counted_invoke(*args: Any, **kwargs: Any) -> Any:
            calls["rpc"] += 1
            return await invoke(*args, **kwargs)

        async def counted_jobs(*args: Any, **kwargs: Any) -> Any:
            calls["listing"] += 1  # one tick of watch: it lists once per tick
            if calls["listing"] > ticks:  # the first tick is a warm-up
                enough.set()
            return await listing_call(*args, **kwargs)

        slurm.factory.invoke = counted_invoke  # type: ignore[method-assign]
        slurm.jobs = counted_jobs  # type: ignore[method-assign]

        async def watching() -> None:
            async for _ in slurm.watch(handles, interval=0.001):
                pass  # the jobs begin in an hour: no change, so nothing is yielded

        task = asyncio.ensure_future(watching())
        cpu = time.process_time()
        await enough.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        cpu = time.process_time() - cpu
        done = calls["listing"]
        per_tick = calls["rpc"] / done
        slurm.factory.invoke, slurm.jobs = invoke, listing_call  # type: ignore[method-assign]
        started = time.process_time()
        for _ in range(ticks):
            touch_views(await slurm.jobs())
        listing_cpu = (time.process_time() - started) / ticks
    n = f"{watched:,}"
    return [
        Row("P8", f"watch on {n} jobs: RPCs per tick (a listing of all {len(listing):,})", per_tick, None,
            " calls", "1 call", per_tick == 1),
        Row("P8", "  client CPU per tick vs one Slurm.jobs() listing + touch", cpu / done, listing_cpu,
            "ms", "<= 1.5x"),
    ]  # fmt: skip

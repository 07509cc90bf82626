"""Leaving the factory's context closes every channel: no descriptors or tasks are left behind."""

from __future__ import annotations

import asyncio
import gc
import os
import warnings

import pytest
from betterproto.lib.std.google.protobuf import Empty
from s3m_apis_betterproto.slurm import v0042, v0043

from s3m_grpc import Slurm
from s3m_grpc.factory import S3MClientFactory
from tests.conftest import TOKEN, RunningServer

needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count descriptors")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def settle() -> None:
    # No gc.collect(): asyncio closes a forgotten socket when it is garbage-collected, which
    # would hide a factory that never closed its channel. Closing must be explicit.
    for _ in range(5):
        await asyncio.sleep(0.02)


async def back_to(fds: int, tasks: int | None = None, *, timeout: float = 5.0) -> tuple[int, int]:
    """Descriptors and tasks once they are back to `fds` and `tasks`, or as they are at the deadline.

    The emulator serves in this loop: its side of a closed connection ends when it notices, a
    moment after the client closed. That moment is waited for, never guessed.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        now = open_fds(), len(asyncio.all_tasks())
        if (
            now[0] <= fds and (tasks is None or now[1] <= tasks)
        ) or asyncio.get_running_loop().time() > deadline:
            return now
        await asyncio.sleep(0.02)


async def one_lifetime(server: RunningServer, transport: str) -> object:
    """Stubs of two API versions and the high-level client, all calls concurrent, then close."""
    async with S3MClientFactory(
        server.grpc_target, TOKEN, transport=transport, rest_url=server.rest_url
    ) as factory:
        for stub in (v0043.SlurmIndirectStub, v0042.SlurmIndirectStub):
            client = factory.create_client(stub)
            await asyncio.gather(client.ping(Empty()), client.get_jobs(Empty()), client.get_nodes(Empty()))
        slurm = Slurm(factory=factory)
        await asyncio.gather(slurm.ping(), slurm.jobs(), slurm.partitions())
    return factory  # kept alive by the caller, so that only aclose() can have closed its sockets


@needs_proc
@pytest.mark.parametrize("transport", ["grpclib", "grpcio", "rest", "auto"])
async def test_no_descriptors_or_tasks_leak(server: RunningServer, transport: str) -> None:
    kept = [await one_lifetime(server, transport)]  # warm-up: grpc-core keeps process-wide descriptors
    gc.collect()
    await settle()
    fds, tasks = open_fds(), len(asyncio.all_tasks())
    # grpclib and asyncio close a forgotten connection when it is deleted, warning as they do:
    # a ResourceWarning is the sign of a close that did not happen.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for _ in range(10):
            kept.append(await one_lifetime(server, transport))
        await settle()
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    after = await back_to(fds, tasks)
    assert after[0] == fds
    assert after[1] <= tasks


@needs_proc
async def test_a_sync_with_closes_too(server: RunningServer) -> None:
    """OLCF's factory is a plain ``with``: leaving it inside a running loop closes the channel soon."""
    await one_lifetime(server, "grpclib")  # warm-up
    await settle()
    fds = open_fds()
    kept = []
    for _ in range(5):
        with S3MClientFactory(server.grpc_target, TOKEN, transport="grpclib") as factory:
            await factory.create_client(v0043.SlurmIndirectStub).ping(Empty())
            kept.append(factory._transport)  # held, so that only closing can release its socket
    assert (await back_to(fds))[0] == fds


@needs_proc
async def test_a_channel_is_opened_only_when_needed(server: RunningServer) -> None:
    before = open_fds()
    gc.collect()
    async with S3MClientFactory(server.grpc_target, TOKEN) as factory:
        factory.create_client(v0043.SlurmIndirectStub)
        await settle()
        assert open_fds() == before  # lazily: creating stubs connects nothing
        await factory.create_client(v0043.SlurmIndirectStub).ping(Empty())
        assert open_fds() > before
        held = factory._transport  # so that only closing, not garbage collection, can release it
    assert held is not None
    assert (await back_to(before))[0] == before

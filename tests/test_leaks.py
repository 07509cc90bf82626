"""Leaving the factory's context closes every channel: no descriptors or tasks are left behind."""

from __future__ import annotations

import asyncio
import gc
import os
import warnings

import pytest
from s3m_apis_betterproto.google.protobuf import Empty
from s3m_apis_betterproto.slurm import v0042, v0043

from s3m_grpc.factory import S3MClientFactory
from tests.conftest import GRPC_TRANSPORTS, TOKEN, RunningServer


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def settle() -> None:
    # No gc.collect(): asyncio closes a forgotten socket when it is garbage-collected, which
    # would hide a factory that never closed its channel. Closing must be explicit.
    for _ in range(5):
        await asyncio.sleep(0.02)


async def one_lifetime(url: str, transport: str) -> S3MClientFactory:
    async with S3MClientFactory(url, TOKEN, transport=transport) as factory:
        for stub in (v0043.SlurmIndirectStub, v0042.SlurmIndirectStub):
            client = factory.create_client(stub)
            await asyncio.gather(client.ping(Empty()), client.get_jobs(Empty()), client.get_nodes(Empty()))
    return factory  # kept alive by the caller, so that only aclose() can have closed its sockets


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count descriptors")
@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
async def test_no_descriptors_or_tasks_leak(server: RunningServer, transport: str) -> None:
    kept = [
        await one_lifetime(server.grpc_target, transport)
    ]  # warm-up: grpc-core keeps process-wide descriptors
    gc.collect()
    await settle()
    fds, tasks = open_fds(), len(asyncio.all_tasks())
    # grpclib and asyncio close a forgotten connection when it is deleted, warning as they do:
    # a ResourceWarning is the sign of a close that did not happen.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for _ in range(10):
            kept.append(await one_lifetime(server.grpc_target, transport))
        await settle()
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert open_fds() == fds
    assert len(asyncio.all_tasks()) == tasks


async def test_a_channel_is_opened_only_when_needed(server: RunningServer) -> None:
    before = open_fds()
    gc.collect()
    async with S3MClientFactory(server.grpc_target, TOKEN) as factory:
        factory.create_client(v0043.SlurmIndirectStub)
        await settle()
        assert open_fds() == before  # lazily: creating stubs connects nothing
        await factory.create_client(v0043.SlurmIndirectStub).ping(Empty())
        assert open_fds() > before
    await settle()
    assert open_fds() == before

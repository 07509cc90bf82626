"""SlurmIndirect gRPC servicers (v0.0.43 and v0.0.42) over one shared Cluster."""

from __future__ import annotations

import importlib
import socket
from ssl import SSLContext
from types import ModuleType
from typing import Any

from betterproto2 import Casing, OutputFormat
from grpclib import GRPCError
from grpclib.const import Status
from grpclib.server import Server

from s3m_grpc.emulator.cluster import Cluster, JsonObject
from s3m_grpc.emulator.gateway import Gateway
from s3m_grpc.errors import SlurmError
from s3m_grpc.status_details import SlurmStatusDetailsCodec

# Package suffix -> the data_parser version it mirrors.
VERSIONS = {"v0043": "v0.0.43", "v0042": "v0.0.42"}

# Slurm's own error numbers and texts (slurm_errno.h), so clients see what slurmrestd would say.
ESLURM_INVALID_PARTITION_NAME = (2000, "Invalid partition name specified")
ESLURM_INVALID_JOB_ID = (2017, "Invalid job id specified")
ESLURM_BATCH_SCRIPT_MISSING = (2032, "Batch script is missing, aborting job")


def _module(version: str) -> ModuleType:
    return importlib.import_module(f"s3m_apis_betterproto.slurm.{version}")


def _fail(status: Status, error: tuple[int, str], detail: str) -> GRPCError:
    number, text = error
    slurm = SlurmError(error_number=number, error=text, description=f"{text}: {detail}", source="slurmctld")
    return GRPCError(status, f"{text}: {detail}", ([slurm], []))


def make_servicer(version: str, cluster: Cluster) -> Any:
    """A SlurmIndirect servicer for one API version (`"v0043"` or `"v0042"`)."""
    pb = _module(version)
    data_parser = VERSIONS[version]
    # v0042 lacks a few v0043 fields; the shared state is v0043-shaped, so they are dropped.
    lenient = version != "v0043"

    def reply(cls: Any, body: JsonObject) -> Any:
        return cls.from_dict(
            {**body, "meta": cluster.meta(data_parser), "errors": [], "warnings": []},
            ignore_unknown_fields=lenient,
        )

    def job_id_of(raw: str) -> int:
        if not raw.isdigit():
            raise _fail(Status.INVALID_ARGUMENT, ESLURM_INVALID_JOB_ID, repr(raw))
        return int(raw)

    class Servicer(pb.SlurmIndirectBase):  # type: ignore[misc,name-defined]
        """Answers from `cluster`."""

        async def ping(self, message: Any) -> Any:
            return reply(pb.OpenapiPingArrayResp, cluster.ping())

        async def get_partitions(self, message: Any) -> Any:
            return reply(pb.OpenapiPartitionResp, cluster.partition_list())

        async def post_job_submit(self, message: Any) -> Any:
            job = message.job if message.job is not None else (message.jobs[0] if message.jobs else None)
            if job is None:
                raise _fail(Status.INVALID_ARGUMENT, ESLURM_BATCH_SCRIPT_MISSING, "no job description")
            script = message.script or job.script
            if not script:
                raise _fail(Status.INVALID_ARGUMENT, ESLURM_BATCH_SCRIPT_MISSING, "empty script")
            if job.partition and cluster.partition(job.partition) is None:
                raise _fail(Status.INVALID_ARGUMENT, ESLURM_INVALID_PARTITION_NAME, job.partition)
            description = job.to_dict(casing=Casing.SNAKE, output_format=OutputFormat.PYTHON)
            job_id = cluster.submit(description, script)
            return reply(
                pb.OpenapiJobSubmitResponse, {"job_id": job_id, "step_id": "batch", "job_submit_user_msg": ""}
            )

        async def get_job(self, message: Any) -> Any:
            job = cluster.public_job(job_id_of(message.job_id))
            if job is None:
                raise _fail(Status.NOT_FOUND, ESLURM_INVALID_JOB_ID, message.job_id)
            return reply(pb.OpenapiJobInfoResp, {"jobs": [job], "last_backfill": {}, "last_update": {}})

        async def get_jobs(self, message: Any) -> Any:
            jobs = [cluster.public_job(i) for i in sorted(cluster.jobs)]
            return reply(pb.OpenapiJobInfoResp, {"jobs": jobs, "last_backfill": {}, "last_update": {}})

        async def delete_job(self, message: Any) -> Any:
            if not cluster.cancel(job_id_of(message.job_id)):
                raise _fail(Status.NOT_FOUND, ESLURM_INVALID_JOB_ID, message.job_id)
            return reply(pb.OpenapiKillJobResp, {"status": []})

        async def get_nodes(self, message: Any) -> Any:
            return reply(pb.OpenapiNodesResp, cluster.node_list())

        async def get_reservations(self, message: Any) -> Any:
            return reply(pb.OpenapiReservationResp, cluster.reservation_list())

        async def get_diag(self, message: Any) -> Any:
            return reply(pb.OpenapiDiagResp, cluster.diag())

    Servicer.__name__ = Servicer.__qualname__ = f"SlurmIndirect{version.capitalize()}"
    return Servicer()


def servicers(cluster: Cluster) -> list[Any]:
    """One servicer per supported API version, all over the same cluster."""
    return [make_servicer(version, cluster) for version in VERSIONS]


async def serve_grpc(
    cluster: Cluster,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    gateway: Gateway | None = None,
    ssl: SSLContext | None = None,
) -> tuple[Server, int]:
    """Start a grpclib server for `cluster` on host:port (0: a free port); return it and its port.

    `gateway` adds S3M's checks in front of the servicers (tokens, resources, injected faults);
    without one every call is accepted. The socket is bound here so that the port is known without
    reaching into grpclib's internals.
    """
    # IPPROTO_TCP explicitly: grpclib sets TCP_NODELAY only on sockets whose proto says TCP, and
    # accepted sockets inherit proto 0 from a plain socket() call; Nagle then adds ~40 ms per reply.
    sock = socket.socket(
        socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = Server(servicers(cluster), status_details_codec=SlurmStatusDetailsCodec())
    if gateway is not None:
        gateway.install(server)
    await server.start(sock=sock, ssl=ssl)
    return server, sock.getsockname()[1]

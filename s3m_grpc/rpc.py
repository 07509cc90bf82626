"""The RPC table: every SlurmIndirect RPC described once, and the API versions S3M publishes.

A row names the gRPC method, its request and response messages (looked up by name in an API
version's generated module), the REST route and method, whether a retry is safe, and which default
timeout applies. The routes are S3M's HTTP rules (``google.api.http`` in the protos, checked against
them by tests/test_rpc_table.py) with the resource segment S3M's public paths add:
``/slurm/[open/]v0.0.43/{resource}/job/{job_id}``.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Final, Literal

TimeoutClass = Literal["ping", "call", "listing", "submit"]
SERVICE: Final = "SlurmIndirect"

#: Metadata keys (README, "Routing metadata"). S3M's service option requires the resource.
AUTHORIZATION_KEY: Final = "authorization"  # the raw token, no "Bearer" prefix
RESOURCE_KEY: Final = "olcf-resource"  # defiant, odo, wombat, quokka
WITH_STORAGE_KEY: Final = "x-s3m-withstorage"  # PostJobSubmit: "true" gives jobs S3MIO tokens


@dataclass(frozen=True)
class Rpc:
    """One RPC of SlurmIndirect."""

    name: str  # gRPC method name, "GetJob"
    method: str  # betterproto stub method, "get_job"
    request: str  # message type in the version module ("Empty" is google.protobuf.Empty)
    response: str
    http_method: Literal["GET", "POST", "DELETE"]
    route: str  # REST path under {base}/{version}/{resource}/, with {field} taken from the request
    query: tuple[str, ...] = ()  # request fields sent as query parameters (REST)
    idempotent: bool = True  # safe to send twice: retries and transport fallback are allowed
    timeout: TimeoutClass = "call"


RPCS: Final[tuple[Rpc, ...]] = (
    Rpc("Ping", "ping", "Empty", "PingResp", "GET", "ping", timeout="ping"),
    Rpc("GetDiag", "get_diag", "Empty", "DiagResp", "GET", "diag"),
    Rpc("GetJob", "get_job", "JobIdReq", "JobIdResp", "GET", "job/{job_id}"),
    Rpc("GetJobs", "get_jobs", "Empty", "JobsResp", "GET", "jobs", timeout="listing"),
    Rpc(
        "PostJobSubmit",
        "post_job_submit",
        "JobSubmitReq",
        "JobSubmitResp",
        "POST",
        "job/submit",
        idempotent=False,
        timeout="submit",
    ),
    Rpc(
        "DeleteJob",
        "delete_job",
        "DeleteJobReq",
        "DeleteJobResp",
        "DELETE",
        "job/{job_id}",
        query=("signal", "flags"),
    ),
    Rpc("GetNodes", "get_nodes", "Empty", "NodesResp", "GET", "nodes", timeout="listing"),
    Rpc("GetPartitions", "get_partitions", "Empty", "PartitionsResp", "GET", "partitions"),
    Rpc("GetReservations", "get_reservations", "Empty", "ReservationsResp", "GET", "reservations"),
)
BY_NAME: Final[dict[str, Rpc]] = {rpc.name: rpc for rpc in RPCS}


@dataclass(frozen=True)
class ApiVersion:
    """One Slurm data_parser version S3M publishes, and where its generated code lives."""

    name: str  # "v0.0.43", Slurm's spelling and the REST path segment
    suffix: str  # "v0043", the proto package's last segment

    @property
    def package(self) -> str:
        """The proto package: ``olcf.s3m.slurm.v0043``."""
        return f"olcf.s3m.slurm.{self.suffix}"

    def grpc_path(self, rpc: Rpc) -> str:
        """The HTTP/2 path of an RPC: ``/olcf.s3m.slurm.v0043.SlurmIndirect/GetJob``."""
        return f"/{self.package}.{SERVICE}/{rpc.name}"

    @property
    def betterproto(self) -> ModuleType:
        """The betterproto module (``s3m_apis_betterproto.slurm.v0043``)."""
        return _module(f"s3m_apis_betterproto.slurm.{self.suffix}")

    @property
    def upb(self) -> ModuleType:
        """The upb module (``s3m_apis_pb.slurm.v0043.slurm_pb2``)."""
        return _module(f"s3m_apis_pb.slurm.{self.suffix}.slurm_pb2")


@functools.cache
def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


VERSIONS: Final[dict[str, ApiVersion]] = {
    v.name: v
    for v in (ApiVersion("v0.0.42", "v0042"), ApiVersion("v0.0.43", "v0043"), ApiVersion("v0.0.44", "v0044"))
}
#: The public versions per resource, as OLCF's Compute page lists them (oldest first).
RESOURCE_VERSIONS: Final[dict[str, tuple[str, ...]]] = {
    "defiant": ("v0.0.42", "v0.0.43"),
    "odo": ("v0.0.43", "v0.0.44"),
    "wombat": ("v0.0.42",),
    "quokka": ("v0.0.42",),
}
#: For a resource OLCF's page does not list yet.
FALLBACK_VERSION: Final = "v0.0.43"

#: gRPC path -> (RPC, version), for every SlurmIndirect method of every version.
ROUTES: Final[dict[str, tuple[Rpc, ApiVersion]]] = {
    version.grpc_path(rpc): (rpc, version) for version in VERSIONS.values() for rpc in RPCS
}


def default_version(resource: str) -> str:
    """The newest public API version of a resource (``odo`` -> ``v0.0.44``)."""
    versions = RESOURCE_VERSIONS.get(resource)
    return versions[-1] if versions else FALLBACK_VERSION


def version_of_module(module_name: str) -> ApiVersion | None:
    """The API version of a generated module (``s3m_apis_betterproto.slurm.v0043`` -> v0.0.43)."""
    suffix = module_name.rsplit(".", 1)[-1]
    return next((v for v in VERSIONS.values() if v.suffix == suffix and ".slurm." in module_name), None)


__all__ = [
    "AUTHORIZATION_KEY",
    "BY_NAME",
    "FALLBACK_VERSION",
    "RESOURCE_KEY",
    "RESOURCE_VERSIONS",
    "ROUTES",
    "RPCS",
    "SERVICE",
    "VERSIONS",
    "WITH_STORAGE_KEY",
    "ApiVersion",
    "Rpc",
    "default_version",
    "version_of_module",
]

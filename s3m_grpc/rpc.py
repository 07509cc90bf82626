"""The RPC table: every SlurmIndirect RPC described once, for every transport to read.

A row names the gRPC method, its request and response message types (looked up by name in the
API version's generated module), the REST route and method, whether a retry is safe, and which
default timeout applies.
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

TimeoutClass = Literal["ping", "call", "listing", "submit"]
SERVICE = "SlurmIndirect"

#: Metadata keys a client sets on every call (documented in the README, "Routing metadata").
AUTHORIZATION_KEY = "authorization"  # the raw token, no "Bearer" prefix
RESOURCE_KEY = "s3m-resource"  # defiant, odo, wombat, quokka
API_VERSION_KEY = "s3m-api-version"  # v0.0.43, from the stub's proto package


@dataclass(frozen=True)
class Rpc:
    """One RPC of SlurmIndirect."""

    name: str  # gRPC method name, "GetJob"
    method: str  # betterproto2 stub method, "get_job"
    request: str  # message type in the version module ("Empty" is google.protobuf.Empty)
    response: str
    http_method: Literal["GET", "POST", "DELETE"]
    route: str  # REST path under {base}/{resource}/, with {field} taken from the request
    query: tuple[str, ...] = ()  # request fields sent as query parameters (REST)
    idempotent: bool = True  # safe to send twice: retries and transport fallback are allowed
    timeout: TimeoutClass = "call"

    def grpc_path(self, package: str) -> str:
        """The HTTP/2 path of this RPC in a proto package: ``/slurm.v0043.SlurmIndirect/GetJob``."""
        return f"/{package}.{SERVICE}/{self.name}"


RPCS: tuple[Rpc, ...] = (
    Rpc("Ping", "ping", "Empty", "OpenapiPingArrayResp", "GET", "ping", timeout="ping"),
    Rpc("GetPartitions", "get_partitions", "Empty", "OpenapiPartitionResp", "GET", "partitions"),
    Rpc(
        "PostJobSubmit",
        "post_job_submit",
        "JobSubmitReq",
        "OpenapiJobSubmitResponse",
        "POST",
        "job/submit",
        idempotent=False,
        timeout="submit",
    ),
    Rpc("GetJob", "get_job", "JobIdReq", "OpenapiJobInfoResp", "GET", "job/{job_id}"),
    Rpc("GetJobs", "get_jobs", "Empty", "OpenapiJobInfoResp", "GET", "jobs", timeout="listing"),
    Rpc(
        "DeleteJob",
        "delete_job",
        "DeleteJobReq",
        "OpenapiKillJobResp",
        "DELETE",
        "job/{job_id}",
        query=("signal", "flags"),
    ),
    Rpc("GetNodes", "get_nodes", "Empty", "OpenapiNodesResp", "GET", "nodes", timeout="listing"),
    Rpc("GetReservations", "get_reservations", "Empty", "OpenapiReservationResp", "GET", "reservations"),
    Rpc("GetDiag", "get_diag", "Empty", "OpenapiDiagResp", "GET", "diag"),
)
BY_NAME: dict[str, Rpc] = {rpc.name: rpc for rpc in RPCS}

#: Slurm API versions with generated protos: data_parser version -> proto package suffix.
PACKAGES: dict[str, str] = {"v0.0.43": "v0043", "v0.0.42": "v0042"}

_PATH = re.compile(r"^/(?P<package>[a-z0-9_.]+)\.(?P<service>\w+)/(?P<method>\w+)$")
_SLURM_PACKAGE = re.compile(r"^slurm\.v(?P<digits>\d{4})$")


@dataclass(frozen=True)
class Route:
    """A parsed gRPC path: its package, service, method, and the table row when it is SlurmIndirect."""

    package: str
    service: str
    method: str
    rpc: Rpc | None

    @functools.cached_property
    def api_version(self) -> str:
        """The package's API version: ``slurm.v0043`` -> ``v0.0.43``; other packages: last segment."""
        return api_version(self.package)


@functools.lru_cache(maxsize=256)  # a handful of paths, parsed on every call
def parse_path(path: str) -> Route:
    """Split ``/slurm.v0043.SlurmIndirect/GetJob`` into its parts."""
    match = _PATH.match(path)
    if match is None:
        raise ValueError(f"not a gRPC method path: {path!r}")
    rpc = BY_NAME.get(match["method"]) if match["service"] == SERVICE else None
    return Route(match["package"], match["service"], match["method"], rpc)


def api_version(package: str) -> str:
    """``slurm.v0043`` -> ``v0.0.43`` (Slurm's data_parser spelling); other packages: last segment."""
    match = _SLURM_PACKAGE.match(package)
    if match:
        return f"v0.0.{int(match['digits'])}"
    return package.rsplit(".", 1)[-1]


def package_of(stub_or_module: type | ModuleType) -> str:
    """The proto package of a generated stub class or module (``slurm.v0043``)."""
    module = (
        stub_or_module
        if isinstance(stub_or_module, ModuleType)
        else importlib.import_module(stub_or_module.__module__)
    )
    name = module.__name__
    prefix = "s3m_apis_betterproto."
    if not name.startswith(prefix):
        raise ValueError(f"{name} is not a module generated into s3m_apis_betterproto")
    return name[len(prefix) :]

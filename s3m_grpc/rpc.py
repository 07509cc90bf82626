"""The RPC table: every S3M RPC described once, and the APIs (packages) S3M publishes.

SlurmIndirect comes in one package per Slurm API version; Status (``olcf.s3m.status.v1alpha``)
and TokenControl (``olcf.s3m.tms.v1``) are one package each. A row names the gRPC method, its
request and response messages (looked up by name in an API's generated module), the REST route
and method, whether a retry is safe, and which default timeout applies. The routes are S3M's
HTTP rules (``google.api.http`` in the protos, checked against them by tests/test_rpc_table.py)
with the resource segment S3M's public paths add: ``/slurm/[open/]v0.0.43/{resource}/job/{job_id}``.
Status and TokenControl routes are absolute (``/olcf/v1alpha/status/{resource_name}``) and speak
proto3 JSON (camelCase keys), as S3M's docs show.
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
    # REST path: Slurm's under {base}/{version}/{resource}/; one starting with "/" is absolute (Status,
    # TokenControl). {field} is taken from the request.
    route: str
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

#: olcf.s3m.status.v1alpha.Status: open to all, no token and no resource metadata.
STATUS_RPCS: Final[tuple[Rpc, ...]] = (
    Rpc("ListResources", "list_resources", "Empty", "Resources", "GET", "/olcf/v1alpha/status"),
    Rpc(
        "GetResource",
        "get_resource",
        "GetResourceRequest",
        "Resource",
        "GET",
        "/olcf/v1alpha/status/{resource_name}",
    ),
    Rpc(
        "ListDowntimesCurrent",
        "list_downtimes_current",
        "Empty",
        "Downtimes",
        "GET",
        "/olcf/v1alpha/status/downtimes",
    ),
    Rpc(
        "ListDowntimesUpcoming",
        "list_downtimes_upcoming",
        "Empty",
        "Downtimes",
        "GET",
        "/olcf/v1alpha/status/downtimes/upcoming",
    ),
)
#: olcf.s3m.tms.v1.TokenControl: any valid token, about itself.
TOKEN_RPCS: Final[tuple[Rpc, ...]] = (
    Rpc(
        "IntrospectAuthToken",
        "introspect_auth_token",
        "IntrospectAuthTokenRequest",
        "IntrospectAuthTokenResponse",
        "GET",
        "/olcf/v1/token/ctls/introspect",
        query=("grpc_permissions",),
    ),
    # Not retried: once a revocation went through, the retry would be refused as unauthenticated.
    Rpc(
        "RevokeAuthToken",
        "revoke_auth_token",
        "RevokeAuthTokenRequest",
        "RevokeAuthTokenResponse",
        "DELETE",
        "/olcf/v1/token/ctls/revoke",
        idempotent=False,
    ),
)


@dataclass(frozen=True)
class ApiVersion:
    """One API package S3M publishes (a Slurm data_parser version, Status, TokenControl) and its code."""

    name: str  # "v0.0.43", Slurm's spelling and the REST path segment; "v1alpha" for Status
    suffix: str  # "v0043", the proto package's last segment
    family: str = "slurm"  # the package's middle segment: olcf.s3m.<family>.<suffix>
    service: str = SERVICE
    proto_file: str = "slurm"  # the .proto file's name: s3m_apis_pb.<family>.<suffix>.<proto_file>_pb2
    rpcs: tuple[Rpc, ...] = RPCS
    routed: bool = True  # calls carry olcf-resource metadata (S3M's service option requires it)
    authenticated: bool = True  # calls carry the token (the Status API is open: none is sent)
    json: Literal["slurm", "proto3"] = "slurm"  # REST bodies: Slurm's snake_case or proto3 camelCase

    @property
    def package(self) -> str:
        """The proto package: ``olcf.s3m.slurm.v0043``."""
        return f"olcf.s3m.{self.family}.{self.suffix}"

    def grpc_path(self, rpc: Rpc) -> str:
        """The HTTP/2 path of an RPC: ``/olcf.s3m.slurm.v0043.SlurmIndirect/GetJob``."""
        return f"/{self.package}.{self.service}/{rpc.name}"

    @property
    def betterproto(self) -> ModuleType:
        """The betterproto module (``s3m_apis_betterproto.slurm.v0043``)."""
        return _module(f"s3m_apis_betterproto.{self.family}.{self.suffix}")

    @property
    def upb(self) -> ModuleType:
        """The upb module (``s3m_apis_pb.slurm.v0043.slurm_pb2``)."""
        return _module(f"s3m_apis_pb.{self.family}.{self.suffix}.{self.proto_file}_pb2")

    def rpc(self, name: str) -> Rpc:
        """The row of one of this API's RPCs by its gRPC name (KeyError if it has none)."""
        found = next((rpc for rpc in self.rpcs if rpc.name == name), None)
        if found is None:
            raise KeyError(f"{self.package}.{self.service} has no method {name}")
        return found


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
#: S3M's Status API: resources and their downtimes.
STATUS: Final = ApiVersion(
    "v1alpha",
    "v1alpha",
    family="status",
    service="Status",
    proto_file="status",
    rpcs=STATUS_RPCS,
    routed=False,
    authenticated=False,
    json="proto3",
)
#: S3M's token management: introspection and revocation of the token presented.
TOKEN_CONTROL: Final = ApiVersion(
    "v1",
    "v1",
    family="tms",
    service="TokenControl",
    proto_file="control",
    rpcs=TOKEN_RPCS,
    routed=False,
    json="proto3",
)
#: Every API this client can call, by ``package.Service``.
SERVICES: Final[dict[str, ApiVersion]] = {
    f"{api.package}.{api.service}": api for api in (*VERSIONS.values(), STATUS, TOKEN_CONTROL)
}
#: For a resource OLCF's page does not list yet.
FALLBACK_VERSION: Final = "v0.0.43"

#: gRPC path -> (RPC, API), for every method of every API (each SlurmIndirect version, Status, TokenControl).
ROUTES: Final[dict[str, tuple[Rpc, ApiVersion]]] = {
    api.grpc_path(rpc): (rpc, api) for api in SERVICES.values() for rpc in api.rpcs
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
    "SERVICES",
    "STATUS",
    "STATUS_RPCS",
    "TOKEN_CONTROL",
    "TOKEN_RPCS",
    "VERSIONS",
    "WITH_STORAGE_KEY",
    "ApiVersion",
    "Rpc",
    "default_version",
    "version_of_module",
]

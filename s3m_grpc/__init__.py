"""s3m-grpc: a Python client for OLCF's S3M Slurm gateway (SlurmIndirect), over gRPC and REST.

The generated message and stub modules live in ``s3m_apis_betterproto.slurm.v0043`` (and
``v0042``), the import path OLCF documents; the same protos compiled for protobuf's fast upb
runtime live in ``s3m_apis_pb``. Names below are imported on first use, so that ``import s3m_grpc``
stays cheap for command-line tools.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from s3m_grpc._lazy import lazy_getattr
from s3m_grpc._version import __version__

if TYPE_CHECKING:
    from s3m_grpc.auth import Token
    from s3m_grpc.client import Backoff, Job, Slurm, SyncSlurm
    from s3m_grpc.config import DEFAULT, Keepalive, Timeouts
    from s3m_grpc.errors import S3MError
    from s3m_grpc.factory import S3MClientFactory
    from s3m_grpc.spec import JobSpec

__all__ = [
    "DEFAULT",
    "Backoff",
    "Job",
    "JobSpec",
    "Keepalive",
    "S3MClientFactory",
    "S3MError",
    "Slurm",
    "SyncSlurm",
    "Timeouts",
    "Token",
    "__version__",
]

_LAZY = {
    "S3MClientFactory": "s3m_grpc.factory",
    "Token": "s3m_grpc.auth",
    "DEFAULT": "s3m_grpc.config",
    "Keepalive": "s3m_grpc.config",
    "Timeouts": "s3m_grpc.config",
    "S3MError": "s3m_grpc.errors",
    "Slurm": "s3m_grpc.client",
    "SyncSlurm": "s3m_grpc.client",
    "Job": "s3m_grpc.client",
    "Backoff": "s3m_grpc.client",
    "JobSpec": "s3m_grpc.spec",
}


__getattr__ = lazy_getattr(__name__, _LAZY)

"""s3m-grpc: a Python client for OLCF's S3M Slurm gateway (SlurmIndirect), over gRPC and REST.

The generated message and stub modules live in ``s3m_apis_betterproto.slurm.v0043`` (and ``v0042``,
``v0044``), the import path OLCF documents; the same protos compiled for protobuf's fast upb
runtime live in ``s3m_apis_pb``. Names below are imported on first use, so that ``import s3m_grpc``
stays cheap for command-line tools.
"""

import typing

from s3m_grpc._lazy import lazy_getattr as _lazy_getattr
from s3m_grpc._version import __version__

# (No `from __future__ import annotations` and no bare imported names here: `dir(s3m_grpc)` is
# exactly __all__, tests/test_public_surface.py checks it.)
if typing.TYPE_CHECKING:
    from s3m_grpc.auth import Token
    from s3m_grpc.call import Call
    from s3m_grpc.client import Slurm
    from s3m_grpc.config import DEFAULT, Keepalive, Timeouts
    from s3m_grpc.errors import S3MError
    from s3m_grpc.factory import S3MClientFactory
    from s3m_grpc.group import JobGroup
    from s3m_grpc.job import Backoff, Job
    from s3m_grpc.reply import Reply
    from s3m_grpc.retry import RetryPolicy
    from s3m_grpc.spec import JobSpec
    from s3m_grpc.sync import SyncJob, SyncSlurm
    from s3m_grpc.sync_group import SyncJobGroup
    from s3m_grpc.transports import FallbackPolicy, MockTransport, Transport
    from s3m_grpc.views import JobRecord, JobView, Listing, NodeView, PartitionView, ReservationView, View

__all__ = [
    "DEFAULT",
    "Backoff",
    "Call",
    "FallbackPolicy",
    "Job",
    "JobGroup",
    "JobRecord",
    "JobSpec",
    "JobView",
    "Keepalive",
    "Listing",
    "MockTransport",
    "NodeView",
    "PartitionView",
    "Reply",
    "ReservationView",
    "RetryPolicy",
    "S3MClientFactory",
    "S3MError",
    "Slurm",
    "SyncJob",
    "SyncJobGroup",
    "SyncSlurm",
    "Timeouts",
    "Token",
    "Transport",
    "View",
    "__version__",
]

_LAZY = {
    "S3MClientFactory": "s3m_grpc.factory",
    "Token": "s3m_grpc.auth",
    "Call": "s3m_grpc.call",
    "DEFAULT": "s3m_grpc.config",
    "Keepalive": "s3m_grpc.config",
    "Timeouts": "s3m_grpc.config",
    "S3MError": "s3m_grpc.errors",
    "Slurm": "s3m_grpc.client",
    "SyncSlurm": "s3m_grpc.sync",
    "SyncJob": "s3m_grpc.sync",
    "SyncJobGroup": "s3m_grpc.sync_group",
    "JobGroup": "s3m_grpc.group",
    "Job": "s3m_grpc.job",
    "Backoff": "s3m_grpc.job",
    "JobSpec": "s3m_grpc.spec",
    "Reply": "s3m_grpc.reply",
    "RetryPolicy": "s3m_grpc.retry",
    "FallbackPolicy": "s3m_grpc.transports",
    "MockTransport": "s3m_grpc.transports",
    "Transport": "s3m_grpc.transports",
    "JobRecord": "s3m_grpc.views",
    "JobView": "s3m_grpc.views",
    "Listing": "s3m_grpc.views",
    "NodeView": "s3m_grpc.views",
    "PartitionView": "s3m_grpc.views",
    "ReservationView": "s3m_grpc.views",
    "View": "s3m_grpc.views",
}


__getattr__ = _lazy_getattr(__name__, _LAZY)

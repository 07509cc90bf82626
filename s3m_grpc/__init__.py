"""s3m-grpc: a Python client for OLCF's S3M Slurm gateway (SlurmIndirect), over gRPC and REST.

The generated message and stub modules live in ``s3m_apis_betterproto.slurm.v0043`` (and
``v0042``), the import path OLCF documents; the same protos compiled for protobuf's fast upb
runtime live in ``s3m_apis_pb``.
"""

from s3m_grpc._version import __version__

__all__ = ["__version__"]

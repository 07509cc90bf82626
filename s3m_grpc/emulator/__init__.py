"""A local stand-in for S3M's SlurmIndirect service (grows into the full emulator).

Today it is an in-memory servicer: it records submitted jobs, cancels them and answers every RPC
with Slurm-shaped data from a built-in cluster model, for both v0.0.43 and v0.0.42. It does not
run job scripts yet.
"""

from s3m_grpc.emulator.cluster import Cluster
from s3m_grpc.emulator.gateway import Faults, Gateway
from s3m_grpc.emulator.servicer import serve_grpc, servicers

__all__ = ["Cluster", "Faults", "Gateway", "serve_grpc", "servicers"]

"""The S3M emulator: a local gateway serving SlurmIndirect over gRPC and REST, with a real job runner.

``Emulator`` is the entry point (see ``s3m_grpc.emulator.app``); ``s3m emulator`` and
``python -m s3m_grpc.emulator`` run it from the command line, and the pytest plugin provides an
``s3m_emulator`` fixture.
"""

from s3m_grpc.emulator.app import EMULATOR_HOST_ENV, EMULATOR_REST_ENV, Emulator
from s3m_grpc.emulator.faults import Fault, FaultPlan, parse_fault
from s3m_grpc.emulator.model import ClusterModel, EmulatorConfig, NodeModel, PartitionModel, ReservationModel

__all__ = [
    "EMULATOR_HOST_ENV",
    "EMULATOR_REST_ENV",
    "ClusterModel",
    "Emulator",
    "EmulatorConfig",
    "Fault",
    "FaultPlan",
    "NodeModel",
    "PartitionModel",
    "ReservationModel",
    "parse_fault",
]

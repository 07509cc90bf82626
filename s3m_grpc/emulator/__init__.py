"""The S3M emulator: a local gateway serving SlurmIndirect over gRPC and REST, with a real job runner.

``Emulator`` is the entry point (see ``s3m_grpc.emulator.app``); ``s3m emulator`` and
``python -m s3m_grpc.emulator`` run it from the command line, and the pytest plugin provides an
``s3m_emulator`` fixture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from s3m_grpc._lazy import lazy_getattr

if TYPE_CHECKING:
    from s3m_grpc.emulator.app import EMULATOR_HOST_ENV, EMULATOR_REST_ENV, Emulator
    from s3m_grpc.emulator.faults import Fault, FaultPlan, parse_fault
    from s3m_grpc.emulator.inprocess import InProcessTransport
    from s3m_grpc.emulator.model import (
        ClusterModel,
        EmulatorConfig,
        NodeModel,
        PartitionModel,
        ReservationModel,
    )

# Imported on first use: `s3m --version` and `s3m ping` load s3m_grpc.emulator.cli for the
# emulator's options, and must not pay for aiohttp, grpclib's server and the scheduler.
_LAZY = {
    "EMULATOR_HOST_ENV": "s3m_grpc.emulator.app",
    "EMULATOR_REST_ENV": "s3m_grpc.emulator.app",
    "Emulator": "s3m_grpc.emulator.app",
    "Fault": "s3m_grpc.emulator.faults",
    "FaultPlan": "s3m_grpc.emulator.faults",
    "parse_fault": "s3m_grpc.emulator.faults",
    "InProcessTransport": "s3m_grpc.emulator.inprocess",
    "ClusterModel": "s3m_grpc.emulator.model",
    "EmulatorConfig": "s3m_grpc.emulator.model",
    "NodeModel": "s3m_grpc.emulator.model",
    "PartitionModel": "s3m_grpc.emulator.model",
    "ReservationModel": "s3m_grpc.emulator.model",
}


__getattr__ = lazy_getattr(__name__, _LAZY)

__all__ = [
    "EMULATOR_HOST_ENV",
    "EMULATOR_REST_ENV",
    "ClusterModel",
    "Emulator",
    "EmulatorConfig",
    "Fault",
    "FaultPlan",
    "InProcessTransport",
    "NodeModel",
    "PartitionModel",
    "ReservationModel",
    "parse_fault",
]

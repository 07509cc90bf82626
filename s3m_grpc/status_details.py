"""Slurm's errors[]/warnings[] on a failed gRPC call, as standard ``grpc-status-details-bin``.

The trailer holds a ``google.rpc.Status`` (googleapis-common-protos) whose details are
``google.protobuf.Any``-wrapped S3M messages: ``olcf.s3m.slurm.v0043.ErrorResp`` /
``WarningResp``, and S3M's own ``olcf.s3m.common.v1alpha.GerrError`` (its public message). Any gRPC
client can read them; ours turn them into ``SlurmError`` / ``SlurmWarning`` on the exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from google.protobuf.message import DecodeError
from google.rpc import status_pb2
from grpclib.const import Status
from grpclib.encoding.base import StatusDetailsCodecBase
from s3m_apis_pb.common.v1alpha import gerr_pb2
from s3m_apis_pb.slurm.v0043 import slurm_pb2

from s3m_grpc.errors import SlurmError, SlurmWarning

DETAILS_KEY: Final = "grpc-status-details-bin"
_PREFIX: Final = "type.googleapis.com/"
_ERROR_URL: Final = _PREFIX + slurm_pb2.ErrorResp.DESCRIPTOR.full_name
_WARNING_URL: Final = _PREFIX + slurm_pb2.WarningResp.DESCRIPTOR.full_name


def encode(
    code: int, message: str, errors: Iterable[SlurmError] = (), warnings: Iterable[SlurmWarning] = ()
) -> bytes:
    """A serialized google.rpc.Status carrying Slurm's errors and warnings."""
    status = status_pb2.Status(code=code, message=message)
    for e in errors:
        body = slurm_pb2.ErrorResp(
            description=e.description, error_number=e.error_number, error=e.error, source=e.source
        )
        status.details.add(type_url=_ERROR_URL, value=body.SerializeToString())
    for w in warnings:
        body = slurm_pb2.WarningResp(description=w.description, source=w.source)
        status.details.add(type_url=_WARNING_URL, value=body.SerializeToString())
    return bytes(status.SerializeToString())


def decode(data: bytes) -> tuple[list[SlurmError], list[SlurmWarning]]:
    """Slurm errors and warnings from a serialized google.rpc.Status; unknown details are skipped.

    ErrorResp/WarningResp have the same fields in every API version, so any version's type URL
    reads with one class.
    """
    errors: list[SlurmError] = []
    warnings: list[SlurmWarning] = []
    try:
        status = status_pb2.Status.FromString(data)
        for detail in status.details:
            kind = detail.type_url.rsplit(".", 1)[-1]
            if kind == "ErrorResp":
                e = slurm_pb2.ErrorResp.FromString(detail.value)
                errors.append(SlurmError(e.error_number, e.error, e.description, e.source))
            elif kind == "WarningResp":
                w = slurm_pb2.WarningResp.FromString(detail.value)
                warnings.append(SlurmWarning(w.description or w.warning, w.source))
            elif kind == "GerrError":
                g = gerr_pb2.GerrError.FromString(detail.value)
                text = g.public_message if g.HasField("public_message") else ("" if g.private else g.message)
                errors.append(SlurmError(0, text, text, "s3m"))
    except DecodeError:  # undecodable details must not hide the status itself
        return [], []
    return errors, warnings


class SlurmStatusDetailsCodec(StatusDetailsCodecBase):
    """grpclib codec: ``details`` is a ``(errors, warnings)`` pair of SlurmError/SlurmWarning lists."""

    def encode(self, status: Status, message: str | None, details: Any) -> bytes:
        """Serialize (errors, warnings) into google.rpc.Status."""
        errors, warnings = details if details else ((), ())
        return encode(status.value, message or "", errors, warnings)

    def decode(self, status: Status, message: str | None, data: bytes) -> Any:
        """Parse google.rpc.Status into (errors, warnings)."""
        return decode(data)


__all__ = ["DETAILS_KEY", "SlurmStatusDetailsCodec", "decode", "encode"]

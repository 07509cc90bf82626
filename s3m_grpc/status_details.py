"""Slurm's errors[]/warnings[] on a failed gRPC call, as standard ``grpc-status-details-bin``.

The trailer holds a ``google.rpc.Status`` whose details are ``google.protobuf.Any``-wrapped
``slurm.v0043.OpenapiError`` / ``OpenapiWarning`` messages: any gRPC client can read them, and ours
turn them into ``SlurmError`` / ``SlurmWarning`` on the exception.

``google.rpc.Status`` is built in a private descriptor pool, so this works without
googleapis-common-protos and cannot clash with it when a user has it installed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory
from grpclib.const import Status
from grpclib.encoding.base import StatusDetailsCodecBase
from s3m_apis_pb.slurm.v0043 import slurm_pb2

from s3m_grpc.errors import SlurmError, SlurmWarning

DETAILS_KEY = "grpc-status-details-bin"
_ERROR_URL = "type.googleapis.com/slurm.v0043.OpenapiError"
_WARNING_URL = "type.googleapis.com/slurm.v0043.OpenapiWarning"


def _status_class() -> Any:
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(any_pb2.DESCRIPTOR.serialized_pb)
    proto = descriptor_pb2.FileDescriptorProto(
        name="google/rpc/status.proto",
        package="google.rpc",
        syntax="proto3",
        dependency=["google/protobuf/any.proto"],
    )
    message = proto.message_type.add(name="Status")
    f = descriptor_pb2.FieldDescriptorProto
    message.field.add(name="code", number=1, type=f.TYPE_INT32, label=f.LABEL_OPTIONAL)
    message.field.add(name="message", number=2, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL)
    message.field.add(
        name="details",
        number=3,
        type=f.TYPE_MESSAGE,
        label=f.LABEL_REPEATED,
        type_name=".google.protobuf.Any",
    )
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))


_Status = _status_class()


def encode(
    code: int, message: str, errors: Iterable[SlurmError] = (), warnings: Iterable[SlurmWarning] = ()
) -> bytes:
    """A serialized google.rpc.Status carrying Slurm's errors and warnings."""
    status = _Status(code=code, message=message)
    for e in errors:
        body = slurm_pb2.OpenapiError(
            description=e.description, error_number=e.error_number, error=e.error, source=e.source
        )
        status.details.add(type_url=_ERROR_URL, value=body.SerializeToString())
    for w in warnings:
        body = slurm_pb2.OpenapiWarning(description=w.description, source=w.source)
        status.details.add(type_url=_WARNING_URL, value=body.SerializeToString())
    return status.SerializeToString()  # type: ignore[no-any-return]


def decode(data: bytes) -> tuple[list[SlurmError], list[SlurmWarning]]:
    """Slurm errors and warnings from a serialized google.rpc.Status; unknown details are skipped."""
    errors: list[SlurmError] = []
    warnings: list[SlurmWarning] = []
    try:
        status = _Status.FromString(data)
        for detail in status.details:
            if detail.type_url.endswith(".OpenapiError"):
                e = slurm_pb2.OpenapiError.FromString(detail.value)
                errors.append(SlurmError(e.error_number, e.error, e.description, e.source))
            elif detail.type_url.endswith(".OpenapiWarning"):
                w = slurm_pb2.OpenapiWarning.FromString(detail.value)
                warnings.append(SlurmWarning(w.description, w.source))
    except Exception:  # undecodable details must not hide the status itself
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

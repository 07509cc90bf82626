"""Strict decoding of response bytes: upb checks them before betterproto2 parses them.

betterproto2's parser is lenient to a fault: it accepts invalid wire types, reads a truncated
length-delimited field as an empty message (``b"\\x0a\\x7f"`` becomes ``jobs=[JobInfo()]``), and
raises bare ``KeyError``/``EOFError`` on other garbage. A cut-off listing could then pass for a short
one. protobuf's upb parser rejects all of these, at a cost of milliseconds for 10,000 jobs, so every
response is checked by upb first; bytes it rejects become a ``ProtocolError``.
"""

from __future__ import annotations

import importlib
from typing import Any, TypeVar

from google.protobuf import empty_pb2
from google.protobuf.message import DecodeError
from grpclib.encoding.proto import ProtoCodec

from s3m_grpc.errors import ProtocolError

M = TypeVar("M")
_PREFIX = "s3m_apis_betterproto."


_UPB: dict[type[Any], Any] = {}


def upb_class(message_type: type[Any]) -> Any:
    """The upb class compiled from the same proto as a betterproto2 class (None if there is none)."""
    if message_type not in _UPB:
        _UPB[message_type] = _find_upb_class(message_type)
    return _UPB[message_type]


def _find_upb_class(message_type: type[Any]) -> Any:
    module = message_type.__module__
    if module.endswith("google.protobuf") and message_type.__name__ == "Empty":
        return empty_pb2.Empty
    if not module.startswith(_PREFIX):
        return None
    package = module[len(_PREFIX) :]  # "slurm.v0043"
    try:
        pb2 = importlib.import_module(
            f"s3m_apis_pb.{package}.{package.rsplit('.', 1)[0].rsplit('.', 1)[-1]}_pb2"
        )
    except ImportError:
        return None
    # Nested betterproto2 names are concatenated ("JobSubmitReqJobDescription"); responses are top level.
    return getattr(pb2, message_type.__name__, None)


def decode(message_type: type[M], data: bytes) -> M:
    """Parse `data` as `message_type` (betterproto2) after upb has accepted it."""
    strict = upb_class(message_type)
    try:
        if strict is not None:
            strict.FromString(data)
        return message_type.parse(data)  # type: ignore[attr-defined, no-any-return]
    except (DecodeError, ValueError, KeyError, EOFError, IndexError, TypeError) as exc:
        raise ProtocolError(
            f"the response is not a valid {message_type.__name__} ({type(exc).__name__})"
        ) from exc


class StrictProtoCodec(ProtoCodec):
    """grpclib's codec, decoding replies through ``decode``."""

    def decode(self, data: bytes, message_type: Any) -> Any:
        """Validate with upb, then parse with betterproto2."""
        return decode(message_type, data)

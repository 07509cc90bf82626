"""Strict decoding of response bytes: upb checks them before betterproto2 parses them.

betterproto2's parser is lenient to a fault: it accepts invalid wire types, reads a truncated
length-delimited field as an empty message (``b"\\x0a\\x7f"`` becomes ``jobs=[JobInfo()]``), and
raises bare ``KeyError``/``EOFError`` on other garbage. A cut-off listing could then pass for a short
one. protobuf's upb parser rejects all of these, at a cost of milliseconds for 10,000 jobs, so every
response is checked by upb first; bytes it rejects become a ``ProtocolError``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any, ClassVar, TypeVar

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


class FastReply:
    """A reply kept in the fast runtime: an upb message (gRPC) or the decoded JSON object (REST).

    The high-level API asks for listings this way and wraps their elements in views, skipping
    betterproto2 (which needs ~1 s per 10,000 jobs where upb needs milliseconds).
    """

    __slots__ = ("json", "message")
    #: The upb class of the response (set on the subclass that ``fast_reply`` makes).
    upb: ClassVar[Any] = None

    def __init__(self, *, message: Any = None, json: Mapping[str, Any] | None = None) -> None:
        self.message = message
        self.json = json

    @classmethod
    def parse(cls, data: bytes) -> FastReply:
        """From gRPC bytes (upb checks them as it parses)."""
        return cls(message=cls.upb.FromString(data))

    def items(self, name: str) -> Sequence[Any]:
        """A repeated field's elements (upb messages or JSON objects)."""
        if self.message is not None:
            return getattr(self.message, name)  # type: ignore[no-any-return]
        value = (self.json or {}).get(name)
        return value if isinstance(value, list) else []

    def field(self, name: str) -> Any:
        """A singular field (upb message or JSON value)."""
        if self.message is not None:
            return getattr(self.message, name)
        return (self.json or {}).get(name)

    @property
    def errors(self) -> list[Any]:
        """Slurm's errors[], with attribute access in both forms."""
        return [e if self.message is not None else SimpleNamespace(**_entry(e)) for e in self.items("errors")]

    @property
    def warnings(self) -> list[Any]:
        """Slurm's warnings[], with attribute access in both forms."""
        return [
            w if self.message is not None else SimpleNamespace(**_entry(w, warning=True))
            for w in self.items("warnings")
        ]


def _entry(value: Any, *, warning: bool = False) -> dict[str, Any]:
    value = value if isinstance(value, Mapping) else {}
    entry: dict[str, Any] = {
        "description": str(value.get("description") or ""),
        "source": str(value.get("source") or ""),
    }
    if not warning:
        entry |= {"error_number": int(value.get("error_number") or 0), "error": str(value.get("error") or "")}
    return entry


_FAST: dict[type[Any], type[FastReply]] = {}


def fast_reply(message_type: type[Any]) -> type[FastReply]:
    """The FastReply class for a betterproto2 response type (cached)."""
    if message_type not in _FAST:
        _FAST[message_type] = type(
            f"Fast{message_type.__name__}", (FastReply,), {"upb": upb_class(message_type)}
        )
    return _FAST[message_type]


def decode(message_type: type[M], data: bytes) -> M:
    """Parse `data` as `message_type` (betterproto2) after upb has accepted it."""
    if isinstance(message_type, type) and issubclass(message_type, FastReply):
        try:
            return message_type.parse(data)  # type: ignore[return-value]
        except DecodeError as exc:
            raise ProtocolError(f"the response is not a valid {message_type.__name__[4:]}") from exc
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

"""S3M's published descriptors, ours, and a diff between two descriptors that names every difference.

``tests/contract/olcf-s3m-apis.binpb`` is the FileDescriptorSet of OLCF's own generated packages
(see tests/contract/README.md). Its custom options (``google.api.http``, S3M's header options) are
parsed through a descriptor pool built from the set itself, so that they compare as fields, not as
opaque bytes.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message

CONTRACT = Path(__file__).resolve().parent / "contract" / "olcf-s3m-apis.binpb"

#: Published file -> our upb module compiled from our proto of the same name.
OURS = {
    "proto/common/v1alpha/headers.proto": "s3m_apis_pb.common.v1alpha.headers_pb2",
    "proto/common/v1alpha/gerr.proto": "s3m_apis_pb.common.v1alpha.gerr_pb2",
    "proto/slurm/v0042/slurm.proto": "s3m_apis_pb.slurm.v0042.slurm_pb2",
    "proto/slurm/v0043/slurm.proto": "s3m_apis_pb.slurm.v0043.slurm_pb2",
    "proto/slurm/v0044/slurm.proto": "s3m_apis_pb.slurm.v0044.slurm_pb2",
    "proto/status/v1alpha/status.proto": "s3m_apis_pb.status.v1alpha.status_pb2",
    "proto/tms/v1/control.proto": "s3m_apis_pb.tms.v1.control_pb2",
    # googleapis' own, which we import from googleapis-common-protos rather than restate
    "google/api/annotations.proto": "google.api.annotations_pb2",
    "google/api/http.proto": "google.api.http_pb2",
}
#: Published S3M services no issue has asked for yet (no proto of ours claims them).
NOT_YET = frozenset(
    {
        "proto/storage/v1alpha/storage.proto",
        "proto/streaming/v1alpha/common.proto",
        "proto/streaming/v1alpha/rabbitmq.proto",
        "proto/streaming/v1alpha/redis.proto",
        "proto/streaming/v1alpha/streaming.proto",
    }
)


@functools.cache
def _set_class() -> Any:
    """FileDescriptorSet from a pool of the published files, so custom options parse as fields."""
    raw = CONTRACT.read_bytes()
    plain = descriptor_pb2.FileDescriptorSet.FromString(raw)
    pool = descriptor_pool.DescriptorPool()
    for file in plain.file:
        pool.Add(file)
    classes = message_factory.GetMessageClassesForFiles([f.name for f in plain.file], pool)
    return classes["google.protobuf.FileDescriptorSet"], classes["google.protobuf.FileDescriptorProto"]


def published() -> dict[str, Any]:
    """The published FileDescriptorProtos by file name (options parsed)."""
    file_set, _ = _set_class()
    return {f.name: f for f in file_set.FromString(CONTRACT.read_bytes()).file}


def published_bytes() -> dict[str, bytes]:
    """The published FileDescriptorProtos, serialized as the grpcio modules embed them."""
    plain = descriptor_pb2.FileDescriptorSet.FromString(CONTRACT.read_bytes())
    return {f.name: f.SerializeToString() for f in plain.file}


def ours(name: str) -> Any:
    """Our FileDescriptorProto for a published file name (parsed like the published ones)."""
    _, file_class = _set_class()
    module = importlib.import_module(OURS[name])
    return file_class.FromString(module.DESCRIPTOR.serialized_pb)


def ours_bytes(name: str) -> bytes:
    """The serialized descriptor our upb module registers."""
    return bytes(importlib.import_module(OURS[name]).DESCRIPTOR.serialized_pb)


def diff(expected: Message, actual: Message, path: str = "") -> Iterator[str]:
    """Every difference between two descriptor messages, as ``path: expected -> actual`` lines.

    Repeated messages that have a ``name`` (messages, fields, methods, ...) are matched by name, so a
    renamed or missing element is reported as such rather than as a cascade of index shifts; their
    order is compared too, since it is part of the descriptor.
    """
    fields = {f.name: f for f in expected.DESCRIPTOR.fields}
    fields.update({f.name: f for f in actual.DESCRIPTOR.fields})
    extension_values = {}
    for message in (expected, actual):
        for field, _ in message.ListFields():
            if field.is_extension:
                extension_values[f"[{field.full_name}]"] = field
    for key, field in [*fields.items(), *extension_values.items()]:
        here = f"{path}.{key}" if path else key
        left = _get(expected, field)
        right = _get(actual, field)
        if field.message_type is not None and field.is_repeated:
            yield from _diff_repeated(left, right, here)
        elif field.message_type is not None:
            if left is None or right is None:
                if (left is None) != (right is None):
                    was, now = ("absent" if v is None else "present" for v in (left, right))
                    yield f"{here}: {was} -> {now}"
                continue
            yield from diff(left, right, here)
        elif field.is_repeated:
            if list(left) != list(right):
                yield f"{here}: {list(left)!r} -> {list(right)!r}"
        elif left != right:
            yield f"{here}: {left!r} -> {right!r}"


def _get(message: Message, field: Any) -> Any:
    if field.is_extension:
        if field.is_repeated or message.HasExtension(field):
            return message.Extensions[field]
        return None
    if field.is_repeated:
        return getattr(message, field.name)
    if field.message_type is not None:
        return getattr(message, field.name) if message.HasField(field.name) else None
    has = field.has_presence
    if has and not message.HasField(field.name):
        return None
    return getattr(message, field.name)


def _diff_repeated(left: Any, right: Any, path: str) -> Iterator[str]:
    named = all(hasattr(m, "name") and m.name for m in [*left, *right]) and (left or right)
    if not named:
        if len(left) != len(right):
            yield f"{path}: {len(left)} elements -> {len(right)}"
        for i, (a, b) in enumerate(zip(left, right, strict=False)):  # the lengths were compared above
            yield from diff(a, b, f"{path}[{i}]")
        return
    by_left = {m.name: m for m in left}
    by_right = {m.name: m for m in right}
    for name in by_left:
        if name not in by_right:
            yield f"{path}[{name}]: missing (published has it)"
    for name in by_right:
        if name not in by_left:
            yield f"{path}[{name}]: extra (the published contract has no such element)"
    common_left = [m.name for m in left if m.name in by_right]
    common_right = [m.name for m in right if m.name in by_left]
    if common_left != common_right:
        yield f"{path}: order {common_left} -> {common_right}"
    for name in common_left:
        yield from diff(by_left[name], by_right[name], f"{path}[{name}]")

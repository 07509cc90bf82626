"""Hypothesis strategies for S3M's messages, built field by field from the upb descriptors.

``message(descriptor)`` draws a betterproto 2.0.0b7 message of that type with a random subset of
its fields set, recursively: integers over their whole range (int64 to +-2^63, uint64 to 2^64-1,
far beyond a JSON double's 2^53), proto3 ``optional`` fields unset or set (to 0 too), non-ASCII
text, float32 values a float field can hold exactly, and repeated fields with a few elements.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from betterproto.casing import pascal_case, safe_snake_case
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import strategies as st

from s3m_grpc.rpc import RPCS, VERSIONS

F = FieldDescriptor
INT_RANGES = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1),
}
# How deep messages nest before the strategy stops setting sub-messages. S3M's Slurm messages are
# not recursive; their deepest path (SlurmDBJobDescription.array.limits.max.running) is 5 deep.
MAX_DEPTH = 8


def root_messages(suffix: str) -> list[Descriptor]:
    """Every request and response message of SlurmIndirect in one version (google.protobuf.Empty aside)."""
    pb2 = VERSIONS[next(n for n, v in VERSIONS.items() if v.suffix == suffix)].upb
    names = dict.fromkeys(name for rpc in RPCS for name in (rpc.request, rpc.response) if name != "Empty")
    return [pb2.DESCRIPTOR.message_types_by_name[name] for name in names]


def python_name(field: FieldDescriptor) -> str:
    """betterproto's attribute name for a field (``CPUs`` is ``cp_us``, ``as`` is ``as_``)."""
    return safe_snake_case(field.name)


def betterproto_class(desc: Descriptor) -> Any:
    """The betterproto class generated for a descriptor (nested names joined, in its PascalCase)."""
    package = desc.file.package
    module = importlib.import_module("s3m_apis_betterproto." + package.removeprefix("olcf.s3m."))
    return getattr(module, pascal_case(desc.full_name[len(package) + 1 :].replace(".", "")))


def scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    """Values for one scalar field, edge cases included."""
    if field.type in INT_RANGES:
        low, high = INT_RANGES[field.type]
        return st.integers(low, high)
    if field.type == F.TYPE_BOOL:
        return st.booleans()
    if field.type == F.TYPE_DOUBLE:
        return st.floats(allow_nan=False)  # NaN never equals itself; infinities and -0.0 are drawn
    if field.type == F.TYPE_FLOAT:
        return st.floats(allow_nan=False, width=32)  # what a float32 holds exactly
    if field.type == F.TYPE_STRING:
        return st.text(max_size=12)  # any Unicode but surrogates, which UTF-8 cannot carry
    raise AssertionError(f"no strategy for field type {field.type} of {field.full_name}")


@functools.cache
def kwargs(desc: Descriptor, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for the betterproto class of `desc`; an absent key is an unset field."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in desc.fields:
        if field.message_type is not None:
            if field.message_type.GetOptions().map_entry:
                raise AssertionError(f"no strategy for map field {field.full_name}")
            if depth >= MAX_DEPTH:
                continue
            cls = betterproto_class(field.message_type)
            inner = kwargs(field.message_type, depth + 1).map(lambda kw, cls=cls: cls(**kw))
            value = st.lists(inner, max_size=2) if field.is_repeated else inner
        else:
            value = st.lists(scalar(field), max_size=3) if field.is_repeated else scalar(field)
        fields[python_name(field)] = value
    return st.fixed_dictionaries({}, optional=fields)


@functools.cache
def message(desc: Descriptor) -> st.SearchStrategy[Any]:
    """A betterproto message of type `desc` with a random subset of its fields set, recursively."""
    cls = betterproto_class(desc)
    return kwargs(desc).map(lambda kw: cls(**kw))

"""Hypothesis strategies that build any SlurmIndirect message, field by field, from its descriptor."""

from __future__ import annotations

import functools
import importlib
import keyword
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import strategies as st

F = FieldDescriptor
INT_RANGES = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1),  # well beyond 2^53, where JSON doubles lose precision
    F.TYPE_UINT32: (0, 2**32 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1),
}


def python_name(field: FieldDescriptor) -> str:
    """betterproto2's attribute name for a field (`as` becomes `as_`)."""
    return field.name + "_" if keyword.iskeyword(field.name) else field.name


def betterproto_class(desc: Descriptor) -> Any:
    """The betterproto2 class generated for a descriptor (nested names are concatenated)."""
    parts = desc.full_name.split(".")
    module = importlib.import_module(f"s3m_apis_betterproto.{parts[0]}.{parts[1]}")
    return getattr(module, "".join(parts[2:]))


def scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    """Values for one scalar field, edge cases included."""
    if field.type in INT_RANGES:
        low, high = INT_RANGES[field.type]
        return st.integers(low, high)
    if field.type == F.TYPE_BOOL:
        return st.booleans()
    if field.type == F.TYPE_DOUBLE:
        # NaN never equals itself; -0.0 is covered by its own test in test_wire_compat.
        return st.floats(allow_nan=False).filter(lambda x: x != 0 or str(x) == "0.0")
    if field.type == F.TYPE_STRING:
        return st.text(max_size=12)  # includes non-ASCII; surrogates are excluded by default
    raise AssertionError(f"unexpected field type {field.type} for {field.full_name}")


@functools.cache
def kwargs(desc: Descriptor, depth: int = 0, max_depth: int = 4) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for the betterproto2 class of `desc`; absent keys are unset fields."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in desc.fields:
        if field.type == F.TYPE_MESSAGE:
            if depth >= max_depth:
                continue
            cls = betterproto_class(field.message_type)
            inner = kwargs(field.message_type, depth + 1, max_depth).map(lambda kw, cls=cls: cls(**kw))
            value = st.lists(inner, max_size=2) if field.is_repeated else inner
        else:
            value = st.lists(scalar(field), max_size=3) if field.is_repeated else scalar(field)
        fields[python_name(field)] = value
    return st.fixed_dictionaries({}, optional=fields)


@functools.cache
def message(desc: Descriptor, max_depth: int = 4) -> st.SearchStrategy[Any]:
    """A betterproto2 message of type `desc` with a random subset of fields set, recursively."""
    cls = betterproto_class(desc)
    return kwargs(desc, 0, max_depth).map(lambda kw: cls(**kw))

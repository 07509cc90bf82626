"""generated/ is exactly what `make generate` writes from proto/, and both runtimes agree on it.

Both packages come from the same .proto files: betterproto 2.0.0b7's dataclasses and stubs
(``s3m_apis_betterproto``) and protoc's upb modules (``s3m_apis_pb``). That each upb module's
descriptor is S3M's published one, byte for byte, is tests/test_contract.py's business; here: the
betterproto side describes the very same messages, the stubs are the documented ones, and our
modules can live in one process with OLCF's own, which register the same files.
"""

from __future__ import annotations

import asyncio
import filecmp
import importlib
import inspect
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import betterproto
import pytest
from betterproto.casing import pascal_case, safe_snake_case
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from s3m_grpc.rpc import RPCS, VERSIONS
from tests import descriptors

ROOT = Path(__file__).resolve().parent.parent
# betterproto package -> the upb modules of its .proto files.
PACKAGES = {
    "slurm.v0042": ["s3m_apis_pb.slurm.v0042.slurm_pb2"],
    "slurm.v0043": ["s3m_apis_pb.slurm.v0043.slurm_pb2"],
    "slurm.v0044": ["s3m_apis_pb.slurm.v0044.slurm_pb2"],
    "common.v1alpha": ["s3m_apis_pb.common.v1alpha.headers_pb2", "s3m_apis_pb.common.v1alpha.gerr_pb2"],
    "status.v1alpha": ["s3m_apis_pb.status.v1alpha.status_pb2"],
    "tms.v1": ["s3m_apis_pb.tms.v1.control_pb2"],
}
DOCUMENTED_METHODS = {
    "ping",
    "get_partitions",
    "post_job_submit",
    "get_job",
    "get_jobs",
    "delete_job",
    "get_nodes",
    "get_reservations",
    "get_diag",
}
F = FieldDescriptor
# betterproto's FieldMetadata.proto_type for each descriptor type.
PROTO_TYPES = {
    F.TYPE_DOUBLE: "double",
    F.TYPE_FLOAT: "float",
    F.TYPE_INT64: "int64",
    F.TYPE_UINT64: "uint64",
    F.TYPE_INT32: "int32",
    F.TYPE_FIXED64: "fixed64",
    F.TYPE_FIXED32: "fixed32",
    F.TYPE_BOOL: "bool",
    F.TYPE_STRING: "string",
    F.TYPE_MESSAGE: "message",
    F.TYPE_BYTES: "bytes",
    F.TYPE_UINT32: "uint32",
    F.TYPE_ENUM: "enum",
    F.TYPE_SFIXED32: "sfixed32",
    F.TYPE_SFIXED64: "sfixed64",
    F.TYPE_SINT32: "sint32",
    F.TYPE_SINT64: "sint64",
}


def _differences(left: Path, right: Path) -> list[str]:
    cmp = filecmp.dircmp(left, right, ignore=["__pycache__"])
    out = [f"only in generated/: {p}" for p in cmp.left_only]
    out += [f"missing from generated/: {p}" for p in cmp.right_only]
    out += [f"differs: {p}" for p in cmp.diff_files]
    for sub in cmp.common_dirs:
        out += [f"{sub}/{d}" for d in _differences(left / sub, right / sub)]
    # dircmp compares shallowly (size and mtime); confirm equal-looking files byte for byte.
    for name in cmp.same_files:
        if (left / name).read_bytes() != (right / name).read_bytes():
            out.append(f"differs: {name}")
    return out


def test_regenerating_changes_nothing(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=110,  # under pytest-timeout's 120 s: a hung protoc fails here, with its output
    )
    for package in ("s3m_apis_betterproto", "s3m_apis_pb"):
        diff = _differences(ROOT / "generated" / package, tmp_path / package)
        assert diff == [], f"generated/{package} is stale; run `make generate`:\n" + "\n".join(diff)


def python_class(module: ModuleType, desc: Descriptor | EnumDescriptor) -> Any:
    """betterproto's class for a message or enum: nested names joined, in its PascalCase."""
    parts = desc.full_name[len(desc.file.package) + 1 :].split(".")
    return getattr(module, pascal_case("".join(parts)))


def file_proto(desc: Descriptor) -> descriptor_pb2.DescriptorProto:
    """The DescriptorProto of a message, for what the runtime descriptor does not say (proto3_optional)."""
    file = descriptor_pb2.FileDescriptorProto.FromString(desc.file.serialized_pb)
    path = desc.full_name[len(file.package) + 1 :].split(".")
    found = next(m for m in file.message_type if m.name == path[0])
    for name in path[1:]:
        found = next(m for m in found.nested_type if m.name == name)
    return found


def differences(module: ModuleType, desc: Descriptor) -> list[str]:
    """How betterproto's class of `desc` differs from it: names, numbers, types, labels, presence."""
    cls = python_class(module, desc)
    meta = cls._betterproto.meta_by_field_name
    proto = {f.number: f for f in file_proto(desc).field}
    out = []
    ours = {m.number: name for name, m in meta.items()}
    if sorted(ours) != sorted(f.number for f in desc.fields):
        out.append(f"{desc.full_name}: numbers {sorted(ours)} != {sorted(f.number for f in desc.fields)}")
        return out
    defaults = cls._betterproto.default_gen
    for field in desc.fields:
        where = f"{desc.full_name}.{field.name}"
        name = ours[field.number]
        info = meta[name]
        is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
        checks = {
            "name": (name, safe_snake_case(field.name)),
            "type": (info.proto_type, "map" if is_map else PROTO_TYPES[field.type]),
            "repeated": (isinstance(defaults[name](), list), field.is_repeated and not is_map),
            "map": (info.map_types is not None, is_map),
            "proto3 optional": (bool(info.optional), proto[field.number].proto3_optional),
            "oneof": (
                info.group,
                field.containing_oneof.name
                if field.containing_oneof is not None and not proto[field.number].proto3_optional
                else None,
            ),
        }
        if is_map:
            key, value = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
            checks["map types"] = (info.map_types, (PROTO_TYPES[key.type], PROTO_TYPES[value.type]))
        elif field.message_type is not None and field.message_type.full_name != "google.protobuf.Timestamp":
            target = field.message_type
            if target.file.package == desc.file.package:
                checks["message type"] = (cls._betterproto.cls_by_field[name], python_class(module, target))
        elif field.enum_type is not None:
            checks["enum type"] = (cls._betterproto.cls_by_field[name], python_class(module, field.enum_type))
        out += [
            f"{where}: {what}: {got!r} != {want!r}" for what, (got, want) in checks.items() if got != want
        ]
    return out


def all_messages(desc: Descriptor) -> list[Descriptor]:
    out = [desc]
    for nested in desc.nested_types:
        if not nested.GetOptions().map_entry:
            out += all_messages(nested)
    return out


@pytest.mark.parametrize("package", PACKAGES)
def test_betterproto_and_upb_describe_the_same_messages(package: str) -> None:
    module = importlib.import_module(f"s3m_apis_betterproto.{package}")
    messages = [
        desc
        for upb_name in PACKAGES[package]
        for top in importlib.import_module(upb_name).DESCRIPTOR.message_types_by_name.values()
        for desc in all_messages(top)
    ]
    problems = [line for desc in messages for line in differences(module, desc)]
    assert problems == []
    # ...and betterproto has no message the protos lack.
    expected = {python_class(module, d) for d in messages}
    generated = {
        v for v in vars(module).values() if isinstance(v, type) and issubclass(v, betterproto.Message)
    } - {v for v in vars(betterproto.lib.google.protobuf).values() if isinstance(v, type)}
    assert generated == expected
    if package.startswith("slurm."):
        assert len(messages) > 75  # the whole contract, not a stub of it


@pytest.mark.parametrize("package", PACKAGES)
def test_enums_have_the_same_values(package: str) -> None:
    module = importlib.import_module(f"s3m_apis_betterproto.{package}")
    for upb_name in PACKAGES[package]:
        file = importlib.import_module(upb_name).DESCRIPTOR
        enums = [*file.enum_types_by_name.values()]
        for top in file.message_types_by_name.values():
            enums += [e for d in all_messages(top) for e in d.enum_types]
        for enum in enums:
            cls = python_class(module, enum)
            assert {m.value for m in cls} == {v.number for v in enum.values}, enum.full_name


def resolve(module: ModuleType, annotation: Any) -> Any:
    """A stub's string annotation (``"betterproto_lib_google_protobuf.Empty"``) in its module."""
    head, *rest = str(annotation).split(".")
    value = vars(module)[head]
    for part in rest:
        value = getattr(value, part)
    return value


def test_the_stubs_take_betterprotos_own_empty() -> None:
    from betterproto.lib.std.google.protobuf import Empty

    for version in VERSIONS.values():
        stub = version.betterproto.SlurmIndirectStub
        for rpc in RPCS:
            signature = inspect.signature(getattr(stub, rpc.method))
            request = list(signature.parameters.values())[1]  # after self
            expected = Empty if rpc.request == "Empty" else getattr(version.betterproto, rpc.request)
            assert resolve(version.betterproto, request.annotation) is expected, (version.name, rpc.name)
            response = resolve(version.betterproto, signature.return_annotation)
            assert response is getattr(version.betterproto, rpc.response), (version.name, rpc.name)


class Recorder:
    """Stands in for a grpclib channel: the stub's _unary_unary is what this records."""


@pytest.mark.parametrize("version", VERSIONS.values(), ids=lambda v: v.suffix)
def test_each_stub_has_exactly_the_documented_methods_and_paths(version: Any) -> None:
    module = version.betterproto
    stub_class = module.SlurmIndirectStub
    methods = {n for n, v in vars(stub_class).items() if callable(v) and not n.startswith("_")}
    assert methods == DOCUMENTED_METHODS
    calls: list[tuple[str, type, type]] = []

    class Stub(stub_class):  # type: ignore[misc, valid-type]
        async def _unary_unary(self, route: str, request: Any, response_type: type, **_: Any) -> Any:
            calls.append((route, type(request), response_type))
            return response_type()

    from betterproto.lib.std.google.protobuf import Empty

    stub = Stub(Recorder())  # type: ignore[arg-type]
    for rpc in RPCS:
        request = Empty() if rpc.request == "Empty" else getattr(module, rpc.request)()
        reply = asyncio.run(getattr(stub, rpc.method)(request))
        assert isinstance(reply, getattr(module, rpc.response))
    assert calls == [
        (
            f"/olcf.s3m.slurm.{version.suffix}.SlurmIndirect/{rpc.name}",
            Empty if rpc.request == "Empty" else getattr(module, rpc.request),
            getattr(module, rpc.response),
        )
        for rpc in RPCS
    ]
    # The server side serves the same nine paths.
    assert set(module.SlurmIndirectBase.__mapping__(module.SlurmIndirectBase())) == {c[0] for c in calls}


def test_documented_names_come_out_of_codegen() -> None:
    from s3m_apis_betterproto.slurm.v0043 import (
        DeleteJobReq,
        JobIdReq,
        JobSubmitReq,
        JobSubmitReqJobDescription,
        SlurmDbJobDescription,
        Uint32NoVal,
    )
    from s3m_apis_betterproto.slurm.v0044 import JobSubmitReq as JobSubmitReq44

    assert set(Uint32NoVal._betterproto.meta_by_field_name) == {"set", "infinite", "number"}
    assert set(DeleteJobReq._betterproto.meta_by_field_name) == {"job_id", "signal", "flags"}
    assert set(JobIdReq._betterproto.meta_by_field_name) == {"job_id"}
    assert JobSubmitReq._betterproto.cls_by_field["job"] is JobSubmitReqJobDescription
    assert len(JobSubmitReqJobDescription._betterproto.meta_by_field_name) == 38
    assert list(JobSubmitReq44._betterproto.meta_by_field_name) == ["script", "jobs", "job"]
    assert "gruop" in SlurmDbJobDescription._betterproto.meta_by_field_name


# Our upb modules and OLCF's grpcio modules (s3m_apis_grpcio) register the same file names in
# protobuf's default pool. protobuf accepts a second registration of a file only if its bytes are
# identical, so importing both works exactly when our descriptors are the published bytes.


def _fresh_pool_with_dependencies(name: str) -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    published = descriptor_pb2.FileDescriptorSet.FromString(descriptors.CONTRACT.read_bytes())
    by_name = {f.name: f for f in published.file}

    def add(file_name: str) -> None:
        try:
            pool.FindFileByName(file_name)
        except KeyError:
            for dependency in by_name[file_name].dependency:
                add(dependency)
            pool.Add(by_name[file_name])

    for dependency in by_name[name].dependency:
        add(dependency)
    return pool


@pytest.mark.parametrize("name", sorted(n for n in descriptors.OURS if n.startswith("proto/")))
def test_our_file_registers_twice_and_beside_the_published_one(name: str) -> None:
    ours = descriptors.ours_bytes(name)
    pool = _fresh_pool_with_dependencies(name)
    pool.AddSerializedFile(ours)
    pool.AddSerializedFile(ours)  # a second import of the same module, or OLCF's of the same file
    pool.AddSerializedFile(descriptors.published_bytes()[name])
    assert pool.FindFileByName(name).serialized_pb == ours
    # What an OLCF module does on import, into the default pool where ours already is:
    module = importlib.import_module(descriptors.OURS[name])
    descriptor_pool.Default().AddSerializedFile(descriptors.published_bytes()[name])
    assert descriptor_pool.Default().FindFileByName(name) is module.DESCRIPTOR


def test_a_file_that_differs_cannot_join_the_pool() -> None:
    """What the test above would meet if our descriptor drifted from the published one."""
    name = "proto/slurm/v0043/slurm.proto"
    pool = _fresh_pool_with_dependencies(name)
    pool.AddSerializedFile(descriptors.ours_bytes(name))
    drifted = descriptor_pb2.FileDescriptorProto.FromString(descriptors.ours_bytes(name))
    response = next(m for m in drifted.message_type if m.name == "JobSubmitResp")
    response.field[-1].json_name = "jobSubmitUserMsg"
    with pytest.raises(TypeError, match=r"duplicate file name|already|conflict"):
        pool.AddSerializedFile(drifted.SerializeToString())

"""generated/ is exactly what `make generate` writes from proto/, and both runtimes agree on it."""

from __future__ import annotations

import filecmp
import importlib
import subprocess
import sys
from pathlib import Path

import betterproto2
import pytest
from google.protobuf.descriptor import FieldDescriptor

from tests.conftest import DOCUMENTED_METHODS, ROOT, VERSIONS


def _differences(left: Path, right: Path) -> list[str]:
    cmp = filecmp.dircmp(left, right, ignore=["__pycache__"])
    out = [f"only in generated/: {p}" for p in cmp.left_only] + [
        f"missing from generated/: {p}" for p in cmp.right_only
    ]
    out += [f"differs: {p}" for p in cmp.diff_files]
    for sub in cmp.common_dirs:
        out += [f"{sub}/{d}" for d in _differences(left / sub, right / sub)]
    # dircmp compares shallowly (size+mtime); confirm equal-looking files byte for byte.
    for name in cmp.same_files:
        if (left / name).read_bytes() != (right / name).read_bytes():
            out.append(f"differs: {name}")
    return out


def test_regenerating_changes_nothing(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for package in ("s3m_apis_betterproto", "s3m_apis_pb"):
        diff = _differences(ROOT / "generated" / package, tmp_path / package)
        assert diff == [], f"generated/{package} is stale; run `make generate`:\n" + "\n".join(diff)


@pytest.mark.parametrize("version", VERSIONS)
def test_betterproto_and_upb_modules_describe_the_same_messages(version: str) -> None:
    bp = importlib.import_module(f"s3m_apis_betterproto.slurm.{version}")
    pb2 = importlib.import_module(f"s3m_apis_pb.slurm.{version}.slurm_pb2")
    type_names = {
        getattr(FieldDescriptor, n): n[5:].lower() for n in dir(FieldDescriptor) if n.startswith("TYPE_")
    }
    seen = 0

    def check(desc, python_name: str) -> None:  # type: ignore[no-untyped-def]
        nonlocal seen
        cls = getattr(bp, python_name)
        meta = cls._betterproto.meta_by_field_name
        by_number = {m.number: m for m in meta.values()}
        assert sorted(by_number) == sorted(f.number for f in desc.fields), desc.full_name
        for field in desc.fields:
            ours = by_number[field.number]
            assert ours.proto_type == type_names[field.type], f"{desc.full_name}.{field.name}"
            assert ours.repeated == field.is_repeated, f"{desc.full_name}.{field.name}"
            if field.message_type is None and not field.is_repeated:
                assert ours.optional == field.has_presence, f"{desc.full_name}.{field.name}"
        seen += 1
        for nested in desc.nested_types:
            check(nested, python_name + nested.name)

    for desc in pb2.DESCRIPTOR.message_types_by_name.values():
        check(desc, desc.name)
    assert seen > 50


def test_documented_names_come_out_of_codegen() -> None:
    from s3m_apis_betterproto.google.protobuf import Empty
    from s3m_apis_betterproto.slurm.v0043 import (
        DeleteJobReq,
        JobIdReq,
        JobSubmitReq,
        JobSubmitReqJobDescription,
        SlurmIndirectStub,
        Uint32NoVal,
    )

    assert {"set", "infinite", "number"} <= set(Uint32NoVal._betterproto.meta_by_field_name)
    assert set(DeleteJobReq._betterproto.meta_by_field_name) == {"job_id", "signal", "flags"}
    assert set(JobIdReq._betterproto.meta_by_field_name) == {"job_id"}
    assert JobSubmitReq._betterproto.cls_by_field["job"] is JobSubmitReqJobDescription
    assert set(DOCUMENTED_METHODS) <= set(dir(SlurmIndirectStub))
    assert isinstance(Empty(), betterproto2.Message)

"""The baseline client: plain ``grpc.aio`` with protoc's own ``_pb2``/``_pb2_grpc`` stubs (upb runtime).

The stubs are compiled from our protos into a temporary directory with grpcio-tools (a dev
dependency), exactly as a user with no library of ours would do, and imported from there. protoc
runs from the repository root, as scripts/generate.py runs it, so that the file names are S3M's
(``proto/slurm/v0043/slurm.proto``); protoc's ``from proto.common.v1alpha import headers_pb2``
imports are rewritten to the temporary package's name, because ``proto`` alone may be taken
(the repository's own proto/ directory, or proto-plus).
"""

from __future__ import annotations

import contextlib
import importlib
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import google.api
import grpc_tools

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "s3m_bench_raw_pb"  # the temporary package the protoc output is moved to


def include_dirs() -> list[str]:
    """protoc's -I: the repository, googleapis-common-protos' .proto files, protobuf's own."""
    googleapis = Path(next(iter(google.api.__path__))).parent.parent
    well_known = Path(next(iter(grpc_tools.__path__))) / "_proto"
    return [f"-I{ROOT}", f"-I{googleapis}", f"-I{well_known}"]


@contextlib.contextmanager
def protoc_stubs(version: str = "v0043") -> Iterator[tuple[ModuleType, ModuleType]]:
    """(slurm_pb2, slurm_pb2_grpc) for `version`, compiled by protoc into a temporary directory."""
    files = [f"proto/slurm/{version}/slurm.proto", "proto/common/v1alpha/headers.proto"]
    with tempfile.TemporaryDirectory(prefix="s3m-raw-stubs-") as out:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "grpc_tools.protoc",
                *include_dirs(),
                f"--python_out={out}",
                f"--grpc_python_out={out}",
                *files,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"protoc failed:\n{done.stderr}")
        package = Path(out) / PACKAGE
        (Path(out) / "proto").rename(package)
        for module in package.rglob("*.py"):
            text = module.read_text()
            module.write_text(re.sub(r"^from proto\.", f"from {PACKAGE}.", text, flags=re.MULTILINE))
        sys.path.insert(0, out)
        try:
            pb2 = importlib.import_module(f"{PACKAGE}.slurm.{version}.slurm_pb2")
            pb2_grpc = importlib.import_module(f"{PACKAGE}.slurm.{version}.slurm_pb2_grpc")
            yield pb2, pb2_grpc
        finally:
            sys.path.remove(out)
            for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
                del sys.modules[name]


def metadata(token: str, resource: str = "defiant") -> tuple[tuple[str, str], ...]:
    """The headers S3M routes on, as a grpc.aio caller would pass them (the token, no "Bearer")."""
    return (("authorization", token), ("olcf-resource", resource))

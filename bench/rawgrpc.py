"""The baseline client: plain ``grpc.aio`` with protoc's own ``_pb2``/``_pb2_grpc`` stubs (upb runtime).

The stubs are compiled from our protos into a temporary directory with grpcio-tools (a dev
dependency), exactly as a user with no library of ours would do, and imported from there.
"""

from __future__ import annotations

import contextlib
import importlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "proto"


@contextlib.contextmanager
def protoc_stubs(version: str = "v0043") -> Iterator[tuple[ModuleType, ModuleType]]:
    """(slurm_pb2, slurm_pb2_grpc) for `version`, compiled by protoc into a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="s3m-raw-stubs-") as out:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "grpc_tools.protoc",
                f"-I{PROTO}",
                f"--python_out={out}",
                f"--grpc_python_out={out}",
                f"slurm/{version}/slurm.proto",
            ],
            check=True,
        )
        sys.path.insert(0, out)
        try:
            pb2 = importlib.import_module(f"slurm.{version}.slurm_pb2")
            pb2_grpc = importlib.import_module(f"slurm.{version}.slurm_pb2_grpc")
            yield pb2, pb2_grpc
        finally:
            sys.path.remove(out)
            for name in [n for n in sys.modules if n == "slurm" or n.startswith("slurm.")]:
                del sys.modules[name]


def metadata(token: str, resource: str = "defiant", version: str = "v0.0.43") -> tuple[tuple[str, str], ...]:
    """The headers S3M routes on, as a grpc.aio caller would pass them."""
    return (("authorization", token), ("s3m-resource", resource), ("s3m-api-version", version))

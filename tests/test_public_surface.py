"""The public surface is deliberate: ``__all__`` lists it, the README uses only it, sync mirrors async.

After httpx's ``test_exported_members``: a name is public because it is in ``__all__``, not because it
happens to lack an underscore, and everything public says in a line what it is.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import s3m_grpc
from s3m_grpc import SyncJob, SyncSlurm
from s3m_grpc.client import Slurm
from s3m_grpc.job import Job
from tests.conftest import ROOT

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(s3m_grpc.__path__, "s3m_grpc.")
    if not name.endswith("__main__")
)


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


def test_the_package_exports_exactly_its_all() -> None:
    public = {name for name in dir(s3m_grpc) if not name.startswith("_")}
    # Submodules become attributes once imported; they are reached by their dotted names.
    submodules = {name for name in public if inspect.ismodule(getattr(s3m_grpc, name))}
    assert public - submodules <= set(s3m_grpc.__all__)
    for name in s3m_grpc.__all__:
        value = getattr(s3m_grpc, name)  # every lazy name resolves
        if inspect.isclass(value) or inspect.isfunction(value):
            assert (value.__doc__ or "").strip(), f"s3m_grpc.{name} has no docstring"


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_its_public_names(name: str) -> None:
    module = _module(name)
    declared = getattr(module, "__all__", None)
    assert declared is not None, f"{name} has no __all__"
    assert len(declared) == len(set(declared)), f"{name}.__all__ repeats a name"
    for item in declared:
        assert hasattr(module, item), f"{name}.__all__ lists {item!r}, which {name} does not define"
    defined_here = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == name
    }
    assert defined_here <= set(declared), f"{name} defines public {sorted(defined_here - set(declared))}"
    for item in declared:
        value = getattr(module, item)
        if (inspect.isclass(value) or inspect.isfunction(value)) and value.__module__ == name:
            assert (value.__doc__ or "").strip(), f"{name}.{item} has no docstring"


def _readme_imports() -> set[tuple[str, str]]:
    sources = [ROOT / "README.md", *sorted((ROOT / "examples").glob("*.py"))]
    found: set[tuple[str, str]] = set()
    for path in sources:
        text = path.read_text()
        blocks = re.findall(r"```python\n(.*?)```", text, re.S) if path.suffix == ".md" else [text]
        for block in blocks:
            for node in ast.walk(ast.parse(block)):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("s3m_grpc"):
                    found |= {(node.module or "", alias.name) for alias in node.names}
    return found


def test_what_the_readme_and_examples_import_is_public() -> None:
    imports = _readme_imports()
    assert ("s3m_grpc", "Slurm") in imports
    for module, name in imports:
        assert name in _module(module).__all__, f"the README imports {module}.{name}, which is not public"


def _surface(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and callable(member)
    }


@pytest.mark.parametrize(("asynchronous", "synchronous"), [(Slurm, SyncSlurm), (Job, SyncJob)])
def test_the_sync_facade_covers_every_async_method(asynchronous: type, synchronous: type) -> None:
    async_surface, sync_surface = _surface(asynchronous), _surface(synchronous)
    if "aclose" in async_surface:  # `await slurm.aclose()` is `slurm.close()`
        async_surface["close"] = async_surface.pop("aclose")
    missing = sorted(set(async_surface) - set(sync_surface))
    assert not missing, f"{synchronous.__name__} lacks {missing}"
    for name, signature in async_surface.items():
        params = [p.name for p in signature.parameters.values()]
        assert [p.name for p in sync_surface[name].parameters.values()] == params, name
    # and the properties (job_id, state, ...)
    async_props = {n for n, v in inspect.getmembers(asynchronous) if isinstance(v, property) and n[0] != "_"}
    sync_props = {n for n, v in inspect.getmembers(synchronous) if isinstance(v, property) and n[0] != "_"}
    assert async_props <= sync_props, sorted(async_props - sync_props)


def test_the_sync_group_covers_what_users_call_on_a_group() -> None:
    from s3m_grpc import JobGroup, SyncJobGroup

    for name in ("add", "submit", "wait", "summary"):
        assert _surface(SyncJobGroup)[name].parameters.keys() == _surface(JobGroup)[name].parameters.keys()


def test_mypy_strict_rejects_a_misspelled_keyword(tmp_path: Path) -> None:
    """Explicit keywords, not **options: a typo is a type error, not a silently ignored setting."""
    script = tmp_path / "user_script.py"
    script.write_text(
        "from s3m_grpc import Slurm, SyncSlurm, S3MClientFactory\n"
        "Slurm('s3m.olcf.ornl.gov', tiemouts=3)\n"
        "SyncSlurm(resource='odo', transprot='rest')\n"
        "S3MClientFactory('s3m.olcf.ornl.gov', 'token', ssl_contxt=None)\n"
        "Slurm('s3m.olcf.ornl.gov', transport=42)\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "c"),
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stdout
    for typo in ('"tiemouts"', '"transprot"', '"ssl_contxt"'):
        assert f"Unexpected keyword argument {typo}" in done.stdout, done.stdout
    assert 'Argument "transport" to "Slurm" has incompatible type "int"' in done.stdout, done.stdout

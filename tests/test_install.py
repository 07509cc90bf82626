"""What each install gives: the client alone works without the emulator's libraries, and the
emulator says which extra it needs (pip install 's3m-grpc[emulator]')."""

from __future__ import annotations

import subprocess
import sys

import pytest

# aiohttp blocked as if it were not installed (sys.modules[name] = None makes `import` fail).
CLIENT_ONLY = """
import sys
sys.modules["aiohttp"] = None
import asyncio
from s3m_grpc import MockTransport, Slurm

def answer(call):
    return {"pings": [{"hostname": "c1", "pinged": "UP", "mode": "primary"}]}

async def main():
    async with Slurm(transport=MockTransport(answer), token="t" * 24) as slurm:
        print((await slurm.ping())[0].hostname)
    from s3m_grpc.emulator import Emulator
    from s3m_grpc.errors import ConfigurationError
    try:
        await Emulator().start()
    except ConfigurationError as exc:
        print(exc)

asyncio.run(main())
"""


def test_the_client_alone_needs_no_emulator_library() -> None:
    done = subprocess.run([sys.executable, "-c", CLIENT_ONLY], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    hostname, message = done.stdout.strip().splitlines()
    assert hostname == "c1"
    assert "pip install 's3m-grpc[emulator]'" in message
    assert "aiohttp" in message


@pytest.mark.parametrize("argv", [["--help"], ["ping", "--help"], ["emulator", "--help"]])
def test_the_command_line_starts_without_the_emulator_libraries(argv: list[str]) -> None:
    code = (
        "import sys; sys.modules['aiohttp'] = None\n"
        "from s3m_grpc.cli import main\nsys.exit(main(sys.argv[1:]))"
    )
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage: s3m" in done.stdout


# Every module of the core library imported with the workflow engines blocked as if not installed.
WITHOUT_ENGINES = """
import sys
for name in ("parsl", "psij"):
    sys.modules[name] = None
import importlib, pkgutil
import s3m_grpc
ADAPTERS = ("s3m_grpc.parsl", "s3m_grpc.psij")
for info in pkgutil.walk_packages(s3m_grpc.__path__, "s3m_grpc."):
    if not info.name.startswith(ADAPTERS) and not info.name.endswith("__main__"):
        importlib.import_module(info.name)
for adapter in ADAPTERS:
    try:
        importlib.import_module(adapter)
    except ImportError as exc:
        print(exc)
"""


def test_the_core_library_imports_no_workflow_engine() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_ENGINES], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    parsl, psij = done.stdout.strip().splitlines()
    assert "pip install 's3m-grpc[parsl]'" in parsl
    assert "pip install 's3m-grpc[psij]'" in psij

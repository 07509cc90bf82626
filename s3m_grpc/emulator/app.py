"""``Emulator``: the whole local S3M (gRPC + REST, every resource) in one object.

    async with Emulator(time_scale=0.01) as emu:
        async with emu.factory() as factory:
            client = factory.create_client(SlurmIndirectStub)

For synchronous tests, ``emu.start_background()`` runs it on its own thread and event loop, and
``emu.stop_background()`` stops it; ``with Emulator().running() as emu:`` does both.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from ssl import SSLContext
from typing import Any

from s3m_grpc._aio import bounded
from s3m_grpc.config import EMULATOR_HOST_ENV, EMULATOR_REST_ENV, is_loopback
from s3m_grpc.emulator.api import Gateway, Resource
from s3m_grpc.emulator.backend import Backend
from s3m_grpc.emulator.facility import Downtime, Facility
from s3m_grpc.emulator.faults import Fault, FaultPlan, fault_from_mapping
from s3m_grpc.emulator.files import private_dir, write_private
from s3m_grpc.emulator.model import EmulatorConfig, load_config
from s3m_grpc.emulator.scheduler import Scheduler
from s3m_grpc.emulator.state import SlurmRejection
from s3m_grpc.emulator.store import JobStore
from s3m_grpc.errors import ConfigurationError

log = logging.getLogger("s3m_grpc.emulator")

__all__ = ["EMULATOR_HOST_ENV", "EMULATOR_REST_ENV", "Emulator"]


class Emulator:
    """A local S3M gateway: SlurmIndirect over gRPC and REST for every configured resource."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        grpc_port: int = 0,
        rest_port: int = 0,
        tokens: Iterable[str] | None = None,
        readonly_tokens: Iterable[str] = (),
        config: EmulatorConfig | str | os.PathLike[str] | None = None,
        state_dir: str | os.PathLike[str] | None = None,
        work_dir: str | os.PathLike[str] | None = None,
        time_scale: float = 1.0,
        min_job_age: float = 300.0,
        first_job_id: int = 1001,
        faults: Iterable[Fault | str] = (),
        seed: int | None = None,
        ssl: SSLContext | None = None,
        rest_ssl: SSLContext | None = None,
        allow_remote: bool = False,
        backend: str = "builtin",
        slurm_conf: str | os.PathLike[str] | None = None,
        downtimes: Iterable[Downtime | str] = (),
        token_expires: dt.datetime | None = None,
    ) -> None:
        """Configure; nothing listens until ``start()``. Without `tokens`, one random token is made.

        `backend` is ``builtin`` (the model scheduler, the default) or ``slurm``: every configured
        resource is then served by the real Slurm cluster whose commands are on PATH (`slurm_conf`
        sets ``SLURM_CONF`` for them); see ``s3m_grpc.emulator.slurm_backend``. `downtimes`
        (``Downtime`` values or ``"defiant,now,+2h,maintenance"``) join the config's for the Status
        API; `token_expires` is what token introspection reports (default: 30 days from now).
        """
        if backend not in ("builtin", "slurm"):
            raise ConfigurationError(f"unknown backend {backend!r}: builtin or slurm")
        self.backend = backend
        self._slurm_conf = os.fspath(slurm_conf) if slurm_conf is not None else None
        if not is_loopback(host) and not allow_remote:
            raise ConfigurationError(
                f"refusing to serve on {host}, which is not a loopback address: the emulator "
                "runs submitted scripts (pass allow_remote=True to mean it)"
            )
        if time_scale <= 0 or min_job_age < 0:
            raise ConfigurationError("time_scale must be positive and min_job_age not negative")
        if (
            isinstance(first_job_id, bool)
            or not isinstance(first_job_id, int)
            or not 0 < first_job_id < 2**26
        ):
            raise ConfigurationError("first_job_id must be a positive job id (Slurm's FirstJobId)")
        self.first_job_id = first_job_id
        self.host = host
        self._ports = (grpc_port, rest_port)
        token_list = list(tokens) if tokens is not None else [secrets.token_urlsafe(32)]
        if not token_list:
            raise ConfigurationError("the emulator needs at least one accepted token")
        self._tokens = token_list
        self._readonly = list(readonly_tokens)
        self.config = (
            config
            if isinstance(config, EmulatorConfig)
            else (load_config(config) if config is not None else EmulatorConfig())
        )
        self.faults = FaultPlan(seed=seed)
        self.faults.extend(fault_from_mapping(f) for f in self.config.faults)
        self.faults.extend(faults)
        # Checked now (a downtime of an unknown resource is refused before anything starts).
        self.facility = Facility(
            self.config.resources,
            [Downtime.from_mapping(d) for d in self.config.downtimes]
            + [d if isinstance(d, Downtime) else Downtime.parse(d) for d in downtimes],
        )
        self.token_expires = token_expires
        self._state_dir = Path(state_dir) if state_dir is not None else None
        if work_dir is None and self._state_dir is not None:
            # Jobs that wait across a restart need their default working directory to survive it.
            work_dir = self._state_dir / "work"
        self._own_work_dir = work_dir is None
        self.work_dir = (
            Path(work_dir) if work_dir is not None else Path(tempfile.mkdtemp(prefix="s3m-emulator-"))
        )
        self.time_scale = time_scale
        self.min_job_age = min_job_age
        self.ssl = ssl
        #: REST's own TLS context (ALPN http/1.1: aiohttp speaks no HTTP/2); default: `ssl`.
        self.rest_ssl = rest_ssl or ssl
        self.schedulers: dict[str, Scheduler] = {}
        self.gateway: Gateway | None = None
        self.grpc_port = 0
        self.rest_port = 0
        self._grpc_server: Any = None
        self._rest_runner: Any = None
        self._store: JobStore | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None

    # -- what clients need ---------------------------------------------------------------------

    @property
    def token(self) -> str:
        """A token the emulator accepts (full compute-ace scope)."""
        return self._tokens[0]

    @property
    def grpc_target(self) -> str:
        """``host:port`` of the gRPC service."""
        return f"{self._bracketed()}:{self.grpc_port}"

    @property
    def rest_url(self) -> str:
        """``http://host:port`` of the REST service (append ``/slurm/v0.0.43/defiant/ping``)."""
        scheme = "https" if self.rest_ssl else "http"
        return f"{scheme}://{self._bracketed()}:{self.rest_port}"

    def base_url(self, version: str = "v0.0.43", *, enclave: bool = False) -> str:
        """The REST base path as OLCF documents it: ``.../slurm/v0.0.43`` or ``.../slurm/open/v0.0.43``."""
        return f"{self.rest_url}/slurm/{'open/' if enclave else ''}{version}"

    def transport(self) -> Any:
        """An InProcessTransport into this running emulator's gateway: no sockets, same answers."""
        from s3m_grpc.emulator.inprocess import InProcessTransport

        if self.gateway is None:
            raise RuntimeError("the emulator is not running: start it first")
        return InProcessTransport(self.gateway)

    def factory(self, **kwargs: Any) -> Any:
        """An S3MClientFactory for this emulator (gRPC target, REST URL and token filled in)."""
        from s3m_grpc.factory import S3MClientFactory

        kwargs.setdefault("token", self.token)
        kwargs.setdefault("rest_url", self.rest_url)
        return S3MClientFactory(self.grpc_target, **kwargs)

    @property
    def grpc_server(self) -> Any:
        """The grpclib Server (for tests that listen to its events)."""
        return self._grpc_server

    def scheduler(self, resource: str = "defiant") -> Scheduler:
        """The backend of one resource (its jobs, nodes, counters)."""
        return self.schedulers[resource]

    def env(self) -> dict[str, str]:
        """Environment variables that point clients at this emulator."""
        grpc = f"https://{self.grpc_target}" if self.ssl is not None else self.grpc_target
        return {EMULATOR_HOST_ENV: grpc, EMULATOR_REST_ENV: self.rest_url}

    def write_header_file(self, path: str | os.PathLike[str]) -> Path:
        """Write ``Authorization: <token>`` with mode 0600, for ``curl -H @FILE``.

        The file is written beside `path` and renamed over it, so a symlink planted there (by
        another user, to a file of theirs) is replaced, never followed.
        """
        return write_private(path, f"Authorization: {self.token}\n")

    def _bracketed(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> Emulator:
        """Start the schedulers and both servers."""
        from s3m_grpc.emulator.grpc_server import start_grpc

        try:
            from s3m_grpc.emulator.rest import start_rest
        except ImportError as exc:  # the client alone was installed
            raise ConfigurationError(
                f"the emulator needs {exc.name or 'aiohttp'}, which the client alone does not install: "
                "pip install 's3m-grpc[emulator]'"
            ) from None

        private_dir(self.work_dir, what="the emulator's work directory")
        if self._state_dir is not None:
            self._store = JobStore(self._state_dir)
        backends = await self._start_backends()
        resources = {
            name: Resource(name, model.versions, backends[name])
            for name, model in self.config.resources.items()
        }
        self.gateway = Gateway(
            resources,
            tokens=self._tokens,
            readonly_tokens=self._readonly,
            faults=self.faults,
            facility=self.facility,
            token_expires=self.token_expires,
        )
        self._grpc_server, self.grpc_port = await start_grpc(
            self.gateway, self.host, self._ports[0], ssl=self.ssl
        )
        self._rest_runner, self.rest_port = await start_rest(
            self.gateway, self.host, self._ports[1], ssl=self.rest_ssl
        )
        log.info("emulator serving gRPC on %s and REST on %s", self.grpc_target, self.rest_url)
        return self

    async def _start_backends(self) -> dict[str, Backend]:
        """What runs each resource's jobs: a model scheduler each, or one real Slurm cluster for all."""
        if self.backend == "slurm":
            from s3m_grpc.emulator.slurm_backend import SlurmBackend, SlurmCommandError

            try:
                cluster = SlurmBackend(slurm_conf=self._slurm_conf)
                await cluster.start()
            except (SlurmCommandError, SlurmRejection) as exc:
                raise ConfigurationError(f"the Slurm backend cannot start: {exc}") from None
            self.schedulers = dict.fromkeys(self.config.resources, cluster)  # type: ignore[arg-type]
            return dict.fromkeys(self.config.resources, cluster)
        for name, model in self.config.resources.items():
            work = private_dir(self.work_dir / name, what="the emulator's work directory")
            scheduler = Scheduler(
                model,
                time_scale=self.time_scale,
                min_job_age=self.min_job_age,
                first_job_id=self.first_job_id,
                work_dir=work,
                store=self._store,
            )
            await scheduler.start()
            self.schedulers[name] = scheduler  # here, so that stop() ends what did start
        return dict(self.schedulers)

    async def stop(self) -> None:
        """Stop serving, end running jobs, close the state store."""
        if self._grpc_server is not None:
            self._grpc_server.close()
            # wait_closed waits for every client connection to go; a client that never closes its
            # channel must not be able to hang the emulator's stop.
            await bounded(self._grpc_server.wait_closed(), 5.0)
            await self._grpc_server.guard.stop()
            self._grpc_server = None
        if self._rest_runner is not None:
            await self._rest_runner.cleanup()
            self._rest_runner = None
        for scheduler in {id(s): s for s in self.schedulers.values()}.values():
            await scheduler.stop()
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- the synchronous form -------------------------------------------------------------------

    def start_background(self, timeout: float = 30.0) -> Emulator:
        """Run the emulator on its own thread and event loop; returns once it is listening."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start())
                self._stopped = asyncio.Event()
                ready.set()
                loop.run_until_complete(self._stopped.wait())
                loop.run_until_complete(self.stop())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="s3m-emulator", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("the emulator did not start in time")
        if failure:
            raise failure[0]
        return self

    def stop_background(self, timeout: float = 30.0) -> None:
        """Stop an emulator started with ``start_background``."""
        if self._loop is None or self._thread is None or self._stopped is None:
            return
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout)
        self._thread = None

    def call(self, coroutine: Any, timeout: float = 60.0) -> Any:
        """Run a coroutine on a background emulator's loop (for sync tests inspecting state)."""
        if self._loop is None:
            raise RuntimeError("the emulator is not running in the background")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    @contextlib.contextmanager
    def running(self) -> Iterator[Emulator]:
        """``with Emulator().running() as emu:`` for synchronous code."""
        self.start_background()
        try:
            yield self
        finally:
            self.stop_background()

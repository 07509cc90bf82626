"""Connection limits for the emulator's servers: anyone on a login node can reach 127.0.0.1.

``ConnectionGuard`` wraps a server's protocol factory. Every connection it lets in

* must send its first complete request head within ``header_timeout`` (HTTP/1.1: the blank line
  ending the headers; HTTP/2: a HEADERS frame, reported by the protocol), or it is closed: a
  connection that trickles bytes cannot hold its file descriptor;
* is closed after ``idle_timeout`` seconds with nothing received or sent and no request in flight;
* counts against ``max_connections``, as do the file descriptors it holds (``fd_reserve`` of them are
  kept for the jobs and the state store: 1,100 idle sockets once shut out every client and failed a
  running job with EMFILE). At the limit, a new connection takes the place of the one that has
  waited longest without sending a request (then of the longest idle one with nothing in flight),
  so that a pile of silent sockets cannot keep clients out even for ``header_timeout``; only when
  every connection is busy is the new one refused (closed at once).

HTTP/2 servers also report stream resets (``reset``): a client that resets more than
``max_resets`` streams within ``reset_window`` seconds (the "rapid reset" attack, CVE-2023-44487)
is disconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final

log = logging.getLogger("s3m_grpc.emulator.guard")

_HEAD_END: Final = b"\r\n\r\n"


def free_fds() -> int:
    """File descriptors this process may still open."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        used = len(os.listdir("/proc/self/fd"))
    except OSError:
        return soft
    return soft - used


class ConnectionGuard:
    """Limits and timeouts for the connections of one server (see the module docstring)."""

    def __init__(
        self,
        *,
        name: str,
        max_connections: int = 256,
        fd_reserve: int = 64,
        header_timeout: float = 10.0,
        idle_timeout: float = 120.0,
        max_resets: int = 200,
        reset_window: float = 10.0,
    ) -> None:
        self.name = name
        self.max_connections = max_connections
        self.fd_reserve = fd_reserve
        self.header_timeout = header_timeout
        self.idle_timeout = idle_timeout
        self.max_resets = max_resets
        self.reset_window = reset_window
        self.open: set[Guarded] = set()
        self.refused = 0
        self.closed_for: dict[str, int] = {"header timeout": 0, "idle": 0, "rapid reset": 0, "evicted": 0}
        self._sweeper: asyncio.Task[None] | None = None

    def wrap(self, factory: Callable[[], Any], *, http1: bool) -> Callable[[], asyncio.Protocol]:
        """A protocol factory whose connections this guard watches."""
        return lambda: Guarded(self, factory(), http1=http1)

    def start(self) -> None:
        """Start sweeping for timed-out connections (on the running loop)."""
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name=f"guard-{self.name}")

    async def stop(self) -> None:
        """Stop sweeping, and drop every connection still open (a server that stops answers no one)."""
        for connection in list(self.open):
            connection.abort()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    def admit(self, connection: Guarded) -> bool:
        """Whether a new connection may stay (and then it is counted), making room if it can."""
        full = len(self.open) >= self.max_connections or free_fds() < self.fd_reserve
        # Evicting makes room (its descriptor is released on this loop tick, before the next accept).
        if full and not self._evict():
            self.refused += 1
            if self.refused == 1 or self.refused % 100 == 0:
                log.warning(
                    "%s: refusing connections (%d open, limit %d; %d fds free, reserve %d)",
                    self.name,
                    len(self.open),
                    self.max_connections,
                    free_fds(),
                    self.fd_reserve,
                )
            return False
        self.open.add(connection)
        return True

    def _evict(self) -> bool:
        """Drop the connection that has waited longest without a request, else the longest idle one."""
        silent = [c for c in self.open if not c.requested and not c.aborted]
        if silent:
            victim = min(silent, key=lambda c: c.opened)
        else:
            idle = [c for c in self.open if not c.aborted and not c.busy()]
            if not idle:
                return False
            victim = min(idle, key=lambda c: c.active_at)
        self.closed_for["evicted"] += 1
        if self.closed_for["evicted"] == 1 or self.closed_for["evicted"] % 100 == 0:
            log.warning(
                "%s: at %d connections, dropping the quietest for a new one", self.name, len(self.open)
            )
        victim.abort()
        self.open.discard(victim)  # its fd is released when the transport closes, on this loop tick
        return True

    async def _sweep(self) -> None:
        interval = max(min(self.header_timeout, self.idle_timeout) / 4, 0.05)
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for connection in list(self.open):
                reason = connection.expired(now)
                if reason is not None:
                    self.closed_for[reason] += 1
                    log.info("%s: closing a connection (%s)", self.name, reason)
                    connection.abort()


class Guarded(asyncio.Protocol):
    """A connection's protocol, watched by its guard; everything else is the wrapped protocol's."""

    def __init__(self, guard: ConnectionGuard, inner: Any, *, http1: bool) -> None:
        self.guard = guard
        self.inner = inner
        self.http1 = http1
        self.transport: asyncio.Transport | None = None
        self.opened = self.active_at = time.monotonic()
        self.requested = False  # a first complete request head has arrived
        self.aborted = False
        self.admitted = False  # the wrapped protocol saw connection_made
        self._head = b""
        self._resets: deque[float] = deque()

    # -- what the wrapped protocol tells us -----------------------------------------------------

    def request_started(self) -> None:
        """An HTTP/2 request's HEADERS arrived."""
        self.requested = True
        self.active_at = time.monotonic()

    def reset(self) -> None:
        """The client reset a stream: too many too fast is an attack, and ends the connection."""
        if self.aborted:
            return
        now = time.monotonic()
        self._resets.append(now)
        while self._resets and now - self._resets[0] > self.guard.reset_window:
            self._resets.popleft()
        if len(self._resets) > self.guard.max_resets:
            self.guard.closed_for["rapid reset"] += 1
            log.warning("%s: closing a connection that reset %d streams", self.guard.name, len(self._resets))
            self.abort()

    def busy(self) -> bool:
        """Whether requests on this connection are still being answered (HTTP/2 tells; HTTP/1.1 may)."""
        busy = getattr(self.inner, "busy", None)
        return bool(busy is not None and busy())

    def expired(self, now: float) -> str | None:
        """Why this connection should be closed now, if it should."""
        if not self.requested and now - self.opened > self.guard.header_timeout:
            return "header timeout"
        if not self.busy() and now - self.active_at > self.guard.idle_timeout:
            return "idle"
        return None

    def abort(self) -> None:
        """Drop the connection at once."""
        self.aborted = True
        if self.transport is not None:
            self.transport.abort()

    # -- asyncio.Protocol, delegated -------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Admit the connection (or drop it at once), then hand it on."""
        self.transport = transport  # type: ignore[assignment]
        if not self.guard.admit(self):
            transport.abort()  # type: ignore[attr-defined]
            return
        if hasattr(type(self.inner), "guard"):  # a protocol of ours, which reports requests and resets
            self.inner.guard = self
        self.admitted = True
        try:
            self.inner.connection_made(transport)
        except BaseException:
            self.admitted = False
            self.guard.open.discard(self)
            transport.abort()  # type: ignore[attr-defined]  # never leave a connection nobody serves
            raise

    def data_received(self, data: bytes) -> None:
        """Note activity (and an HTTP/1.1 request head), then hand the bytes on."""
        self.active_at = time.monotonic()
        if self.http1 and not self.requested:
            self._head = (self._head + data)[-65536:]
            if _HEAD_END in self._head:
                self.requested = True
                self._head = b""
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        """Hand the end of input on."""
        return self.inner.eof_received()  # type: ignore[no-any-return]

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection, then hand the loss on (to a protocol that saw it made)."""
        if self.admitted:
            self.admitted = False
            self.guard.open.discard(self)
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        """Hand flow control on."""
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        """Note activity, then hand flow control on."""
        self.active_at = time.monotonic()
        self.inner.resume_writing()


__all__ = ["ConnectionGuard", "Guarded", "free_fds"]

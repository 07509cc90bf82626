"""The REST front end: S3M's ``/slurm[/open]/{version}/{resource}/...`` paths, over the shared Gateway.

Bodies are JSON keyed by the messages' field names (S3M's json names). The token is checked before
the body is read; a submitted job description with a field S3M's does not have is refused with the
field's name (S3M's own gateway would drop it silently).
"""

from __future__ import annotations

import asyncio
import logging
from ssl import SSLContext
from typing import Any

import orjson
from aiohttp import web

from s3m_grpc import redact
from s3m_grpc.emulator import render
from s3m_grpc.emulator.api import MAX_REQUEST_BYTES, ApiError, DropConnection, Gateway, Reply, Request
from s3m_grpc.emulator.facility_services import add_routes
from s3m_grpc.emulator.grpc_server import bind
from s3m_grpc.emulator.guard import ConnectionGuard
from s3m_grpc.rpc import RPCS, VERSIONS, Rpc
from s3m_grpc.slurmjson import SlurmJsonError, normalize

log = logging.getLogger("s3m_grpc.emulator.rest")
redact.install()  # aiohttp quotes unparsable requests, headers and all, in its error log
JSON = "application/json"
MAX_BODY = MAX_REQUEST_BYTES  # also for chunked bodies, which declare no length


def make_app(gateway: Gateway) -> web.Application:
    """An aiohttp application serving every RPC of the table in both path forms."""
    app = web.Application(client_max_size=MAX_BODY)
    for prefix in ("/slurm/{version}/{resource}/", "/slurm/open/{version}/{resource}/"):
        for rpc in RPCS:
            handler = _handler(gateway, rpc)
            app.router.add_route(rpc.http_method, prefix + rpc.route, handler)
            app.router.add_route(rpc.http_method, prefix + rpc.route + "/", handler)
    add_routes(app, gateway)  # Status and TokenControl: /olcf/v1alpha/status, /olcf/v1/token/ctls/...
    return app


def _handler(gateway: Gateway, rpc: Rpc) -> Any:
    async def handle(request: web.Request) -> web.StreamResponse:
        version = request.match_info["version"]
        resource = request.match_info["resource"]
        call = Request("rest", rpc, version, resource, request.headers.get("Authorization"))
        try:
            scope = gateway.authenticate(call.token)  # before the body is read
            if (request.content_length or 0) > MAX_REQUEST_BYTES:
                raise ApiError(
                    8,
                    413,
                    9001,
                    "Request too large",
                    f"the request ({request.content_length:,} bytes) exceeds the limit of "
                    f"{MAX_REQUEST_BYTES:,}",
                )
            if version not in VERSIONS:
                raise ApiError(
                    5, 404, 9007, "Unsupported API version", f"unknown Slurm API version {version[:20]!r}"
                )
            call.params = await _params(request, rpc, version)
            reply = await gateway.handle(call, scope=scope)
        except ApiError as error:
            return _error(gateway, call, error)
        except DropConnection:
            return _drop(request)
        try:
            return _answer(request, reply)
        except Exception:  # a rendering bug: still a JSON answer, never a text/plain 500
            log.exception("cannot render the answer to %s", rpc.name)
            return _error(gateway, call, ApiError.of(2090, "the emulator could not render its answer"))

    return handle


async def _params(request: web.Request, rpc: Rpc, version: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v for k, v in request.match_info.items() if k not in ("version", "resource")}
    for name in rpc.query:
        if name in request.query:
            params[name] = request.query[name]
    if rpc.http_method == "POST":
        raw = await request.read()
        try:
            body = orjson.loads(raw)
            cls = getattr(VERSIONS[version].upb, rpc.request)
            params.update(normalize(cls.DESCRIPTOR, body, strict=True))
        except orjson.JSONDecodeError as exc:
            raise ApiError(
                3, 400, 9001, "Failed to parse", f"request body is not JSON: {exc.msg}", source="request body"
            ) from None
        except SlurmJsonError as exc:
            raise ApiError(3, 400, 9001, "Failed to parse", str(exc), source="request body") from None
    return params


def _answer(request: web.Request, reply: Reply) -> web.StreamResponse:
    body = reply.json()
    fault = reply.after
    if fault is not None:
        if fault.kind == "accept_then_drop":
            return _drop(request)
        body = (
            b'{"jobs": [{"job_id": 1, "name": <!-- oops'
            if fault.kind == "malformed"
            else body[: len(body) // 2]
        )
    return web.Response(body=body, content_type=JSON)


def _error(gateway: Gateway, call: Request, error: ApiError) -> web.Response:
    version = VERSIONS.get(call.version) or VERSIONS["v0.0.43"]
    body = render.encode(version, call.rpc.response, gateway.error_body(call, error), "json")
    headers = {"Retry-After": f"{error.retry_after:g}"} if error.retry_after is not None else None
    return web.Response(status=error.http_status, body=body, content_type=JSON, headers=headers)


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer (the client sees a reset or an empty reply)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)  # never sent: the transport is gone


class _QuietHandler(web.RequestHandler):
    """aiohttp's request handler, except that an unparsable request is not quoted back.

    aiohttp answers a malformed request with its offending line (``Invalid header value char:
    b'Authorization: <token>\x01'``); a proxy that logs responses would keep the token.
    """

    def handle_error(
        self, request: Any, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        """The error response, without the request's own text in it."""
        return super().handle_error(request, status, exc, None if status == 400 else message)


class RestServer:
    """The REST listener, its aiohttp runner and its connection guard; ``cleanup()`` stops all three."""

    def __init__(self, runner: web.AppRunner, server: asyncio.Server, guard: ConnectionGuard) -> None:
        self.runner = runner
        self.server = server
        self.guard = guard

    async def cleanup(self) -> None:
        """Stop listening, close connections, stop the guard."""
        self.server.close()
        await self.runner.cleanup()
        await self.guard.stop()


async def start_rest(
    gateway: Gateway,
    host: str,
    port: int,
    *,
    ssl: SSLContext | None = None,
    guard: ConnectionGuard | None = None,
) -> tuple[RestServer, int]:
    """Serve the REST paths for `gateway`; returns the server (to clean up) and the port."""
    # shutdown_timeout: stopping must not wait on clients' idle keep-alive connections (aiohttp: 60 s);
    # keepalive_timeout: an idle keep-alive connection is closed after 30 s.
    runner = web.AppRunner(
        make_app(gateway), access_log=None, handle_signals=False, shutdown_timeout=1.0, keepalive_timeout=30.0
    )
    await runner.setup()
    if runner.server is None:
        raise RuntimeError("aiohttp's runner has no server after setup()")
    sock = bind(host, port)
    sock.listen(128)
    guard = guard or ConnectionGuard(name="rest", idle_timeout=300.0)
    loop = asyncio.get_running_loop()
    web_server = runner.server

    def protocol() -> web.RequestHandler:
        # aiohttp's own factory (web.Server.__call__), with the handler that does not echo a request
        return _QuietHandler(web_server, loop=loop, **web_server._kwargs)

    server = await loop.create_server(guard.wrap(protocol, http1=True), sock=sock, ssl=ssl)
    guard.start()
    return RestServer(runner, server, guard), sock.getsockname()[1]


__all__ = ["JSON", "MAX_BODY", "RestServer", "make_app", "start_rest"]

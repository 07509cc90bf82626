"""The REST transport: the same calls over S3M's HTTP API (httpx); each reply's status and body as they came.

A call becomes ``GET {base}/slurm/open/v0.0.43/{resource}/job/{job_id}`` from its RPC row (S3M's
HTTP rules with the resource segment in front); Status and TokenControl rows hold absolute paths
(``{base}/olcf/v1alpha/status``). Request bodies are Slurm JSON (field names, integers
as numbers, unset fields left out), exactly what OLCF's curl example sends. The token is the raw
``Authorization`` header. The caller's own metadata travels as ``Grpc-Metadata-<key>`` headers, the
convention of S3M's grpc-gateway, so that no request data can become a raw HTTP header (``Host``,
``Transfer-Encoding``); ``x-s3m-withstorage``, which S3M reads as a header, goes as it is. What an
HTTP status or body means is read above, with every transport's replies (``s3m_grpc.codec``).
"""

from __future__ import annotations

import asyncio
import math
import ssl
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import httpx

from s3m_grpc._aio import bounded
from s3m_grpc.config import ChannelConfig
from s3m_grpc.errors import ConnectError, DeadlineExceeded, ReplyTooLarge, Unavailable
from s3m_grpc.reply import Reply
from s3m_grpc.rpc import WITH_STORAGE_KEY
from s3m_grpc.transports.base import Transport

if TYPE_CHECKING:
    from s3m_grpc.call import Call

#: Caller metadata S3M reads as plain HTTP headers; any other key goes as Grpc-Metadata-<key>.
_PLAIN_HEADERS = frozenset({WITH_STORAGE_KEY})


class RestTransport(Transport):
    """Calls as HTTP requests to S3M's REST API, over one httpx client (HTTP/2 when possible)."""

    name: ClassVar[str] = "rest"

    def __init__(self, config: ChannelConfig) -> None:
        self._config = config
        enclave = config.enclave
        self._origin = config.rest_base_url.rstrip("/")
        self._base = self._origin + "/slurm" + (f"/{enclave}" if enclave else "")
        self._client: httpx.AsyncClient | None = None
        self._closed = False

    @property
    def base_url(self) -> str:
        """``https://host/slurm/open`` (the API version and resource follow)."""
        return self._base

    def _open(self) -> httpx.AsyncClient:
        if self._closed:
            raise Unavailable("the transport is closed")
        if self._client is None:
            verify: ssl.SSLContext | bool = False
            if self._base.startswith("https:"):
                verify = self._config.ssl_context(alpn=False)
            self._client = httpx.AsyncClient(
                http2=_have_h2(),
                verify=verify,
                headers={"user-agent": self._config.user_agent},
                follow_redirects=False,  # a redirect would carry the token somewhere unvetted
            )
        return self._client

    def url_for(self, call: Call) -> tuple[str, dict[str, str]]:
        """The URL and query of a call (its values were checked when the call was made)."""
        rpc = call.rpc
        path = rpc.route
        for name, value in call.params.items():
            path = path.replace("{" + name + "}", value)
        query = {name: call.params[name] for name in rpc.query if name in call.params}
        if path.startswith("/"):  # Status, TokenControl: S3M's absolute routes
            return self._origin + path, query
        return f"{self._base}/{call.version.name}/{call.resource}/{path}", query

    def headers_for(self, call: Call) -> dict[str, str]:
        """The token and the caller's metadata as HTTP headers."""
        headers = {}
        if call.authorization is not None:
            headers["Authorization"] = call.authorization
        for key, value in call.metadata:
            headers[key if key in _PLAIN_HEADERS else f"Grpc-Metadata-{key}"] = value
        return headers

    async def unary(self, call: Call, *, timeout: float | None) -> Reply:
        """One HTTP request; its status, body and Retry-After, whatever the status."""
        url, query = self.url_for(call)
        headers = self.headers_for(call)
        body = call.json_body
        if body is not None:
            headers["Content-Type"] = "application/json"
        client = self._open()
        outcome: list[tuple[int, Mapping[str, str], bytes]] = []
        exchange = self._exchange(client, call, url, query, body, headers, timeout, outcome)
        # httpx's timeout bounds each read, not the whole reply: a server that trickles bytes could
        # hold the call forever. The call's deadline bounds it all.
        if not await bounded(exchange, timeout):
            raise DeadlineExceeded("deadline exceeded waiting for the S3M REST API")
        status, reply_headers, content = outcome[0]
        return Reply.http(status, content, retry_after=retry_after(reply_headers.get("Retry-After")))

    async def _exchange(
        self,
        client: httpx.AsyncClient,
        call: Call,
        url: str,
        query: dict[str, str],
        body: bytes | None,
        headers: dict[str, str],
        timeout: float | None,
        outcome: list[tuple[int, Mapping[str, str], bytes]],
    ) -> None:
        limit = self._config.max_receive_bytes
        started = time.monotonic()
        try:
            request = client.build_request(
                call.rpc.http_method, url, params=query, content=body, headers=headers, timeout=timeout
            )
            response = await client.send(request, stream=True)
            try:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise ReplyTooLarge(
                        f"the reply ({int(declared):,} bytes) exceeds max_receive_bytes ({limit:,})"
                    )
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise ReplyTooLarge(f"the reply exceeds max_receive_bytes ({limit:,})")
                    chunks.append(chunk)
            finally:
                await response.aclose()
        except httpx.ConnectTimeout as exc:
            raise ConnectError("timed out connecting to the S3M REST API") from exc
        except httpx.TimeoutException as exc:
            waited = time.monotonic() - started
            raise DeadlineExceeded(
                f"deadline exceeded waiting for the S3M REST API ({waited:.1f} s)"
            ) from exc
        except httpx.ConnectError as exc:
            raise ConnectError(f"cannot connect to the S3M REST API: {_reason(exc)}") from exc
        except httpx.TransportError as exc:
            raise Unavailable(f"the connection failed during the call: {_reason(exc)}") from exc
        except asyncio.CancelledError:
            raise
        outcome.append((response.status_code, response.headers, b"".join(chunks)))

    async def aclose(self) -> None:
        """Close the HTTP client (idempotent)."""
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or unusable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    if not math.isfinite(seconds):
        return None  # "nan" or "inf" would sleep forever
    return max(seconds, 0.0)


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _have_h2() -> bool:
    try:
        import h2  # noqa: F401 - httpx speaks HTTP/2 only with it
    except ImportError:
        return False
    return True


__all__ = ["RestTransport", "retry_after"]

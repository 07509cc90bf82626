"""The REST transport: the same stub methods and messages over S3M's HTTP API (httpx).

A gRPC path such as ``/slurm.v0043.SlurmIndirect/GetJob`` becomes, through the RPC table,
``GET {base}/slurm/open/v0.0.43/{resource}/job/{job_id}``. Request bodies are Slurm JSON (snake_case
keys, integers as numbers, unset fields left out); responses are decoded as real Slurm output needs
(see ``s3m_grpc.slurmjson``) into the very message type the gRPC stub returns.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import httpx
import orjson
from betterproto2 import Casing, OutputFormat

from s3m_grpc.codec import FastReply, upb_class
from s3m_grpc.config import ChannelConfig
from s3m_grpc.errors import (
    BY_SLURM_ERROR,
    ConfigurationError,
    ConnectError,
    DeadlineExceeded,
    ProtocolError,
    RateLimited,
    S3MError,
    SlurmError,
    SlurmWarning,
    Unavailable,
    for_http_status,
)
from s3m_grpc.rpc import API_VERSION_KEY, AUTHORIZATION_KEY, RESOURCE_KEY, Rpc, parse_path
from s3m_grpc.slurmjson import SlurmJsonError, normalize
from s3m_grpc.transports.base import Metadata, Transport
from s3m_grpc.validate import check_request

M = TypeVar("M")

_EXCERPT = 120


class RestTransport(Transport):
    """Unary calls as HTTP requests to S3M's REST API, over one httpx client (HTTP/2 when possible)."""

    name: ClassVar[str] = "rest"

    def __init__(self, config: ChannelConfig, *, base_url: str, enclave: str | None) -> None:
        self._config = config
        self._base = base_url.rstrip("/") + "/slurm" + (f"/{enclave}" if enclave else "")
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
                ctx = ssl.create_default_context(
                    cafile=str(self._config.ca_file) if self._config.ca_file else None
                )
                ctx.minimum_version = ssl.TLSVersion.TLSv1_2
                verify = ctx
            self._client = httpx.AsyncClient(
                http2=_have_h2(),
                verify=verify,
                headers={"user-agent": self._config.user_agent},
                follow_redirects=False,  # a redirect would carry the token somewhere unvetted
            )
        return self._client

    def url_for(self, rpc: Rpc, version: str, resource: str, request: Any) -> tuple[str, dict[str, str]]:
        """The URL and query of an RPC, after checking every value that goes into them."""
        check_request(rpc, request)  # the factory checked already; a URL is worth checking twice
        path = rpc.route.replace("{job_id}", str(getattr(request, "job_id", "")))
        query = {name: str(value) for name in rpc.query if (value := getattr(request, name, ""))}
        return f"{self._base}/{version}/{resource}/{path}", query

    async def unary(
        self, path: str, request: Any, response_type: type[M], *, metadata: Metadata, timeout: float | None
    ) -> M:
        """One HTTP request; statuses and Slurm ``errors[]`` become S3MErrors."""
        route = parse_path(path)
        rpc = route.rpc
        if rpc is None:
            raise ConfigurationError(f"{path} has no REST route (only SlurmIndirect is mapped)")
        headers: dict[str, str] = {}
        resource = ""
        for key, value in metadata:
            if key == RESOURCE_KEY:
                resource = value
            elif key == AUTHORIZATION_KEY:
                headers["Authorization"] = value
            elif key != API_VERSION_KEY:
                headers[key] = value  # the caller's own metadata travels as headers
        url, query = self.url_for(rpc, route.api_version, resource, request)
        body = None
        if rpc.http_method == "POST":
            body = orjson.dumps(request.to_dict(casing=Casing.SNAKE, output_format=OutputFormat.PYTHON))
            headers["Content-Type"] = "application/json"
        client = self._open()
        try:
            reply = await client.request(
                rpc.http_method, url, params=query, content=body, headers=headers, timeout=timeout
            )
        except httpx.ConnectTimeout as exc:
            raise ConnectError("timed out connecting to the S3M REST API") from exc
        except httpx.TimeoutException as exc:
            raise DeadlineExceeded("deadline exceeded waiting for the S3M REST API") from exc
        except httpx.ConnectError as exc:
            raise ConnectError(f"cannot connect to the S3M REST API: {_reason(exc)}") from exc
        except httpx.TransportError as exc:
            raise Unavailable(f"the connection failed during the call: {_reason(exc)}") from exc
        return self._decode(reply, rpc, response_type)

    def _decode(self, reply: httpx.Response, rpc: Rpc, response_type: type[M]) -> M:
        content = reply.content
        try:
            data = orjson.loads(content) if content else None  # Slurm always answers with a JSON object
        except orjson.JSONDecodeError:
            data = None
        if reply.status_code >= 400 or not isinstance(data, dict):
            raise _http_error(reply, data)
        if issubclass(response_type, FastReply):
            return response_type(json=data)  # the fast path: no conversion
        strict = upb_class(response_type)
        try:
            message = strict(**normalize(strict.DESCRIPTOR, data))
        except (SlurmJsonError, ValueError, TypeError) as exc:
            raise ProtocolError(
                f"HTTP {reply.status_code}: the body is not a valid {rpc.response}: {exc}"
            ) from exc
        return response_type.parse(message.SerializeToString())  # type: ignore[attr-defined, no-any-return]

    async def aclose(self) -> None:
        """Close the HTTP client (idempotent)."""
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


def _http_error(reply: httpx.Response, data: Any) -> S3MError:
    """The S3MError for an HTTP error status or an unusable body."""
    errors, warnings = _slurm_problems(data)
    status = reply.status_code
    if not isinstance(data, dict):
        text = reply.content[:_EXCERPT].decode("utf-8", "replace").replace("\n", " ")
        kind = "an empty" if not reply.content else "a non-JSON"
        message = f"HTTP {status} with {kind} body" + (f": {text!r}" if text else "")
        if status < 400:
            return ProtocolError(message, status_code=status)
        return for_http_status(status)(message, status_code=status)
    message = (errors[0].description or errors[0].error) if errors else f"HTTP {status}"
    cls = for_http_status(status)
    if errors and 400 <= status < 500:
        cls = BY_SLURM_ERROR.get(errors[0].error_number, cls)
    if cls is RateLimited:
        return RateLimited(
            message,
            retry_after=_retry_after(reply.headers.get("Retry-After")),
            errors=errors,
            warnings=warnings,
            status_code=status,
        )
    return cls(message, errors=errors, warnings=warnings, status_code=status)


def _slurm_problems(data: Any) -> tuple[list[SlurmError], list[SlurmWarning]]:
    if not isinstance(data, Mapping):
        return [], []
    errors = [
        SlurmError(
            int(e.get("error_number") or 0),
            str(e.get("error") or ""),
            str(e.get("description") or ""),
            str(e.get("source") or ""),
        )
        for e in data.get("errors") or []
        if isinstance(e, Mapping)
    ]
    warnings = [
        SlurmWarning(str(w.get("description") or ""), str(w.get("source") or ""))
        for w in data.get("warnings") or []
        if isinstance(w, Mapping)
    ]
    return errors, warnings


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        from email.utils import parsedate_to_datetime
        from time import time

        try:
            return max(parsedate_to_datetime(value).timestamp() - time(), 0.0)
        except (TypeError, ValueError):
            return None


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _have_h2() -> bool:
    try:
        import h2  # noqa: F401 - httpx speaks HTTP/2 only with it
    except ImportError:
        return False
    return True

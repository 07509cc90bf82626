"""S3M's Status and TokenControl services in the emulator, over gRPC and REST.

The answers are upb messages of the published packages (``olcf.s3m.status.v1alpha``,
``olcf.s3m.tms.v1``), built in one place (``FacilityAnswers``). gRPC sends them as they are; REST
writes them as proto3 JSON (camelCase keys, enums by name, RFC 3339 times), as S3M's docs show,
and refuses with grpc-gateway's error body (``{"code", "message", "details"}``). The Status API
needs no token; TokenControl needs a valid one and speaks about that token only.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import grpclib.const
from google.protobuf import empty_pb2, json_format
from grpclib import GRPCError
from grpclib.const import Status

from s3m_grpc.emulator.api import ApiError
from s3m_grpc.emulator.facility import UTC, Downtime
from s3m_grpc.emulator.grpc_server import read_request, refuse_unknown_fields, unary_handlers
from s3m_grpc.rpc import AUTHORIZATION_KEY, STATUS, TOKEN_CONTROL, ApiVersion, Rpc

if TYPE_CHECKING:
    from aiohttp import web

    from s3m_grpc.emulator.api import Gateway

JSON = "application/json"


def admit(gateway: Gateway, api: ApiVersion, token: str | None) -> None:
    """UNAUTHENTICATED (ApiError) unless the API is open or the token is valid: before any body is read."""
    if api.authenticated:
        gateway.authenticate(token)


class FacilityAnswers:
    """Status and TokenControl replies for one gateway, as upb messages."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def answer(self, rpc: Rpc, request: Any, token: str | None) -> Any:
        """The reply to `rpc` (after ``admit``); ApiError when the gateway refuses it."""
        now = dt.datetime.now(UTC)
        facility = self.gateway.facility
        status = STATUS.upb
        if rpc.name == "ListResources":
            return status.Resources(resources=[self._resource(name, now) for name in facility.resources])
        if rpc.name == "GetResource":
            name = request.resource_name
            if name not in facility.resources:
                raise ApiError(5, 404, 9007, "Not found", f"no resource named {name[:64]!r}")
            return self._resource(name, now)
        if rpc.name == "ListDowntimesCurrent":
            return status.Downtimes(downtimes=[self._downtime(d) for d in facility.current(now)])
        if rpc.name == "ListDowntimesUpcoming":
            return status.Downtimes(downtimes=[self._downtime(d) for d in facility.upcoming(now)])
        details = self.gateway.token_details(token)  # TokenControl: about the token presented
        tms = TOKEN_CONTROL.upb
        if rpc.name == "RevokeAuthToken":
            self.gateway.revoke(token)
            return tms.RevokeAuthTokenResponse()
        info = tms.TokenDetailsIntrospective(
            username=details.username,
            project=details.project,
            permissions=[details.scope],
            security_enclave=details.enclave,
            description=details.description,
            owner_name=details.username,
        )
        info.planned_expiration.FromDatetime(details.expires)
        if request.grpc_permissions:
            info.grpc_permissions.extend(
                tms.GRPCPermissions(path=path, permission=grant) for path, grant in details.grpc_permissions()
            )
        return tms.IntrospectAuthTokenResponse(token=info)

    def _resource(self, name: str, now: dt.datetime) -> Any:
        status = STATUS.upb
        facility = self.gateway.facility
        message = status.Resource(
            name=name,
            description=name.capitalize(),
            system_type="resource",
            security_enclave="open",
            organization="olcf",
            status=status.Resource.UNAVAILABLE if facility.down(name, now) else status.Resource.OPERATIONAL,
            downtime_schedule_available=True,
            upcoming_downtimes=[self._downtime(d) for d in facility.upcoming(now, name)],
        )
        message.retrieved_at.FromDatetime(now)
        return message

    @staticmethod
    def _downtime(downtime: Downtime) -> Any:
        status = STATUS.upb
        message = status.Downtime(
            resource_name=downtime.resource,
            status=status.Downtime.UNAVAILABLE,
            description=downtime.description,
            attributes=status.DowntimeAttributes(scheduled=downtime.scheduled, reboot=downtime.reboot),
        )
        message.start.FromDatetime(downtime.start)
        message.end.FromDatetime(downtime.end)
        message.updated_at.FromDatetime(downtime.updated_at)
        return message


class FacilityService:
    """One of the two services for grpclib, answered by FacilityAnswers."""

    def __init__(self, gateway: Gateway, api: ApiVersion) -> None:
        self.answers = FacilityAnswers(gateway)
        self.api = api

    def __mapping__(self) -> dict[str, grpclib.const.Handler]:
        """grpclib's handler table: one unary handler per RPC of the service."""
        return unary_handlers(self.api, self._handler)

    def _handler(self, rpc: Rpc) -> Any:
        async def handle(stream: Any) -> None:
            value = stream.metadata.get(AUTHORIZATION_KEY)
            token = value if isinstance(value, str) else None
            try:
                admit(self.answers.gateway, self.api, token)
                message = await read_request(stream, stream._recv_type)
                refuse_unknown_fields(message)
                reply = self.answers.answer(rpc, message, token)
            except ApiError as error:
                raise GRPCError(Status(error.grpc_status), error.error.description) from None
            await stream.send_message(reply)

        return handle


def add_routes(app: web.Application, gateway: Gateway) -> None:
    """Serve both services' HTTP rules (fixed paths before ``{resource_name}``, which would match them)."""
    answers = FacilityAnswers(gateway)
    rows = [(api, rpc) for api in (STATUS, TOKEN_CONTROL) for rpc in api.rpcs]
    for api, rpc in sorted(rows, key=lambda row: "{" in row[1].route):
        app.router.add_route(rpc.http_method, rpc.route, _rest_handler(answers, api, rpc))


def _rest_handler(answers: FacilityAnswers, api: ApiVersion, rpc: Rpc) -> Any:
    from aiohttp import web

    async def handle(request: web.Request) -> web.Response:
        token = request.headers.get("Authorization")
        try:
            admit(answers.gateway, api, token)
            message = empty_pb2.Empty() if rpc.request == "Empty" else getattr(api.upb, rpc.request)()
            for name, value in request.match_info.items():
                setattr(message, name, value)
            flag = request.query.get("grpc_permissions", request.query.get("grpcPermissions"))
            if "grpc_permissions" in rpc.query and flag is not None:
                message.grpc_permissions = flag.lower() in ("true", "1")
            reply = answers.answer(rpc, message, token)
        except ApiError as error:
            body = {"code": error.grpc_status, "message": error.error.description, "details": []}
            return web.json_response(body, status=error.http_status)
        data = json_format.MessageToDict(reply, always_print_fields_with_no_presence=True)
        return web.json_response(data, content_type=JSON)

    return handle


__all__ = ["FacilityAnswers", "FacilityService", "add_routes", "admit"]

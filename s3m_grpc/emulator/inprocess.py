"""``InProcessTransport``: a call goes straight into an emulator's gateway, without sockets.

The request takes the path the gRPC front end gives it (token checked first, protobuf decoded
with the version's message, unknown fields refused), and the reply is the same protobuf bytes,
faults included. So tests of client logic (retries, exactly-once, waiting, views) run against
the real gateway and scheduler at in-process speed; the wire itself is tested over sockets.

    async with Emulator() as emu, Slurm(transport=emu.transport(), token=emu.token) as slurm: ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from s3m_grpc._aio import bounded
from s3m_grpc.errors import ConnectError, DeadlineExceeded, Unavailable
from s3m_grpc.reply import Reply
from s3m_grpc.slurmjson import to_json
from s3m_grpc.transports.base import Transport

if TYPE_CHECKING:
    from s3m_grpc.call import Call
    from s3m_grpc.emulator.api import Gateway


class InProcessTransport(Transport):
    """Unary calls served by a running emulator's gateway in this event loop."""

    name: ClassVar[str] = "inprocess"

    def __init__(self, gateway: Gateway) -> None:
        self._gateway: Gateway | None = gateway

    async def unary(self, call: Call, *, timeout: float | None) -> Reply:
        """The gateway's protobuf answer, or its refusal as the status the gRPC front end sends."""
        if self._gateway is None:
            raise ConnectError("the in-process transport is closed")
        answer: list[Reply] = []
        if not await bounded(self._serve(self._gateway, call, answer), timeout):
            raise DeadlineExceeded("deadline exceeded while waiting for the reply")
        return answer[0]

    async def _serve(self, gateway: Gateway, call: Call, answer: list[Reply]) -> None:
        from s3m_grpc.emulator.api import ApiError, DropConnection, Request
        from s3m_grpc.emulator.grpc_server import faulted, refuse_unknown_fields

        rpc = call.rpc
        token = call.authorization  # None for the open Status API, as on the wire
        request = Request("grpc", rpc, call.version.name, call.resource, token)
        try:
            if call.version.family != "slurm":  # Status, TokenControl: their own answers
                answer.append(Reply(_facility_answer(gateway, call, token)))
                return
            scope = gateway.authenticate(token)
            if rpc.request != "Empty":
                # Decoded from the bytes the wire would carry, with the server's own message class.
                message = call.upb_request_class.FromString(call.request_bytes)
                refuse_unknown_fields(message)
                request.params = to_json(message)
            reply = await gateway.handle(request, scope=scope)
        except ApiError as error:
            answer.append(
                Reply(
                    grpc_code=error.grpc_status,
                    message=error.error.description,
                    errors=(error.error,),
                    retry_after=error.retry_after,
                )
            )
            return
        except DropConnection:
            raise Unavailable("the connection was dropped (an injected fault)") from None
        data = faulted(reply, call.version, rpc)
        if data is None:
            raise Unavailable("the connection was dropped after the call was accepted")
        answer.append(Reply(data))

    async def aclose(self) -> None:
        """Detach from the gateway (the emulator keeps running)."""
        self._gateway = None


def _facility_answer(gateway: Gateway, call: Call, token: str | None) -> bytes:
    """A Status or TokenControl reply, as the gRPC front end would send it (ApiError on refusal)."""
    from s3m_grpc.emulator.facility_services import FacilityAnswers, admit
    from s3m_grpc.emulator.grpc_server import refuse_unknown_fields

    admit(gateway, call.version, token)
    message = call.upb_request_class.FromString(call.request_bytes)
    refuse_unknown_fields(message)
    return bytes(FacilityAnswers(gateway).answer(call.rpc, message, token).SerializeToString())


__all__ = ["InProcessTransport"]

"""One exception tree for every transport.

Each class carries its gRPC status code and HTTP status, the RPC that failed, and Slurm's
``errors[]`` / ``warnings[]`` when the server sent them. Transports raise these when there is no
reply; a reply's status becomes one in ``codec.decode`` (through ``error_for``, the one mapping),
the same for every transport, so callers catch one family:

    S3MError
    ├── ConfigurationError          bad settings or input, found before anything is sent
    ├── CallCancelled               CANCELLED            499
    ├── UnknownError                UNKNOWN              500
    ├── InvalidArgument             INVALID_ARGUMENT     400
    │   └── JobRejected             Slurm refused a submission
    ├── DeadlineExceeded            DEADLINE_EXCEEDED    504
    │   └── WaitTimeout             Job.wait() gave up before the job reached the state
    ├── NotFound                    NOT_FOUND            404
    │   └── JobVanished             a job left the queue before we saw it end: outcome unknown
    ├── AlreadyExists               ALREADY_EXISTS       409
    ├── PermissionDenied            PERMISSION_DENIED    403
    ├── RateLimited                 RESOURCE_EXHAUSTED   429   (.retry_after)
    ├── FailedPrecondition          FAILED_PRECONDITION  400
    ├── Aborted                     ABORTED              409
    ├── OutOfRange                  OUT_OF_RANGE         400
    ├── Unimplemented               UNIMPLEMENTED        501
    ├── ServerError                 INTERNAL             500
    │   └── ProtocolError           a reply that breaks the protocol (OK without a message, bad bytes)
    ├── Unavailable                 UNAVAILABLE          503
    │   ├── ConnectError            the channel could not be established (refused, DNS, TLS, ALPN)
    │   └── SubmissionUnknown       a submission failed ambiguously and the queue could not be read
    ├── ReplyTooLarge               a reply above max_receive_bytes (refused here, not by the server)
    ├── DataLoss                    DATA_LOSS            500
    └── Unauthenticated             UNAUTHENTICATED      401

Messages never contain the token: they are built from status texts and Slurm's error fields only.
One warning category stands apart from the tree: ``DowntimeWarning`` (a ``UserWarning``), issued
before a submission to a resource in, or soon in, a downtime.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from s3m_grpc.slurmdefs import ERRNOS


@dataclass(frozen=True)
class SlurmError:
    """One entry of a Slurm response's ``errors[]``."""

    error_number: int = 0
    error: str = ""
    description: str = ""
    source: str = ""

    def __str__(self) -> str:
        text = self.description or self.error
        return f"{text} (Slurm error {self.error_number})" if self.error_number else text


@dataclass(frozen=True)
class SlurmWarning:
    """One entry of a Slurm response's ``warnings[]``."""

    description: str = ""
    source: str = ""


class S3MError(Exception):
    """Base of every error this library raises."""

    #: gRPC status code (grpc.StatusCode / grpclib.const.Status value).
    grpc_code: ClassVar[int] = 2
    #: HTTP status the REST API uses for the same condition.
    http_status: ClassVar[int] = 500
    #: True when the request may or may not have taken effect (a submission may exist). The one
    #: definition retries, transport fallback and exactly-once submission all consult.
    outcome_unknown: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        rpc: str | None = None,
        errors: Sequence[SlurmError] = (),
        warnings: Sequence[SlurmWarning] = (),
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: The RPC that failed (``"PostJobSubmit"``), when known.
        self.rpc = rpc
        #: Slurm's ``errors[]``, when the server sent them.
        self.errors: tuple[SlurmError, ...] = tuple(errors)
        #: Slurm's ``warnings[]``, when the server sent them.
        self.warnings: tuple[SlurmWarning, ...] = tuple(warnings)
        #: The status actually received (an HTTP status or a gRPC code), when it differs from the class's.
        self.status_code = status_code

    def __str__(self) -> str:
        where = f"{self.rpc}: " if self.rpc else ""
        notes = []
        for e in self.errors:
            text = e.description or e.error
            if text and text in self.message:  # the message already says it; add only the number
                notes.append(f"Slurm error {e.error_number}" if e.error_number else "")
            else:
                notes.append(str(e))
        slurm = "; ".join(n for n in notes if n)
        return f"{where}{self.message}" + (f" ({slurm})" if slurm else "")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, rpc={self.rpc!r}, errors={list(self.errors)!r})"


class ConfigurationError(S3MError, ValueError):
    """Invalid settings or input, rejected before anything was sent."""

    grpc_code = 3
    http_status = 400


class CallCancelled(S3MError):
    """The call was cancelled before it completed."""

    grpc_code = 1
    http_status = 499
    outcome_unknown = True


class UnknownError(S3MError):
    """The server failed without saying why."""

    grpc_code = 2
    http_status = 500
    outcome_unknown = True


class InvalidArgument(S3MError):
    """The server rejected the request's content."""

    grpc_code = 3
    http_status = 400


class JobRejected(InvalidArgument):
    """Slurm refused a job submission (see ``errors`` for its reason)."""


class DeadlineExceeded(S3MError):
    """The call did not finish within its deadline."""

    grpc_code = 4
    http_status = 504
    outcome_unknown = True


class WaitTimeout(DeadlineExceeded):
    """``Job.wait`` reached its timeout before the job reached the awaited state."""

    outcome_unknown = False


class NotFound(S3MError):
    """No such resource, job or API version."""

    grpc_code = 5
    http_status = 404


class JobVanished(NotFound):
    """A job was purged from Slurm's queue while we had last seen it unfinished: its outcome is unknown."""


class AlreadyExists(S3MError):
    """The thing to create exists already."""

    grpc_code = 6
    http_status = 409


class PermissionDenied(S3MError):
    """The token is valid but may not do this (e.g. a read-only token submitting)."""

    grpc_code = 7
    http_status = 403


class RateLimited(S3MError):
    """Too many requests; retry after ``retry_after`` seconds when the server said so."""

    grpc_code = 8
    http_status = 429

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        #: Seconds the server asked us to wait, if it did.
        self.retry_after = retry_after


class FailedPrecondition(S3MError):
    """The system is not in a state that allows this call."""

    grpc_code = 9
    http_status = 400


class Aborted(S3MError):
    """The call was aborted, typically by a concurrency conflict."""

    grpc_code = 10
    http_status = 409
    outcome_unknown = True


class OutOfRange(S3MError):
    """A value was outside its valid range."""

    grpc_code = 11
    http_status = 400


class Unimplemented(S3MError):
    """The server does not offer this RPC or API version."""

    grpc_code = 12
    http_status = 501


class ServerError(S3MError):
    """The server failed internally."""

    grpc_code = 13
    http_status = 500
    outcome_unknown = True


class ProtocolError(ServerError):
    """The reply broke the protocol: no message, undecodable bytes, a non-JSON body."""


class Unavailable(S3MError):
    """The service could not be reached or is temporarily down."""

    grpc_code = 14
    http_status = 503
    outcome_unknown = True


class ConnectError(Unavailable):
    """The channel could not be established (refused, DNS, TLS or ALPN failure); nothing was sent."""

    outcome_unknown = False


class SubmissionUnknown(Unavailable):
    """A submission failed ambiguously and the queue could not be searched: it may or may not exist.

    ``key`` is the submission key in the job's comment (``s3m-key:<key>``); look for it before
    submitting again.
    """

    outcome_unknown = True

    def __init__(self, message: str, *, key: str, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.key = key


class ReplyTooLarge(S3MError):
    """The reply exceeded the client's ``max_receive_bytes``: the server did the work, we refused the answer.

    Not a rate limit (grpcio reports it as RESOURCE_EXHAUSTED): retrying would fetch the same reply,
    and a submission must not be sent again.
    """

    grpc_code = 8
    http_status = 500
    outcome_unknown = True


class DataLoss(S3MError):
    """Unrecoverable data loss or corruption."""

    grpc_code = 15
    http_status = 500
    outcome_unknown = True


class Unauthenticated(S3MError):
    """The token is missing, malformed, expired or wrong."""

    grpc_code = 16
    http_status = 401


_BY_GRPC_CODE: dict[int, type[S3MError]] = {
    cls.grpc_code: cls
    for cls in (
        CallCancelled,
        UnknownError,
        InvalidArgument,
        DeadlineExceeded,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        RateLimited,
        FailedPrecondition,
        Aborted,
        OutOfRange,
        Unimplemented,
        ServerError,
        Unavailable,
        DataLoss,
        Unauthenticated,
    )
}
# A call that ended OK but raised anyway can only mean a reply we could not use.
_BY_GRPC_CODE[0] = ProtocolError


def for_grpc_code(code: int) -> type[S3MError]:
    """The exception class for a gRPC status code (0-16); unknown codes map to UnknownError."""
    return _BY_GRPC_CODE.get(code, UnknownError)


#: Slurm error numbers whose meaning is sharper than an HTTP status (HTTP says 400 or 409 where gRPC
#: says NOT_FOUND or FAILED_PRECONDITION): with this table every transport raises the same class.
#: It is derived from the one table of Slurm's numbers (slurmdefs.ERRNOS) the emulator answers with.
BY_SLURM_ERROR: dict[int, type[S3MError]] = {n: for_grpc_code(e.grpc_code) for n, e in ERRNOS.items()}


def for_http_status(status: int) -> type[S3MError]:
    """The exception class for an HTTP error status."""
    exact = {
        400: InvalidArgument,
        401: Unauthenticated,
        403: PermissionDenied,
        404: NotFound,
        408: DeadlineExceeded,
        409: Aborted,
        412: FailedPrecondition,
        416: OutOfRange,
        429: RateLimited,
        499: CallCancelled,
        501: Unimplemented,
        502: Unavailable,
        503: Unavailable,
        504: DeadlineExceeded,
    }
    if status in exact:
        return exact[status]
    return ServerError if status >= 500 else InvalidArgument


# Statuses that describe the connection or the caller, not the request: a Slurm error number in
# the body does not change them (a 503 stays Unavailable whatever slurmrestd wrote).
_STATUS_WINS = (Unavailable, DeadlineExceeded, RateLimited, Unauthenticated, PermissionDenied, Unimplemented)


def error_for(
    message: str,
    *,
    grpc_code: int | None = None,
    http_status: int | None = None,
    errors: Sequence[SlurmError] = (),
    warnings: Sequence[SlurmWarning] = (),
    rpc: str | None = None,
    retry_after: float | None = None,
) -> S3MError:
    """The one place a failed call becomes an exception, for every transport.

    The gRPC code (or, over REST, the HTTP status) picks the class; a Slurm error number in the
    reply, when it is sharper (2017 invalid job id: NotFound), picks it instead, so that the same
    Slurm answer raises the same class over grpclib, grpcio and REST. A refused submission is a
    JobRejected.
    """
    if grpc_code is not None:
        cls = for_grpc_code(grpc_code)
        status = grpc_code
    else:
        cls = for_http_status(http_status or 500)
        status = http_status or 500
    if errors and not issubclass(cls, _STATUS_WINS):
        cls = BY_SLURM_ERROR.get(errors[0].error_number, cls)
    if rpc == "PostJobSubmit" and cls is InvalidArgument:
        cls = JobRejected
    if cls is RateLimited:
        return RateLimited(
            message, retry_after=retry_after, rpc=rpc, errors=errors, warnings=warnings, status_code=status
        )
    return cls(message, rpc=rpc, errors=errors, warnings=warnings, status_code=status)


class DowntimeWarning(UserWarning):
    """The resource is in a downtime, or one begins within the job's time limit (S3M's Status API)."""


__all__ = [
    "BY_SLURM_ERROR",
    "Aborted",
    "AlreadyExists",
    "CallCancelled",
    "ConfigurationError",
    "ConnectError",
    "DataLoss",
    "DeadlineExceeded",
    "DowntimeWarning",
    "FailedPrecondition",
    "InvalidArgument",
    "JobRejected",
    "JobVanished",
    "NotFound",
    "OutOfRange",
    "PermissionDenied",
    "ProtocolError",
    "RateLimited",
    "ReplyTooLarge",
    "S3MError",
    "ServerError",
    "SlurmError",
    "SlurmWarning",
    "SubmissionUnknown",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "UnknownError",
    "WaitTimeout",
    "error_for",
    "for_grpc_code",
    "for_http_status",
]

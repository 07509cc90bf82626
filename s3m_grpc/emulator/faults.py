"""Failures to inject, per RPC and per protocol, from a config file, the CLI or Python.

A fault is ``RPC:KIND[:option=value,...]``, e.g. ``PostJobSubmit:accept_then_drop:p=0.3`` or
``*:latency:seconds=0.2,protocol=rest``. Kinds:

=================  =====================================================================
latency            wait ``seconds`` before handling the call (adds to any other fault)
unavailable        refuse with UNAVAILABLE / HTTP 503
rate_limit         refuse with RESOURCE_EXHAUSTED / HTTP 429 and ``Retry-After: retry_after``
error              fail with INTERNAL / HTTP 500 and a Slurm-style errors[] entry
status             fail with gRPC status ``code`` (1-16) and its HTTP twin
malformed          answer 200/OK with a body that is not valid JSON / protobuf
truncated          answer 200/OK with the real body cut short
drop               close the connection without answering (nothing is done)
accept_then_drop   do the work (a submission is accepted), then close without answering
=================  =====================================================================

Options: ``p`` (probability, default 1), ``times`` (at most this many injections),
``protocol`` (``grpc``, ``rest`` or ``*``), ``seconds``, ``retry_after``, ``code``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from s3m_grpc.errors import ConfigurationError
from s3m_grpc.rpc import BY_NAME

KINDS = (
    "latency",
    "unavailable",
    "rate_limit",
    "error",
    "status",
    "malformed",
    "truncated",
    "drop",
    "accept_then_drop",
)
Protocol = Literal["grpc", "rest", "*"]


@dataclass
class Fault:
    """One kind of failure for one RPC (or "*") on one protocol (or "*")."""

    kind: str
    rpc: str = "*"
    protocol: Protocol = "*"
    probability: float = 1.0
    times: int | None = None
    seconds: float = 0.0
    retry_after: float = 1.0
    code: int = 13
    injected: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigurationError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        if self.rpc != "*" and self.rpc not in BY_NAME:
            raise ConfigurationError(f"unknown RPC {self.rpc!r} in a fault; one of {', '.join(BY_NAME)}")
        if self.protocol not in ("grpc", "rest", "*"):
            raise ConfigurationError(f"fault protocol must be grpc, rest or *, not {self.protocol!r}")
        if not 0.0 <= self.probability <= 1.0:
            raise ConfigurationError("fault probability must be within [0, 1]")
        if not 1 <= self.code <= 16:
            raise ConfigurationError("fault code must be a gRPC status code from 1 to 16")

    def matches(self, rpc: str, protocol: str) -> bool:
        """True if this fault applies to the call and has injections left."""
        return (
            (self.rpc in ("*", rpc))
            and self.protocol in ("*", protocol)
            and (self.times is None or self.injected < self.times)
        )


def parse_fault(text: str) -> Fault:
    """``RPC:KIND[:k=v,...]`` -> Fault."""
    parts = text.split(":", 2)
    if len(parts) < 2:
        raise ConfigurationError(f"fault {text!r}: expected RPC:KIND[:option=value,...]")
    options: dict[str, Any] = {}
    if len(parts) == 3 and parts[2]:
        for item in parts[2].split(","):
            key, sep, value = item.partition("=")
            if not sep:
                raise ConfigurationError(f"fault {text!r}: option {item!r} is not key=value")
            options[key.strip()] = value.strip()
    return fault_from_mapping({"rpc": parts[0], "kind": parts[1], **options})


def fault_from_mapping(data: Mapping[str, Any]) -> Fault:
    """A fault from a config-file table (``p`` or ``probability`` both accepted)."""
    try:
        return Fault(
            kind=str(data["kind"]),
            rpc=str(data.get("rpc", "*")),
            protocol=str(data.get("protocol", "*")),  # type: ignore[arg-type]
            probability=float(data.get("p", data.get("probability", 1.0))),
            times=int(data["times"]) if data.get("times") is not None else None,
            seconds=float(data.get("seconds", 0.0)),
            retry_after=float(data.get("retry_after", 1.0)),
            code=int(data.get("code", 13)),
        )
    except KeyError as exc:
        raise ConfigurationError(f"fault {dict(data)!r} lacks {exc}") from None
    except ValueError as exc:
        raise ConfigurationError(f"fault {dict(data)!r}: {exc}") from None


@dataclass
class FaultPlan:
    """The faults in force; ``pick`` decides, per call, what happens (thread-safe, seedable)."""

    faults: list[Fault] = field(default_factory=list)
    seed: int | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)  # noqa: S311 - fault dice, not cryptography
        self._lock = threading.Lock()

    def add(self, fault: Fault | str) -> Fault:
        """Add a fault (a Fault or its ``RPC:KIND:...`` text); returns it."""
        item = parse_fault(fault) if isinstance(fault, str) else fault
        with self._lock:
            self.faults.append(item)
        return item

    def extend(self, faults: Iterable[Fault | str]) -> None:
        """Add several faults."""
        for fault in faults:
            self.add(fault)

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self.faults.clear()

    def pick(self, rpc: str, protocol: str) -> tuple[float, Fault | None]:
        """(seconds of latency to add, the failure to inject or None) for one call."""
        delay, failure = 0.0, None
        with self._lock:
            for fault in self.faults:
                if not fault.matches(rpc, protocol) or self._rng.random() >= fault.probability:
                    continue
                if fault.kind == "latency":
                    delay += fault.seconds
                    fault.injected += 1
                elif failure is None:
                    failure = fault
                    fault.injected += 1
        return delay, failure


__all__ = ["KINDS", "Fault", "FaultPlan", "fault_from_mapping", "parse_fault"]

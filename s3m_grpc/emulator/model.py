"""The emulated machines: partitions, nodes and reservations per resource, from defaults or a file.

A config file (TOML, or JSON with the same shape) replaces the built-in model of the resources it
names::

    [resources.defiant]
    versions = ["v0.0.42", "v0.0.43"]     # default: OLCF's published versions for the name

    [[resources.defiant.nodes]]
    names = "defiant[001-036]"      # a Slurm hostlist range
    cpus = 64
    sockets = 2
    real_memory = 512000            # MiB
    gpus = 0
    state = "IDLE"                  # IDLE, DRAIN, DOWN

    [[resources.defiant.partitions]]
    name = "batch-cpu"
    nodes = "defiant[001-032]"
    max_nodes = 16
    max_time = 1440                 # minutes
    default_time = 60
    default = true

    [[resources.defiant.reservations]]
    name = "maintenance-window"
    nodes = "defiant[001-004]"
    start_in = 86400                # seconds from start-up
    duration = 3600
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3m_grpc.errors import ConfigurationError
from s3m_grpc.rpc import RESOURCE_VERSIONS, VERSIONS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    try:
        import tomli as tomllib
    except ImportError:  # the emulator extra brings it; JSON configs work without it
        tomllib = None


@dataclass(frozen=True)
class NodeModel:
    """One compute node's hardware and administrative state."""

    name: str
    cpus: int = 64
    sockets: int = 2
    real_memory: int = 512_000  # MiB
    gpus: int = 0
    state: str = "IDLE"  # IDLE, DRAIN or DOWN; allocation is computed from running jobs
    reason: str = ""


@dataclass(frozen=True)
class PartitionModel:
    """One partition: its nodes and limits."""

    name: str
    nodes: tuple[str, ...]
    max_nodes: int
    max_time: int  # minutes
    default_time: int  # minutes
    default: bool = False
    tier: int = 1000
    state: str = "UP"


@dataclass(frozen=True)
class ReservationModel:
    """An advance reservation (its times are relative to the emulator's start)."""

    name: str
    nodes: tuple[str, ...]
    start_in: int = 86_400
    duration: int = 3_600
    users: str = "root"
    flags: tuple[str, ...] = ("MAINT",)
    partition: str = ""


@dataclass(frozen=True)
class ClusterModel:
    """One Slurm cluster behind an S3M resource."""

    name: str
    versions: tuple[str, ...]
    nodes: tuple[NodeModel, ...]
    partitions: tuple[PartitionModel, ...]
    reservations: tuple[ReservationModel, ...] = ()

    def __post_init__(self) -> None:
        known = {n.name for n in self.nodes}
        if len(known) != len(self.nodes):
            raise ConfigurationError(f"{self.name}: duplicate node names")
        for p in self.partitions:
            missing = [n for n in p.nodes if n not in known]
            if missing:
                raise ConfigurationError(f"{self.name}: partition {p.name} names unknown nodes {missing[:3]}")
            if p.max_nodes < 1 or p.max_time < 1 or p.default_time < 1:
                raise ConfigurationError(f"{self.name}: partition {p.name} has a non-positive limit")
        if not self.partitions:
            raise ConfigurationError(f"{self.name}: no partitions")

    @functools.cached_property
    def node_by_name(self) -> dict[str, NodeModel]:
        """Nodes by name (lookups per node must not scan the node list: Frontier has ~9,400)."""
        return {n.name: n for n in self.nodes}

    @functools.cached_property
    def partitions_of(self) -> dict[str, tuple[str, ...]]:
        """Node name -> the partitions it belongs to."""
        out: dict[str, list[str]] = {n.name: [] for n in self.nodes}
        for p in self.partitions:
            for name in p.nodes:
                out[name].append(p.name)
        return {k: tuple(v) for k, v in out.items()}

    def cpus_of(self, names: tuple[str, ...]) -> int:
        """Total CPUs of the named nodes."""
        nodes = self.node_by_name
        return sum(nodes[n].cpus for n in names if n in nodes)

    @property
    def default_partition(self) -> PartitionModel:
        """The partition a job without one goes to."""
        return next((p for p in self.partitions if p.default), self.partitions[0])

    def partition(self, name: str) -> PartitionModel | None:
        """The partition called `name`, if any."""
        return next((p for p in self.partitions if p.name == name), None)


_RANGE = re.compile(r"^(?P<prefix>[^\[\]]*)\[(?P<body>[0-9,\-]+)\](?P<suffix>[^\[\]]*)$")


def expand_hostlist(expr: str) -> tuple[str, ...]:
    """Expand a Slurm hostlist (``node[001-004,010]``, ``a,b``) into names."""
    names: list[str] = []
    for part in re.split(r",(?![^\[]*\])", expr.strip()):
        if not part:
            continue
        match = _RANGE.match(part)
        if match is None:
            names.append(part)
            continue
        for piece in match["body"].split(","):
            low, _, high = piece.partition("-")
            width = len(low)
            for i in range(int(low), int(high or low) + 1):
                names.append(f"{match['prefix']}{i:0{width}d}{match['suffix']}")
    return tuple(names)


def compress_hostlist(names: list[str] | tuple[str, ...]) -> str:
    """The inverse of expand_hostlist for names that share a prefix and zero-padded numbers."""
    groups: dict[tuple[str, int], list[int]] = {}
    plain: list[str] = []
    for name in names:
        match = re.match(r"^(.*?)(\d+)$", name)
        if match is None:
            plain.append(name)
            continue
        groups.setdefault((match[1], len(match[2])), []).append(int(match[2]))
    parts = list(plain)
    for (prefix, width), numbers in groups.items():
        numbers.sort()
        if len(numbers) == 1:
            parts.append(f"{prefix}{numbers[0]:0{width}d}")
            continue
        ranges: list[str] = []
        start = prev = numbers[0]
        for n in [*numbers[1:], None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            ranges.append(f"{start:0{width}d}" if start == prev else f"{start:0{width}d}-{prev:0{width}d}")
            if n is not None:
                start = prev = n
        parts.append(f"{prefix}[{','.join(ranges)}]")
    return ",".join(parts)


def _nodes(prefix: str, first: int, last: int, **hardware: Any) -> tuple[NodeModel, ...]:
    return tuple(NodeModel(f"{prefix}{i:03d}", **hardware) for i in range(first, last + 1))


def default_models() -> dict[str, ClusterModel]:
    """Small stand-ins for the resources OLCF publishes, with the API versions each offers."""
    defiant_cpu = _nodes("defiant", 1, 6)
    defiant_gpu = _nodes("defiant", 7, 8, gpus=4)

    def names(nodes: tuple[NodeModel, ...]) -> tuple[str, ...]:
        return tuple(n.name for n in nodes)

    return {
        "defiant": ClusterModel(
            "defiant",
            ("v0.0.42", "v0.0.43"),
            defiant_cpu + defiant_gpu,
            (
                PartitionModel(
                    "batch-cpu", names(defiant_cpu), max_nodes=4, max_time=1440, default_time=60, default=True
                ),
                PartitionModel("batch-gpu", names(defiant_gpu), max_nodes=2, max_time=720, default_time=60),
                PartitionModel(
                    "debug", names(defiant_cpu[:2]), max_nodes=2, max_time=60, default_time=30, tier=2000
                ),
            ),
            (ReservationModel("maintenance-window", names(defiant_cpu[:1]), partition="batch-cpu"),),
        ),
        "odo": ClusterModel(
            "odo",
            ("v0.0.43", "v0.0.44"),
            _nodes("odo", 1, 4, cpus=32),
            (
                PartitionModel(
                    "batch-cpu",  # as OLCF's v0.0.44 examples show odo
                    names(_nodes("odo", 1, 4)),
                    max_nodes=4,
                    max_time=720,
                    default_time=60,
                    default=True,
                ),
            ),
        ),
        "wombat": ClusterModel(
            "wombat",
            ("v0.0.42",),
            _nodes("wombat", 1, 4, cpus=80, real_memory=256_000),
            (
                PartitionModel(
                    "batch",
                    names(_nodes("wombat", 1, 4)),
                    max_nodes=4,
                    max_time=480,
                    default_time=60,
                    default=True,
                ),
            ),
        ),
        "quokka": ClusterModel(
            "quokka",
            ("v0.0.42",),
            _nodes("quokka", 1, 2, cpus=48),
            (
                PartitionModel(
                    "batch",
                    names(_nodes("quokka", 1, 2)),
                    max_nodes=2,
                    max_time=240,
                    default_time=30,
                    default=True,
                ),
            ),
        ),
    }


def _model_from_mapping(name: str, spec: Mapping[str, Any]) -> ClusterModel:
    try:
        nodes: list[NodeModel] = []
        for group in spec.get("nodes", []):
            hardware = {k: v for k, v in group.items() if k != "names"}
            nodes += [NodeModel(n, **hardware) for n in expand_hostlist(group["names"])]
        partitions = [
            PartitionModel(
                p["name"],
                expand_hostlist(p["nodes"]),
                max_nodes=int(p.get("max_nodes", len(expand_hostlist(p["nodes"])))),
                max_time=int(p.get("max_time", 1440)),
                default_time=int(p.get("default_time", 60)),
                default=bool(p.get("default", False)),
                tier=int(p.get("tier", 1000)),
                state=p.get("state", "UP"),
            )
            for p in spec.get("partitions", [])
        ]
        reservations = [
            ReservationModel(
                r["name"],
                expand_hostlist(r["nodes"]),
                start_in=int(r.get("start_in", 86_400)),
                duration=int(r.get("duration", 3_600)),
                users=r.get("users", "root"),
                flags=tuple(r.get("flags", ["MAINT"])),
                partition=r.get("partition", ""),
            )
            for r in spec.get("reservations", [])
        ]
        versions = tuple(spec.get("versions", RESOURCE_VERSIONS.get(name, ("v0.0.42", "v0.0.43", "v0.0.44"))))
        unknown = [v for v in versions if v not in VERSIONS]
        if unknown:
            raise ValueError(f"unknown API versions {unknown}; S3M publishes {sorted(VERSIONS)}")
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"resource {name!r} in the emulator config: {exc}") from None
    return ClusterModel(name, versions, tuple(nodes), tuple(partitions), tuple(reservations))


@dataclass
class EmulatorConfig:
    """What a config file may set: resources, faults (see faults.py), downtimes (see facility.py)."""

    resources: dict[str, ClusterModel] = field(default_factory=default_models)
    faults: list[Mapping[str, Any]] = field(default_factory=list)
    downtimes: list[Mapping[str, Any]] = field(default_factory=list)


def load_config(path: str | os.PathLike[str]) -> EmulatorConfig:
    """Read a TOML or JSON emulator config; resources it names replace the built-in ones."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
        if file.suffix != ".json" and tomllib is None:  # pragma: no cover - Python 3.10 without tomli
            raise ConfigurationError(
                f"{file}: TOML needs tomli on Python 3.10: pip install 's3m-grpc[emulator]'"
            )
        data = json.loads(text) if file.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read emulator config {file}: {exc}") from None
    config = EmulatorConfig()
    for name, spec in data.get("resources", {}).items():
        config.resources[name] = _model_from_mapping(name, spec)
    config.faults = list(data.get("faults", []))
    config.downtimes = list(data.get("downtimes", []))
    return config


__all__ = [
    "ClusterModel",
    "EmulatorConfig",
    "NodeModel",
    "PartitionModel",
    "ReservationModel",
    "compress_hostlist",
    "default_models",
    "expand_hostlist",
    "load_config",
]

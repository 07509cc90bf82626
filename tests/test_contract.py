"""Our protos compile to S3M's published contract: every file, message, field, method and option.

The published descriptors (tests/contract/) are what OLCF's own packages embed. Ours must equal
them in both directions; a difference fails naming its path, e.g.
``proto/slurm/v0043/slurm.proto: message_type[JobSubmitResp].field[job_id].number: 5 -> 1``.
"""

from __future__ import annotations

import copy

import pytest

from tests import descriptors

FILES = sorted(descriptors.OURS)


@pytest.mark.parametrize("name", FILES)
def test_our_descriptor_equals_the_published_one(name: str) -> None:
    differences = list(descriptors.diff(descriptors.published()[name], descriptors.ours(name)))
    assert not differences, f"{name} differs from S3M's contract:\n  " + "\n  ".join(differences)


@pytest.mark.parametrize("name", FILES)
def test_our_descriptor_bytes_are_the_published_bytes(name: str) -> None:
    # Byte equality also means that our upb modules and OLCF's grpcio modules can be imported into
    # one process: protobuf accepts a second registration of a file only if it is identical.
    assert descriptors.ours_bytes(name) == descriptors.published_bytes()[name]


def test_every_published_s3m_file_is_ours_or_listed_as_not_yet() -> None:
    s3m = {name for name in descriptors.published() if name.startswith("proto/")}
    assert s3m == {n for n in descriptors.OURS if n.startswith("proto/")} | descriptors.NOT_YET


def test_the_three_slurm_versions_are_the_documented_packages() -> None:
    packages = {descriptors.ours(f"proto/slurm/{v}/slurm.proto").package for v in ("v0042", "v0043", "v0044")}
    assert packages == {"olcf.s3m.slurm.v0042", "olcf.s3m.slurm.v0043", "olcf.s3m.slurm.v0044"}


def _mutated(name: str) -> object:
    return copy.deepcopy(descriptors.ours(name))


def test_the_diff_names_the_path_of_each_kind_of_difference() -> None:
    name = "proto/slurm/v0043/slurm.proto"
    published = descriptors.published()[name]

    renumbered = _mutated(name)
    response = next(m for m in renumbered.message_type if m.name == "JobSubmitResp")
    next(f for f in response.field if f.name == "job_id").number = 1
    assert list(descriptors.diff(published, renumbered)) == [
        "message_type[JobSubmitResp].field[job_id].number: 5 -> 1"
    ]

    renamed = _mutated(name)
    next(m for m in renamed.message_type if m.name == "PingResp").name = "OpenapiPingArrayResp"
    found = list(descriptors.diff(published, renamed))
    assert "message_type[PingResp]: missing (published has it)" in found
    assert "message_type[OpenapiPingArrayResp]: extra (the published contract has no such element)" in found

    optional = _mutated(name)
    description = next(m for m in optional.message_type if m.name == "JobSubmitReq").nested_type[0]
    next(f for f in description.field if f.name == "tasks").proto3_optional = False
    assert (
        "message_type[JobSubmitReq].nested_type[JobDescription].field[tasks].proto3_optional: True -> False"
        in list(descriptors.diff(published, optional))
    )

    json_name = _mutated(name)
    error = next(m for m in json_name.message_type if m.name == "ErrorResp")
    error.field[0].ClearField("json_name")
    assert list(descriptors.diff(published, json_name)) == [
        "message_type[ErrorResp].field[error_number].json_name: 'error_number' -> None"
    ]

    header = _mutated(name)
    service = header.service[0]
    ext = next(f for f, _ in service.options.ListFields() if f.is_extension)
    service.options.Extensions[ext][0].header = "s3m-resource"
    assert list(descriptors.diff(published, header)) == [
        "service[SlurmIndirect].options.[olcf.s3m.common.v1alpha.service_header_param][0].header: "
        "'olcf-resource' -> 's3m-resource'"
    ]

    route = _mutated(name)
    ping = next(m for m in route.service[0].method if m.name == "Ping")
    http = next(f for f, _ in ping.options.ListFields() if f.full_name == "google.api.http")
    ping.options.Extensions[http].get = "/slurm/v0.0.43/defiant/ping"
    assert list(descriptors.diff(published, route)) == [
        "service[SlurmIndirect].method[Ping].options.[google.api.http].get: "
        "'/slurm/v0.0.43/ping' -> '/slurm/v0.0.43/defiant/ping'"
    ]

    reordered = _mutated(name)
    fields = next(m for m in reordered.message_type if m.name == "ErrorResp").field
    first, second = copy.deepcopy(fields[0]), copy.deepcopy(fields[1])
    fields[0].CopyFrom(second)
    fields[1].CopyFrom(first)
    assert any(
        line.startswith("message_type[ErrorResp].field: order")
        for line in descriptors.diff(published, reordered)
    )

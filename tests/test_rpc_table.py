"""The RPC table is S3M's contract: every method, its messages and its HTTP rule, for every version."""

from __future__ import annotations

import pytest
from google.api import annotations_pb2

from s3m_grpc.rpc import (
    BY_NAME,
    RESOURCE_VERSIONS,
    ROUTES,
    RPCS,
    STATUS,
    TOKEN_CONTROL,
    VERSIONS,
    ApiVersion,
    default_version,
)


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_every_method_and_rule_is_in_the_table(version: str) -> None:
    api = VERSIONS[version]
    service = api.upb.DESCRIPTOR.services_by_name["SlurmIndirect"]
    assert sorted(m.name for m in service.methods) == sorted(BY_NAME)
    for method in service.methods:
        rpc = BY_NAME[method.name]
        assert method.input_type.name == rpc.request
        assert method.output_type.name == rpc.response
        rule = method.GetOptions().Extensions[annotations_pb2.http]
        verb = rule.WhichOneof("pattern")
        assert verb.upper() == rpc.http_method
        # S3M's public paths put the resource after the version: /slurm/v0.0.43/{resource}/job/...
        assert getattr(rule, verb) == f"/slurm/{version}/{rpc.route}"
        body_fields = {f.name for f in method.input_type.fields} - {"job_id"}
        if rpc.http_method == "POST":
            assert rule.body == "*"
        else:  # without a body, what the path does not carry travels as query parameters
            assert set(rpc.query) == body_fields
        assert ROUTES[api.grpc_path(rpc)] == (rpc, api)
        assert api.grpc_path(rpc) == f"/olcf.s3m.slurm.{api.suffix}.SlurmIndirect/{method.name}"


def test_only_the_submission_is_not_idempotent() -> None:
    assert [r.name for r in RPCS if not r.idempotent] == ["PostJobSubmit"]


def test_versions_per_resource_are_the_documented_ones() -> None:
    assert RESOURCE_VERSIONS == {
        "defiant": ("v0.0.42", "v0.0.43"),
        "odo": ("v0.0.43", "v0.0.44"),
        "wombat": ("v0.0.42",),
        "quokka": ("v0.0.42",),
    }
    assert [default_version(r) for r in ("defiant", "odo", "wombat", "quokka")] == [
        "v0.0.43",
        "v0.0.44",
        "v0.0.42",
        "v0.0.42",
    ]


@pytest.mark.parametrize("api", [STATUS, TOKEN_CONTROL], ids=lambda api: api.package)
def test_status_and_token_rows_are_their_http_rules(api: ApiVersion) -> None:
    service = api.upb.DESCRIPTOR.services_by_name[api.service]
    assert [m.name for m in service.methods] == [r.name for r in api.rpcs]
    for method in service.methods:
        rpc = api.rpc(method.name)
        assert method.input_type.name == rpc.request
        assert method.output_type.name == rpc.response
        rule = method.GetOptions().Extensions[annotations_pb2.http]
        verb = rule.WhichOneof("pattern")
        assert (verb.upper(), getattr(rule, verb)) == (rpc.http_method, rpc.route)
        in_path = {f.name for f in method.input_type.fields if "{" + f.name + "}" in rpc.route}
        assert set(rpc.query) == {f.name for f in method.input_type.fields} - in_path
        assert ROUTES[api.grpc_path(rpc)] == (rpc, api)

"""sbatch's --array and --dependency languages, and the verdicts the client draws from job states."""

from __future__ import annotations

import pytest

from s3m_grpc.arrays import element_environment, expand_path, first_element_script, parse_array
from s3m_grpc.dependency import NEVER_SATISFIED, Target, Verdict, evaluate, parse_dependency
from s3m_grpc.errors import ConfigurationError


@pytest.mark.parametrize(
    ("text", "indices", "limit", "step"),
    [
        ("0-9", range(10), None, 1),
        ("0-99:3", range(0, 100, 3), None, 3),
        ("1,3,5-7", [1, 3, 5, 6, 7], None, 1),
        ("0-99%10", range(100), 10, 1),
        ("7", [7], None, 1),
        ("5-7,1-2%1", [1, 2, 5, 6, 7], 1, 1),
        ("3,3,3", [3], None, 1),
    ],
)
def test_every_array_form(text: str, indices: range | list[int], limit: int | None, step: int) -> None:
    array = parse_array(text)
    assert array.indices == tuple(indices)
    assert array.limit == limit
    assert array.step == step


@pytest.mark.parametrize("text", ["", "a-b", "9-3", "0-9:0", "0-9%0", "0-9%x", "1,,2", "0-2000000", "-1"])
def test_bad_arrays_are_refused(text: str) -> None:
    with pytest.raises(ConfigurationError, match="array"):
        parse_array(text)


def test_an_element_sees_what_an_array_task_sees() -> None:
    array = parse_array("4-20:4%2")
    assert element_environment(array, 8, 1234) == {
        "SLURM_ARRAY_JOB_ID": "1234",
        "SLURM_ARRAY_TASK_ID": "8",
        "SLURM_ARRAY_TASK_COUNT": "5",
        "SLURM_ARRAY_TASK_MIN": "4",
        "SLURM_ARRAY_TASK_MAX": "20",
        "SLURM_ARRAY_TASK_STEP": "4",
    }
    assert "SLURM_ARRAY_JOB_ID" not in element_environment(array, 4, None)  # the first: set by its script
    assert expand_path("o-%A_%a-%j-%%a.txt", 8, 1234) == "o-1234_8-%j-%%a.txt"
    assert expand_path("o-%A_%a.txt", 4, None) == "o-%j_4.txt"  # the first element: its own id
    script = first_element_script("#!/bin/bash\n#SBATCH -J x\n\necho hi\n")
    assert script.splitlines()[3].startswith(
        'export SLURM_ARRAY_JOB_ID="${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}"'
    )
    assert first_element_script("#!/usr/bin/env python3\nprint(1)\n") == "#!/usr/bin/env python3\nprint(1)\n"


def test_dependency_forms() -> None:
    dep = parse_dependency("afterok:12:13_4,afterany:@prep,singleton")
    assert [t.kind for t in dep.terms] == ["afterok", "afterany", "singleton"]
    assert dep.terms[0].targets == (Target("12"), Target("13", 4))
    assert dep.refs == {"@prep"}
    assert not dep.any_of
    assert parse_dependency("afterok:1?afternotok:2").any_of


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("afterwards:1", "not one of"),
        ("afterok", "needs at least one"),
        ("afterok:x", "not a job id"),
        ("afterok:1,afterany:2?after:3", "either"),
        ("singleton:1", "no job ids"),
        ("after:1+10", "delay"),
        ("expand:1", "not one of"),
    ],
)
def test_bad_dependencies_are_refused(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_dependency(text)


STATES = {"ok": ["COMPLETED"], "bad": ["FAILED"], "run": ["RUNNING"], "wait": ["PENDING"], "held": ["HELD"]}
STATES |= {"never": [NEVER_SATISFIED], "arr": ["COMPLETED", "RUNNING"], "gone": []}


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("afterok:@ok", Verdict.MET),
        ("afterok:@bad", Verdict.NEVER),
        ("afterok:@run", Verdict.WAIT),
        ("afterok:@never", Verdict.NEVER),
        ("afterok:@gone", Verdict.NEVER),
        ("afternotok:@bad", Verdict.MET),
        ("afternotok:@ok", Verdict.NEVER),
        ("afternotok:@never", Verdict.MET),
        ("afterany:@bad", Verdict.MET),
        ("afterany:@wait", Verdict.WAIT),
        ("after:@run", Verdict.MET),
        ("after:@held", Verdict.WAIT),
        ("afterok:@ok:@run", Verdict.WAIT),
        ("afterok:@ok,afterany:@bad", Verdict.MET),
        ("afterok:@bad?afterany:@ok", Verdict.MET),
        ("afterok:@bad?afternotok:@ok", Verdict.NEVER),
        ("afterok:@bad?afterok:@run", Verdict.WAIT),
        ("afterok:@arr", Verdict.WAIT),
        ("afterany:@arr", Verdict.WAIT),
    ],
)
def test_verdicts(text: str, verdict: Verdict) -> None:
    def resolve(target: Target) -> list[str]:
        return STATES[target.ref[1:]]

    assert evaluate(parse_dependency(text), resolve) is verdict


def test_aftercorr_and_singleton() -> None:
    states = {0: "COMPLETED", 1: "FAILED", 2: "RUNNING"}

    def resolve(target: Target) -> list[str]:
        return [states[target.index]] if target.index in states else []

    dep = parse_dependency("aftercorr:@a")
    assert [evaluate(dep, resolve, index=i) for i in range(4)] == [
        Verdict.MET,
        Verdict.NEVER,
        Verdict.WAIT,
        Verdict.NEVER,
    ]
    alone = parse_dependency("singleton")
    assert evaluate(alone, resolve, singleton=False) is Verdict.WAIT
    assert evaluate(alone, resolve, singleton=True) is Verdict.MET


def test_held_array_indices_fold_as_squeue_shows_them() -> None:
    from s3m_grpc.array_view import fold

    assert fold([3]) == "3"
    assert fold([9, 0, 1, 2, 3, 7, 10]) == "0-3,7,9-10"

"""Gateway mode's translation of Slurm 22.05's command output, without a cluster (pure functions)."""

from __future__ import annotations

import pytest

from s3m_grpc.emulator.slurm_v0038 import key_values, partition_info


@pytest.mark.parametrize(
    ("max_time", "expected"),
    [
        ("UNLIMITED", {"set": False, "infinite": True, "number": 0}),
        ("NONE", {"set": False, "infinite": False, "number": 0}),
        ("30", {"set": True, "infinite": False, "number": 30}),
        ("30:00", {"set": True, "infinite": False, "number": 30}),  # MM:SS, as scontrol prints it
        ("01:00:00", {"set": True, "infinite": False, "number": 60}),
        ("1-00:00:00", {"set": True, "infinite": False, "number": 1440}),
        ("2-12", {"set": True, "infinite": False, "number": 3600}),  # D-HH
        ("00:00:30", {"set": True, "infinite": False, "number": 1}),  # seconds round up, as Slurm
    ],
)
def test_scontrol_times_read_as_sbatch_reads_them(max_time: str, expected: dict[str, object]) -> None:
    line = f"PartitionName=batch Nodes=node[1-2] TotalNodes=2 TotalCPUs=8 MaxTime={max_time} DefaultTime=NONE"
    info = partition_info(key_values(line), "local")
    assert info["maximums"]["time"] == expected
    assert info["defaults"]["time"] == {"set": False, "infinite": False, "number": 0}
    assert (info["name"], info["nodes"]["configured"], info["cpus"]["total"]) == ("batch", "node[1-2]", 8)


def test_a_time_slurm_would_not_print_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="not a Slurm time"):
        partition_info(key_values("PartitionName=batch MaxTime=soon"), "local")

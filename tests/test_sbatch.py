"""sbatch's option language (s3m_grpc.sbatch): Slurm's value formats, --export, and #SBATCH directives.

Every option S3M carries must land on the JobSpec field (and so the job description field) it
claims; every option S3M cannot carry must be refused naming the option, the line and the reason.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

import pytest

from s3m_grpc.errors import ConfigurationError
from s3m_grpc.sbatch import (
    DEFAULT_ENVIRONMENT,
    NOT_CARRIED,
    OPTIONS,
    SECRET_VARIABLES,
    SHORT,
    ScriptError,
    apply,
    directives,
    export,
    parse_begin,
    parse_memory,
    parse_time,
)
from s3m_grpc.spec import JobSpec

SHEBANG = "#!/bin/bash\n"
TOKEN = "tok-xyz-Q7v2ZpL9"

# -- parse_time -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("30", 30),  # minutes
        (" 45 ", 45),
        ("0:30", 1),  # minutes:seconds, rounded up as Slurm does
        ("30:00", 30),
        ("30:01", 31),
        ("1:00:00", 60),  # hours:minutes:seconds
        ("10:30:00", 630),
        ("0:0:59", 1),
        ("2-12", 3600),  # days-hours
        ("0-1", 60),
        ("2-12:30", 3630),  # days-hours:minutes
        ("2-12:30:00", 3630),  # days-hours:minutes:seconds
        ("2-0:0:1", 2881),
        ("UNLIMITED", math.inf),
        ("unlimited", math.inf),
        ("INFINITE", math.inf),
        ("-1", math.inf),
    ],
)
def test_parse_time_accepts_every_slurm_form(text: str, minutes: float) -> None:
    assert parse_time(text) == minutes


def test_a_zero_time_limit_means_no_limit() -> None:
    # sbatch(1), --time: "A time limit of zero requests that no time limit be imposed."
    assert parse_time("0") == math.inf


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "1h",
        "1:2:3:4",
        "-5",
        "-2-1",
        "2-",
        "2--12",
        "2-12:",
        ":30",
        "1:",
        "abc",
        "1.5",
        "1e3",
        "1 2",
        "\u0661\u0662",  # Arabic-Indic digits
        "\uff11\uff12",  # fullwidth digits
    ],
)
def test_parse_time_refuses_what_slurm_does_not_write(text: str) -> None:
    with pytest.raises(ValueError, match="not a Slurm time"):
        parse_time(text)


# -- parse_memory -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mib"),
    [
        ("4000", 4000),  # MiB by default
        ("500M", 500),
        ("500m", 500),
        ("4G", 4096),
        ("4g", 4096),
        ("1T", 1048576),
        ("1K", 1),  # K rounds up to whole MiB
        ("1024K", 1),
        ("1025K", 2),
        ("1536K", 2),
        ("2GB", 2048),
        (" 8G ", 8192),
    ],
)
def test_parse_memory_units(text: str, mib: int) -> None:
    assert parse_memory(text) == mib


@pytest.mark.parametrize(
    "text", ["", "lots", "4.5G", "-1", "4P", "4 G", "G", "4GiB", "4KB5", "0x10", "\u0661\u0662"]
)
def test_parse_memory_refusals(text: str) -> None:
    with pytest.raises(ValueError, match="not a Slurm memory size"):
        parse_memory(text)


# -- parse_begin ------------------------------------------------------------------------------------

# Mid-June: far from any daylight-saving change, so that local-time arithmetic is plain.
NOW = dt.datetime(2026, 6, 15, 10, 30, 0)
NOW_TS = int(NOW.timestamp())


def at(*parts: int) -> int:
    return int(dt.datetime(*parts).timestamp())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW_TS),
        ("now+60", NOW_TS + 60),  # seconds by default
        ("now+90seconds", NOW_TS + 90),
        ("now+5minutes", NOW_TS + 300),
        ("now+5min", NOW_TS + 300),
        ("now+1hour", NOW_TS + 3600),
        ("now+2hours", NOW_TS + 7200),
        ("now+1h", NOW_TS + 3600),
        ("NOW+1HOUR", NOW_TS + 3600),
        ("now+3days", NOW_TS + 3 * 86400),
        ("now+1week", NOW_TS + 604800),
        ("16:00", at(2026, 6, 15, 16, 0)),  # later today
        ("16:00:30", at(2026, 6, 15, 16, 0, 30)),
        ("10:30:01", at(2026, 6, 15, 10, 30, 1)),
        ("09:00", at(2026, 6, 16, 9, 0)),  # has passed: tomorrow
        ("9:00", at(2026, 6, 16, 9, 0)),
        ("10:29:59", at(2026, 6, 16, 10, 29, 59)),
        ("2026-12-24", at(2026, 12, 24)),
        ("2026-12-24T18:00", at(2026, 12, 24, 18, 0)),
        ("2026-12-24t18:00", at(2026, 12, 24, 18, 0)),
        ("2026-12-24T18:00:05", at(2026, 12, 24, 18, 0, 5)),
        ("2026-12-24 18:00", at(2026, 12, 24, 18, 0)),
        ("today", at(2026, 6, 15)),
        ("tomorrow", at(2026, 6, 16)),
        ("midnight", at(2026, 6, 16)),  # the next midnight
        ("noon", at(2026, 6, 15, 12, 0)),  # still to come today
        ("1767225600", 1767225600),  # already a UNIX time
    ],
)
def test_parse_begin_forms(text: str, expected: int) -> None:
    assert parse_begin(text, now=NOW_TS) == expected


def test_parse_begin_noon_after_noon_is_tomorrow() -> None:
    assert parse_begin("noon", now=at(2026, 6, 15, 13, 0)) == at(2026, 6, 16, 12, 0)
    assert parse_begin("16:00", now=at(2026, 6, 15, 23, 59)) == at(2026, 6, 16, 16, 0)


def test_parse_begin_defaults_to_the_current_time() -> None:
    before = int(time.time())
    got = parse_begin("now+1hour")
    after = int(time.time())
    assert before + 3600 <= got <= after + 3600


@pytest.mark.parametrize(
    "text",
    [
        "",
        "later",
        "now-1hour",
        "now+",
        "now+1fortnight",
        "now+1.5hours",
        "25:00",
        "16:60",
        "16:00:00:00",
        "2026-13-01",
        "2026-02-30",
        "next week",
        "123",
    ],
)
def test_parse_begin_refusals(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the messages differ by form; the type is the contract
        parse_begin(text, now=NOW_TS)


# -- export -----------------------------------------------------------------------------------------

ENVIRON = {
    "HOME": "/home/u",
    "OMP_NUM_THREADS": "8",
    "S3M_TOKEN": TOKEN,
    "S3M_TOKEN_FILE": "/home/u/.env",
    "COPY_OF_TOKEN": TOKEN,
    "PADDED_TOKEN": f" {TOKEN}\n",
    "EMPTY": "",
}


def test_export_all_copies_the_environment_but_never_the_token() -> None:
    got = export("ALL", environ=ENVIRON, secrets={TOKEN})
    assert got == {"HOME": "/home/u", "OMP_NUM_THREADS": "8", "EMPTY": ""}
    assert not SECRET_VARIABLES & set(got)
    assert all(TOKEN not in value for value in got.values())


def test_export_all_drops_the_token_variables_even_without_known_secrets() -> None:
    got = export("all", environ=ENVIRON, secrets=set())
    assert "S3M_TOKEN" not in got
    assert "S3M_TOKEN_FILE" not in got
    assert got["COPY_OF_TOKEN"] == TOKEN  # nothing said it is a secret


def test_export_all_with_additions() -> None:
    got = export("ALL,EXTRA=1,OMP_NUM_THREADS=2", environ=ENVIRON, secrets={TOKEN})
    assert got == {"HOME": "/home/u", "OMP_NUM_THREADS": "2", "EMPTY": "", "EXTRA": "1"}


def test_export_none() -> None:
    assert export("NONE", environ=ENVIRON, secrets={TOKEN}) == {}
    assert export("none,A=1", environ=ENVIRON, secrets={TOKEN}) == {"A": "1"}


def test_export_a_list_of_names_and_values() -> None:
    got = export("NONE,A=1,HOME,B=x=y", environ=ENVIRON, secrets={TOKEN})
    assert got == {"A": "1", "HOME": "/home/u", "B": "x=y"}
    # Without ALL or NONE: the default environment and the variables named.
    assert export("A=1,HOME", environ=ENVIRON, secrets={TOKEN}) == {
        **DEFAULT_ENVIRONMENT,
        "A": "1",
        "HOME": "/home/u",
    }


@pytest.mark.parametrize(
    "text",
    [
        "NONE,S3M_TOKEN",
        "NONE,S3M_TOKEN=something-else",
        "NONE,S3M_TOKEN_FILE",
        "ALL,S3M_TOKEN",
        "S3M_TOKEN",
        "NONE,COPY_OF_TOKEN",  # a variable holding the token
        "ALL,COPY_OF_TOKEN",
        "NONE,PADDED_TOKEN",
        f"NONE,MINE={TOKEN}",  # the token as a value
        f"NONE,MINE= {TOKEN} ",
    ],
)
def test_export_refuses_to_name_the_token(text: str) -> None:
    with pytest.raises(ValueError, match="S3M token") as caught:
        export(text, environ=ENVIRON, secrets={TOKEN})
    assert TOKEN not in str(caught.value)  # the refusal must not show it either


@pytest.mark.parametrize("text", ["NONE,1BAD=x", "NONE,A-B=1", "NONE,=1", "NONE,A B"])
def test_export_refuses_bad_names(text: str) -> None:
    with pytest.raises(ValueError, match="bad variable name"):
        export(text, environ=ENVIRON, secrets={TOKEN})


def test_export_all_reads_the_process_environment_and_its_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    # Without environ=/secrets=, the process's own environment and token (S3M_TOKEN, S3M_TOKEN_FILE).
    env_file = tmp_path / ".env"
    env_file.write_text("Authorization: tok-from-file-8Hq2\n")
    env_file.chmod(0o600)
    monkeypatch.setenv("S3M_TOKEN", TOKEN)
    monkeypatch.setenv("S3M_TOKEN_FILE", str(env_file))
    monkeypatch.setenv("S3M_TEST_PLAIN", "plain")
    monkeypatch.setenv("S3M_TEST_COPY", TOKEN)
    monkeypatch.setenv("S3M_TEST_FILE_COPY", "tok-from-file-8Hq2")
    got = export("ALL")
    assert got["S3M_TEST_PLAIN"] == "plain"
    for name in ("S3M_TOKEN", "S3M_TOKEN_FILE", "S3M_TEST_COPY", "S3M_TEST_FILE_COPY"):
        assert name not in got


# -- options: what S3M carries ----------------------------------------------------------------------

# option -> (value, JobSpec fields it sets, the job description's fields they render as)
CARRIED: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "--job-name": ("sim", {"name": "sim"}, {"name": "sim"}),
    "--account": ("stf040", {"account": "stf040"}, {"account": "stf040"}),
    "--partition": ("batch-cpu", {"partition": "batch-cpu"}, {"partition": "batch-cpu"}),
    "--qos": ("debug", {"qos": "debug"}, {"qos": "debug"}),
    "--reservation": ("resv1", {"reservation": "resv1"}, {"reservation": "resv1"}),
    "--nodes": ("2-4", {"nodes": 2, "max_nodes": 4}, {"minimum_nodes": 2, "maximum_nodes": 4}),
    "--ntasks": ("128", {"tasks": 128}, {"tasks": 128}),
    "--ntasks-per-node": ("4", {"tasks_per_node": 4}, {"tasks_per_node": 4}),
    "--ntasks-per-socket": ("3", {"tasks_per_socket": 3}, {"tasks_per_socket": 3}),
    "--ntasks-per-core": ("1", {"tasks_per_core": 1}, {"tasks_per_core": 1}),
    "--cpus-per-task": ("7", {"cpus_per_task": 7}, {"cpus_per_task": 7}),
    "--mincpus": ("16", {"min_cpus_per_node": 16}, {"minimum_cpus_per_node": 16}),
    "--sockets-per-node": ("2", {"sockets_per_node": 2}, {"sockets_per_node": 2}),
    "--threads-per-core": ("2", {"threads_per_core": 2}, {"threads_per_core": 2}),
    "--mem": ("500G", {"memory_per_node": 512000}, {"memory_per_node": {"set": True, "number": 512000}}),
    "--mem-per-cpu": ("2000", {"memory_per_cpu": 2000}, {"memory_per_cpu": {"set": True, "number": 2000}}),
    "--time": ("2-12:30:00", {"time_limit": 3630}, {"time_limit": {"set": True, "number": 3630}}),
    "--time-min": ("30:00", {"time_min": 30}, {"time_minimum": {"set": True, "number": 30}}),
    "--chdir": ("/lustre/x", {"working_directory": "/lustre/x"}, {"current_working_directory": "/lustre/x"}),
    "--output": ("out-%j.txt", {"standard_output": "out-%j.txt"}, {"standard_output": "out-%j.txt"}),
    "--error": ("err-%j.txt", {"standard_error": "err-%j.txt"}, {"standard_error": "err-%j.txt"}),
    "--input": ("in.txt", {"standard_input": "in.txt"}, {"standard_input": "in.txt"}),
    "--comment": ("nightly run", {"comment": "nightly run"}, {"comment": "nightly run"}),
    "--begin": (
        "1767225600",
        {"begin_time": 1767225600},
        {"begin_time": {"set": True, "number": 1767225600}},
    ),
    "--licenses": ("fluent:2", {"licenses": "fluent:2"}, {"licenses": "fluent:2"}),
    "--wait-all-nodes": ("1", {"wait_all_nodes": True}, {"wait_all_nodes": True}),
    # no field in S3M's job description: the client runs them (s3m_grpc.group), nothing is rendered
    "--array": ("0-99:3%10", {"array": "0-99:3%10"}, {}),
    "--dependency": ("afterok:12:13?afterany:@prep", {"dependency": "afterok:12:13?afterany:@prep"}, {}),
    "--export": (
        "NONE,OMP_NUM_THREADS=2",
        {"environment": {"OMP_NUM_THREADS": "2"}},
        {"environment": ["OMP_NUM_THREADS=2"]},
    ),
}


def test_the_table_covers_every_carried_option() -> None:
    assert set(CARRIED) == set(OPTIONS)
    assert not set(OPTIONS) & set(NOT_CARRIED)


def _applied(words: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    apply(words, values)
    return values


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_each_option_sets_the_field_it_claims(option: str) -> None:
    value, fields, rendered = CARRIED[option]
    assert _applied([f"{option}={value}"]) == fields
    assert _applied([option, value]) == fields
    desc = JobSpec(script=SHEBANG, **fields).job_description()
    assert {key: desc[key] for key in rendered} == rendered


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_each_option_as_an_sbatch_line(option: str) -> None:
    value, fields, _ = CARRIED[option]
    text = f"{SHEBANG}#SBATCH {option}='{value}'\necho hi\n"
    assert directives(text) == fields
    spec = JobSpec.from_text(text)
    for name, expected in fields.items():
        assert getattr(spec, name) == expected


SHORT_CARRIED = {short: long for short, long in SHORT.items() if long in OPTIONS}


def test_every_short_form_names_a_known_option() -> None:
    assert set(SHORT.values()) <= set(OPTIONS) | set(NOT_CARRIED)
    assert set(SHORT_CARRIED) == {f"-{letter}" for letter in "JApqNnctDoeibLad"}


@pytest.mark.parametrize("short", sorted(SHORT_CARRIED))
def test_short_forms_equal_the_long_ones(short: str) -> None:
    long = SHORT_CARRIED[short]
    value, fields, _ = CARRIED[long]
    assert _applied([short, value]) == fields
    assert _applied([f"{short}{value}"]) == fields  # -N2 style


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["-N2"], {"nodes": 2}),
        (["-N", "2"], {"nodes": 2}),
        (["-N2-4"], {"nodes": 2, "max_nodes": 4}),
        (["--nodes=2-4"], {"nodes": 2, "max_nodes": 4}),
        (["--nodes", "3"], {"nodes": 3}),
        (["-n128", "-c", "2", "--mem=4G"], {"tasks": 128, "cpus_per_task": 2, "memory_per_node": 4096}),
        (["--comment=a=b"], {"comment": "a=b"}),  # only the first '=' separates
        (["-t", "10", "-t", "20"], {"time_limit": 20}),  # the last one wins, as in sbatch
    ],
)
def test_option_forms(words: list[str], expected: dict[str, Any]) -> None:
    assert _applied(words) == expected


def test_an_attached_short_value_keeps_its_equals_sign() -> None:
    # sbatch reads "-Jsim=1" as -J with the value "sim=1"; the part after '=' must not be dropped.
    assert _applied(["-Jsim=1"]) == {"name": "sim=1"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("-N 0", "must be a positive integer"),
        ("--ntasks=-1", "must be a positive integer"),
        ("--nodes=4-0", "must be a positive integer"),
        ("-N abc", "--nodes=abc"),
        ("-t soon", "not a Slurm time"),
        ("--mem=lots", "not a Slurm memory size"),
        ("--begin=later", "not a --begin time"),
        ("--wait-all-nodes=2", "must be 0 or 1"),
        ("--export=NONE,1BAD=x", "bad variable name"),
        ("--ntasks", "needs a value"),
        ("-J 'unterminated", "cannot parse"),
    ],
)
def test_bad_values_name_the_option_and_line(line: str, message: str) -> None:
    text = f"{SHEBANG}# a comment\n#SBATCH --account=stf040\n#SBATCH {line}\nsrun ./a\n"
    with pytest.raises(ScriptError) as caught:
        directives(text, path="job.sh")
    assert caught.value.line == 4
    assert str(caught.value).startswith("job.sh:4: ")
    assert message in str(caught.value)


# -- options: what S3M cannot carry -----------------------------------------------------------------

VALUELESS = {
    "--hold",
    "--requeue",
    "--no-requeue",
    "--exclusive",
    "--oversubscribe",
    "--contiguous",
    "--no-kill",
    "--parsable",
    "--quiet",
    "--test-only",
    "--wait",
}


@pytest.mark.parametrize("option", sorted(NOT_CARRIED))
def test_options_s3m_cannot_carry_are_refused_with_the_reason(option: str) -> None:
    word = option if option in VALUELESS else f"{option}=x"
    text = f"{SHEBANG}#SBATCH --ntasks=1\n\n#SBATCH -J ok {word}\necho hi\n"
    with pytest.raises(ScriptError) as caught:
        directives(text)
    message = str(caught.value)
    assert caught.value.line == 4
    assert message.startswith("script:4: ")
    assert option in message
    assert NOT_CARRIED[option] in message
    assert "cannot reach Slurm through S3M" in message


def test_a_bad_array_or_dependency_names_the_line() -> None:
    text = f"{SHEBANG}#SBATCH -J a\n#SBATCH --dependency=afterwards:1\n"
    with pytest.raises(ScriptError, match=r"script:3: .*--dependency.*'afterwards' is not one of") as caught:
        directives(text)
    assert caught.value.line == 3
    with pytest.raises(ScriptError, match=r"job\.sh:2: .*empty range"):
        JobSpec.from_text(f"{SHEBANG}#SBATCH --array 9-3\n", path="job.sh")
    for spec in (JobSpec(script=SHEBANG, array="0-3"), JobSpec(script=SHEBANG, dependency="singleton")):
        assert not {"array", "dependency"} & set(spec.job_description())  # S3M is never sent them


@pytest.mark.parametrize("short", sorted(s for s, long in SHORT.items() if long in NOT_CARRIED))
def test_short_forms_of_options_s3m_cannot_carry_name_the_long_form(short: str) -> None:
    long = SHORT[short]
    words = [short] if long in VALUELESS else [short, "x"]
    with pytest.raises(ScriptError) as caught:
        apply(words, {}, line=7)
    message = str(caught.value)
    assert caught.value.line == 7
    assert NOT_CARRIED[long] in message
    assert long in message  # "-d" alone would not tell the user which option it is


@pytest.mark.parametrize(
    "word", ["--frobnicate", "--frobnicate=1", "-Z", "-Z5", "--part=batch", "batch", "---job-name=x", "--"]
)
def test_unknown_options_are_refused(word: str) -> None:
    with pytest.raises(ScriptError, match="unknown or unsupported") as caught:
        directives(f"{SHEBANG}#SBATCH {word}\n")
    assert caught.value.line == 2


def test_not_carried_and_unknown_refusals_are_configuration_errors() -> None:
    for text in (f"{SHEBANG}#SBATCH --gpus=4\n", f"{SHEBANG}#SBATCH --frobnicate\n"):
        with pytest.raises(ConfigurationError):
            directives(text)


# -- directives: where they are read ----------------------------------------------------------------


def test_directives_stop_at_the_first_command() -> None:
    text = (
        "#!/bin/bash\n"
        "\n"
        "# a comment between directives\n"
        "#SBATCH -J sim  # a trailing comment\n"
        "#SBATCH --time=30\n"
        "module load x\n"
        "#SBATCH --dependency=afterok:1\n"  # after the first command: not a directive, not refused
        "#SBATCH -J ignored\n"
    )
    assert directives(text) == {"name": "sim", "time_limit": 30}


def test_a_line_that_merely_starts_like_a_comment_is_not_a_directive() -> None:
    assert directives(f"{SHEBANG}# SBATCH --gpus=4\n##SBATCH --gpus=4\n#SBATCH -n 2\n") == {"tasks": 2}


@pytest.mark.parametrize("text", ["echo hi\n", "\n#!/bin/bash\n", " #!/bin/bash\n", "#SBATCH -J a\n", ""])
def test_a_script_must_start_with_a_shebang(text: str) -> None:
    with pytest.raises(ScriptError, match="must start with #!") as caught:
        directives(text, path="x.sh")
    assert caught.value.line == 1
    assert str(caught.value).startswith("x.sh:1: ")

"""The sandbox's command line for client developers (``python -m conformance.reference
--variant / --variants / --seed / --faults / --list-*``), run as they run it: a child
process (``tests/sandbox_process.py``). That every variant passes the whole suite
through this command line is ``tests/test_variants_pass.py``; here: the rotation, the
faults, the usage errors, the listings, and the worked example of docs/client-testing.md
(``examples/customer_info_client``) run against the rotating sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from conformance.reference.__main__ import main
from conformance.reference.sandbox.cli import LABEL_HEADER
from conformance.reference.sandbox.data import SMOKE_FIELDS
from conformance.reference.sandbox.faults import FAULTS
from conformance.reference.sandbox.variants import VARIANTS, rotating
from tests.sandbox_process import Sandbox, sandbox

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "customer_info_client"
SEED = 20261201
ROTATING = ["--variants", "all", "--seed", str(SEED)]  # the sandbox the worked example is tested against


def _labels(running: Sandbox, count: int) -> list[str]:
    """The variant of each of ``count`` requests sent one after another."""
    with requests.Session() as session:
        return [session.post(running.url, data=SMOKE_FIELDS, timeout=10).headers[LABEL_HEADER] for _ in range(count)]


WIRE = [n for n in rotating() if VARIANTS[n].layer == "wire"]
CONTENT = [n for n in rotating() if VARIANTS[n].layer == "content"]


def test_same_seed_same_sequence(tmp_path: Path) -> None:
    """--variants all --seed N: the n-th answer gets the same variants on every run with N;
    the wire variants rotate, each round of len(WIRE) answers showing every one once; the
    content variants are held by the customer (one customer asked: the same ones on every
    answer); another seed another order."""
    count = 2 * len(WIRE)
    with sandbox(["--variants", "all", "--seed", str(SEED)], tmp_path / "one") as running:
        first = _labels(running, count)
        assert running.seed == SEED
    with sandbox(["--variants", "all", "--seed", str(SEED)], tmp_path / "two") as running:
        second = _labels(running, count)
        console = [line.split()[1] for line in running.lines() if line.startswith("#")]
    assert first == second
    assert console == second, "the console names each answer's variants, in order, to replay a failure"
    wire = [label.split("+")[-1] for label in first]
    assert sorted(wire[: len(WIRE)]) == sorted(WIRE) == sorted(wire[len(WIRE) :])
    assert len({tuple(label.split("+")[:-1]) for label in first}) == 1, first  # one customer, one content
    with sandbox(["--variants", "all", "--seed", str(SEED + 1)], tmp_path / "other") as running:
        assert _labels(running, count) != first


def test_a_seed_is_chosen_and_printed_when_none_is_given(tmp_path: Path) -> None:
    with sandbox(["--variants", "json_numbers,cdata"], tmp_path) as running:
        assert running.seed is not None
        assert any(f"--variants json_numbers,cdata --seed {running.seed}" in line for line in running.lines())
        assert set(_labels(running, 4)) == {"json_numbers", "cdata"}


def test_variants_combine_on_every_answer(tmp_path: Path) -> None:
    with sandbox(["--variant", "cdata,xml_extra_root_attribute,text_xml_content_type"], tmp_path) as running:
        answer = requests.post(running.url, data=SMOKE_FIELDS, timeout=10)
    assert b"<first_name><![CDATA[John]]></first_name>" in answer.content
    assert b' api_version="1.4"' in answer.content and answer.headers["Content-Type"] == "text/xml"
    assert LABEL_HEADER not in answer.headers  # only a rotation labels its answers


def test_a_fault_is_served(tmp_path: Path) -> None:
    unknown = {**SMOKE_FIELDS, "code": "99999999999999"}
    with sandbox(["--faults", "no_match_as_error"], tmp_path) as running:
        answer = requests.post(running.url, data=unknown, timeout=10)
        assert any("fault: no_match_as_error" in line for line in running.lines())
    assert b'status="error"' in answer.content, answer.content


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--variant", "no_such_variant"], "no variant named no_such_variant"),
        (["--variants", "cdata,nope"], "no variant named nope"),
        (["--variant", "cdata_without_declaration,xml_latin1"], "must declare it"),
        (
            ["--variant", "compact_xml,element_order_reversed,cdata,xml_byte_order_mark,xml_latin1"],
            "byte order mark says UTF-8",
        ),
        (["--variant", "cdata_without_declaration,cdata"], None),  # the same option twice, the same value: fine
        (["--variants", "other_data_set,cdata"], "change the whole server"),
        (["--faults", "nope"], "no fault named 'nope'"),
        (["--faults", "status_ok", "--variant", "cdata"], "cannot go with"),
        (["--seed", "3"], "--seed orders the rotation"),
        (["--variant", "other_data_set", "--db", "x.db"], "cannot go with --db"),
    ],
)
def test_usage_errors_say_what_to_change(
    arguments: list[str],
    message: str | None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from conformance.reference.__main__ import build_parser
    from conformance.reference.sandbox.cli import build

    monkeypatch.chdir(tmp_path)
    parser = build_parser()
    # The sandbox's own step of main(), which would serve until Ctrl-C when it does not refuse.
    if message is None:  # accepted: it builds a server (stopped at once) and refuses nothing
        build(parser, parser.parse_args(["--port", "0", *arguments])).stop()
        assert "error" not in capsys.readouterr().err
    else:
        with pytest.raises(SystemExit) as stopped:
            build(parser, parser.parse_args(["--port", "0", *arguments])).stop()
        assert stopped.value.code == 2
        assert message in capsys.readouterr().err


def test_list_variants_says_what_each_changes_allows_and_breaks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-variants"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for name, variant in VARIANTS.items():
        assert f" {name} changes " in f" {text}", name
        for part in (variant.description, variant.allowed, variant.breaks):
            assert " ".join(part.split()) in text, (name, part)
    assert "LIBXML_NOCDATA" in text and "file_get_contents" in text  # the clients real-clients.md names


def test_list_faults_names_each_and_its_requirement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-faults"]) == 0
    text = capsys.readouterr().out
    for name, fault in FAULTS.items():
        assert (
            f"\n{name}\n" in text and ("the document is silent" if fault.by_advisory else fault.requirement) in text
        ), name


def _example_tests(running: Sandbox, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SANDBOX_URL": running.url, "SANDBOX_PROFILE": str(running.profile)}
    env.pop("PYTEST_ADDOPTS", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "--rootdir",
        str(EXAMPLE),
        str(EXAMPLE),
    ]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_example_client_tests_pass_against_the_rotating_sandbox(tmp_path: Path) -> None:
    """docs/client-testing.md's worked example, as written there: the client's own tests
    against --variants all --seed N, every rotated variant served at least once."""
    with sandbox(ROTATING, tmp_path / "sandbox") as running:
        run = _example_tests(running, tmp_path)
        served = {name for line in running.lines() if line.startswith("#") for name in line.split()[1].split("+")}
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert served == set(rotating()), f"not served: {sorted(set(rotating()) - served)}"


@pytest.mark.parametrize("page", ["README.md", "docs/client-testing.md"])
def test_the_pages_start_the_sandbox_the_worked_example_runs_against(page: str) -> None:
    """The sandbox command the README and docs/client-testing.md give a client developer
    is the one test_example_client_tests_pass_against_the_rotating_sandbox starts."""
    text = (ROOT / page).read_text(encoding="utf-8")
    starts = [
        line.split("#")[0].split(">")[0].split()
        for line in text.splitlines()
        if "-m conformance.reference --port" in line and "--variants" in line
    ]
    assert starts, f"{page} gives no command that starts the rotating sandbox"
    for words in starts:
        assert words[:3] in (["python", "-m", "conformance.reference"], ["python3", "-m", "conformance.reference"])
        assert words[3] == "--port" and words[4].isdigit() and words[5:] == ROTATING, (
            f"{page} starts the sandbox with {words[3:]}; the worked example is tested against --port N {ROTATING}"
        )


def test_example_client_tests_catch_a_fault(tmp_path: Path) -> None:
    """The same tests are not vacuous: against a server that answers an unknown customer
    with an error, the no_match test fails."""
    with sandbox(["--faults", "no_match_as_error"], tmp_path / "sandbox") as running:
        run = _example_tests(running, tmp_path)
    assert run.returncode == 1, run.stdout[-4000:]
    assert "FAILED" in run.stdout and "test_unknown_customer_is_no_match" in run.stdout
    assert "test_reads_a_customer_by_code" not in run.stdout.split("short test summary")[-1]

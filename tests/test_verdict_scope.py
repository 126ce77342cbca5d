"""The scope of a verdict, and a target that answers wrongly.

- A run is ``conformant`` only if every item the plugin generated ran and every case
  was selected: the verdict rests on counts (items generated, deselected through
  ``pytest_deselected``, collected, run; cases generated and selected by ``--cases``),
  not on a list of options, so ``--sw``, sharding plugins and a plugin that silently
  drops items all make a run ``incomplete``, with or without xdist. A skipped item is
  a requirement its scope could not judge: the requirements' verdicts decide, and a
  skip the harness did not make (a plugin's) still shows in the outcomes.
- A target that answers, but not with a documented envelope (a renamed root element,
  no status), is not conformant: its smoke lookup is the one case, the items are the
  requirements it judged, those it breaks fail citing them (exit 1), and the run says why.
- A target that cannot be reached, or refuses the credentials, stops the run with one
  message (exit 4); report.html, junit.xml and certificate.json are still written,
  without the password.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from conformance.certificate import RunFacts, build_certificate, validate
from conformance.reference import PROFILE_PATH
from conformance.requirements import catalogue
from tests.servers import serve_wsgi
from tests.targets import serve

TESTABLE = [r for r, entry in catalogue().items() if not entry.untestable]
REFERENCE_PASSWORD = "1959caadac9b13dcb3"
UNREACHABLE = "http://127.0.0.1:9/api.php"
# A line of a failure as tests/selftest.py reads it: [REQ-ID, ...] check_name: title
FAILURE_LINE = re.compile(
    r"^\[(?P<ids>[A-Z][A-Z0-9-]*(?:, [A-Z][A-Z0-9-]*)*)\] (?P<check>\w+): (?P<title>.+)$", re.MULTILINE
)

# A plugin as a sharding plugin or a user's conftest would be: it keeps the items named
# in KEEP_FILE and skips the others, or deselects them (telling pytest, as pytest-split
# does), or drops them without telling anyone.
KEEPER = """
import os, pathlib, pytest

KEEP = set(pathlib.Path(os.environ["KEEP_FILE"]).read_text().split("\\n"))
MODE = os.environ["KEEP_MODE"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    others = [item for item in items if item.name not in KEEP]
    if MODE == "skip":
        for item in others:
            item.add_marker(pytest.mark.skip(reason="skipped by the test's plugin"))
        return
    items[:] = [item for item in items if item.name in KEEP]
    if MODE == "deselect":
        config.hook.pytest_deselected(items=others)
"""
# Fails one chosen item at setup: stepwise (--sw) then remembers it as the last failure.
FAILER = """
import os, pytest


def pytest_runtest_setup(item):
    if item.name == os.environ["FAIL_ITEM"]:
        pytest.fail("a failure planted by the test, for --sw to remember")
"""


def run(
    cwd: Path, *args: str, cache: bool = False, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """``python -m pytest --pyargs conformance.suite ARGS`` in ``cwd`` (whose plugins
    ``-p NAME`` can load), as a user runs it."""
    environ = {k: v for k, v in os.environ.items() if k not in ("TARGET_USER_PASSWORD", "PYTEST_ADDOPTS")}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cwd), environ.get("PYTHONPATH", "")]))
    environ.update(env or {})
    caching = ["-o", f"cache_dir={cwd / 'cache'}"] if cache else ["-p", "no:cacheprovider"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", *caching, "-q", *args],
        cwd=cwd, capture_output=True, text=True, env=environ, timeout=timeout,
    )  # fmt: skip


def certificate_in(directory: Path) -> dict:
    certificate = json.loads((directory / "certificate.json").read_text())
    validate(certificate)
    return certificate


@pytest.fixture(scope="module")
def pairwise_items(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The names (REQ-ID[scope]) of the pairwise run's items, in the order they run: one
    per requirement and scope, the same items as the full matrix's (fewer cases each)."""
    directory = tmp_path_factory.mktemp("collect")
    done = run(directory, "--collect-only", "--combinations", "pairwise", "--report-dir", "out")
    names = [line.split("::", 1)[1] for line in done.stdout.splitlines() if line.startswith("customer_info/")]
    assert len(names) > 300 and all(re.fullmatch(r"[A-Z][A-Z0-9-]*\[[^\]]+\]", n) for n in names), done.stdout[-2000:]
    return names


# -- the rule, on the certificate's facts ----------------------------------------------
def facts(**kw) -> RunFacts:
    base: dict[str, Any] = dict(
        target_url="https://api.example.com/api.php",
        embedded=False,
        profile_path="profile.yaml",
        profile_sha256="0" * 64,
        encoding="form",
        combinations="all",
        started=datetime(2026, 1, 1, tzinfo=timezone.utc),
        finished=datetime(2026, 1, 1, 0, 5, tzinfo=timezone.utc),
        collected=2,
        generated=2,
        outcomes={"a": "passed", "b": "passed"},
    )
    base.update(kw)
    return RunFacts(**base)


ALL_PASS = [
    {"id": "a", "kind": "case", "areas": [], "exercised": TESTABLE[: len(TESTABLE) // 2], "failed": [], "notes": []},
    {"id": "b", "kind": "case", "areas": [], "exercised": TESTABLE[len(TESTABLE) // 2 :], "failed": [], "notes": []},
]


def test_every_generated_item_run_is_conformant_whatever_the_options() -> None:
    # -k that keeps every item deselects nothing: the counts, not the option, decide.
    certificate = build_certificate(ALL_PASS, facts(selection=["-k 'test'"]))
    assert certificate["verdict"] == "conformant", certificate["reasons"]


@pytest.mark.parametrize(
    "change, reason",
    [
        (
            dict(cases_generated=756, cases_selected=31, selection=["--cases 'kind=access'"]),
            "31 of 756 cases selected (--cases 'kind=access')",
        ),
        (
            dict(generated=1000, collected=2, deselected=998, selection=["-k 'x'"]),
            "998 of 1,000 items deselected (a selection of the suite: -k 'x')",
        ),
        (dict(generated=1000, collected=2, deselected=998), "998 of 1,000 items deselected (by a plugin"),
        (dict(generated=1000, collected=2, not_collected=998), "998 of 1,000 generated items were not collected"),
        (dict(generated=None), "how many items the suite generates is not known"),
        (dict(stopped="the smoke request got no envelope."), "stopped early: the smoke request got no envelope."),
    ],
    ids=["cases-selected", "deselected-by-option", "deselected-by-plugin", "dropped", "unknown", "stopped"],
)
def test_a_run_short_of_what_was_generated_is_incomplete(change: dict, reason: str) -> None:
    certificate = build_certificate(ALL_PASS, facts(**change))
    validate(certificate)
    assert certificate["verdict"] == "incomplete"
    assert any(reason in r for r in certificate["reasons"]), certificate["reasons"]


# -- real runs: selections the options do not show --------------------------------------
def test_a_k_selection_is_counted(tmp_path: Path, pairwise_items: list[str]) -> None:
    # -k selects requirement items by name (here those of the FIELD-... requirements and
    # the others whose id has FIELD in it); the cases behind them are all still selected.
    done = run(tmp_path, "--combinations", "pairwise", "-k", "FIELD", "--report-dir", "out")
    assert done.returncode == 0, done.stdout[-3000:]
    ran = sum("FIELD" in name for name in pairwise_items)
    assert 0 < ran < len(pairwise_items)
    certificate = certificate_in(tmp_path / "out")
    expected = (
        f"{len(pairwise_items) - ran:,} of {len(pairwise_items):,} items deselected "
        "(a selection of the suite: -k 'FIELD')"
    )
    assert expected in certificate["reasons"], certificate["reasons"]
    assert (
        certificate["counts"]["generated"] == len(pairwise_items)
        and certificate["counts"]["deselected"] == len(pairwise_items) - ran
        and certificate["counts"]["collected"] == ran
    )
    assert not any("cases selected" in r for r in certificate["reasons"]), certificate["reasons"]


def test_node_ids_are_counted(tmp_path: Path, pairwise_items: list[str]) -> None:
    # pytest picks node ids out of what was generated without any hook: the counts see it.
    import conformance.suite

    suite_file = Path(conformance.suite.__file__).with_name("test_customer_info.py")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--combinations",
            "pairwise",
            "--report-dir",
            "out",
            f"{suite_file}::{pairwise_items[0]}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0 and done.stdout.splitlines()[-1].startswith("1 passed"), done.stdout[-3000:]
    certificate = certificate_in(tmp_path / "out")
    expected = (
        f"{len(pairwise_items) - 1:,} of {len(pairwise_items):,} "
        "generated items were not collected (node ids on the command line)"
    )
    assert expected in certificate["reasons"], certificate["reasons"]


def test_a_plugin_skipping_items_leaves_the_verdict_to_the_requirements(
    tmp_path: Path, pairwise_items: list[str]
) -> None:
    # A skip is no reason of its own (the harness skips a requirement its scope cannot
    # judge); a plugin's skips still show in the outcomes, and the requirements whose
    # items it skipped are not exercised, so the run is incomplete for that. The one
    # item kept is not its scope's first: the scope's evidence is not lost with it.
    kept = pairwise_items[1]
    (tmp_path / "keeper.py").write_text(KEEPER)
    (tmp_path / "keep.txt").write_text(kept)
    done = run(
        tmp_path,
        "-p",
        "keeper",
        "--combinations",
        "pairwise",
        "--report-dir",
        "out",
        env={"KEEP_FILE": str(tmp_path / "keep.txt"), "KEEP_MODE": "skip"},
    )
    assert done.returncode == 0 and "INTERNALERROR" not in done.stdout + done.stderr, (done.stdout + done.stderr)[
        -3000:
    ]
    certificate = certificate_in(tmp_path / "out")
    skipped = len(pairwise_items) - 1
    assert certificate["counts"]["outcomes"] == {"passed": 1, "skipped": skipped}
    assert f"1 passed, {skipped} skipped" in done.stdout.splitlines()[-1], done.stdout[-2000:]
    requirement = kept.split("[", 1)[0]
    verdicts = {r: e["verdict"] for r, e in certificate["requirements"].items() if r in TESTABLE}
    assert verdicts.pop(requirement) == "pass" and set(verdicts.values()) == {"not-exercised"}, verdicts
    assert certificate["verdict"] == "incomplete" and not any("skipped" in r for r in certificate["reasons"])
    assert f"{len(verdicts)} testable requirements not exercised: " in " ".join(certificate["reasons"])


def test_stepwise_is_a_selection(tmp_path: Path, pairwise_items: list[str]) -> None:
    # First run: --sw stops at a (planted) failure and remembers it; the second run
    # deselects every item before it. (The keeper, after --sw, keeps the first 20
    # items of both runs, so they are short; its drops are counted apart.)
    (tmp_path / "failer.py").write_text(FAILER)
    (tmp_path / "keeper.py").write_text(KEEPER)
    (tmp_path / "keep.txt").write_text("\n".join(pairwise_items[:20]))
    keep = {"KEEP_FILE": str(tmp_path / "keep.txt"), "KEEP_MODE": "drop"}
    where = 5
    first = run(
        tmp_path,
        "--sw",
        "-p",
        "failer",
        "-p",
        "keeper",
        "--combinations",
        "pairwise",
        "--report-dir",
        "first",
        cache=True,
        env={**keep, "FAIL_ITEM": pairwise_items[where]},
    )
    assert first.returncode != 0 and "continuing from this test next run" in first.stdout, first.stdout[-3000:]
    second = run(
        tmp_path, "--sw", "-p", "keeper", "--combinations", "pairwise", "--report-dir", "second", cache=True, env=keep
    )
    assert second.returncode == 0 and f"{where} deselected" in second.stdout.splitlines()[-1], second.stdout[-3000:]
    certificate = certificate_in(tmp_path / "second")
    assert certificate["verdict"] == "incomplete"
    assert (
        f"{where} of {len(pairwise_items):,} items deselected (a selection of the suite: --sw (stepwise))"
        in certificate["reasons"]
    ), certificate["reasons"]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
@pytest.mark.parametrize("mode", ["deselect", "drop"])
def test_a_plugin_keeping_a_part_of_the_items_is_incomplete(
    tmp_path: Path, pairwise_items: list[str], mode: str, workers: list[str]
) -> None:
    # A plugin keeps every item but those of the first scope: every testable requirement
    # is still exercised (in the other scopes) and passes, no option shows a selection;
    # only the counts do.
    if workers:
        pytest.importorskip("xdist")
    dropped_scope = pairwise_items[0].split("[", 1)[1]
    kept = [name for name in pairwise_items if not name.endswith(f"[{dropped_scope}")]
    assert 0 < len(kept) < len(pairwise_items)
    (tmp_path / "keeper.py").write_text(KEEPER)
    (tmp_path / "keep.txt").write_text("\n".join(kept))
    done = run(
        tmp_path,
        "-p",
        "keeper",
        "--combinations",
        "pairwise",
        "--report-dir",
        "out",
        *workers,
        env={"KEEP_FILE": str(tmp_path / "keep.txt"), "KEEP_MODE": mode},
    )
    assert done.returncode == 0, done.stdout[-3000:]
    certificate = certificate_in(tmp_path / "out")
    assert sum(certificate["counts"]["outcomes"].values()) == len(kept), certificate["counts"]
    assert {certificate["requirements"][r]["verdict"] for r in TESTABLE} == {"pass"}
    assert certificate["verdict"] == "incomplete", certificate["reasons"]
    generated = certificate["counts"]["generated"]
    assert generated == len(pairwise_items)
    left = generated - len(kept)
    if mode == "deselect":
        expected = (
            f"{left:,} of {generated:,} items deselected (by a plugin, e.g. sharding: pytest-split, pytest-shard)"
        )
    else:
        expected = (
            f"{left:,} of {generated:,} generated items were not collected (dropped "
            "by a plugin without pytest_deselected, or node ids on the command line)"
        )
    pairwise = "--combinations pairwise: not the full matrix (use --combinations all)"
    assert certificate["reasons"] == [pairwise, expected], certificate["reasons"]
    assert "verdict: incomplete" in done.stdout and expected in done.stdout


# -- a target that answers, but not with an envelope -----------------------------------
@pytest.mark.parametrize("encoding", ["form", "multipart", "query"])
def test_the_smoke_lookup_is_the_matrix_first_case(encoding: str) -> None:
    # The case a broken target is judged on is the matrix's own first case, and the
    # request the smoke sends is the one learn() reads again (sent once, from the store).
    from conformance.client import Client
    from conformance.harness import Harness
    from conformance.profile import load_profile

    profile = load_profile(PROFILE_PATH)
    harness = Harness(profile, Client("http://127.0.0.1:9/api.php", profile.password), encoding)
    account = profile.accounts[0]
    case = harness.smoke_case()
    assert case.id == "greatwidgets-89898989898989-by:code" and case.options == ()
    assert case.request(profile.user_id, encoding) == harness._lookup(account, account.customers[0])


def rename_root(body: bytes) -> bytes:
    return body.replace(b"<response", b"<reply").replace(b"</response>", b"</reply>")


def drop_status(body: bytes) -> bytes:
    return re.sub(rb'(<response[^>]*?) status="[^"]*"', rb"\1", body)


@pytest.mark.parametrize(
    "edit, workers",
    [(rename_root, []), (drop_status, []), (rename_root, ["-n", "2"])],
    ids=["renamed-root", "no-status", "renamed-root-xdist"],
)
def test_an_answer_that_is_no_envelope_is_not_conformant(tmp_path: Path, edit, workers: list[str]) -> None:
    if workers:
        pytest.importorskip("xdist")
    with serve(edit) as url:
        done = run(
            tmp_path,
            "--combinations",
            "pairwise",
            "--target-url",
            url,
            "--target-profile",
            str(PROFILE_PATH),
            "--report-dir",
            "out",
            *workers,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    assert "cannot be tested" not in output and "Traceback" not in output and "INTERNALERROR" not in output, output[
        -3000:
    ]
    # The smoke's lookup is the one case; the items are the requirements it breaks.
    assert re.fullmatch(r"\d+ failed in .*", done.stdout.splitlines()[-1]), output[-3000:]
    out = tmp_path / "out"
    assert (out / "report.html").is_file() and (out / "junit.xml").is_file()
    certificate = certificate_in(out)
    assert certificate["verdict"] == "not-conformant"
    failed = {r for r, e in certificate["requirements"].items() if e["verdict"] == "fail"}
    assert failed, certificate["reasons"]
    testcases = list(ET.parse(out / "junit.xml").iter("testcase"))
    assert certificate["counts"]["collected"] == len(testcases)
    assert certificate["counts"]["outcomes"] == {"failed": len(testcases)}
    assert certificate["counts"]["items_by_kind"] == {"case": 1}  # one case judged, nothing else
    assert {case.get("name") for case in testcases} == {f"{r}[greatwidgets/89898989898989]" for r in failed}
    stop = [r for r in certificate["reasons"] if r.startswith("stopped early: ")]
    assert len(stop) == 1 and "nothing else can be judged" in stop[0] and url in stop[0], certificate["reasons"]
    assert "stopped early" in done.stdout  # the terminal summary says so too
    # The failure is the check pipeline's: a line citing the requirement it breaks.
    texts = "".join(case.find("failure").text or "" for case in testcases)
    lines = [m for m in FAILURE_LINE.finditer(texts) if m.group("check") == "answer_is_an_envelope"]
    assert lines and set(lines[0].group("ids").split(", ")) <= failed, texts
    assert REFERENCE_PASSWORD not in output + "".join(p.read_text() for p in out.iterdir())


# -- a target that cannot be tested: one message, and all three files -------------------
def assert_three_files(out: Path, output: str, fragments: list[str], secret: str) -> None:
    certificate = certificate_in(out)
    assert certificate["verdict"] == "incomplete" and certificate["reasons"][0].startswith(
        "no case ran: the target cannot be tested"
    )
    suites = ET.parse(out / "junit.xml").getroot()
    cases = list(suites.iter("testcase"))
    assert len(cases) == 1 and cases[0].find("error") is not None, ET.tostring(suites)
    error = cases[0].find("error")
    assert suites.find("testsuite").get("errors") == "1"
    page = (out / "report.html").read_text()
    assert "<script" not in page.lower()  # readable with scripts off
    assert "incomplete" in page
    for fragment in fragments:
        assert fragment in error.get("message", "") and fragment in page, fragment
    for path in out.iterdir():
        assert secret not in path.read_text(), f"the password is in {path}"
    assert secret not in output


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_a_refused_port_stops_with_three_files(tmp_path: Path, workers: list[str]) -> None:
    if workers:
        pytest.importorskip("xdist")
    done = run(
        tmp_path,
        "--target-url",
        UNREACHABLE,
        "--target-profile",
        str(PROFILE_PATH),
        "--target-timeout",
        "3",
        "--report-dir",
        "out",
        *workers,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 4, output[-3000:]
    assert output.count("the target cannot be tested") == 1 and "Traceback" not in output, output[-3000:]
    assert_three_files(tmp_path / "out", output, [UNREACHABLE, "refused"], REFERENCE_PASSWORD)


class Refusing:
    """Refuses every request with an error envelope that echoes the password it got,
    XML-escaped: the stop's message quotes that text, and must not carry the password."""

    def __call__(self, environ, start_response):
        from html import escape

        from werkzeug.wrappers import Request

        password = Request(environ).values.get("user_password", "")
        body = (
            f'<?xml version="1.0"?><response status="error"><error>wrong password {escape(password)}</error></response>'
        ).encode()
        start_response("200 OK", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
        return [body]


@pytest.fixture
def refusing() -> Iterator[str]:
    with serve_wsgi(Refusing(), threads=2) as served:
        yield served.url


def test_refused_credentials_stop_with_three_files(tmp_path: Path, refusing: str) -> None:
    wrong = 'Wr&ng<"Pw>-8813'
    done = run(
        tmp_path,
        "--target-url",
        refusing,
        "--target-profile",
        str(PROFILE_PATH),
        "--report-dir",
        "out",
        env={"TARGET_USER_PASSWORD": wrong},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 4, output[-3000:]
    assert "refused with an error envelope" in output and "wrong password $TARGET_USER_PASSWORD" in output, output[
        -3000:
    ]
    for spelling in (wrong, "Wr&amp;ng&lt;&quot;Pw&gt;-8813", 'Wr&amp;ng&lt;"Pw&gt;-8813', "8813"):
        assert_three_files(
            tmp_path / "out", output, [refusing, "refused with an error envelope", "credentials"], spelling
        )


def test_a_failing_item_names_every_check_that_found_it_not_only_the_examples(tmp_path: Path) -> None:
    # In the full matrix, the first three cases that break NOTE-SHOW-ONLY-BELONG-TO for
    # this customer are matrix cases; the relation whose check is named for the fault
    # comes later. The item must still say that check found it (the full-mode kill matrix
    # called this mutant survived when only the examples named checks).
    from conformance.reference.sandbox.faults import FAULTS
    from conformance.reference.sandbox.faults import serve as serve_fault
    from tests.targets import run_suite

    fault = FAULTS["show_only_belong_to_ignored"]
    with serve_fault("show_only_belong_to_ignored") as url:
        done = run_suite(
            tmp_path, "--target-url", url, "--target-profile", str(PROFILE_PATH),
            "--report-dir", str(tmp_path / "r"), "--combinations", "all", "--cases", fault.selection,
        )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:]
    item = next(
        case
        for case in ET.parse(tmp_path / "r" / "junit.xml").getroot().iter("testcase")
        if case.get("name") == "NOTE-SHOW-ONLY-BELONG-TO[coaldemo/89898989898989]"
    )
    failure = item.find("failure")
    assert failure is not None
    text = failure.text or ""
    found_by = re.search(r"^Found by: (.+)$", text, re.MULTILINE)
    assert found_by and f"{fault.check} on " in found_by.group(1), text[:3000]
    examples = text.split("--- the other cases")[0].split("Found by:", 1)[1]
    assert f"] {fault.check}:" not in examples, "the examples show the relation: this test no longer tests the point"

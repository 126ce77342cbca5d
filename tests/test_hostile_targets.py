"""The harness survives any answer: it finishes, fails the affected cases in one line
each, writes its report, stays within its memory and its timeouts, and leaks nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.reference import PROFILE_PATH
from tests import hostile

SELECTION = "test_answer and greatwidgets-89898989898989-by:code-output:JSON"
MAX_RSS_MB = 400
# What a failure says, per behaviour: the reader must learn what happened.
EXPECTED = {
    "html-500": "not an API envelope",
    "empty-body": "the body is empty",
    "half-body": "no answer from the target",
    "invalid-utf8": "not valid UTF-8",
    "wrong-content-type-garbage": "neither XML, JSON nor JSONP",
    "xxe-local-file": "the answer's status is error",
    "entity-bomb": "Maximum entity amplification factor exceeded",
    "dtd-over-network": "the answer's status is error",
    "huge-body": "larger than --max-response-bytes",
    "endless-body": "larger than --max-response-bytes",
    "answer-after-60s": "no answer within 1 s",
    "close-without-answer": "closed the connection without answering",
    "refused-mid-run": "connection refused",
    "json-100000-deep": "nested too deeply",
    "malformed-jsonp": "JSONP wrapper is malformed",
    "redirect-other-host": "redirect to another origin",
}
# Runs the harness in a child and reports the child's peak memory and wall time.
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "started = time.monotonic()\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(f'MEASURED rss_kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} wall={time.monotonic() - started:.1f}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@pytest.fixture(scope="module")
def reference_url():
    with hostile.reference() as url:
        yield url


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "private.txt"
    path.write_text(hostile.SECRET_FILE_TEXT)
    return path


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_harness_survives(name: str, reference_url: str, secret_file: Path, tmp_path: Path) -> None:
    listener = hostile.Listener()
    behaviour = hostile.behaviours(str(secret_file), listener)[name]
    report_dir = tmp_path / "reports"
    with hostile.serve(behaviour, reference_url) as server:
        run = subprocess.run(
            [sys.executable, "-c", MEASURE, sys.executable, "-m", "pytest", "--pyargs", "conformance.suite",
             "-p", "no:cacheprovider", "-q", "-k", SELECTION, "--target-url", server.url,
             "--target-profile", str(PROFILE_PATH), "--report-dir", str(report_dir),
             "--timeout", "1", "--retries", "1"],
            cwd=tmp_path, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    listener.stop()
    output = run.stdout + run.stderr
    assert run.returncode == 1, output[-3000:]
    assert "INTERNALERROR" not in output and "Traceback" not in output, output[-3000:]
    assert EXPECTED[name] in run.stdout, output[-3000:]
    assert (report_dir / "report.html").is_file() and (report_dir / "junit.xml").is_file()
    measured = dict(part.split("=") for part in output.split("MEASURED ")[1].split()[:2])
    assert int(measured["rss_kb"]) < MAX_RSS_MB * 1024, f"peak memory {int(measured['rss_kb']) // 1024} MB"
    # Bounded by the timeouts: about 15 requests (smoke, learning, cases) of at most
    # 1 s and one retry each, plus start-up; 28 s on a quiet machine, twice that loaded.
    assert float(measured["wall"]) < 120, f"took {measured['wall']} s"
    # Nothing reached another host, and no local file reached any output.
    assert listener.connections == 0, f"something connected to {listener.port}: {listener.received[:200]!r}"
    written = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert not any(hostile.SECRET_FILE_TEXT.encode() in blob for blob in written + [output.encode()])


def test_each_failure_is_one_line(reference_url: str, tmp_path: Path) -> None:
    # The message of a broken answer reads in one line (then how to reproduce).
    behaviour = hostile.behaviours("/nonexistent", hostile.Listener())["html-500"]
    with hostile.serve(behaviour, reference_url) as server:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
             "-k", SELECTION, "--target-url", server.url, "--target-profile", str(PROFILE_PATH),
             "--report-dir", str(tmp_path / "r"), "--timeout", "2", "--retries", "0"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    got = [line for line in run.stdout.splitlines() if line.strip().startswith("Got:")]
    assert got, run.stdout[-2000:]
    assert all("HTTP 500 text/html" in line and "not" not in line.split("Got:")[0] for line in got), got

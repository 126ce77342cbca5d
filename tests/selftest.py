"""Run the conformance suite against faulty servers (mutants, ``tests/faults.py``; operator
mutants, ``tests/mutations.py``) and conformant ones (variants,
``conformance/reference/sandbox/variants.py``, served by ``python -m conformance.reference --variant``),
and read the verdicts from JUnit XML.

Shared by ``tests/test_faults_caught.py``, ``tests/test_mutation_operators.py``,
``tests/test_variants_pass.py`` and ``tools/kill_matrix.py``. Each target runs in a worker
process: the server in a thread, the installed suite (``--pyargs conformance.suite``, real
HTTP on 127.0.0.1, exactly the options a user passes) through ``pytest.main``. A worker runs one target after another,
so the sixty-odd runs share interpreter start-up and imports, and ``jobs`` workers run
side by side.

The verdict of a run is read from the ``junit.xml`` it writes into its ``--report-dir``,
as a CI would read it: a failed testcase's text carries one line per violation,
``[REQ-ID, ...] check_name: title``; warnings, advisories and unspecified behaviours are
the testcase property ``notes``, one ``severity: check_name[ [REQ-ID, ...]]: title`` a line.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import io
import multiprocessing
import os
import re
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Kind = Literal["mutant", "operator", "request", "variant", "rotation", "control"]

FAILURE_LINE = re.compile(
    r"^\[(?P<ids>[A-Z][A-Z0-9-]*(?:, [A-Z][A-Z0-9-]*)*)\] (?P<check>\w+): (?P<title>.+)$", re.MULTILINE
)
FOUND_BY_LINE = re.compile(r"^Found by: (?P<checks>.+)$", re.MULTILINE)
FOUND_BY_CHECK = re.compile(r"(\w+) on \d+ cases?\b")
NOTE_LINE = re.compile(
    r"^(?P<severity>advisory|warning|unspecified): (?P<check>\w+)(?: \[(?P<ids>[A-Z0-9, -]+)\])?: (?P<title>.*)$"
)
OUTPUT_TAIL = 6000


@dataclass(frozen=True)
class Target:
    """One run of the suite: a mutant (by its selection), an operator mutant (by its
    selection), a variant (the whole suite), the rotation of every variant (``name``:
    its seed; the whole suite), or the control (the reference through the faults'
    middleware)."""

    kind: Kind
    name: str
    selection: str | None = None
    combinations: str = "pairwise"

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name} ({self.combinations})"


@dataclass(frozen=True)
class Finding:
    case: str
    severity: str  # fail | advisory | warning | unspecified
    check: str
    requirements: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class Verdict:
    target: Target
    exit_code: int
    tests: int = 0
    failed: int = 0
    errors: int = 0
    findings: tuple[Finding, ...] = ()
    seconds: float = 0.0
    output: str = ""  # the end of the run's terminal output, for diagnostics
    failure_text: str = ""  # every failed case's text, as JUnit has it
    problem: str | None = None  # the run itself broke (no JUnit XML, a crash in the worker)
    cases: int = 0  # the cases judged as the items' evidence (certificate.json's counts.items_by_kind)

    def of(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    @property
    def failures(self) -> list[Finding]:
        return self.of("fail")

    @property
    def advisories(self) -> list[Finding]:
        return self.of("advisory")

    @property
    def warnings(self) -> list[Finding]:
        return self.of("warning")

    @property
    def passed(self) -> bool:
        """Every case ran and none failed."""
        return self.problem is None and self.exit_code == 0 and self.tests > 0 and self.failed == 0 and self.errors == 0

    def tally(self, severity: str) -> dict[tuple[str, tuple[str, ...]], int]:
        """(check, requirement ids) -> number of cases it was reported in."""
        counts: dict[tuple[str, tuple[str, ...]], set[str]] = {}
        for f in self.of(severity):
            counts.setdefault((f.check, f.requirements), set()).add(f.case)
        return {key: len(cases) for key, cases in sorted(counts.items())}


# -- reading a run's JUnit XML ----------------------------------------------------------
def read_junit(path: Path) -> tuple[int, int, int, list[Finding], str]:
    """(tests, failures, errors, findings, the failed cases' texts) of a junit.xml the suite wrote."""
    root = ElementTree.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = sum(int(s.get("tests", 0)) for s in suites)
    failures = sum(int(s.get("failures", 0)) for s in suites)
    errors = sum(int(s.get("errors", 0)) for s in suites)
    findings: list[Finding] = []
    texts: list[str] = []
    for case in root.iter("testcase"):
        name = case.get("name", "")
        for element in case.findall("failure") + case.findall("error"):
            text = element.text or element.get("message", "")
            texts.append(f"{name}\n{text}")
            for line in dict.fromkeys(m.group(0) for m in FAILURE_LINE.finditer(text)):
                match = FAILURE_LINE.match(line)
                assert match is not None
                findings.append(Finding(name, "fail", match["check"], tuple(match["ids"].split(", ")), match["title"]))
            # The checks that found the item's requirement broken on any of its cases
            # (the violations above are the first three cases').
            found_by = FOUND_BY_LINE.search(text)
            for check in FOUND_BY_CHECK.findall(found_by["checks"]) if found_by else ():
                findings.append(Finding(name, "fail", check, (name.split("[", 1)[0],), "found by"))
        for prop in case.iter("property"):
            if prop.get("name") != "notes":
                continue
            for line in (prop.get("value") or "").splitlines():
                match = NOTE_LINE.match(line)
                if match:
                    ids = tuple(i.strip() for i in match["ids"].split(",")) if match["ids"] else ()
                    findings.append(Finding(name, match["severity"], match["check"], ids, match["title"]))
    return tests, failures, errors, findings, "\n\n".join(texts)


# -- running one target (in a worker) ---------------------------------------------------
def suite_arguments(url: str, profile: Path, report_dir: Path, selection: str | None, combinations: str) -> list[str]:
    """The command line a user would type (after ``pytest``)."""
    args = [
        "--pyargs", "conformance.suite",
        "--target-url", url,
        "--target-profile", str(profile),
        "--report-dir", str(report_dir),
        "--combinations", combinations,
        "-p", "no:cacheprovider",
        "-q", "-s",
    ]  # fmt: skip
    if selection:
        args += ["--cases", selection]
    return args


@contextlib.contextmanager
def _served(target: Target, workdir: Path):  # type: ignore[no-untyped-def]
    """(url, profile path) of the target, served for the duration."""
    from conformance.reference import PROFILE_PATH

    if target.kind == "variant":
        # Through the command line a client developer uses, not the middleware alone.
        from tests.sandbox_process import sandbox

        with sandbox(["--variant", target.name], workdir / "sandbox") as running:
            yield running.url, running.profile
    elif target.kind == "rotation":
        from tests.sandbox_process import sandbox

        with sandbox(["--variants", "all", "--seed", target.name], workdir / "sandbox") as running:
            yield running.url, running.profile
    elif target.kind == "operator":
        from tests import faults
        from tests.mutations import MUTANTS

        with faults.serve(MUTANTS[target.name].fault) as url:
            yield url, PROFILE_PATH
    elif target.kind == "request":
        from tests.request_mutations import MUTANTS as REQUEST_MUTANTS

        with REQUEST_MUTANTS[target.name].serve() as url:
            yield url, PROFILE_PATH
    else:
        from tests import faults

        with faults.serve(target.name if target.kind == "mutant" else None) as url:
            yield url, PROFILE_PATH


def run_target(target: Target, workdir: str) -> Verdict:
    """Serve the target and run the suite against it in this process; never raises."""
    import pytest

    os.environ.pop("TARGET_USER_PASSWORD", None)  # the profile's password must be the one sent
    os.environ.pop("PYTEST_ADDOPTS", None)
    # Operator mutants' names carry ':', '+', '>' ...: not in a directory name.
    base = Path(workdir) / re.sub(r"[^\w.+-]", "_", f"{target.kind}-{target.name or 'control'}-{target.combinations}")
    report_dir = base / "report"
    base.mkdir(parents=True, exist_ok=True)
    output = io.StringIO()
    started = time.monotonic()
    try:
        with (
            _served(target, base) as (url, profile),
            contextlib.redirect_stdout(output),
            contextlib.redirect_stderr(output),
        ):
            previous = os.getcwd()
            os.chdir(base)  # nothing of the run lands in the caller's directory
            # The worker's heap (imports, the shared answers of tests/faults.py) is frozen
            # out of the cyclic garbage collector for the run: pytest collects garbage five
            # times at the end of each session, and each collection would walk that heap
            # again (about 1.1 s of CPU for a short run, 0.5 s frozen). One collection first,
            # so the earlier runs' garbage is freed rather than frozen.
            gc.collect()
            gc.freeze()
            try:
                exit_code = int(
                    pytest.main(suite_arguments(url, profile, report_dir, target.selection, target.combinations))
                )
            finally:
                gc.unfreeze()
                os.chdir(previous)
    except Exception as exc:  # noqa: BLE001 - reported as the verdict's problem
        return Verdict(
            target,
            -1,
            seconds=time.monotonic() - started,
            output=output.getvalue()[-OUTPUT_TAIL:],
            problem=f"{type(exc).__name__}: {exc}",
        )
    seconds = time.monotonic() - started
    text = output.getvalue()
    junit = report_dir / "junit.xml"
    if not junit.is_file():
        return Verdict(
            target, exit_code, seconds=seconds, output=text[-OUTPUT_TAIL:], problem=f"no {junit} (exit {exit_code})"
        )
    tests, failed, errors, findings, failure_text = read_junit(junit)
    problem = "INTERNALERROR in the run" if "INTERNALERROR" in text else None
    return Verdict(
        target,
        exit_code,
        tests,
        failed,
        errors,
        tuple(findings),
        seconds,
        text[-OUTPUT_TAIL:],
        failure_text,
        problem,
        cases_judged(report_dir / "certificate.json"),
    )


def cases_judged(path: Path) -> int:
    """How many cases a run judged (0: no certificate)."""
    import json

    if not path.is_file():
        return 0
    return sum(json.loads(path.read_text(encoding="utf-8"))["counts"]["items_by_kind"].values())


def run_targets(targets: Iterable[Target], workdir: Path, jobs: int = 2) -> dict[Target, Verdict]:
    """Run every target, ``jobs`` worker processes side by side; the verdicts by target."""
    targets = list(targets)
    workdir.mkdir(parents=True, exist_ok=True)
    # Whole-suite runs (variants) first: the short mutant runs then fill the gaps.
    ordered = sorted(targets, key=lambda t: (t.kind not in ("variant", "rotation"), t.combinations != "all"))
    if jobs <= 1:
        return {t: run_target(t, str(workdir)) for t in ordered}
    context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {t: pool.submit(run_target, t, str(workdir)) for t in ordered}
        return {t: futures[t].result() for t in targets}


class SessionRuns:
    """The runs of one ``pytest tests`` session, in worker processes.

    What a test module waits for runs in the foreground pool (``jobs`` workers). The
    first module may also queue what a later module will need in the background pool
    (one worker): those runs then proceed while the tests in between run, leaving them
    a core. When the later module asks, whatever has not started yet moves to the
    foreground. Each target runs once per session.
    """

    _current: SessionRuns | None = None

    def __init__(self, workdir: Path, jobs: int = 2) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        context = multiprocessing.get_context("spawn")
        self.foreground = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
        self.background = ProcessPoolExecutor(max_workers=1, mp_context=context)
        self.futures: dict[Target, Future[Verdict]] = {}
        atexit.register(self.close)

    @classmethod
    def of_session(cls, workdir: Path) -> SessionRuns:
        if cls._current is None:
            cls._current = cls(workdir)
        return cls._current

    def submit(self, targets: Iterable[Target], background: bool = False) -> None:
        pool = self.background if background else self.foreground
        for target in targets:
            if target not in self.futures:
                self.futures[target] = pool.submit(run_target, target, str(self.workdir))

    def verdicts(self, targets: Iterable[Target]) -> dict[Target, Verdict]:
        targets = list(targets)
        for target in targets:
            queued = self.futures.get(target)
            if queued is not None and queued.cancel():  # not started in the background: run it now
                del self.futures[target]
        self.submit(targets)
        return {t: self.futures[t].result() for t in targets}

    def close(self) -> None:
        for pool in (self.foreground, self.background):
            pool.shutdown(wait=True, cancel_futures=True)


def verdicts_once_per_run(
    name: str, targets: list[Target], basetemp: Path, jobs: int = 2
) -> dict[Target, Verdict] | None:
    """Under pytest-xdist (``pytest tests -n auto``) several worker processes may each
    need the same verdicts: the first to ask runs the targets, the others read its
    verdicts (``tests/once.py``). None outside xdist: the caller runs them in its
    session's pools (``SessionRuns``), overlapping with the other tests."""
    if not os.environ.get("PYTEST_XDIST_TESTRUNUID"):
        return None
    from tests.once import once_per_run

    return once_per_run(name, basetemp, lambda directory: run_targets(targets, directory, jobs))


# -- what a verdict means ----------------------------------------------------------------
@dataclass
class Kill:
    """How a mutant's run went: caught (how, by which checks) or why not."""

    name: str
    caught: bool
    how: str  # "failure" | "advisory" | "failure + advisory" | "survived"
    by_failure: dict[tuple[str, tuple[str, ...]], int] = field(default_factory=dict)
    by_advisory: dict[tuple[str, tuple[str, ...]], int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def judge_mutant(name: str, verdict: Verdict) -> Kill:
    """Caught means: the expected check reported the fault with the requirement it
    breaks (as a failure), or, for an advisory fault, as an advisory; and the evidence
    text is in what it reported."""
    from tests.faults import FAULTS

    fault = FAULTS[name]
    kill = Kill(name, False, "survived", verdict.tally("fail"), verdict.tally("advisory"))
    if verdict.problem:
        kill.problems.append(f"the run broke: {verdict.problem}")
        return kill
    if verdict.tests == 0:
        kill.problems.append(f"selection {fault.selection!r} ran no case")
        return kill
    texts = (fault.evidence,) if isinstance(fault.evidence, str) else (fault.evidence or ())
    if fault.by_advisory:
        reported = [f for f in verdict.advisories if f.check == fault.check]
        if not reported:
            kill.problems.append(
                f"no advisory from {fault.check}; advisories: {sorted({f.check for f in verdict.advisories}) or 'none'}"
            )
        elif texts and not any(t in f.title for f in reported for t in texts):
            kill.problems.append(f"{fault.check} reported, but none of {texts!r} is in its titles")
        else:
            kill.caught = True
            kill.how = "advisory" + (" + failure" if verdict.failures else "")
        return kill
    # Caught means a failure citing exactly the requirement broken: one id, not a bundle.
    citing = [f for f in verdict.failures if f.requirements == (fault.requirement,)]
    if verdict.exit_code == 0 or not verdict.failures:
        kill.problems.append(f"all {verdict.tests} selected cases passed")
    elif not citing:
        kill.problems.append(
            f"no failure cites exactly {fault.requirement}; cited: "
            f"{sorted({', '.join(f.requirements) for f in verdict.failures})}"
        )
    elif fault.check and fault.check not in {f.check for f in citing}:
        kill.problems.append(
            f"{fault.requirement} is cited by {sorted({f.check for f in citing})}, not by {fault.check}"
        )
    if fault.advisory and not any(f.check == fault.advisory for f in verdict.advisories):
        kill.problems.append(f"no advisory from {fault.advisory}")
    if not kill.problems and texts and not any(t in verdict.failure_text for t in texts):
        kill.problems.append(f"none of {texts!r} is in the failures")
    if not kill.problems:
        kill.caught = True
        kill.how = "failure + advisory" if fault.advisory else "failure"
    return kill


def operator_state(verdict: Verdict) -> str:
    """How an operator mutant's run went (``tests/mutations.py``): ``killed`` (at least
    one case failed), ``passed``, or ``broken`` (no verdict to read: the run crashed, no
    case was selected, or the smoke request ended it with exit 4)."""
    if verdict.problem or verdict.tests == 0 or verdict.exit_code not in (0, 1):
        return "broken"
    return "killed" if verdict.failures else "passed"

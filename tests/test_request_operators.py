"""The request-side mutation operators of tests/request_mutations.py against the suite.

Each mutant (the reference reading one predicate of a request with one operator: dropped,
a prefix, LIKE, case-insensitive, trimmed, OR-ed with another column, applied for one
identifier kind, one output format or one request encoding only) runs the installed suite
(pairwise) with its predicate's narrow ``--cases`` selection, in worker processes,
through ``tests/selftest.py`` like the answer-side operators. *Killed*: a case fails.
*Equivalent* (``allowed_by``): legal under the document, must pass. A non-equivalent
mutant the suite lets through is a gap, listed in ``REQUEST_GAPS`` with the class of
input that would catch it (a strict xfail: the day the harness sends it, the list shrinks).

About 90 runs of a few seconds each: marked ``slow``.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.test import Client

from conformance.reference import make_app
from tests.request_mutations import (
    FLAGGED,
    KILLED_BY_INPUT_MODEL,
    MUTANTS,
    OPERATORS,
    PREDICATES,
    REQUEST_GAPS,
    SKIPPED,
    RequestMutantApp,
    witnesses,
)
from tests.selftest import SessionRuns, Target, Verdict, operator_state, verdicts_once_per_run

pytestmark = pytest.mark.slow


class HarnessMissedMutant(AssertionError):
    """A non-equivalent request mutant passed the suite: a gap in the harness."""


def request_targets() -> list[Target]:
    return [Target("request", name, mutant.selection) for name, mutant in MUTANTS.items()]


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[Target, Verdict]:
    shared = verdicts_once_per_run("request-operators", request_targets(), tmp_path_factory.getbasetemp())
    if shared is not None:
        return shared
    return SessionRuns.of_session(tmp_path_factory.mktemp("selftest")).verdicts(request_targets())


def _param(name: str) -> Any:
    if name in REQUEST_GAPS:
        return pytest.param(
            name, marks=pytest.mark.xfail(strict=True, raises=HarnessMissedMutant, reason=REQUEST_GAPS[name])
        )
    return pytest.param(name)


def _failures(verdict: Verdict) -> str:
    lines = [f"  {count:4d} x [{', '.join(ids)}] {check}" for (check, ids), count in verdict.tally("fail").items()]
    return "\n".join(lines) + "\n\n" + (verdict.failure_text[:3000] or "\n".join(verdict.output.splitlines()[-40:]))


@pytest.mark.parametrize("name", [_param(name) for name in MUTANTS])
def test_request_mutant(name: str, verdicts: dict[Target, Verdict]) -> None:
    mutant = MUTANTS[name]
    verdict = verdicts[Target("request", name, mutant.selection)]
    state = operator_state(verdict)
    assert state != "broken", (
        f"{name}: the run gave no verdict (exit {verdict.exit_code}, "
        f"{verdict.tests} items, {verdict.problem})\n{verdict.output[-3000:]}"
    )
    if mutant.equivalent:
        assert state == "passed", (
            f"{name} ({mutant.description}) is allowed ({mutant.allowed_by}), "
            f"but the suite failed it:\n{_failures(verdict)}"
        )
        if name in FLAGGED:
            advised = sorted({f.check for f in verdict.advisories})
            assert FLAGGED[name] in advised, (
                f"{name}: legal but to be flagged by {FLAGGED[name]}; advisories: {advised}"
            )
    elif state == "passed":
        raise HarnessMissedMutant(f"{name} ({mutant.description}): all {verdict.tests} selected items passed")


def test_gaps_and_equivalents_name_generated_mutants() -> None:
    for name in REQUEST_GAPS:
        assert name in MUTANTS and not MUTANTS[name].equivalent, name
    for name in KILLED_BY_INPUT_MODEL:  # killed now: neither a gap nor equivalent
        assert name in MUTANTS and not MUTANTS[name].equivalent and name not in REQUEST_GAPS, name


def test_every_operator_covers_every_predicate_it_makes_sense_for() -> None:
    """The product operator x predicate, less the combinations SKIPPED says (each with why)."""
    assert len(OPERATORS) >= 8
    for operator in OPERATORS:
        for predicate in PREDICATES:
            generated = f"{operator}:{predicate}" in MUTANTS
            assert generated != ((operator, predicate) in SKIPPED), (operator, predicate)
    assert all(reason for reason in SKIPPED.values())


# -- the mutants, without the suite -----------------------------------------------------------
@pytest.fixture(scope="module")
def inner() -> object:
    return make_app()


def _answer(app: Any, fields: dict[str, str], encoding: str) -> bytes:
    client = Client(app)
    if encoding == "query":
        body = client.get("/api.php", query_string=fields).get_data()
    elif encoding == "multipart":
        # a file part makes the body multipart/form-data (the reference ignores files)
        body = client.post("/api.php", data={**fields, "upload": (io.BytesIO(b"x"), "x.txt")}).get_data()
    else:
        body = client.post("/api.php", data=fields).get_data()
    return body  # the bytes: condensing and the format do not show in a parsed document


@pytest.mark.parametrize("name", [n for n in MUTANTS if not MUTANTS[n].inert])
def test_mutant_is_in_effect(name: str, inner: object) -> None:
    """Some request (a near miss of a real value, in some encoding) is answered otherwise
    than by the reference: a mutant that changes nothing would pass and be miscounted."""
    mutant = MUTANTS[name]
    app = RequestMutantApp(mutant, inner=inner)
    tried = list(witnesses(mutant.predicate))
    differing = next(
        (w for w in tried if _answer(app, *w) != _answer(inner, *w)),
        None,
    )
    assert differing is not None, (
        f"{name}: none of {len(tried)} witness requests is answered otherwise than by the reference"
    )


@pytest.mark.parametrize("name", [n for n in MUTANTS if MUTANTS[n].inert])
def test_inert_mutants_change_no_answer(name: str, inner: object) -> None:
    """A mutant declared inert on this data set really changes nothing the witnesses reach."""
    mutant = MUTANTS[name]
    app = RequestMutantApp(mutant, inner=inner)
    for fields, encoding in witnesses(mutant.predicate):
        assert _answer(app, fields, encoding) == _answer(inner, fields, encoding), (fields, encoding)

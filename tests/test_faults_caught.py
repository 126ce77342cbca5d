"""Each fault of tests/faults.py makes the conformance suite fail, citing the requirement
the fault violates, through the check named for it (or, for a fault the document is
silent about, makes that advisory check report it); the same middleware without a fault
passes the same selections.

Every run is the installed suite (``--pyargs conformance.suite``) against a faulty server
on 127.0.0.1, with the fault's ``--cases`` selection, as a user would run it against their own
server; ``tests/selftest.py`` runs them in worker processes and reads each run's verdict
from the JUnit XML it writes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import requests
from werkzeug.test import Client

from conformance.checks import REGISTRY, _load_families
from conformance.reference import make_app
from conformance.requirements import catalogue
from tests.faults import ADVISORY, FAULTS, SMOKE_FIELDS, FaultyApp, parse, serve
from tests.mutations import MUTANTS, OPERATORS
from tests.selftest import SessionRuns, Target, Verdict, judge_mutant, verdicts_once_per_run


class HarnessMissedFault(AssertionError):
    """The suite passed against a faulty server: a gap in the harness, not in this test."""


# Faults the harness does not catch yet: each is a gap in the harness, named here so
# it stays visible (strict xfail: the day it is caught, this list must shrink). The
# fault itself stays as strong as the document says it should be.
HARNESS_GAPS: dict[str, str] = {}


def mutant_targets() -> list[Target]:
    return [Target("mutant", name, fault.selection, fault.combinations) for name, fault in FAULTS.items()]


def control_targets() -> list[Target]:
    """The control: every fault's selection at once, per combinations mode."""
    by_mode: dict[str, list[str]] = defaultdict(list)
    for fault in FAULTS.values():
        by_mode[fault.combinations].append(fault.selection)
    return [
        Target("control", f"every-selection-{mode}", " or ".join(f"({s})" for s in sorted(set(selections))), mode)
        for mode, selections in sorted(by_mode.items())
    ]


@pytest.fixture(scope="module")
def verdicts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[Target, Verdict]:
    """Every fault's run and the control's, two worker processes side by side. When this
    session runs the variants too, they then start in the background (one worker), to
    run while the tests in between do."""
    from tests.test_variants_pass import variant_targets

    shared = verdicts_once_per_run("mutants", mutant_targets() + control_targets(), tmp_path_factory.getbasetemp())
    if shared is not None:  # pytest-xdist: one worker ran them for all
        return shared
    runs = SessionRuns.of_session(tmp_path_factory.mktemp("selftest"))
    found = runs.verdicts(mutant_targets() + control_targets())
    if any(
        item.path.name == "test_variants_pass.py" and "verdicts" in getattr(item, "fixturenames", ())
        for item in request.session.items
    ):
        runs.submit(variant_targets(), background=True)
    return found


def _param(name: str) -> pytest.param:
    if name in HARNESS_GAPS:
        return pytest.param(
            name, marks=pytest.mark.xfail(strict=True, raises=HarnessMissedFault, reason=HARNESS_GAPS[name])
        )
    return pytest.param(name)


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.mark.parametrize("name", [_param(name) for name in FAULTS])
def test_fault_is_caught(name: str, verdicts: dict[Target, Verdict]) -> None:
    fault = FAULTS[name]
    verdict = verdicts[Target("mutant", name, fault.selection, fault.combinations)]
    kill = judge_mutant(name, verdict)
    if (
        not kill.caught
        and verdict.problem is None
        and verdict.tests
        and not verdict.failures
        and not (fault.by_advisory and verdict.advisories)
    ):
        raise HarnessMissedFault(f"{name} ({fault.description}): all {verdict.tests} selected cases passed")
    assert kill.caught, f"{name}: {'; '.join(kill.problems)}\n{verdict.failure_text[:3000] or _tail(verdict.output)}"


def test_control_passes_every_selection(verdicts: dict[Target, Verdict]) -> None:
    """The reference through the same middleware (request re-encoded, answer parsed and
    re-rendered), no fault: every fault's selection passes, so the faults cause the failures."""
    for target in control_targets():
        verdict = verdicts[target]
        assert verdict.passed, (
            f"{target.label}: exit {verdict.exit_code}, {verdict.failed} "
            f"failed\n{verdict.failure_text[:3000] or _tail(verdict.output, 80)}"
        )
        assert verdict.tests > 100, verdict.tests
        # An advisory fault is caught by an advisory: the control raises none of them.
        advised = {f.check for f in verdict.advisories}
        assert not advised & {f.check for f in FAULTS.values() if f.by_advisory}, advised


def test_every_fault_names_a_requirement_and_a_check_that_exist() -> None:
    _load_families()
    known = catalogue()
    checks = set(REGISTRY)
    for name, fault in FAULTS.items():
        assert fault.requirement == ADVISORY or fault.requirement in known, (
            f"{name}: unknown requirement {fault.requirement}"
        )
        if fault.by_advisory:
            assert fault.check in REGISTRY and REGISTRY[fault.check].advisory, (
                f"{name}: {fault.check} is not an advisory check"
            )
        elif fault.check is not None:
            assert fault.check in checks, f"{name}: unknown check {fault.check}"
        if fault.advisory is not None:
            assert fault.advisory in REGISTRY and REGISTRY[fault.advisory].advisory, (
                f"{name}: {fault.advisory} is not an advisory check"
            )
        assert fault.selection and fault.combinations in ("pairwise", "all"), name


# -- the plumbing, without the suite ---------------------------------------------------
CREDENTIALS = {k: SMOKE_FIELDS[k] for k in ("user_id", "user_password", "type")}
LOOKUPS = [
    {"account_id": "greatwidgets", "code": "89898989898989"},
    {"account_id": "greatwidgets", "card_number": "3434343434", "output": "JSON"},
    {"account_id": "greatwidgets", "code": "89898989898989", "output": "JSON", "callback": "cb", "condensed": "yes"},
    {
        "account_id": "coaldemo",
        "code": "89898989898989",
        "output": "JSON",
        "condensed": "yes",
        "show_only_belong_to": "Y",
    },
    {"account_id": "coaldemo", "code": "45454545454545", "hide_custom_field": "Y", "include_balances": "N"},
    {"account_id": "greatwidgets", "code": "99999999999999"},
    {"account_id": "greatwidgets", "output": "JSON"},
]


@pytest.mark.parametrize("fields", LOOKUPS, ids=lambda f: "-".join(f"{k}:{v}" for k, v in f.items()))
def test_middleware_without_fault_is_byte_transparent(fields: dict[str, str]) -> None:
    reference, middleware = Client(make_app()), Client(FaultyApp(None))
    data = {**CREDENTIALS, **fields}
    expected = reference.post("/api.php", data=data)
    for answer in (middleware.post("/api.php", data=data), middleware.get("/api.php", query_string=data)):
        assert answer.status_code == expected.status_code
        assert answer.headers["Content-Type"] == expected.headers["Content-Type"]
        assert answer.get_data() == expected.get_data()


def test_spare_smoke_answers_the_smoke_request_unchanged() -> None:
    with serve("html_500") as url:
        smoke = requests.post(url, data=SMOKE_FIELDS, timeout=10)
        other = requests.post(url, data={**SMOKE_FIELDS, "output": "JSON"}, timeout=10)
    assert smoke.status_code == 200 and parse(smoke.content) is not None
    assert other.status_code == 500 and other.headers["Content-Type"].startswith("text/html")


def test_show_only_belong_to_ignored_is_observable() -> None:
    """The gap's fault is real: with show_only_belong_to=Y the faulty server answers the
    campaign the customer never had a transaction with, where the reference drops it."""
    never = "6789012345678901"  # Doohickey Rewards: no ledger row for 89898989898989
    data = {
        **CREDENTIALS,
        "account_id": "coaldemo",
        "code": "89898989898989",
        "output": "JSON",
        "show_only_belong_to": "Y",
    }
    reference = parse(Client(make_app()).post("/api.php", data=data).get_data())
    faulty = parse(Client(FaultyApp(FAULTS["show_only_belong_to_ignored"])).post("/api.php", data=data).get_data())
    assert reference is not None and faulty is not None
    assert never not in [c["id"] for c in reference.document["campaigns"]]
    (shown,) = [c for c in faulty.document["campaigns"] if c["id"] == never]
    assert (shown["cumulative"], shown["last_transaction"]) == ("0", "0000-00-00")


# -- the published kill matrix --------------------------------------------------------------
def test_published_kill_matrix_names_every_mutant_and_variant() -> None:
    """docs/kill-matrix.md (written by tools/kill_matrix.py) is the current set: a fault,
    an operator mutant or a variant added without running the tool again (or a gap
    closed) leaves the published score stale."""
    from conformance.reference.sandbox.variants import VARIANTS
    from tests.test_mutation_operators import OPERATOR_GAPS

    root = Path(__file__).resolve().parents[1]
    page = (root / "docs" / "kill-matrix.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\w+)` \|", page, re.MULTILINE))
    current = set(FAULTS) | set(VARIANTS)
    assert listed == current, (
        f"run python tools/kill_matrix.py: missing {sorted(current - listed)}, gone {sorted(listed - current)}"
    )
    # Operator mutants (tests/mutations.py): one row each, named operator:place, with the
    # outcome the code now expects (equivalent, or a gap listed in OPERATOR_GAPS).
    rows = dict(
        re.findall(
            r"^\| `(\w+:[^`]+)` \|[^\n]*?\| (equivalent, passed|killed|survived: a gap of the harness|[A-Z][^|]*) \|",
            page,
            re.MULTILINE,
        )
    )
    # Answer-side (tests/mutations.py) and request-side (tests/request_mutations.py)
    # operator mutants share the page's row format; their names do not collide.
    from tests.request_mutations import MUTANTS as REQUEST_MUTANTS
    from tests.request_mutations import OPERATORS as REQUEST_OPERATORS
    from tests.request_mutations import REQUEST_GAPS

    def outcome(equivalent: bool, gap: bool) -> str:
        return "equivalent, passed" if equivalent else "survived: a gap of the harness" if gap else "killed"

    expected = {n: outcome(m.equivalent, n in OPERATOR_GAPS) for n, m in MUTANTS.items()}
    expected.update({n: outcome(m.equivalent, n in REQUEST_GAPS) for n, m in REQUEST_MUTANTS.items()})
    assert set(rows) == set(expected), (
        "run python tools/kill_matrix.py: missing "
        f"{sorted(set(expected) - set(rows))}, gone {sorted(set(rows) - set(expected))}"
    )
    stale = {n: (rows[n], expected[n]) for n in expected if rows[n] != expected[n]}
    assert not stale, (
        f"run python tools/kill_matrix.py: the page's outcome differs from the code's expectation (page, code): {stale}"
    )
    # The page's score line and per-operator tables count what the code now holds: every
    # fault caught and every variant passed (this file and test_variants_pass.py hold them
    # to that), every non-equivalent operator mutant killed but the listed gaps.
    (score,) = re.findall(r"^\*\*Score: (.*)\*\*$", page, re.MULTILINE)
    killable = sum(not m.equivalent for m in MUTANTS.values())
    equivalent = len(MUTANTS) - killable
    request_killable = sum(not m.equivalent for m in REQUEST_MUTANTS.values())
    request_equivalent = len(REQUEST_MUTANTS) - request_killable
    for expected_count in (
        f"mutants caught {len(FAULTS)} / {len(FAULTS)} (",
        f"variants passed {len(VARIANTS)} / {len(VARIANTS)};",
        f"operator mutants killed {killable - len(OPERATOR_GAPS)} / {killable} non-equivalent;",
        f"equivalent mutants passed {equivalent} / {equivalent};",
        f"request-side operator mutants killed {request_killable - len(REQUEST_GAPS)} / {request_killable} "
        "non-equivalent;",
        f"equivalent ones passed {request_equivalent} / {request_equivalent}.",
    ):
        assert expected_count in score, (
            f"run python tools/kill_matrix.py: the page's score lacks {expected_count!r}: {score}"
        )
    answer_side = page[page.index("\n## Mutation operators") : page.index("\n## Request-side mutation operators")]
    request_side = page[page.index("\n## Request-side mutation operators") :]
    for operators, section in ((OPERATORS, answer_side), (tuple(REQUEST_OPERATORS), request_side)):
        for operator in operators:
            assert f"\n| {operator} |" in section, f"run python tools/kill_matrix.py: the page's table lacks {operator}"

"""The kill matrix: every faulty server (mutant) against the checks that caught it, every
operator mutant (answer-side, ``tests/mutations.py``; request-side, ``tests/request_mutations.py``)
killed or not, per operator, and every conformant server (variant) against its outcome.

    python tools/kill_matrix.py                       # pairwise, about 3 minutes on 2 cores
    python tools/kill_matrix.py --combinations all    # also the full default mode, and compare
    python tools/kill_matrix.py --rotation            # only the rotating sandbox, pairwise and in full

Each mutant and operator mutant runs the suite with its own ``--cases`` selection, each variant runs the whole
suite (matrix, relations, access), through ``tests/selftest.py``; the verdicts come from
each run's ``junit.xml``. The matrix is printed and written to ``docs/kill-matrix.md``
(the full-mode section is kept from the last ``--combinations all`` run when this run
is pairwise only). Exit status 0 when every mutant is caught, every operator mutant is
killed, passes as an equivalent or survives as a listed gap (``OPERATOR_GAPS``, ``REQUEST_GAPS``), every
variant passes (and, with ``--combinations all``, when both modes agree).
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from conformance.reference.sandbox.faults import FAULTS  # noqa: E402
from conformance.reference.sandbox.variants import VARIANTS  # noqa: E402
from tests.mutations import MUTANTS, OPERATORS  # noqa: E402
from tests.request_mutations import INERT, KILLED_BY_INPUT_MODEL, REQUEST_GAPS, SKIPPED  # noqa: E402
from tests.request_mutations import MUTANTS as REQUEST_MUTANTS  # noqa: E402
from tests.request_mutations import OPERATORS as REQUEST_OPERATORS  # noqa: E402
from tests.selftest import Kill, Target, Verdict, judge_mutant, operator_state, run_targets  # noqa: E402
from tests.test_mutation_operators import KILLED_BY_GROUND_TRUTH, OPERATOR_GAPS  # noqa: E402

DOC = ROOT / "docs" / "kill-matrix.md"
FULL_START, FULL_END = "<!-- full-mode: start -->", "<!-- full-mode: end -->"
ROTATION_START, ROTATION_END = "<!-- rotation: start -->", "<!-- rotation: end -->"
# The rotating sandbox (--variants all --seed N): the own tests run it pairwise for these
# seeds (tests/test_rotation_passes.py); its full default mode is run here only, and the
# own tests hold the published row to the variants that rotate today.
ROTATION_SEEDS = ("7", "20261201", "424242")
ROTATION_FULL_SEED = "7"


def targets(mode: str, only: set[str] | None) -> list[Target]:
    """The hand-written mutants and the variants (the operator mutants: ``operator_targets``)."""
    found = [
        Target("mutant", name, fault.selection, "all" if mode == "all" else fault.combinations)
        for name, fault in FAULTS.items()
    ]
    found += [Target("variant", name, None, mode) for name in VARIANTS]
    return [t for t in found if not only or t.name in only]


def operator_targets(mode: str, only: set[str] | None) -> list[Target]:
    return [
        Target("operator", name, mutant.selection, mode) for name, mutant in MUTANTS.items() if not only or name in only
    ] + [
        Target("request", name, mutant.selection, mode)
        for name, mutant in REQUEST_MUTANTS.items()
        if not only or name in only
    ]


def _mutant(target_kind: str, name: str):  # type: ignore[no-untyped-def]
    """The operator mutant of either kind: answer-side (``operator``) or request-side (``request``)."""
    return REQUEST_MUTANTS[name] if target_kind == "request" else MUTANTS[name]


def _gaps(target_kind: str) -> dict[str, str]:
    return REQUEST_GAPS if target_kind == "request" else OPERATOR_GAPS


# -- what each run says ---------------------------------------------------------------------
def _checks(tally: dict[tuple[str, tuple[str, ...]], int]) -> list[str]:
    return [
        f"{check} [{', '.join(ids)}] x {count}" if ids else f"{check} x {count}"
        for (check, ids), count in tally.items()
    ]


def variant_outcome(name: str, verdict: Verdict) -> str:
    if not verdict.passed:
        return f"FAILED ({verdict.failed} of {verdict.tests} items{'; ' + verdict.problem if verdict.problem else ''})"
    missing = [c for c in VARIANTS[name].warnings if c not in {f.check for f in verdict.warnings}]
    if missing:
        return f"passed, but without the expected warning from {', '.join(missing)}"
    return "passed, warnings seen" if verdict.warnings else "passed"


def variant_ok(name: str, verdict: Verdict) -> bool:
    return variant_outcome(name, verdict).startswith("passed") and "without the expected" not in variant_outcome(
        name, verdict
    )


def summary(kills: dict[str, Kill], variants: dict[str, Verdict]) -> dict[str, int]:
    return {
        "mutants": len(kills),
        "caught": sum(k.caught for k in kills.values()),
        "by_failure": sum(k.caught and not FAULTS[n].by_advisory for n, k in kills.items()),
        "advisory_mutants": sum(FAULTS[n].by_advisory for n in kills),
        "by_advisory": sum(k.caught and FAULTS[n].by_advisory for n, k in kills.items()),
        "variants": len(variants),
        "passed": sum(variant_ok(n, v) for n, v in variants.items()),
    }


def score_line(s: dict[str, int]) -> str:
    return (
        f"mutants caught {s['caught']} / {s['mutants']} ({s['by_failure']} "
        f"/ {s['mutants'] - s['advisory_mutants']} by a failure citing the "
        f"requirement broken, {s['by_advisory']} / {s['advisory_mutants']} "
        f"by an advisory); variants passed {s['passed']} / {s['variants']}"
    )


# -- operator mutants ------------------------------------------------------------------------
def operator_outcome(name: str, verdict: Verdict, kind: str = "operator") -> str:
    """What the run of an operator mutant (``kind`` operator: answer-side; request:
    request-side) means, against what it should do."""
    mutant, state, gaps = _mutant(kind, name), operator_state(verdict), _gaps(kind)
    listed = "REQUEST_GAPS" if kind == "request" else "OPERATOR_GAPS"
    if state == "broken":
        return (
            f"BROKEN RUN (exit {verdict.exit_code}, {verdict.tests} "
            f"items{'; ' + verdict.problem if verdict.problem else ''})"
        )
    if mutant.equivalent:
        return (
            "equivalent, passed"
            if state == "passed"
            else f"EQUIVALENT BUT FAILED ({verdict.failed} items): the harness is stricter than the document"
        )
    if state == "killed":
        return "killed" + (f" (listed as a gap: remove it from {listed})" if name in gaps else "")
    return "survived: a gap of the harness" if name in gaps else f"SURVIVED, and not listed in {listed}"


def operator_ok(name: str, verdict: Verdict, kind: str = "operator") -> bool:
    return operator_outcome(name, verdict, kind) in ("equivalent, passed", "killed", "survived: a gap of the harness")


def operator_summary(operators: dict[str, Verdict], kind: str = "operator") -> dict[str, dict[str, list[str]]]:
    """operator -> its mutants' names by outcome: "equivalent" (declared legal: they
    must pass), "killed", "survivors" (non-equivalent, passed), "broken" (no verdict)."""
    found: dict[str, dict[str, list[str]]] = {
        op: {"equivalent": [], "killed": [], "survivors": [], "broken": []}
        for op in (REQUEST_OPERATORS if kind == "request" else OPERATORS)
    }
    for name, verdict in operators.items():
        state = operator_state(verdict)
        mutant = _mutant(kind, name)
        bucket = "equivalent" if mutant.equivalent else {"killed": "killed", "passed": "survivors"}.get(state, "broken")
        found[mutant.operator][bucket].append(name)
    return found


def operator_score(operators: dict[str, Verdict], kind: str = "operator") -> str:
    by_operator = operator_summary(operators, kind).values()
    killed = sum(len(b["killed"]) for b in by_operator)
    non_equivalent = sum(1 for name in operators if not _mutant(kind, name).equivalent)
    equivalent = [name for name in operators if _mutant(kind, name).equivalent]
    passed = sum(operator_state(operators[name]) == "passed" for name in equivalent)
    what = "request-side operator mutants" if kind == "request" else "operator mutants"
    return (
        f"{what} killed {killed} / {non_equivalent} non-equivalent; "
        f"equivalent {'ones' if kind == 'request' else 'mutants'} passed {passed} / {len(equivalent)}"
    )


def operator_rows(operators: dict[str, Verdict], kind: str = "operator") -> list[str]:
    rows = [
        "| operator | mutants | killed / non-equivalent | kill rate "
        "| equivalent (must pass) | survivors: gaps of the harness |",
        "|---|---|---|---|---|---|",
    ]
    for operator, bucket in operator_summary(operators, kind).items():
        total = sum(len(v) for v in bucket.values())
        if not total:
            continue
        non_equivalent = total - len(bucket["equivalent"])
        rate = f"{100 * len(bucket['killed']) / non_equivalent:.0f}%" if non_equivalent else "-"
        survivors = (
            ", ".join([f"`{n}`" for n in bucket["survivors"]] + [f"`{n}` (run broken)" for n in bucket["broken"]])
            or "none"
        )
        rows.append(
            f"| {operator} | {total} | {len(bucket['killed'])} / {non_equivalent} "
            f"| {rate} | {len(bucket['equivalent'])} | {survivors} |"
        )
    return rows


def operator_mutant_rows(operators: dict[str, Verdict], kind: str = "operator") -> list[str]:
    rows = [
        "| operator mutant | what it changes | selection | verdict | why "
        "it may pass, or what would catch it | failures: check x items |",
        "|---|---|---|---|---|---|",
    ]
    for name, verdict in operators.items():
        mutant = _mutant(kind, name)
        why = (
            f"equivalent, allowed by {mutant.allowed_by}"
            if mutant.equivalent
            else _gaps(kind).get(name)
            or (KILLED_BY_INPUT_MODEL if kind == "request" else KILLED_BY_GROUND_TRUTH).get(name, "-")
        )
        checks = "<br>".join(f"{check} x {count}" for check, count in _by_check(verdict.tally("fail")).items()) or "-"
        rows.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"`{name}`",
                    mutant.description,
                    f"`{mutant.selection}`",
                    operator_outcome(name, verdict, kind),
                    why,
                    checks,
                )
            )
            + " |"
        )
    return rows


def _by_check(tally: dict[tuple[str, tuple[str, ...]], int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (check, _), count in tally.items():
        counts[check] = max(counts.get(check, 0), count)
    return counts


# -- rendering ------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def mutant_rows(kills: dict[str, Kill], verdicts: dict[str, Verdict]) -> list[str]:
    rows = [
        "| mutant | what it breaks | requirement | expected check | verdict "
        "| failures: check [requirements] x items | advisories: check x items |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, kill in kills.items():
        fault = FAULTS[name]
        expected = fault.check or "(any check citing it)"
        if fault.advisory:
            expected += f" + advisory {fault.advisory}"
        verdict = f"caught by {kill.how}" if kill.caught else "SURVIVED: " + "; ".join(kill.problems)
        rows.append(
            "| " + " | ".join(
                _cell(x) for x in (
                    f"`{name}`", fault.description, fault.requirement, expected, verdict,
                    "<br>".join(_checks(kill.by_failure)) or "-", "<br>".join(_checks(kill.by_advisory)) or "-",
                )
            ) + " |"
        )  # fmt: skip
    return rows


def requirement_rows(kills: dict[str, Kill]) -> list[str]:
    """Each requirement of the catalogue: the mutants that break it, and how many caught
    mutants' failures cite it (a failure may cite more than the one broken)."""
    from conformance.requirements import catalogue

    rows = ["| requirement | mutants that break it | caught mutants whose failures cite it |", "|---|---|---|"]
    for rid, requirement in catalogue().items():
        breaking = [n for n, f in FAULTS.items() if f.requirement == rid and n in kills]
        citing = [n for n, k in kills.items() if k.caught and any(rid in ids for (_, ids) in k.by_failure)]
        if getattr(requirement, "untestable", None):
            shown = f"untestable: {requirement.untestable}"
        else:
            shown = ", ".join(f"`{n}`" for n in breaking) or "**none**"
        rows.append(f"| {rid} | {_cell(shown)} | {len(citing)} |")
    advisory = [n for n, f in FAULTS.items() if f.by_advisory and n in kills]
    rows.append(f"| (advisory: the document is silent) | {', '.join(f'`{n}`' for n in advisory) or '-'} | - |")
    return rows


def variant_rows(variants: dict[str, Verdict]) -> list[str]:
    rows = [
        "| variant | what differs from the reference | why the document allows it "
        "| outcome | items | warnings: check x items | advisories | unspecified |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, verdict in variants.items():
        variant = VARIANTS[name]
        rows.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"`{name}`",
                    variant.description,
                    variant.allowed,
                    variant_outcome(name, verdict),
                    str(verdict.tests),
                    "<br>".join(_checks(verdict.tally("warning"))) or "-",
                    "<br>".join(_checks(verdict.tally("advisory"))) or "-",
                    str(len(verdict.of("unspecified"))),
                )
            )
            + " |"
        )
    return rows


def verdict_word(target: Target, verdict: Verdict) -> str:
    if target.kind == "variant":
        return variant_outcome(target.name, verdict)
    if target.kind in ("operator", "request"):
        return operator_outcome(target.name, verdict, target.kind)
    kill = judge_mutant(target.name, verdict)
    return f"caught by {kill.how}" if kill.caught else "SURVIVED"


def verdict_key(target: Target, verdict: Verdict) -> bool:
    """What must agree between the modes: caught, or passed (an operator mutant: killed)."""
    if target.kind == "variant":
        return variant_ok(target.name, verdict)
    if target.kind in ("operator", "request"):
        return operator_state(verdict) == "killed"
    return judge_mutant(target.name, verdict).caught


def comparison(pairwise: dict[Target, Verdict], full: dict[Target, Verdict]) -> tuple[list[str], list[str]]:
    """(table rows, differences) between the two modes' verdicts."""
    by_name = {(t.kind, t.name): v for t, v in pairwise.items()}
    rows = [
        "| target | pairwise verdict | full-mode verdict | items "
        "(pairwise / all) | checks that caught it (all) | seconds (all) |",
        "|---|---|---|---|---|---|",
    ]
    differences = []
    for target, verdict in full.items():
        before = by_name[(target.kind, target.name)]
        left, right = verdict_word(before.target, before), verdict_word(target, verdict)
        same_kind = verdict_key(before.target, before) == verdict_key(target, verdict)
        if not same_kind:
            differences.append(f"{target.kind} {target.name}: pairwise {left!r}, all {right!r}")
        checks = (
            sorted({f.check for f in verdict.failures} | {f.check for f in verdict.advisories})
            if target.kind != "variant"
            else []
        )
        rows.append(
            f"| {target.kind} `{target.name}` | {_cell(left)} | "
            f"{_cell(right)}{'' if same_kind else ' **(differs)**'} | "
            f"{before.tests} / {verdict.tests} | {_cell(', '.join(checks)) or '-'} | {verdict.seconds:.0f} |"
        )
    return rows, differences


def document(
    kills: dict[str, Kill],
    mutants: dict[str, Verdict],
    variants: dict[str, Verdict],
    operators: dict[str, Verdict],
    seconds: float,
    seconds_operators: float,
    jobs: int,
    full_section: str,
    requests: dict[str, Verdict] | None = None,
    rotation: str | None = None,
) -> str:
    requests = requests or {}
    rotation = rotation or recorded_rotation_section()
    s = summary(kills, variants)
    today = datetime.date.today().isoformat()
    lines = [
        "# Kill matrix: faulty servers caught, conformant servers passed",
        "",
        f"Generated by `python tools/kill_matrix.py` on {today} "
        f"({seconds:.0f} s with {jobs} worker processes); do not edit by hand.",
        "",
        f"**Score: {score_line(s)}; {operator_score(operators)}; {operator_score(requests, 'request')}.**",
        "",
        "A *mutant* is the reference server with one documented behaviour "
        "broken (`conformance/reference/sandbox/faults.py`); the suite runs "
        "against it with the mutant's `--cases` selection and `--combinations pairwise`. "
        "It is caught when the check named "
        "for it fails a case citing the requirement the mutant "
        "breaks, or, for a weakness the document is silent about "
        "(requirement `advisory`), when that advisory check reports it (advisories never fail a case). The last two "
        "columns list every check that reported something in the run, with the number of items "
        "(an item: one requirement over one scope).",
        "",
        "A *variant* is the reference server changed only where the document allows "
        "(`conformance/reference/sandbox/variants.py`, served by "
        "`python -m conformance.reference --variant NAME`); the whole "
        "suite runs against it (every pairwise matrix case, every relation group, every access case) and must pass: "
        "warnings, advisories and unspecified behaviours are allowed, failures are not.",
        "",
        f"## Mutants ({s['caught']} of {s['mutants']} caught)",
        "",
        *mutant_rows(kills, mutants),
        "",
        "### Requirements and the mutants that prove their checks",
        "",
        *requirement_rows(kills),
        "",
        f"## Variants ({s['passed']} of {s['variants']} passed)",
        "",
        *variant_rows(variants),
        "",
        f"## Mutation operators ({operator_score(operators)})",
        "",
        "An *operator mutant* (`tests/mutations.py`) is the reference's real answers changed by one generic operator "
        "(drop, duplicate or reorder a list element; change a number; swap a value between two customers or two "
        "campaigns; drop a field; change a status), consistently: every answer that carries its victim customer, in "
        "every format and under every filter. It runs the suite with its `--cases` selection "
        "(a survivor: every case that "
        "can receive an answer carrying the victim) and is *killed* when at least one case fails. An *equivalent* "
        "mutant is legal under the document and must pass. Every other survivor is a gap of the harness, listed with "
        "the check that would catch it in `OPERATOR_GAPS` (`tests/test_mutation_operators.py`, a strict xfail). "
        f"The {len(operators)} operator runs took {seconds_operators:.0f} s with {jobs} worker processes.",
        "",
        *operator_rows(operators),
        "",
        *operator_mutant_rows(operators),
        "",
        f"## Request-side mutation operators ({operator_score(requests, 'request')})",
        "",
        "A *request-side operator mutant* (`tests/request_mutations.py`) is the reference reading one predicate of a "
        "request (user, password, account scope, code, card_number, campaign_id, each option) with one operator: the "
        "comparison dropped, a prefix only (4 characters, or 1 of an option's value), `LIKE 'value%'`, "
        "case-insensitive, trimmed, OR-ed with another column, applied only to lookups by code, only in one output "
        "format, or only to urlencoded POST bodies. A layer in front of the unmodified reference rewrites each request "
        "to what the mutated comparison would match. Each runs the suite with its predicate's `--cases` selection; "
        "killed, equivalent (must pass), or a survivor listed with the input that would kill it in `REQUEST_GAPS` "
        "(`tests/test_request_operators.py`, a strict xfail). "
        f"{len(REQUEST_MUTANTS)} mutants of {len(REQUEST_OPERATORS)} operators; {len(SKIPPED)} combinations not "
        f"generated, each with why in `SKIPPED`; {len(INERT)} inert on this data set (`INERT`).",
        "",
        *operator_rows(requests, "request"),
        "",
        *operator_mutant_rows(requests, "request"),
        "",
        rotation.strip(),
        "",
        full_section.strip(),
        "",
    ]
    return "\n".join(lines)


def full_section(
    pairwise: dict[Target, Verdict], full: dict[Target, Verdict], seconds_pairwise: float, seconds_all: float, jobs: int
) -> tuple[str, list[str]]:
    rows, differences = comparison(pairwise, full)
    today = datetime.date.today().isoformat()
    kills = {t.name: judge_mutant(t.name, v) for t, v in full.items() if t.kind == "mutant"}
    variants = {t.name: v for t, v in full.items() if t.kind == "variant"}
    operators = {t.name: v for t, v in full.items() if t.kind == "operator"}
    requests = {t.name: v for t, v in full.items() if t.kind == "request"}
    verdict = (
        "the same verdicts as pairwise for every mutant, operator mutant and variant"
        if not differences
        else f"{len(differences)} verdict(s) differ from pairwise: " + "; ".join(differences)
    )
    text = "\n".join(
        [
            FULL_START,
            "## The full default mode (`--combinations all`)",
            "",
            f"Recorded by `python tools/kill_matrix.py --combinations all` on {today}, {jobs} worker processes: "
            f"pairwise {seconds_pairwise:.0f} s, full default mode {seconds_all:.0f} s ({seconds_all / 60:.1f} min). "
            "Each mutant and operator mutant ran its own selection, "
            "each variant the whole suite, in the full default mode.",
            "",
            f"**Result: {verdict}. Full-mode score: "
            f"{score_line(summary(kills, variants))}; {operator_score(operators)}; "
            f"{operator_score(requests, 'request')}.**",
            "",
            *rows,
            FULL_END,
        ]
    )
    return text, differences


def rotation_targets() -> list[Target]:
    """The rotating sandbox: pairwise for each seed, and in the full default mode for one."""
    return [Target("rotation", seed) for seed in ROTATION_SEEDS] + [
        Target("rotation", ROTATION_FULL_SEED, combinations="all")
    ]


def rotation_section(verdicts: dict[Target, Verdict], jobs: int) -> str:
    """The rotation's runs: seed, mode, outcome, cases judged, and the variants that rotated."""
    from conformance.reference.sandbox.variants import rotating

    today = datetime.date.today().isoformat()
    rows = ["| seed | combinations | outcome | cases judged | items | seconds |", "|---|---|---|---|---|---|"]
    for target, verdict in verdicts.items():
        problem = f"; {verdict.problem}" if verdict.problem else ""
        outcome = "passed" if verdict.passed else f"FAILED ({verdict.failed} of {verdict.tests} items{problem})"
        rows.append(
            f"| {target.name} | {target.combinations} | {outcome} | {verdict.cases} | {verdict.tests} "
            f"| {verdict.seconds:.0f} |"
        )
    return "\n".join(
        [
            ROTATION_START,
            "## The rotating sandbox (`--variants all --seed N`)",
            "",
            f"Recorded by `python tools/kill_matrix.py --rotation` on {today}, {jobs} worker processes. "
            "The whole suite against `python -m conformance.reference --variants all --seed N`: the wire variants "
            "one per answer, the content ones held per customer. The own tests run the pairwise seeds on every run "
            "(`tests/test_rotation_passes.py`); the full default mode runs here, and "
            "`test_the_published_full_mode_rotation_passed` holds this table to the variants that rotate today.",
            "",
            f"Variants rotated: {', '.join(f'`{n}`' for n in rotating())}.",
            "",
            *rows,
            ROTATION_END,
        ]
    )


def recorded_rotation_section() -> str:
    if DOC.is_file():
        match = re.search(
            re.escape(ROTATION_START) + ".*?" + re.escape(ROTATION_END), DOC.read_text(encoding="utf-8"), re.DOTALL
        )
        if match:
            return match.group(0)
    return (
        f"{ROTATION_START}\n## The rotating sandbox (`--variants all --seed N`)\n\nNot recorded "
        f"yet: run `python tools/kill_matrix.py --rotation`.\n{ROTATION_END}"
    )


def recorded_full_section() -> str:
    if DOC.is_file():
        match = re.search(
            re.escape(FULL_START) + ".*?" + re.escape(FULL_END), DOC.read_text(encoding="utf-8"), re.DOTALL
        )
        if match:
            return match.group(0)
    return (
        f"{FULL_START}\n## The full default mode (`--combinations all`)\n\nNot recorded "
        f"yet: run `python tools/kill_matrix.py --combinations all`.\n{FULL_END}"
    )


def print_operators(operators: dict[str, Verdict], kind: str = "operator") -> None:
    width = max([len(n) for n in operators] + [1])
    print("REQUEST-SIDE OPERATOR MUTANTS" if kind == "request" else "OPERATOR MUTANTS")
    for name, verdict in operators.items():
        checks = ", ".join(_by_check(verdict.tally("fail")))
        print(
            f"  {name:{width}}  {operator_outcome(name, verdict, kind)}{'  (' + checks + ')' if checks else ''} "
            f" {verdict.seconds:.0f} s"
        )
    for row in operator_rows(operators, kind):
        print("  " + row)


def print_matrix(kills: dict[str, Kill], variants: dict[str, Verdict]) -> None:
    width = max(len(n) for n in list(kills) + list(variants) + ["x"])
    print("MUTANTS")
    for name, kill in kills.items():
        state = f"caught by {kill.how}" if kill.caught else "SURVIVED"
        print(f"  {name:{width}}  {state}")
        for line in _checks(kill.by_failure):
            print(f"  {'':{width}}    fail      {line}")
        for line in _checks(kill.by_advisory):
            print(f"  {'':{width}}    advisory  {line}")
        for problem in kill.problems:
            print(f"  {'':{width}}    !! {problem}")
    print("VARIANTS")
    for name, verdict in variants.items():
        print(f"  {name:{width}}  {variant_outcome(name, verdict)}  "
              f"({verdict.tests} items, {len(verdict.warnings)} warnings, "
              f"{len(verdict.advisories)} advisories, "
              f"{len(verdict.of('unspecified'))} unspecified, {verdict.seconds:.0f} s)")  # fmt: skip
        for line in _checks(verdict.tally("warning")):
            print(f"  {'':{width}}    warning   {line}")
        for line in _checks(verdict.tally("fail"))[:10]:
            print(f"  {'':{width}}    FAIL      {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--combinations",
        choices=("pairwise", "all"),
        default="pairwise",
        help="all: also run the full default mode and compare its verdicts with pairwise",
    )
    parser.add_argument(
        "--rotation",
        action="store_true",
        help="run only the rotating sandbox (pairwise seeds and the full default mode) and rewrite its section",
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes side by side (default 2)")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this mutant or variant (repeatable); the doc is not written",
    )
    parser.add_argument("--no-write", action="store_true", help=f"print only; do not write {DOC.relative_to(ROOT)}")
    parser.add_argument("--workdir", type=Path, help="where the runs' reports go (default: a temporary directory)")
    args = parser.parse_args(argv)
    only = set(args.only) if args.only else None
    unknown = (only or set()) - set(FAULTS) - set(VARIANTS) - set(MUTANTS) - set(REQUEST_MUTANTS)
    if unknown:
        parser.error(f"no mutant, operator mutant or variant named {', '.join(sorted(unknown))}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kill-matrix-"))
    if args.rotation:
        return rotation_main(workdir, args.jobs, write=not args.no_write)

    started = time.monotonic()
    pairwise = run_targets(targets("pairwise", only), workdir / "pairwise", jobs=args.jobs)
    seconds_pairwise = time.monotonic() - started
    mutants = {t.name: v for t, v in pairwise.items() if t.kind == "mutant"}
    variants = {t.name: v for t, v in pairwise.items() if t.kind == "variant"}
    kills = {name: judge_mutant(name, v) for name, v in mutants.items()}
    print_matrix(kills, variants)
    print(f"\nScore (pairwise, {seconds_pairwise:.0f} s): {score_line(summary(kills, variants))}")
    ok = all(k.caught for k in kills.values()) and all(variant_ok(n, v) for n, v in variants.items())

    started = time.monotonic()
    operators_run = run_targets(operator_targets("pairwise", only), workdir / "pairwise-operators", jobs=args.jobs)
    seconds_operators = time.monotonic() - started
    operators = {t.name: v for t, v in operators_run.items() if t.kind == "operator"}
    requests = {t.name: v for t, v in operators_run.items() if t.kind == "request"}
    print()
    print_operators(operators)
    print_operators(requests, "request")
    print(f"\nOperator mutants (pairwise, {seconds_operators:.0f} s): {operator_score(operators)}")
    print(f"Request-side operator mutants (pairwise): {operator_score(requests, 'request')}")
    ok = ok and all(operator_ok(n, v) for n, v in operators.items())
    ok = ok and all(operator_ok(n, v, "request") for n, v in requests.items())
    pairwise.update(operators_run)

    section, rotation = recorded_full_section(), None
    if args.combinations == "all":
        rotated = run_targets(rotation_targets(), workdir / "rotation", jobs=args.jobs)
        rotation = rotation_section(rotated, args.jobs)
        ok = ok and all(v.passed for v in rotated.values())
        started = time.monotonic()
        full = run_targets(targets("all", only) + operator_targets("all", only), workdir / "all", jobs=args.jobs)
        seconds_all = time.monotonic() - started
        section, differences = full_section(pairwise, full, seconds_pairwise, seconds_all, args.jobs)
        full_kills = {t.name: judge_mutant(t.name, v) for t, v in full.items() if t.kind == "mutant"}
        full_variants = {t.name: v for t, v in full.items() if t.kind == "variant"}
        full_operators = {t.name: v for t, v in full.items() if t.kind == "operator"}
        full_requests = {t.name: v for t, v in full.items() if t.kind == "request"}
        print("\nFULL DEFAULT MODE (--combinations all)")
        print_matrix(full_kills, full_variants)
        print_operators(full_operators)
        print_operators(full_requests, "request")
        print(
            f"\nScore (all, {seconds_all:.0f} s): "
            f"{score_line(summary(full_kills, full_variants))}; {operator_score(full_operators)}; "
            f"{operator_score(full_requests, 'request')}"
        )
        print("Same verdicts as pairwise." if not differences else "DIFFERENT verdicts:\n  " + "\n  ".join(differences))
        ok = ok and not differences

    if only or args.no_write:
        print(f"\n(not written: {'--only' if only else '--no-write'}; reports in {workdir})")
    else:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(
            document(
                kills,
                mutants,
                variants,
                operators,
                seconds_pairwise,
                seconds_operators,
                args.jobs,
                section,
                requests,
                rotation,
            ),
            encoding="utf-8",
        )
        print(f"\nWritten: {DOC.relative_to(ROOT)} (reports in {workdir})")
    return 0 if ok else 1


def rotation_main(workdir: Path, jobs: int, write: bool) -> int:
    """``--rotation``: the rotating sandbox's runs alone; its section of the page rewritten."""
    rotated = run_targets(rotation_targets(), workdir / "rotation", jobs=jobs)
    section = rotation_section(rotated, jobs)
    print(section)
    if write:
        if not DOC.is_file():
            print(f"no {DOC.relative_to(ROOT)}: run python tools/kill_matrix.py first", file=sys.stderr)
            return 2
        page = DOC.read_text(encoding="utf-8")
        recorded = recorded_rotation_section()
        if recorded in page:
            page = page.replace(recorded, section)
        else:  # the first time: before the full-mode section
            page = page.replace(FULL_START, section + "\n\n" + FULL_START)
        DOC.write_text(page, encoding="utf-8")
        print(f"\nWritten: the rotation section of {DOC.relative_to(ROOT)} (reports in {workdir})")
    return 0 if all(v.passed for v in rotated.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

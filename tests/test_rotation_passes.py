"""The sandbox rotating every legal variant (``python -m conformance.reference --variants
all --seed N``) is a conformant server, and the harness passes it for any seed: the wire
variants change from one answer to the next, the content variants are held per customer.

- the rotation holds content per customer: every answer about one customer (by code, by
  card number, in XML and JSON, again and again) carries one document, about half the
  customers with each content variant and half without (also over another data set,
  where the customers are found by the data, not by the reference's codes);
- each variant's ``layer`` is what it does: a wire variant leaves every success answer's
  document as the reference's (every field, in ``document.normalised``), a content one
  changes some;
- (slow) the whole suite passes the rotation, pairwise for three seeds; in the full
  default mode for one seed in ``tools/kill_matrix.py --rotation`` (about 38,000 answers,
  once the longest run of the own tests), whose published row is held here to the
  variants that rotate today.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from werkzeug.test import Client

from conformance.document import normalised
from conformance.parse import parse_answer
from conformance.reference.sandbox.cli import LABEL_HEADER
from conformance.reference.sandbox.middleware import FaultyApp
from conformance.reference.sandbox.variants import VARIANTS, Rotation, combine, rotating
from tests.sandbox_process import sandbox
from tests.selftest import SessionRuns, Target, Verdict, verdicts_once_per_run

PAIRWISE_SEEDS = ("7", "20261201", "424242")
FULL_SEED = "7"
CONTENT = [n for n in rotating() if VARIANTS[n].layer == "content"]
WIRE = [n for n in rotating() if VARIANTS[n].layer == "wire"]


def _lookups(profile: Path) -> list[tuple[tuple[str, str], dict[str, str]]]:
    """((account, customer label), fields) of every lookup of every profile customer: by
    each identifier it has, in XML and JSON, twice."""
    data = yaml.safe_load(profile.read_text(encoding="utf-8"))
    credentials = {"user_id": data["credentials"]["user_id"], "user_password": data["credentials"]["user_password"]}
    lookups = []
    for account in data["accounts"]:
        for customer in account["customers"]:
            who = (account["account_id"], str(customer.get("code") or customer.get("card_number")))
            for identifier in ("code", "card_number"):
                if customer.get(identifier) is None:
                    continue
                for output in ("XML", "JSON", "XML", "JSON"):
                    fields = {
                        **credentials,
                        "type": "customer_info",
                        "account_id": account["account_id"],
                        identifier: str(customer[identifier]),
                        "output": output,
                    }
                    lookups.append((who, fields))
    return lookups


@pytest.mark.parametrize("base", [[], ["other_data_set"]], ids=["reference-data", "other-data-set"])
def test_content_variants_are_held_per_customer(base: list[str], tmp_path: Path) -> None:
    arguments = ["--variants", "all", "--seed", "7"] + (["--variant", ",".join(base)] if base else [])
    documents: dict[tuple[str, str], set[str]] = {}
    held: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    with sandbox(arguments, tmp_path) as running, requests.Session() as session:
        for who, fields in _lookups(running.profile):
            answer = session.post(running.url, data=fields, timeout=10)
            document = parse_answer(answer.content).document
            assert document.get("status") == "success", (who, fields, answer.content[:300])
            documents.setdefault(who, set()).add(repr(normalised(document)))
            labels = answer.headers[LABEL_HEADER].split("+")
            held.setdefault(who, set()).add(tuple(n for n in labels if n in CONTENT))
    changing = {who: len(seen) for who, seen in documents.items() if len(seen) > 1}
    assert not changing, f"customers whose answers carry more than one document: {changing}"
    assert all(len(names) == 1 for names in held.values()), held
    for name in CONTENT:
        if VARIANTS[name].server_wide:
            continue
        having = [who for who, names in held.items() if name in next(iter(names))]
        assert 0 < len(having) < len(held), f"{name}: held by {having} of {sorted(held)}"


def _reference_documents(app: Any) -> dict[tuple[str, ...], dict[str, Any]]:
    client = Client(app)
    profile = Path(__file__).resolve().parents[1] / "conformance" / "reference" / "profile.yaml"
    found = {}
    for who, fields in _lookups(profile):
        body = client.post("/api.php", data=fields).get_data()
        found[(*who, fields.get("code", fields.get("card_number", "")), fields["output"])] = normalised(
            parse_answer(body).document
        )
    return found


@pytest.mark.parametrize("name", [n for n in VARIANTS if not VARIANTS[n].server_wide])
def test_a_variants_layer_is_what_it_changes(name: str) -> None:
    """wire: every success answer's document is the reference's, every field (the same
    document in another spelling); content: some success answer's document is another."""
    reference = _reference_documents(FaultyApp(None))
    varied = _reference_documents(FaultyApp(combine([name])))
    assert all(d.get("status") == "success" for d in reference.values())
    changed = [key for key in reference if varied[key] != reference[key]]
    if VARIANTS[name].layer == "wire":
        assert not changed, f"{name} is a wire variant but changes the document of {changed[:3]}"
    else:
        assert changed, f"{name} is a content variant but changes no success answer's document"


def test_server_wide_variants_layer() -> None:
    assert {n: VARIANTS[n].layer for n in VARIANTS if VARIANTS[n].data_set} == {"other_data_set": "content"}
    assert {n: VARIANTS[n].layer for n in VARIANTS if VARIANTS[n].idle_timeout_s} == {"idle_keepalive_closed": "wire"}


def test_the_rotation_holds_content_by_customer_and_rotates_the_rest() -> None:
    """Rotation alone: a customer key decides the content, the arrival order the wire
    variant; the same seed the same answers."""

    def labels(seed: int, customers: list[Hashable]) -> list[str]:
        rotation = Rotation(rotating(), seed, customer_of=lambda fields: customers[int(fields["n"])])
        return [rotation(n, {"n": str(n)})[0] for n in range(len(customers))]

    customers: list[Hashable] = [("customer", pk) for pk in (1, 2, 3, 4, 5, 6)] * len(WIRE)
    first = labels(7, customers)
    assert first == labels(7, customers)
    by_customer: dict[Hashable, set[str]] = {}
    for customer, label in zip(customers, first, strict=True):
        by_customer.setdefault(customer, set()).add("+".join(n for n in label.split("+") if n in CONTENT))
    assert all(len(held) == 1 for held in by_customer.values()), by_customer
    assert {next(iter(h)) for h in by_customer.values()} == {"", "+".join(CONTENT)}  # half with, half without
    wire = [label.split("+")[-1] for label in first]
    assert sorted(wire[: len(WIRE)]) == sorted(WIRE)


# -- the whole suite against the rotation (slow) -----------------------------------------------
def _summary(verdict: Verdict) -> str:
    lines = [f"exit {verdict.exit_code}, {verdict.failed} of {verdict.tests} items failed, {verdict.problem or ''}"]
    lines += [f"  {count:4d} x [{', '.join(ids)}] {check}" for (check, ids), count in verdict.tally("fail").items()]
    return "\n".join(lines) + "\n\n" + (verdict.failure_text[:4000] or verdict.output[-3000:])


# Pairwise only: each seed's pairwise run already puts every rotating variant on answers of
# every kind (matrix, relation, access) and every format, and each variant alone passes
# the full default mode (docs/kill-matrix.md's full-mode section). The full-mode run of the
# rotation, which adds more answers of the same kinds, is tools/kill_matrix.py --rotation's.
ROTATIONS = [Target("rotation", seed) for seed in PAIRWISE_SEEDS]


@pytest.fixture(scope="module")
def rotation_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[Target, Verdict]:
    shared = verdicts_once_per_run("rotations", ROTATIONS, tmp_path_factory.getbasetemp())
    if shared is not None:
        return shared
    return SessionRuns.of_session(tmp_path_factory.mktemp("selftest")).verdicts(ROTATIONS)


@pytest.mark.slow
@pytest.mark.parametrize("target", ROTATIONS, ids=[f"seed-{t.name}-{t.combinations}" for t in ROTATIONS])
def test_the_suite_passes_the_rotating_sandbox(target: Target, rotation_verdicts: dict[Target, Verdict]) -> None:
    verdict = rotation_verdicts[target]
    assert verdict.passed, f"--variants all --seed {target.name} ({target.combinations}):\n{_summary(verdict)}"
    assert verdict.cases > 900, verdict.cases  # the matrix, its relations and access cases were judged


def test_the_published_full_mode_rotation_passed() -> None:
    """docs/kill-matrix.md's rotation section (``tools/kill_matrix.py --rotation``): the
    full default mode passed for FULL_SEED, judging far more cases than a pairwise run, with
    exactly the variants that rotate today (a variant added since leaves the record stale)."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "kill-matrix.md").read_text(encoding="utf-8")
    section = re.search(r"<!-- rotation: start -->(.*?)<!-- rotation: end -->", page, re.DOTALL)
    assert section, "docs/kill-matrix.md has no rotation section: run python tools/kill_matrix.py --rotation"
    text = section.group(1)
    rotated = re.search(r"^Variants rotated: (.*)\.$", text, re.MULTILINE)
    assert rotated and re.findall(r"`(\w+)`", rotated.group(1)) == rotating(), (
        f"the recorded rotation is of other variants than {rotating()}: run python tools/kill_matrix.py --rotation"
    )
    rows = {
        (seed, mode): (outcome, int(cases))
        for seed, mode, outcome, cases in re.findall(r"^\| (\d+) \| (\w+) \| ([^|]+) \| (\d+) \|", text, re.MULTILINE)
    }
    assert set(rows) == {(seed, "pairwise") for seed in PAIRWISE_SEEDS} | {(FULL_SEED, "all")}, rows
    assert all(outcome == "passed" for outcome, _ in rows.values()), rows
    pairwise = max(cases for (_, mode), (_, cases) in rows.items() if mode == "pairwise")
    assert rows[(FULL_SEED, "all")][1] > 10 * pairwise, rows  # the full matrix, not a pairwise run again

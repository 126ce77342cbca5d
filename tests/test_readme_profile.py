"""The README's example of a profile with what the target holds is true: it loads, the
reference passes it, and a target whose balance is one point off fails citing the field."""

from __future__ import annotations

import json
from pathlib import Path

from tests.faults import FAULTS, Fault, serve
from tests.mutations import MUTANTS
from tests.targets import run_suite

ROOT = Path(__file__).resolve().parents[1]


def readme_expect_profile() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("**What the target holds**") :]
    start = block.index("```yaml\n") + len("```yaml\n")
    return (
        "credentials:\n  user_id: john1970\n  user_password: 1959caadac9b13dcb3\n"
        + block[start : block.index("```", start)]
    )


def _run(tmp_path: Path, fault: Fault | None) -> tuple[int, dict]:
    (tmp_path / "p.yaml").write_text(readme_expect_profile())
    with serve(fault) as url:
        run = run_suite(
            tmp_path,
            "--combinations",
            "pairwise",
            "--report-dir",
            "out",
            "--target-url",
            url,
            "--target-profile",
            "p.yaml",
        )
    return run.returncode, json.loads((tmp_path / "out" / "certificate.json").read_text())


def test_the_readme_example_passes_against_the_reference(tmp_path: Path) -> None:
    code, certificate = _run(tmp_path, None)
    assert code == 0
    assert certificate["requirements"]["NOTE-REGISTERED"]["evidence"] == "expected-data"


def test_the_readme_example_catches_a_balance_one_point_off(tmp_path: Path) -> None:
    code, certificate = _run(tmp_path, MUTANTS["change_number:points.balance+1"].fault)
    assert code == 1
    assert certificate["requirements"]["EXAMPLE-SUCCESS"]["verdict"] == "fail", {
        r: e["verdict"] for r, e in certificate["requirements"].items() if e["verdict"] == "fail"
    }


def test_the_readme_example_states_an_absence_and_catches_a_reward_id_where_there_is_none(tmp_path: Path) -> None:
    # reward_id: null on reward 753: a server answering 678's reward_id on 753 fails, and
    # the failure names 753 (not only 678 left without the reward_id the example gives it).
    (tmp_path / "p.yaml").write_text(readme_expect_profile())
    fault = FAULTS["reward_id_moved_to_reward_without_one"]
    with serve(fault) as url:
        run = run_suite(tmp_path, "--combinations", "pairwise", "--cases", fault.selection,
                        "--report-dir", "out", "--target-url", url, "--target-profile", "p.yaml")  # fmt: skip
    certificate = json.loads((tmp_path / "out" / "certificate.json").read_text())
    assert run.returncode == 1, run.stdout[-3000:]
    failed = {r for r, e in certificate["requirements"].items() if e["verdict"] == "fail"}
    assert failed == {"EXAMPLE-POINTS-REWARDS"}, failed
    assert "reward id 753's reward_id is given, though the target holds none" in run.stdout, run.stdout[-3000:]

"""The README's example of a profile with what the target holds is true: it loads, the
reference passes it, and a target whose balance is one point off fails citing the field."""

from __future__ import annotations

import json
from pathlib import Path

from tests.faults import Fault, serve
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

"""The fast lane's table (``tests/lanes.py``) names tests that exist, so a renamed test
cannot slip into the fast lane (or out of the slow one) unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.lanes import SLOW, why_slow

ROOT = Path(__file__).resolve().parents[1]


def test_every_entry_names_a_test_that_exists() -> None:
    missing = []
    for entry in SLOW:
        path, _, name = entry.partition("::")
        source = ROOT / path
        if not source.is_file():
            missing.append(entry)
            continue
        if name:
            defined = {
                n.name for n in ast.parse(source.read_text(encoding="utf-8")).body if isinstance(n, ast.FunctionDef)
            }
            if name not in defined:
                missing.append(entry)
    assert not missing, f"tests/lanes.py names tests that do not exist (renamed?): {missing}"


def test_parametrised_and_module_entries_are_matched() -> None:
    assert why_slow("tests/test_faults_caught.py::test_fault_is_caught[status_ok]")
    assert why_slow("tests/test_xdist.py::test_each_worker_fetches_only_its_scopes")
    assert why_slow("tests/test_faults_caught.py::test_every_fault_names_a_requirement_and_a_check_that_exist") is None

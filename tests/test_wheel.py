"""The suite runs from the installed wheel, outside this repository.

This is how a CI in another repository uses the harness: build the wheel, install it
into a fresh virtual environment, and run `pytest --pyargs conformance.suite` from a
folder that has nothing of this checkout in it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.registry import pip_install, skip_if_unreachable

# Building the wheel fetches its build backend, installing it fetches its dependencies.
pytestmark = [pytest.mark.slow, pytest.mark.network]

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if built.returncode != 0:
        skip_if_unreachable(built.stdout + built.stderr)
        raise AssertionError(f"pip wheel failed (exit {built.returncode}):\n{built.stderr[-3000:]}")
    (built,) = out.glob("customer_info_conformance-*.whl")
    return built


def test_wheel_carries_schemas_and_cases(wheel: Path) -> None:
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "conformance/_data/schemas/response.xsd",
        "conformance/_data/schemas/response.schema.json",
        "conformance/_data/schemas/profile.schema.json",
        "conformance/_data/cases/parameters.yaml",
        "conformance/requirements.yaml",
        "conformance/reference/seed.yaml",
        "conformance/reference/seed.schema.json",
        "conformance/reference/profile.yaml",
        "conformance/suite/test_customer_info.py",
        # The HTML templates (conformance/templating.py renders them from the package).
        "conformance/templates/summary.html",
        "conformance/templates/stop.html",
        "conformance/templates/extras.html",
    ):
        assert needed in names, f"the wheel lacks {needed}"


def test_suite_runs_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # A venv of its own, as another repository's CI makes: not the base interpreter's
    # site-packages (a fresh machine's has none of ours), so the wheel's declared
    # dependencies are what gets installed, from the registry, as a user's pip does.
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # A PYTHONPATH pointing at a checkout (as when testing a worktree) would shadow the wheel.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    pip_install(python, str(wheel))
    elsewhere = tmp_path / "another-repo"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import conformance; print(conformance.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in where.stdout, f"conformance was imported from {where.stdout.strip()}, not the wheel"
    run = subprocess.run(
        [str(python), "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
         "--combinations", "pairwise", "--cases", "(kind=answer and by=code) or kind=access"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout
    assert (elsewhere / "reports" / "report.html").is_file()
    assert (elsewhere / "reports" / "junit.xml").is_file()
    # The certification data set and profile ship in the wheel too: written from it, the
    # data set has the identity the shipped profile names (docs/certification.md, "Certifying your implementation").
    written = subprocess.run(
        [str(python), "-m", "conformance.reference", "--write-dataset", "dataset", "--write-profile", "profile.yaml"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    identity = hashlib.sha256((elsewhere / "dataset" / "dataset.json").read_bytes()).hexdigest()
    assert f"sha256: {identity}" in (elsewhere / "profile.yaml").read_text(encoding="utf-8")

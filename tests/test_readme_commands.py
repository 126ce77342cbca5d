"""The README's two commands and docs/running.md's wheel commands, read from their text and
run as written, in a fresh virtual environment.

What a newcomer copies into a new shell, in order, in a temporary copy of the checkout
(what a clone holds of the package: pyproject.toml, README.md, conformance/, schemas/,
cases/) and a temporary "other repository":

1. "The two commands", command 1, as written (`python3 -m venv .venv && ... pip install
   -e '.[dev]' && .venv/bin/python -m pytest`), with `PYTEST_ADDOPTS=--combinations
   pairwise`: the full matrix takes about 110 s on an idle machine and `.ci/run` runs it
   anyway. Command 2 (`pytest tests -n auto`) is this very suite, so it is not run here
   (it would run itself); both commands must be in `.ci/run` word for word.
2. docs/running.md's wheel build command ("From the wheel"), as written, in the copy: it
   must write the file the install command names.
3. In the other repository, with the wheel copied there: the install command as
   written (a second fresh venv, that repository's own), then the console script
   `customer-info-conformance` as written, with the page's example URL and profile
   replaced by a running reference server's and `--combinations pairwise`.

pip installs the dependencies as a user's pip does (from the configured indexes, PyPI
or a mirror). One test, so that under `pytest tests -n auto` one worker does it all
once (two venvs, two pairwise runs, a wheel build): 69 s on the shared 2-core machine at
load 5 (`python3 -m pytest tests/test_readme_commands.py tests/test_readme_counts.py
tests/test_newcomer.py -n 2 --durations=5`, 1 December 2026); 150 s at load 20.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.profile import PASSWORD_ENV
from conformance.reference import start
from tests.registry import bare_python, skip_if_unreachable

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
RUNNING = (ROOT / "docs" / "running.md").read_text(encoding="utf-8")
# What a clone of the checkout needs to install and build the package.
PACKAGE = ("pyproject.toml", "README.md", "conformance", "schemas", "cases")
EXAMPLE_URL, EXAMPLE_PROFILE = "https://api.example.com/api.php", "my-target.yaml"
WHEEL_NAME = re.compile(r"\S+\.whl")


def section(heading: str, text: str = README) -> str:
    start_at = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start_at + 1)
    return text[start_at : end if end != -1 else None]


def sh_blocks(text: str) -> list[list[str]]:
    """The commands of each ```sh block in ``text``, without their trailing comments."""
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    return [[re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines() if line.strip()] for block in blocks]


def two_commands() -> list[str]:
    """The section's first block (the next one is the own tests' fast lane)."""
    block = sh_blocks(section("The two commands"))[0]
    assert len(block) == 2, block
    return block


def test_the_fast_lane_is_the_own_tests_without_the_slow_ones() -> None:
    (lane,) = sh_blocks(section("The two commands"))[1]
    assert lane.startswith(two_commands()[1].split(" -n ")[0]) and '-m "not slow and not network"' in lane, lane


def wheel_commands() -> tuple[str, str, str]:
    """docs/running.md's build command, install command and console-script run, in that order."""
    blocks = sh_blocks(section("From the wheel", RUNNING))
    (build,) = [b for b in blocks if any(" wheel " in line for line in b)]
    (install_and_run,) = [b for b in blocks if any("customer-info-conformance" in line for line in b)]
    install, run = install_and_run
    return build[0], install, run


def shell(command: str, cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def clean_env(bin_dir: Path) -> dict[str, str]:
    """A new shell's environment: a fresh machine's `python3` first on PATH (a bare one,
    with none of the project's dependencies, where this machine has one: `bare_python`;
    else this venv's base interpreter), nothing of this checkout importable, no pytest
    options or password from the caller."""
    python3 = bare_python() or getattr(sys, "_base_executable", sys.executable)
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "python3").symlink_to(python3)
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", PASSWORD_ENV, "VIRTUAL_ENV")
    }
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def tail(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def succeeded(done: subprocess.CompletedProcess[str]) -> bool:
    """Whether a command that installs from the registry succeeded; skips the test when it
    failed because the registry could not be reached."""
    if done.returncode != 0:
        skip_if_unreachable(done.stdout + done.stderr)
    return done.returncode == 0


def test_the_two_commands_are_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in two_commands():
        assert command in ci, f".ci/run does not run the README's command as written: {command}"


@pytest.mark.slow
@pytest.mark.network
def test_readme_commands_run_as_written(tmp_path: Path) -> None:
    checkout, other = tmp_path / "checkout", tmp_path / "another-repo"
    for name in PACKAGE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, checkout / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            checkout.mkdir(exist_ok=True)
            shutil.copy2(source, checkout / name)
    env = clean_env(tmp_path / "bin")
    pairwise = {**env, "PYTEST_ADDOPTS": "--combinations pairwise -p no:cacheprovider"}

    # 1. Command 1: a venv, the editable install, the suite against the embedded reference.
    first = shell(two_commands()[0], checkout, pairwise)
    assert succeeded(first), tail(first)
    assert " passed" in first.stdout and (checkout / "reports" / "certificate.json").is_file(), tail(first)

    # 2. The wheel, built as the README says, under the name its install command gives.
    build, install, run = wheel_commands()
    built = shell(build, checkout, env)
    assert succeeded(built), tail(built)
    (named,) = WHEEL_NAME.findall(install)
    wheel = checkout / "dist" / Path(named).name
    assert wheel.is_file(), (
        f"docs/running.md installs {named}, the build wrote {sorted(p.name for p in (checkout / 'dist').iterdir())}"
    )

    # 3. Another repository: install the wheel, run the console script against a target.
    other.mkdir()
    shutil.copy2(wheel, other / Path(named).name)
    installed = shell(install, other, env)
    assert succeeded(installed), tail(installed)
    assert EXAMPLE_URL in run and EXAMPLE_PROFILE in run, f"docs/running.md's run command changed its example: {run}"
    with start() as target:
        ran = shell(
            run.replace(EXAMPLE_URL, target.url).replace(EXAMPLE_PROFILE, str(target.profile_path)), other, pairwise
        )
    assert ran.returncode == 0, tail(ran)
    assert " passed" in ran.stdout and (other / "reports" / "report.html").is_file(), tail(ran)
    where = shell(".venv/bin/python -c 'import conformance; print(conformance.__file__)'", other, env)
    assert where.stdout.startswith(str(other / ".venv")), (
        f"the console script ran conformance from {where.stdout.strip()}, not the wheel"
    )

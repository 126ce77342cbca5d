"""Tests that install from the package registry: a fresh environment of their own, and an
honest skip when the registry cannot be reached.

A test that needs a fresh environment makes a virtual environment of its own, without
the base interpreter's site-packages (``venv``'s default), and installs what it needs the
way a user's pip does: from the configured indexes. It never borrows the packages of the
interpreter that happens to run it (``system_site_packages``): on a machine whose base
Python has none of them (a fresh one) that borrowing is what broke.

Such tests carry the ``network`` marker (and ``slow``). When pip fails because the
registry cannot be reached, the test is skipped saying so; any other failure of pip
(a wrong dependency name, a build that breaks) fails it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# What pip prints when no index answers: connection, name resolution and time-outs, as
# urllib3 and pip word them. A resolution error without any of these is a real failure.
_UNREACHABLE = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution"
    r"|Name or service not known|Network is unreachable|ConnectTimeout|Read timed out|Could not fetch URL"
    r"|No route to host|Connection refused|ProxyError"
)

# The project's runtime dependencies, by import name: a bare interpreter has none of them.
DEPENDENCY_MODULES = (
    "pytest",
    "requests",
    "urllib3",
    "lxml",
    "xmlschema",
    "jsonschema",
    "pytest_html",
    "jinja2",
    "yaml",
)


# Only pip's own lines count: a suite run in the same command may print "Connection refused"
# about its target, which is no reason to skip.
_PIP_LINE = re.compile(r"^\s*(WARNING: Retrying|ERROR: Could not install packages due to|.*Could not fetch URL)")


def skip_if_unreachable(output: str) -> None:
    """Skip the calling test when pip's ``output`` says the registry could not be reached."""
    for line in output.splitlines():
        if _PIP_LINE.match(line) and _UNREACHABLE.search(line):
            pytest.skip(f"the package registry could not be reached (pip: {line.strip()[:200]})")


def pip_install(python: Path, *arguments: str, cwd: Path | None = None, timeout: float = 600) -> None:
    """``python -m pip install ARGUMENTS`` from the configured indexes; skip if unreachable."""
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        skip_if_unreachable(done.stdout + done.stderr)
        raise AssertionError(
            f"pip install {' '.join(arguments)} failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        )


def lacks_our_dependencies(python: str) -> bool:
    """True when ``python`` imports none of the project's dependencies and can make a venv with pip."""
    probe = (
        "import importlib.util, sys\n"
        f"found = [m for m in {DEPENDENCY_MODULES!r} if importlib.util.find_spec(m)]\n"
        "import ensurepip, venv\n"
        "sys.exit(1 if found or sys.version_info < (3, 10) else 0)\n"
    )
    try:
        return subprocess.run([python, "-c", probe], capture_output=True, timeout=60, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def bare_python() -> str | None:
    """A Python 3.10+ on this machine with none of the project's dependencies (what a fresh
    machine has), if there is one: ``$CONFORMANCE_BARE_PYTHON``, then the system's and
    PATH's ``python3`` and ``python3.N``, then pyenv's versions (docs/fresh-machine.md).
    Debian's ``/usr/bin/python3`` qualifies only where no Debian package brought PyYAML."""
    candidates = [os.environ.get("CONFORMANCE_BARE_PYTHON", ""), "/usr/bin/python3", "/usr/local/bin/python3"]
    candidates += [shutil.which(f"python3.{minor}") or "" for minor in range(10, 15)]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(p) for p in sorted(pyenv.glob("3.*/bin/python3"), reverse=True)]
    candidates.append(getattr(sys, "_base_executable", ""))
    seen = set()
    for candidate in candidates:
        if candidate and candidate not in seen and Path(candidate).is_file():
            seen.add(candidate)
            if lacks_our_dependencies(candidate):
                return candidate
    return None

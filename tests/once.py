"""Work that several pytest-xdist worker processes may each ask for, done once per run.

Under ``pytest tests -n auto`` the tests that share an expensive result (the self-test's
sixty-odd suite runs, the hostile targets' runs) may land on different workers. The
first worker to ask computes it; the others wait on a file lock and read its pickle
from the run's shared temporary directory. Outside xdist (or without file locks) the
caller computes it itself (its module-scoped fixture then keeps it).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def once_per_run(name: str, basetemp: Path, compute: Callable[[Path], T]) -> T:
    """``compute(directory)``, once per xdist run; ``directory`` is shared by the workers
    (files the result points to stay readable by all of them)."""
    uid = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        uid = None
    if not uid:
        directory = basetemp / f"once-{name}"
        directory.mkdir(parents=True, exist_ok=True)
        return compute(directory)
    root = basetemp.parent / f"once-{uid}"  # basetemp is per worker; its parent is the run's
    root.mkdir(parents=True, exist_ok=True)
    done = root / f"{name}.pickle"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            directory = root / name
            directory.mkdir(parents=True, exist_ok=True)
            done.write_bytes(pickle.dumps(compute(directory)))
        return pickle.loads(done.read_bytes())

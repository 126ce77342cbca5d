"""Shared setup for the harness's own tests (``pytest tests``).

``pytester`` runs pytest in a subprocess, so the plugin's option and profile
handling is tested exactly as a user meets it on the command line.

The markers say what a test costs (``tests/lanes.py``): ``pytest tests -m "not slow and
not network"`` is the fast lane; ``.ci/run`` runs everything.
"""

from __future__ import annotations

import pytest

from tests.lanes import why_slow

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: starts whole suite runs, a virtual environment, or waits out a deadline (tests/lanes.py)"
    )
    config.addinivalue_line(
        "markers", "network: installs from the package registry; skipped, saying so, when it cannot be reached"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if why_slow(item.nodeid):
            item.add_marker(pytest.mark.slow)

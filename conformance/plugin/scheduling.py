"""Under ``pytest -n``: each scope's items go to one worker, which fetches and judges
that scope's cases once; the other workers never send its requests."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.plugin.collection import NODE_PREFIX
from conformance.plugin.options import suite_requested


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's load scheduling, by scope. pytest-xdist's own ``--dist loadfile`` is the
    same subclass of LoadScopeScheduling with another ``_split_scope``; an explicit other
    --dist (loadgroup, worksteal, each) is left as the user chose it."""
    if not suite_requested(config) or config.getoption("dist") not in ("load", "loadscope"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ScopeScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(NODE_PREFIX + "/") and nodeid.endswith("]"):
                return nodeid[nodeid.rindex("[") + 1 : -1]
            return str(super()._split_scope(nodeid))

    return ScopeScheduling(config, log)

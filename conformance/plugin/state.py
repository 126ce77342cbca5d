"""What one run keeps, on ``config.stash[STATE]`` (and an item's answer on
``item.stash[OBSERVED]``): every module of the plugin reads and writes it there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from conformance import cases as case_matrix
from conformance import recording
from conformance.harness import Harness
from conformance.plugin.options import Settings


@dataclass
class State:
    settings: Settings
    harness: Harness | None = None
    reference: Any = None  # conformance.embedded.EmbeddedServer when embedded
    starting: Any = None  # conformance.embedded.StartingServer: launched, not yet waited for
    switch_interval: float | None = None  # sys.getswitchinterval() before the run lowered it
    config: Any = None
    workers: list[dict[str, Any]] = field(default_factory=list)
    unusable: str | None = None
    matrix_sizes: dict[str, int] = field(default_factory=dict)
    started: datetime | None = None
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # nodeid -> its requirement, scope, counts
    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid -> passed/failed/baselined/skipped/error
    certificate: dict[str, Any] | None = None
    recorder: recording.Recorder | None = None
    compare: Harness | None = None  # the compared implementation (--compare-url)
    failures: list[dict[str, Any]] = field(default_factory=list)  # the first FAILURES_SHOWN, for the HTML summary
    # The target answered the smoke request with no documented envelope: why, and the
    # smoke's lookup, the one case generated (harness.TargetBroken).
    stopped: str | None = None
    stop_case: case_matrix.Case | None = None
    # The pre-flight's lines (conformance/preflight.py): each profile entry the target's
    # answers contradict, made where the items are collected (a worker under xdist).
    diagnoses: list[str] = field(default_factory=list)
    gone: str | None = None  # harness.TargetGone: the target went away mid-run
    # The scope, counted in the process that collects (RunObserver): the suite's items
    # generated (None: not generated), those reported deselected, those collected; the
    # units of evidence generated and those --cases selected.
    generated: int | None = None
    deselected: int = 0
    cases_generated: int = 0
    cases_selected: int = 0
    evaluator: Any = None  # conformance.evaluation.Evaluator, made at collection
    usage_error: str | None = None  # found while collecting, raised once collection ends
    carried: set[str] = field(default_factory=set)  # scopes whose carrier an item of this process sent
    # What each scope's carrier said (evaluation.ScopeResult.carrier()), first one per scope.
    scopes: dict[str, dict[str, Any]] = field(default_factory=dict)
    suite_collected: int = 0
    # Items this run collected (under xdist: a worker's collection, as the controller
    # collects none); None until collection ends.
    collected_items: int | None = None


STATE = pytest.StashKey[State]()
EXAMPLE = pytest.StashKey[Any]()  # an item's first failing case in full (evaluation.Example)


def is_xdist_controller(config: pytest.Config) -> bool:
    """Under pytest-xdist the controller collects nothing: the workers each start their
    own target connection (and embedded server) and send their own requests."""
    return config.pluginmanager.hasplugin("dsession") and not hasattr(config, "workerinput")

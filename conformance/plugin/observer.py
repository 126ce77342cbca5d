"""What the reports carry, counted where the reports arrive (``RunObserver``): per item
records and outcomes, notes, comparisons, the scope; under xdist, what the workers
send back, so the summaries and the certificate are the same with or without -n.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.plugin.collection import is_generated, scope_counts
from conformance.plugin.runner import ITEM_PROPERTY, SCOPE_PROPERTY
from conformance.plugin.state import State, is_xdist_controller

FAILURES_SHOWN = 500  # failing items shown in the HTML summary (one per requirement and scope)
_INTERNAL_PROPERTIES = (SCOPE_PROPERTY, ITEM_PROPERTY)


class RunObserver:
    """Reads what the items' reports carry (each scope's carrier, each item's counts,
    failures for the HTML summary) and what xdist workers send back, so the summaries and
    the certificate are the same with or without -n."""

    def __init__(self, state: State) -> None:
        self.state = state

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._outcome(report)
        if report.when == "teardown":
            # The carrier has been read from the call report; JUnit writes the teardown
            # report's properties. The notes stay: they are for readers of the JUnit file.
            report.user_properties = [(n, v) for n, v in report.user_properties if n not in _INTERNAL_PROPERTIES]
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if not isinstance(value, str):  # the harness's own properties are JSON text
                continue
            if name == SCOPE_PROPERTY:
                carried = json.loads(value)
                # Under a scheduler that splits a scope over workers, each judged it: one counts.
                self.state.scopes.setdefault(carried["scope"], carried)
            if name == ITEM_PROPERTY:
                self.state.records[report.nodeid] = json.loads(value)
        record = self.state.records.get(report.nodeid, {})
        shown = {r for f in self.state.failures for r in f["requirements"]}  # each failing requirement's example
        if (report.failed or hasattr(report, "wasxfail")) and (
            len(self.state.failures) < FAILURES_SHOWN or (record.get("failed") and record["requirement"] not in shown)
        ):
            # Kept as the report carries it (already redacted), so the HTML summary can
            # show each failure in plain HTML, readable with scripts off.
            self.state.failures.append(
                {
                    "nodeid": report.nodeid,
                    "outcome": "baselined" if hasattr(report, "wasxfail") else "failed",
                    "requirements": [record["requirement"]] if record.get("failed") else [],
                    "scope": record.get("scope", ""),
                    "secondary_to": record.get("secondary_to"),
                    "message": str(getattr(report, "wasxfail", "") or report.longreprtext),
                    # The first case's request and response as text (plugin/reporting.py).
                    "exchange": getattr(report, "conformance_exchange", None),
                }
            )

    def _outcome(self, report: pytest.TestReport) -> None:
        # One outcome per item, for the certificate: a setup or teardown failure is an
        # error of the harness; an xfail is a failure the baseline lists.
        outcomes = self.state.outcomes
        if report.when == "call":
            if hasattr(report, "wasxfail"):
                outcomes[report.nodeid] = "baselined"
            else:
                outcomes[report.nodeid] = report.outcome
        elif report.failed:
            outcomes[report.nodeid] = "error"
        elif report.when == "setup" and report.skipped:
            outcomes[report.nodeid] = "skipped"

    def pytest_deselected(self, items: list[Any]) -> None:
        # -k, -m, --deselect, --lf, --sw and sharding plugins (pytest-split) say so here.
        self.state.deselected += sum(1 for item in items if is_generated(item))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.state.suite_collected = sum(1 for item in session.items if is_generated(item))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.state.collected_items = len(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        sent = getattr(node, "workeroutput", {}).get("conformance")
        if sent:
            self.state.workers.append(sent)


def run_diagnoses(state: State) -> list[str]:
    """The pre-flight's lines: under xdist, a worker's (every worker collects the same
    items against the same target, so each made the same), else this process's."""
    if is_xdist_controller(state.config):
        return next((list(w["diagnoses"]) for w in state.workers if w.get("diagnoses")), [])
    return list(state.diagnoses)


def run_scope(state: State) -> dict[str, Any]:
    """The run's scope: a worker's count under xdist (they all collect the same items),
    else this process's; the controller's own smoke may have stopped the run."""
    if is_xdist_controller(state.config):
        sent = [w["scope"] for w in state.workers if w.get("scope")]
        scope = (
            dict(sent[0])
            if sent
            else {
                "generated": None,
                "deselected": 0,
                "not_collected": 0,
                "stopped": None,
                "cases_generated": 0,
                "cases_selected": 0,
            }
        )
        scope["stopped"] = state.stopped or next((s["stopped"] for s in sent if s["stopped"]), None)
        return scope
    return scope_counts(state)

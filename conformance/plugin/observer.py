"""What the reports carry, counted where the reports arrive (``RunObserver``): per item
records and outcomes, notes, comparisons, the scope; under xdist, what the workers
send back, so the summaries and the certificate are the same with or without -n.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from conformance import certificate as cert
from conformance.plugin.collection import is_generated, scope_counts, suite_param
from conformance.plugin.state import State, is_xdist_controller

FAILURES_SHOWN = 100  # failures shown in full in the HTML summary; the results table has them all
DIFFERENCES_SHOWN = 200  # compared cases shown side by side in the HTML report


_INTERNAL_PROPERTIES = (cert.PROPERTY, "conformance_compare")
_NO_KEYWORDS: dict[str, Any] = {}


class RunObserver:
    """Counts what the reports carry (warnings, advisories, unspecified behaviours) and
    what xdist workers send back, so the summary is the same with or without -n."""

    def __init__(self, state: State) -> None:
        self.state = state
        self._lists: dict[tuple[Any, ...], list[Any]] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._outcome(report)
        if report.passed:
            # pytest keeps every report to the end of the run, each with a copy of its
            # item's keywords (pytest reads them only to fold skips): 30 MB over a full run.
            report.keywords = _NO_KEYWORDS
        if report.when == "teardown":
            # The per-case certificate data has been read from the call report; JUnit
            # writes the teardown report's properties, and a full run's junit.xml would
            # carry 60 MB of it. The notes stay: they are for readers of the JUnit file.
            report.user_properties = [(n, v) for n, v in report.user_properties if n not in _INTERNAL_PROPERTIES]
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if not isinstance(value, str):  # the harness's own properties are JSON text
                continue
            if name == cert.PROPERTY:
                self.state.records[report.nodeid] = self._shared(json.loads(value))
            if name == "conformance_compare":
                self.state.compared += 1
                found = json.loads(value)
                if found:
                    self.state.differing += 1
                    if len(self.state.differences) < DIFFERENCES_SHOWN:
                        self.state.differences.append(found)
        record = self.state.records.get(report.nodeid, {})
        shown = {r for f in self.state.failures for r in f["requirements"]}  # each failing requirement's example
        if (report.failed or hasattr(report, "wasxfail")) and (
            len(self.state.failures) < FAILURES_SHOWN or set(record.get("failed", [])) - shown
        ):
            # Kept as the report carries it (already redacted), so the HTML summary can
            # show each failure in plain HTML, readable with scripts off.
            self.state.failures.append(
                {
                    "nodeid": report.nodeid,
                    "outcome": "baselined" if hasattr(report, "wasxfail") else "failed",
                    "requirements": record.get("failed", []),
                    "message": str(getattr(report, "wasxfail", "") or report.longreprtext),
                    "extras": [
                        e.get("content", "") for e in getattr(report, "extras", []) if e.get("format_type") == "html"
                    ],
                }
            )
        for name, value in report.user_properties:
            if name == "notes":
                for line in str(value).splitlines():
                    severity, _, rest = line.partition(": ")
                    title = rest.split(": ", 1)[-1].split(" at ")[0]
                    key = (severity, title)
                    self.state.note_counts[key] = self.state.note_counts.get(key, 0) + 1

    def _shared(self, value: Any) -> Any:
        """The record with its strings and its lists of strings shared with the records
        before it. A record is kept per item until the certificate is written, and most
        of it repeats (requirement ids, areas, the same unspecified note): parsed as is,
        the records of a full run cost about 15 KB an item. The shared lists are read,
        never changed."""
        if isinstance(value, str):
            return sys.intern(value)
        if isinstance(value, dict):
            return {sys.intern(k): self._shared(v) for k, v in value.items()}
        if isinstance(value, list):
            items = [self._shared(v) for v in value]
            key = tuple(id(v) if isinstance(v, list) else v for v in items)
            if all(isinstance(v, (str, list)) for v in items):
                return self._lists.setdefault(key, items)
            return items
        return value

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

    @pytest.hookimpl(wrapper=True)
    def pytest_pycollect_makeitem(self, collector: Any, name: str, obj: object) -> Any:
        # The items of each suite function, as generated: before node ids on the command
        # line pick some (with no hook to tell) and before any plugin deselects.
        result = yield
        if not isinstance(result, list):
            return result
        params = {suite_param(item) for item in result} - {None}
        if not params:
            return result
        state = self.state
        real = [item for item in result if is_generated(item)]
        state.generated[(collector.nodeid, name)] = len(real)
        state.generated_params |= params  # type: ignore[arg-type]
        # A stopped run generates one case; pytest's placeholders for the other
        # functions' empty sets would be skipped items, which nothing else is.
        return real if state.stop_case is not None else result

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


def run_scope(state: State) -> dict[str, Any]:
    """The run's scope: a worker's count under xdist (they all collect the same items),
    else this process's; the controller's own smoke may have stopped the run."""
    if is_xdist_controller(state.config):
        sent = [w["scope"] for w in state.workers if w.get("scope")]
        scope = dict(sent[0]) if sent else {"generated": None, "deselected": 0, "not_collected": 0, "stopped": None}
        scope["stopped"] = state.stopped or next((s["stopped"] for s in sent if s["stopped"]), None)
        return scope
    return scope_counts(state)

"""The verdict rules: from the requirements' verdicts and what the plugin knows about the
run (:class:`RunFacts`), the run's overall verdict and every reason for it.

``conformant`` only when every testable requirement passed in a full, complete run;
``not-conformant`` when any failed; otherwise ``incomplete``. "Complete" is counted,
never read off the options.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conformance.wording import plural


@dataclass
class RunFacts:
    """What the plugin knows about the run, beyond the items' records."""

    target_url: str | None
    embedded: bool
    profile_path: str
    profile_sha256: str
    encoding: str
    combinations: str
    started: datetime
    finished: datetime
    selection: list[str] = field(
        default_factory=list
    )  # the options that select (-k, -m, --sw, node ids...): wording only
    collected: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid -> passed/failed/baselined/skipped/error
    replayed_from: str | None = None
    baseline: dict[str, Any] | None = None
    unusable: str | None = None  # why the smoke request ended the run before any case
    # The scope, counted: the suite's items the plugin generated (None: not known), how
    # many were reported deselected (pytest_deselected: -k, -m, --deselect, --lf, --sw,
    # sharding plugins), and how many vanished otherwise (node ids, a plugin dropping
    # items silently). What ran is ``outcomes``.
    generated: int | None = None
    deselected: int = 0
    not_collected: int = 0
    stopped: str | None = None  # the target answered no envelope: only the smoke lookup ran
    # The units of evidence (cases, relations, access cases) generated, and those --cases selected.
    cases_generated: int = 0
    cases_selected: int = 0
    dataset: Any = None  # profile.DatasetClaim: the profile is the certification profile of that data set
    # The pre-flight's lines (conformance/preflight.py): profile entries the target's own
    # answers contradict. Listed first among the reasons; never part of the verdict.
    diagnoses: list[str] = field(default_factory=list)
    gone: str | None = None  # the target went away mid-run (harness.TargetGone): why, when


def busy_reason(busy: Counter[str]) -> str:
    """Why units were left unjudged for a busy target, and what to do about it."""
    count = sum(busy.values())
    statuses = " and ".join(f"HTTP {status} x {n}" for status, n in sorted(busy.items()))
    return (
        f"{count} case{'s' if count != 1 else ''} not judged: the target was busy ({statuses} after the "
        "retries); busy is not broken, so no requirement fails for it. Run again with --rate-limit "
        "(requests a second) or a lower --concurrency"
    )


def overall_verdict(
    requirements: dict[str, Any], facts: RunFacts, outcomes: Counter[str], busy: Counter[str] | None = None
) -> tuple[str, list[str]]:
    """``conformant`` only when every testable requirement passed in a full, complete
    run; ``not-conformant`` when any failed; otherwise ``incomplete``. Every reason
    that applies is listed, whatever the verdict.

    "Complete" is counted, never read off the options: every item the plugin generated
    was collected (none deselected, none dropped) and ran, and none was skipped.

    The pre-flight's diagnoses (profile entries the target's answers contradict) come
    next, before the requirement failures they explain; they are not rules of the
    verdict, which is decided without them: a diagnosis explains, it never excuses."""
    first = [f"no case ran: {facts.unusable}"] if facts.unusable else []
    if facts.gone:
        first.append(f"stopped early: {facts.gone}")
    if facts.stopped:
        first.append(
            f"stopped early: {facts.stopped} Only that lookup ran, as one "
            "case; no other item was generated: nothing else can be judged."
        )
    reasons: list[str] = []
    broken = [r for r, e in requirements.items() if e["verdict"] == "fail"]
    if broken:
        reasons.append(f"{plural(len(broken), 'requirement')} failed: {', '.join(broken)}")
    if outcomes.get("baselined"):
        reasons.append(
            f"{plural(outcomes['baselined'], 'item')} failed as the baseline "
            "expects (hidden from the exit status, not from the verdict)"
        )
    if facts.combinations != "all":
        reasons.append(f"--combinations {facts.combinations}: not the full matrix (use --combinations all)")
    if not facts.unusable:
        reasons += scope_reasons(facts, outcomes)
    missing = [
        r
        for r, e in requirements.items()
        if e["verdict"] == "not-exercised" and not e["reason"].startswith("untestable")
    ]
    if missing:
        reasons.append(f"{plural(len(missing), 'testable requirement')} not exercised: {', '.join(missing)}")
    if busy:
        reasons.append(busy_reason(busy))
    if outcomes.get("error"):
        reasons.append(f"{plural(outcomes['error'], 'item')} ended in an error of the harness, not a verdict")
    not_run = facts.collected - len(facts.outcomes)
    if not_run > 0:
        reasons.append(
            f"{not_run} of {plural(facts.collected, 'collected item')} did not run "
            "(stopped early: -x, Ctrl-C or SIGTERM)"
        )
    verdict = "not-conformant" if broken else "incomplete" if first or reasons else "conformant"
    return verdict, first + list(facts.diagnoses) + reasons


NODE_IDS = "node ids on the command line"  # selection_of's wording for them


def not_run_reason(facts: RunFacts) -> str:
    """Why no item of a requirement ran, named from what the run counted (a requirement's
    items are made only where its scope's cases could judge it, so --cases keeps a
    requirement's items or none). Every cause the run shows is named; with several, any
    may be this requirement's."""
    causes = []
    if facts.stopped:
        causes.append("the run stopped early: only the smoke lookup ran")
    if facts.cases_selected < facts.cases_generated:
        cases = next((s for s in facts.selection if s.startswith("--cases")), "--cases")
        causes.append(f"{cases} selected no case that could judge it")
    options = [s for s in facts.selection if s != NODE_IDS and not s.startswith("--cases")]
    if facts.deselected:
        causes.append(f"its items were deselected ({', '.join(options) if options else 'by a plugin'})")
    if facts.not_collected:
        causes.append(f"its items were not collected ({NODE_IDS if NODE_IDS in facts.selection else 'by a plugin'})")
    if facts.collected > len(facts.outcomes):
        causes.append("its items did not run (stopped early: -x, Ctrl-C or SIGTERM)")
    if not causes:
        causes.append("the run shows no cause (no selection, nothing deselected or stopped)")
    return f"not run: no item of this requirement ran; {'; or '.join(causes)}"


def scope_reasons(facts: RunFacts, outcomes: Counter[str]) -> list[str]:
    """Why the items that ran are less than the suite generated, in counts: deselected
    (and by what, where the options show it), dropped without a word, skipped."""
    if facts.generated is None:
        return [
            "how many items the suite generates is not known (no process reported it): the run cannot be shown complete"
        ]
    reasons = []
    options = [s for s in facts.selection if s != NODE_IDS]
    if facts.deselected:
        by = (
            f"a selection of the suite: {', '.join(options)}"
            if options
            else "by a plugin, e.g. sharding: pytest-split, pytest-shard"
        )
        reasons.append(f"{facts.deselected:,} of {plural(facts.generated, 'item', thousands=True)} deselected ({by})")
    if facts.not_collected:
        by = (
            NODE_IDS
            if NODE_IDS in facts.selection
            else "dropped by a plugin without pytest_deselected, or node ids on the command line"
        )
        reasons.append(
            f"{facts.not_collected:,} of {plural(facts.generated, 'generated item', thousands=True)} "
            f"{'was' if facts.not_collected == 1 else 'were'} not collected ({by})"
        )
    if facts.cases_selected < facts.cases_generated:
        by = next((s for s in facts.selection if s.startswith("--cases")), "--cases")
        reasons.append(
            f"{facts.cases_selected:,} of {plural(facts.cases_generated, 'case', thousands=True)} selected ({by})"
        )
    # A skipped item is a requirement no case of its scope could judge (a customer with
    # no BuyX campaign and the BuyX rules): the requirement's verdict over every scope
    # says whether it was exercised at all.
    return reasons


# -- schema ------------------------------------------------------------------------

"""A schema error reaches its requirement from the libraries' structured error fields.

response_schema_conformance cites, per schema error, the one requirement it breaks. It
reads where the error is (xmlschema's and jsonschema's path) and, for an XSD assertion,
the assertion's test (xmlschema's validator): fields a library keeps across versions.
The wording of the error (its reason) is for people; were routing to read it, a new
library version rewording a message would move citations. So every crafted violation
and variant of tests/test_every_requirement_can_fail.py is judged twice, once with the
libraries' words and once with every reason replaced: the citations must be the same.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from conformance import schemas
from conformance.checks import Evidence, judge
from tests.test_every_requirement_can_fail import VARIANTS, VIOLATIONS, in_other_format

CHECK = "response_schema_conformance"


def _evidence() -> list[tuple[str, Evidence]]:
    builders = [(f"violation {r}", b) for r, b in VIOLATIONS.items()]
    builders += [(f"variant {label}", b) for label, (_, b) in VARIANTS.items()]
    found = []
    for label, builder in builders:
        for violated in (True, False):
            evidence = builder(violated)
            found.append((f"{label} ({violated=})", evidence))
            if evidence.kind == "answer" and evidence.answer is not None:
                found.append((f"{label} ({violated=}, other format)", in_other_format(evidence)))
    return found


class Reworded(schemas.ResponseSchemas):
    """The same schemas and errors, every error's wording replaced (as if the library
    had reworded all its messages)."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[schemas.SchemaError] = []

    def _validate_xml(self, root: Any) -> tuple[schemas.SchemaError, ...]:
        return self._reworded(super()._validate_xml(root))

    def _validate_json(self, document: dict[str, Any]) -> tuple[schemas.SchemaError, ...]:
        return self._reworded(super()._validate_json(document))

    def _reworded(self, errors: tuple[schemas.SchemaError, ...]) -> tuple[schemas.SchemaError, ...]:
        self.errors += errors
        return tuple(dataclasses.replace(e, reason=f"reworded error {i}") for i, e in enumerate(errors))


def _citations(evidence: Evidence) -> list[str | None]:
    return [f.requirement for f in judge(evidence).findings if f.check == CHECK and f.severity == "fail"]


def test_schema_errors_are_routed_without_reading_their_wording(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _evidence()
    worded = {label: _citations(evidence) for label, evidence in corpus}
    reworded = Reworded()
    monkeypatch.setattr(schemas, "_SHARED", reworded)
    moved = {
        label: (worded[label], cited) for label, evidence in corpus if (cited := _citations(evidence)) != worded[label]
    }
    assert not moved, "schema errors routed differently once the libraries' wording changed:\n" + "\n".join(
        f"  {label}: {before} -> {after}" for label, (before, after) in moved.items()
    )
    # Not vacuous: the corpus has schema errors of both formats, assertions among them,
    # and assertions whose test (not their location) decides the requirement.
    assert sum(map(len, worded.values())) >= 20
    assert any(e.where.startswith("/response") for e in reworded.errors)
    assert any(not e.where.startswith("/response") for e in reworded.errors)
    assert any("custom_field_" in e.test and "custom_field_" not in e.where for e in reworded.errors)
    assert any("available_rewards" in e.test and "reward" not in e.where for e in reworded.errors)

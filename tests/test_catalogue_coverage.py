"""Every requirement of the catalogue is judged by a check, or says why it cannot be;
every check either judges requirements or only records, warns or advises."""

from __future__ import annotations

from conformance.checks import REGISTRY, _load_families
from conformance.requirements import catalogue


def enforced_ids() -> set[str]:
    _load_families()
    return {r for check in REGISTRY.values() for r in check.requirements}


def test_every_requirement_has_a_check_or_a_reason():
    known = catalogue()
    orphans = sorted(i for i, r in known.items() if i not in enforced_ids() and not r.untestable)
    assert not orphans, f"requirements with no check and no 'untestable' reason: {orphans}"


def test_untestable_requirements_have_no_check():
    # A requirement marked untestable but enforced is a stale mark.
    stale = sorted(i for i, r in catalogue().items() if r.untestable and i in enforced_ids())
    assert not stale, f"marked untestable yet enforced: {stale}"


def test_checks_name_only_known_requirements():
    unknown = sorted(enforced_ids() - set(catalogue()))
    assert not unknown, f"checks name requirement ids the catalogue does not have: {unknown}"


def test_advisory_checks_cite_no_requirement():
    # Advisory means "the document says nothing": citing a sentence would be a lie.
    _load_families()
    assert [c.name for c in REGISTRY.values() if c.advisory and c.requirements] == []

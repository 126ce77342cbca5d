"""The repository's copy of the API document is the contract, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec import SHARED_SPEC_DIR, SPEC_DIR, SPEC_FILES


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_the_document_is_in_the_repository(path: Path) -> None:
    assert path.is_file(), f"{path} is missing: copy it from the contract (shared/spec/{path.name}) into {SPEC_DIR}"
    assert path.stat().st_size > 0, f"{path} is empty: copy it again from shared/spec/{path.name}"


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_the_copy_equals_the_shared_contract(path: Path) -> None:
    # Beside a checkout without ../shared the repository's copy is the only one: nothing
    # to compare it with, and the test above already holds it to exist.
    original = SHARED_SPEC_DIR / path.name
    if not SHARED_SPEC_DIR.is_dir():
        return
    assert original.is_file(), f"{original} is missing although {SHARED_SPEC_DIR} is there"
    assert path.read_bytes() == original.read_bytes(), (
        f"{path} differs from {original}: the contract changed; copy it again "
        f"(cp {original} {path}) and rerun the quote tests"
    )

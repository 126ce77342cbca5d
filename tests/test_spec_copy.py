"""The repository's copy of the API document is the contract, byte for byte.

Two guards, so that neither passes on nothing: the copy's checksums are kept in the
repository (``docs/spec/SHA256SUMS``, always there), and, wherever ``../shared/spec`` is
beside the checkout, the copy must equal it (else that test says it was skipped, and why).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.spec import SHARED_SPEC_DIR, SPEC_DIR, SPEC_FILES

SUMS = SPEC_DIR / "SHA256SUMS"


def recorded_sums() -> dict[str, str]:
    """``sha256sum``'s output format: ``<hex>  <name>`` per line."""
    sums = {}
    for line in SUMS.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*")] = digest
    return sums


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_the_document_is_in_the_repository(path: Path) -> None:
    assert path.is_file(), f"{path} is missing: copy it from the contract (shared/spec/{path.name}) into {SPEC_DIR}"
    assert path.stat().st_size > 0, f"{path} is empty: copy it again from shared/spec/{path.name}"


def test_every_copied_file_has_a_recorded_checksum() -> None:
    assert sorted(recorded_sums()) == sorted(p.name for p in SPEC_FILES), (
        f"{SUMS} must list exactly the copied files; rewrite it with (cd {SPEC_DIR} && sha256sum "
        + " ".join(p.name for p in SPEC_FILES)
        + " > SHA256SUMS)"
    )


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_the_copy_matches_its_recorded_checksum(path: Path) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == recorded_sums()[path.name], (
        f"{path} changed since its checksum was recorded in {SUMS}: the copy must be the contract's, byte for "
        f"byte. If the contract itself changed, copy it again from shared/spec/ and rewrite SHA256SUMS"
    )


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_the_copy_equals_the_shared_contract(path: Path) -> None:
    if not SHARED_SPEC_DIR.is_dir():
        pytest.skip(f"{SHARED_SPEC_DIR} is not beside this checkout: the copy is held to its recorded checksum only")
    original = SHARED_SPEC_DIR / path.name
    assert original.is_file(), f"{original} is missing although {SHARED_SPEC_DIR} is there"
    assert path.read_bytes() == original.read_bytes(), (
        f"{path} differs from {original}: the contract changed; copy it again "
        f"(cp {original} {path}), rewrite {SUMS} and rerun the quote tests"
    )

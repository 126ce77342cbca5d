"""Where the harness's own tests read the API document: the repository's copy.

The contract is kept in ``docs/spec/`` so that every clone, with or without the
``../shared/spec`` directory it was copied from, runs the quote tests and the
stored-examples test instead of skipping them. ``test_spec_copy.py`` keeps the copy
byte for byte equal to ``../shared/spec`` wherever that directory is beside the checkout.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC_DIR = REPO / "docs" / "spec"
DOCUMENT = SPEC_DIR / "retrieve-customer-information.txt"
REAL_CLIENTS = SPEC_DIR / "real-clients.md"
SPEC_FILES = (DOCUMENT, REAL_CLIENTS)
# Where the copy came from: the directory beside the repository, when it is there.
SHARED_SPEC_DIR = REPO.parent / "shared" / "spec"

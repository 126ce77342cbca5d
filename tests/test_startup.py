"""What a run pays before its first request: modules it needs only later are imported later."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def test_xmlschema_is_imported_when_the_first_answer_is_validated_not_at_start() -> None:
    # xmlschema and its XPath engine take about half a second to import: a run pays it
    # after its first request (the first XML answer validated), --collect-only never.
    code = (
        "import sys, conformance.plugin, conformance.checks, conformance.evaluation;"
        "conformance.checks._load_families();"
        "print('xmlschema' in sys.modules)"
    )
    started = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert started.stdout.strip() == "False", "xmlschema is imported at start-up"
    # ... and the schema it compiles then still judges: the document's own example passes,
    # the same answer without its message does not.
    from conformance.schemas import shared

    example = (Path(__file__).parent / "data" / "spec-examples" / "no-match.xml").read_text(encoding="utf-8")
    assert shared().xsd.is_valid(example)
    assert not shared().xsd.is_valid(re.sub(r"<message>.*?</message>", "", example))
    assert "xmlschema" in sys.modules

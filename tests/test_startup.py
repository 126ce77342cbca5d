"""What a run pays before its first request: modules it needs only later are imported later."""

from __future__ import annotations

import os
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


def test_the_harness_process_imports_neither_the_reference_server_nor_requests() -> None:
    # The reference server runs in a child process: the harness reads its profile and data
    # set, never its WSGI app, SQLite store or waitress (a fifth of a second). And the
    # client is urllib3's: requests is imported only when the environment names a proxy.
    code = (
        "import sys, conformance.plugin, conformance.checks, conformance.evaluation;"
        "from conformance.client import Client;"
        "from conformance.reference import PROFILE_PATH;"
        "from conformance.profile import load_profile;"
        "profile = load_profile(PROFILE_PATH);"
        "Client('http://127.0.0.1:1/api.php', profile.password).transport.pools.borrow();"
        "print(sorted(m for m in ('conformance.reference.app', 'waitress', 'requests') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    started = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert started.stdout.strip() == "[]", started.stdout
    # ... and what the tests and the sandbox import from the package still resolves.
    from conformance import reference

    assert callable(reference.make_app) and callable(reference.start) and reference.RunningServer

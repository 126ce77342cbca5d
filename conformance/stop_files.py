"""report.html and junit.xml for a run stopped before any case (the target cannot be
tested): pytest-html and JUnit never run then (pytest ends at session start), yet a CI
keeps these files as the run's evidence. Free of pytest; every text is redacted."""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

from conformance.secret import Secret, redact
from conformance.templating import render

# Characters XML 1.0 cannot carry at all (a transport error may quote a raw byte).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(text: str, secret: Secret | None) -> str:
    return _NOT_XML.sub("\ufffd", redact(text, secret))


def stop_junit(message: str, secret: Secret | None) -> bytes:
    """One testcase in error carrying the message: a CI's test view shows why."""
    message = _text(message, secret)
    suites = ET.Element("testsuites", name="pytest tests")
    suite = ET.SubElement(
        suites, "testsuite", name="pytest", errors="1", failures="0", skipped="0", tests="1", time="0.000",
        timestamp=datetime.now(timezone.utc).isoformat(timespec="seconds"), hostname=socket.gethostname(),
    )  # fmt: skip
    case = ET.SubElement(
        suite, "testcase", classname="conformance.suite.test_customer_info", name="smoke_request", time="0.000"
    )
    error = ET.SubElement(case, "error", message=message)
    error.text = message
    body: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=False)  # bytes for any encoding but "unicode"
    return b'<?xml version="1.0" encoding="utf-8"?>' + body


def stop_html(message: str, verdict: str, target: str, profile: str, certificate: Path, secret: Secret | None) -> str:
    """A page readable with scripts off: the verdict, why, and where the evidence is."""
    rows = [
        ("verdict", verdict),
        ("target", target),
        ("profile", profile),
        ("certificate", str(certificate)),
        ("written", datetime.now(timezone.utc).isoformat(timespec="seconds")),
    ]
    return render(
        "stop.html",
        verdict=verdict,
        message=_text(message, secret),
        rows=[(name, _text(value, secret)) for name, value in rows],
    )


__all__ = ["stop_html", "stop_junit"]

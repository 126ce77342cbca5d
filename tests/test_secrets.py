"""After a run with failures, the password sent appears in no output: terminal, HTML
report, JUnit XML, any file the run writes, any curl command. Even when the target
echoes it back in its answers and headers."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import markupsafe
import pytest
import yaml

from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH, make_app
from tests.servers import serve_wsgi

# Characters that each encoding spells differently: URL, XML, JSON, shell.
PASSWORD = "Zq9!x&<\"Pw>'%20é-secret-4417"
REFERENCE_PASSWORD = load_profile(PROFILE_PATH).password.reveal()


def spellings(value: str) -> set[str]:
    return {
        value, quote(value, safe=""), quote_plus(value), html.escape(value), html.escape(value, quote=False),
        str(markupsafe.escape(value)),  # as the report's templates write it (conformance/templating.py)
        json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
        base64.b64encode(value.encode()).decode(), "4417",  # the tail alone is distinctive too
    }  # fmt: skip


class LeakyTarget:
    """The reference server behind a front that takes PASSWORD and echoes it back:
    in a header, in error texts, and inside customer data."""

    def __init__(self) -> None:
        self.app = make_app()
        self.url = ""  # set once served

    def __call__(self, environ, start_response):
        from werkzeug.wrappers import Request

        request = Request(environ)
        fields = request.values.to_dict()
        if fields.get("user_password") == PASSWORD:
            fields["user_password"] = REFERENCE_PASSWORD
        answer = self._reference(fields)
        echoed = answer.replace(
            b"<error>",
            f"<error>{html.escape(PASSWORD, quote=False)} was used: ".encode(),
        )
        echoed = echoed.replace(
            b"<first_name>",
            f"<first_name>{html.escape(PASSWORD, quote=False)}".encode(),
        )
        echoed = re.sub(
            rb'"first_name": ?"',
            lambda m: m.group(0) + json.dumps(PASSWORD)[1:-1].encode(),
            echoed,
        )  # indented or condensed
        # And one violation, so that cases fail and their reports show the answers.
        echoed = re.sub(rb"<phone>[^<]*</phone>|\"phone\": ?\"[^\"]*\",", b"", echoed)
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/xml"),
                ("X-Debug-Password", quote(PASSWORD)),
                ("Content-Length", str(len(echoed))),
            ],
        )
        return [echoed]

    def _reference(self, fields: dict[str, str]) -> bytes:
        from werkzeug.test import Client

        response = Client(self.app).post("/api.php", data=fields)
        return response.get_data()


@pytest.fixture
def leaky():
    target = LeakyTarget()
    with serve_wsgi(target) as served:
        target.url = served.url
        yield target


def test_password_appears_in_no_output(leaky: LeakyTarget, tmp_path: Path) -> None:
    profile = yaml.safe_load(PROFILE_PATH.read_text())
    del profile["credentials"]["user_password"]  # the password comes from the environment only
    profile_path = tmp_path / "profile.yaml"
    profile_path.write_text(yaml.safe_dump(profile))
    report_dir = tmp_path / "reports"
    env = {**os.environ, "TARGET_USER_PASSWORD": PASSWORD}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "conformance.suite",
            "-p",
            "no:cacheprovider",
            "-rA",
            "-l",
            "--combinations",
            "pairwise",
            "--cases",
            "id=greatwidgets-89898989898989-by:code "
            "or (kind=answer and account=greatwidgets and customer=89898989898989 "
            "and by=code and (output=JSON or output=json)) "
            "or (relation=filters and account=greatwidgets) or kind=access",
            "--target-url",
            leaky.url,
            "--target-profile",
            str(profile_path),
            "--report-dir",
            str(report_dir),
            "--junitxml",
            str(report_dir / "junit.xml"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 1, output[-3000:]  # cases failed: phone is missing
    assert "INTERNALERROR" not in output
    assert "$TARGET_USER_PASSWORD" in output  # the curl commands use the placeholder
    written = {
        path: path.read_bytes().decode("utf-8", "replace")
        for path in tmp_path.rglob("*")
        if path.is_file() and path != profile_path
    }
    assert report_dir / "report.html" in written and report_dir / "junit.xml" in written
    for spelling in spellings(PASSWORD):
        assert spelling not in output, f"the password ({spelling!r}) is in the terminal output"
        for path, text in written.items():
            assert spelling not in text, f"the password ({spelling!r}) is in {path}"


def test_the_leak_is_reported_as_an_advisory(leaky: LeakyTarget, tmp_path: Path) -> None:
    profile = yaml.safe_load(PROFILE_PATH.read_text())
    profile["credentials"]["user_password"] = PASSWORD
    profile_path = tmp_path / "profile.yaml"
    profile_path.write_text(yaml.safe_dump(profile))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "conformance.suite",
            "-p",
            "no:cacheprovider",
            "-q",
            "--combinations",
            "pairwise",
            "--cases",
            "access=wrong-password",
            "--target-url",
            leaky.url,
            "--target-profile",
            str(profile_path),
            "--report-dir",
            str(tmp_path / "r"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "the answer echoes the password sent" in run.stdout, run.stdout[-2000:]

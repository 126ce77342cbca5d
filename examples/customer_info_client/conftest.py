"""Where the tests find the server: SANDBOX_URL and SANDBOX_PROFILE (the profile the
sandbox printed), as docs/client-testing.md starts it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from client import Client


@pytest.fixture(scope="session")
def profile() -> dict:
    path = os.environ.get("SANDBOX_PROFILE")
    if not path:
        pytest.exit(
            "set SANDBOX_URL and SANDBOX_PROFILE to the url: and profile: lines the sandbox printed", returncode=4
        )
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


@pytest.fixture(params=["XML", "JSON"])
def client(request: pytest.FixtureRequest, profile: dict) -> Client:
    url = os.environ["SANDBOX_URL"]
    account = profile["accounts"][0]["account_id"]
    credentials = profile["credentials"]
    return Client(url, credentials["user_id"], str(credentials["user_password"]), account, output=request.param)

"""Fixtures for the reference implementation's tests.

One real server (waitress, loopback, free port) serves the whole session;
tests talk to it over HTTP with requests, exactly as the harness does.
Helpers are fixtures (not an imported module) so nothing depends on how
pytest puts this directory on sys.path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from lxml import etree

from conformance.reference import RunningServer, start

CREDENTIALS = {"user_id": "john1970", "user_password": "1959caadac9b13dcb3", "type": "customer_info"}

# The list elements of the XML form and the name of their entries (render.py's
# mapping, restated here so a change there is caught, not mirrored).
XML_LISTS = {"campaigns": "campaign", "available_rewards": "reward", "balances": "item"}


def xml_to_doc(body: bytes) -> dict[str, Any]:
    """Read an XML answer back into the JSON-shaped document."""

    def value(element: etree._Element) -> Any:
        if element.tag in XML_LISTS:
            entries = list(element)
            assert all(e.tag == XML_LISTS[element.tag] for e in entries), element.tag
            return [value(e) for e in entries]
        if len(element):
            tags = [child.tag for child in element]
            assert len(tags) == len(set(tags)), f"repeated child in <{element.tag}>"
            return {child.tag: value(child) for child in element}
        return element.text or ""

    root = etree.fromstring(body)
    assert root.tag == "response"
    doc: dict[str, Any] = {"status": root.get("status")}
    for child in root:
        doc[child.tag] = value(child)
    return doc


class Api:
    """Calls to one running reference server."""

    def __init__(self, server: RunningServer, session: requests.Session) -> None:
        self.server = server
        self.url = server.url
        self.session = session

    def post(self, **fields: str) -> requests.Response:
        """urlencoded POST of CREDENTIALS plus ``fields`` (None removes one)."""
        return self.session.post(self.url, data=self.fields(**fields), timeout=10)

    def get(self, **fields: str) -> requests.Response:
        return self.session.get(self.url, params=self.fields(**fields), timeout=10)

    def multipart(self, **fields: str) -> requests.Response:
        files = {k: (None, v) for k, v in self.fields(**fields).items()}
        return self.session.post(self.url, files=files, timeout=10)

    @staticmethod
    def fields(**fields: str | None) -> dict[str, str]:
        merged: dict[str, Any] = {**CREDENTIALS, **fields}
        return {k: v for k, v in merged.items() if v is not None}

    def xml(self, **fields: str) -> dict[str, Any]:
        response = self.post(**fields)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
        return xml_to_doc(response.content)

    def json(self, **fields: str) -> dict[str, Any]:
        response = self.post(output="json", **fields)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)

    def campaigns(self, **fields: str) -> dict[str, dict[str, Any]]:
        """The JSON campaigns by name, after checking XML says the same."""
        doc = self.json(**fields)
        assert doc["status"] == "success", doc
        assert self.xml(**fields) == doc
        return {c["name"]: c for c in doc["campaigns"]}


@pytest.fixture(scope="session")
def server() -> Iterator[RunningServer]:
    with start() as running:
        yield running


@pytest.fixture(scope="session")
def api(server: RunningServer) -> Iterator[Api]:
    with requests.Session() as session:
        yield Api(server, session)


@pytest.fixture(scope="session")
def to_doc() -> Any:
    return xml_to_doc

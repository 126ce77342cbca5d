"""The faults catalogue and its plumbing, for the harness's own tests: they live in the
package (``conformance/reference/sandbox/``), where ``python -m conformance.reference
--faults NAME`` serves them to client developers; one definition, re-exported here so
the tests keep importing ``tests.faults``."""

from conformance.reference.sandbox.data import (
    COALITION_ACCOUNTS,
    FIRST_CODE,
    PASSWORDS,
    READABLE,
    SEEDED,
    SMOKE_FIELDS,
    Document,
    Fields,
    is_smoke,
)
from conformance.reference.sandbox.faults import FAULTS, serve
from conformance.reference.sandbox.middleware import (
    ADVISORY,
    NO_FAULT,
    DocumentEdit,
    Fault,
    FaultyApp,
    Reply,
    ReplyEdit,
    RequestEdit,
    WireEdit,
    on_document,
    render,
)
from conformance.reference.sandbox.parser import LIST_TAGS, Parsed, parse
from conformance.reference.sandbox.server import Server
from conformance.reference.sandbox.xml_writer import XML_DECLARATION, KeyOrder, write_xml

__all__ = [
    "ADVISORY",
    "COALITION_ACCOUNTS",
    "FAULTS",
    "FIRST_CODE",
    "LIST_TAGS",
    "NO_FAULT",
    "PASSWORDS",
    "READABLE",
    "SEEDED",
    "SMOKE_FIELDS",
    "XML_DECLARATION",
    "Document",
    "DocumentEdit",
    "Fault",
    "FaultyApp",
    "Fields",
    "KeyOrder",
    "Parsed",
    "Reply",
    "ReplyEdit",
    "RequestEdit",
    "Server",
    "WireEdit",
    "is_smoke",
    "on_document",
    "parse",
    "render",
    "serve",
    "write_xml",
]

"""The response schemas, compiled once per process, and validation of answers.

The XSD (XSD 1.1, so that documented elements may come in any order among extra
ones) is validated with xmlschema; JSON(P) answers with jsonschema. xmlschema costs
milliseconds per document, and most answers of a run repeat byte for byte (the same
customer under parameters that do not change it), so verdicts are cached per
distinct body.

Attributes in the XML Schema instance namespace (xsi:type, xsi:nil, xsi:schemaLocation)
are instructions to a validator. The document is silent about attributes, so for the
harness they are extras like any other: they are removed from a copy of the answer
before it is validated, so that a target cannot choose how its answer is validated
(and <street2 xsi:nil="true"/>, as some serialisers write an empty value, is legal).
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import jsonschema

if TYPE_CHECKING:
    import xmlschema

from conformance.resources import schema_path

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD_FILE = "response.xsd"
JSON_SCHEMA_FILE = "response.schema.json"


@dataclass(frozen=True)
class SchemaError:
    """One schema error: the library's structured fields (where it is, and for an XSD
    assertion its test), from which a check routes it to a requirement, and the
    library's wording (``reason``), which is shown and never read."""

    where: str  # the error's path: an XPath for XML (xmlschema's), a JSON pointer for JSON (jsonschema's)
    reason: str
    test: str = ""  # an XSD assertion's test (xmlschema's validator, an XsdAssert), whitespace folded


class ResponseSchemas:
    def __init__(self) -> None:
        self._cache: dict[tuple[str, bytes], tuple[SchemaError, ...]] = {}
        self._lock = threading.Lock()
        self._compiling = threading.Lock()  # the XSD is compiled once, by whichever thread asks first
        self._xsd: xmlschema.XMLSchema11 | None = None

    @property
    def xsd(self) -> xmlschema.XMLSchema11:
        # Imported here, not at start-up: xmlschema and its XPath engine take about half a
        # second to import and the XSD as long to compile, which --collect-only never
        # spends; a run compiles it in the background, beside its first requests
        # (warm_in_background). Once compiled, read without the lock (every XML answer).
        compiled = self._xsd
        if compiled is not None:
            return compiled
        with self._compiling:
            if self._xsd is None:
                import xmlschema

                self._xsd = xmlschema.XMLSchema11(str(schema_path(XSD_FILE)))
            return self._xsd

    def warm_in_background(self) -> threading.Thread:
        """Compile both schemas in a daemon thread, so that a run's start-up (the embedded
        server starting, the smoke request, learning each customer's campaigns: waits on
        another process or the network) overlaps the compilation instead of the first
        answer waiting for it. Whoever needs a schema first waits for it only then."""
        thread = threading.Thread(target=self._warm, name="conformance-schemas", daemon=True)
        thread.start()
        return thread

    def _warm(self) -> None:
        self.json_validator  # noqa: B018 - compiled here, read later
        self.xsd  # noqa: B018

    @cached_property
    def json_validator(self) -> jsonschema.protocols.Validator:
        schema = json.loads(schema_path(JSON_SCHEMA_FILE).read_text(encoding="utf-8"))
        return jsonschema.Draft202012Validator(schema)

    def xml_errors(self, body: bytes, root: Any) -> tuple[SchemaError, ...]:
        return self._cached(("xml", _digest(body)), lambda: self._validate_xml(root))

    def json_errors(self, body: bytes, document: dict[str, Any]) -> tuple[SchemaError, ...]:
        return self._cached(("json", _digest(body)), lambda: self._validate_json(document))

    def _cached(
        self, key: tuple[str, bytes], compute: Callable[[], tuple[SchemaError, ...]]
    ) -> tuple[SchemaError, ...]:
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        result = compute()
        with self._lock:
            self._cache[key] = result
        return result

    def _validate_xml(self, root: Any) -> tuple[SchemaError, ...]:
        errors = []
        for error in self.xsd.iter_errors(without_xsi_attributes(root)):
            reason = error.reason or str(error.message)
            test = _assertion_test(error.validator)
            if test:
                # An assertion is reported at the element that holds it; its test says
                # what it is about (a reward's fields, custom_field_N's shape).
                reason += ": " + test
            errors.append(SchemaError(error.path or "/", reason, test))
            if len(errors) >= 10:
                break
        return tuple(errors)

    def _validate_json(self, document: dict[str, Any]) -> tuple[SchemaError, ...]:
        errors = sorted(self.json_validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
        return tuple(
            SchemaError("/" + "/".join(map(str, error.absolute_path)), _json_reason(error)) for error in errors[:10]
        )


def _assertion_test(validator: Any) -> str:
    """The test of the XSD assertion that failed ("" for any other validator)."""
    import xmlschema.validators

    if not isinstance(validator, xmlschema.validators.XsdAssert):
        return ""
    return " ".join(str(validator.path).split())


def without_xsi_attributes(root: Any) -> Any:
    """The lxml tree, or a copy of it without attributes in the xsi namespace."""
    if not root.xpath("boolean(//@*[namespace-uri() = $xsi])", xsi=XSI):
        return root
    stripped = copy.deepcopy(root)
    for element in stripped.iter():
        for name in [n for n in element.attrib if n.startswith(f"{{{XSI}}}")]:
            del element.attrib[name]
    return stripped


INSTANCE_SHOWN = 80  # characters of the offending value kept in a reason


def _json_reason(error: jsonschema.ValidationError) -> str:
    """jsonschema's message with the offending value cut short: its messages start with
    the value's repr ("{...} is not of type 'array'"), and a whole campaign list there
    pushed the reason itself past where a failure's text is cut."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    comment = schema.get("$comment")
    message = error.message
    shown = repr(error.instance)
    if message.startswith(shown) and len(shown) > INSTANCE_SHOWN:
        message = f"{shown[:INSTANCE_SHOWN]}... ({len(shown)} characters){message[len(shown) :]}"
    return message + (f" ({comment})" if comment else "")


def _digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).digest()


_SHARED: ResponseSchemas | None = None


def shared() -> ResponseSchemas:
    """The process-wide compiled schemas (compiling the XSD costs about a second)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = ResponseSchemas()
    return _SHARED

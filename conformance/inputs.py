"""The input model (``cases/inputs.yaml``): every request field, its role, where its real
values come from, and what a value that is not a real one must get.

Validated at load against ``schemas/inputs.schema.json``, then for what a schema cannot
say (a role that no field names, a requirement the catalogue lacks); every mistake is one
:class:`InputModelError` naming the key and the fix, as the profile's are.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance import yamlfile
from conformance.resources import cases_path, schema_path


class InputModelError(Exception):
    """An input model that cannot be used; the message says what and how to fix it."""


@dataclass(frozen=True)
class Field:
    name: str
    role: str
    source: str
    values: tuple[str, ...] = ()
    requirement: str | None = None
    required: bool = False
    secret: bool = False
    wrong: str | None = None
    other_kind: str | None = None


@dataclass(frozen=True)
class Role:
    """What a value that is not a real one must get (``statuses``, and no customer data
    when ``customer_data`` is never), the alterations judged and those only recorded."""

    name: str
    statuses: tuple[str, ...]
    customer_data: str
    why: str
    judged: tuple[str, ...]
    probes: tuple[str, ...]
    malformed_statuses: tuple[str, ...] | None = None
    judged_why: str = ""
    probes_why: str = ""
    hostile: tuple[tuple[str, str], ...] = ()

    def alterations(self) -> tuple[str, ...]:
        return self.judged + self.probes


@dataclass(frozen=True)
class InputModel:
    fields: tuple[Field, ...]
    roles: dict[str, Role]

    def of_role(self, role: str) -> list[Field]:
        return [f for f in self.fields if f.role == role]

    def field(self, name: str) -> Field:
        for found in self.fields:
            if found.name == name:
                return found
        raise KeyError(name)

    def role(self, field: Field) -> Role:
        return self.roles[field.role]


@lru_cache(maxsize=1)
def load_inputs() -> InputModel:
    """The harness's own table (cached)."""
    return load_input_model(cases_path("inputs.yaml"))


def load_input_model(path: Path) -> InputModel:
    """Read, validate and return the table at ``path``; raise InputModelError otherwise."""
    where = f"input model {path}"
    try:
        data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputModelError(f"{where}: cannot be read ({exc.strerror}).") from None
    except yaml.YAMLError as exc:
        raise InputModelError(f"{where}: not valid YAML: {exc}. Fix the YAML syntax there.") from None
    return input_model(data, where)


def input_model(data: Any, where: str = "input model") -> InputModel:
    schema = json.loads(schema_path("inputs.schema.json").read_text(encoding="utf-8"))
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]
    )
    problems = [_explain(error) for error in errors] or _consistency_problems(data)
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        raise InputModelError(f"{where} is not valid:\n{listing}\nSee the comments at the top of cases/inputs.yaml.")
    roles = {name: _role(name, spec) for name, spec in data["roles"].items()}
    fields = tuple(
        Field(
            name=name,
            role=spec["role"],
            source=spec["source"],
            values=tuple(spec.get("values", ())),
            requirement=spec.get("requirement"),
            required=spec.get("required", False),
            secret=spec.get("secret", False),
            wrong=spec.get("wrong"),
            other_kind=spec.get("other_kind"),
        )
        for name, spec in data["fields"].items()
    )
    return InputModel(fields, roles)


def _role(name: str, spec: dict[str, Any]) -> Role:
    hostile = tuple(
        (key, value if isinstance(value, str) else value["repeat"] * value["times"])
        for key, value in spec.get("hostile", {}).items()
    )
    malformed = spec.get("malformed_statuses")
    return Role(
        name=name,
        statuses=tuple(spec["statuses"]),
        customer_data=spec["customer_data"],
        why=" ".join(spec["why"].split()),
        judged=tuple(spec["judged"]),
        probes=tuple(spec["probes"]),
        malformed_statuses=tuple(malformed) if malformed else None,
        judged_why=" ".join(spec.get("judged_why", "").split()),
        probes_why=" ".join(spec.get("probes_why", "").split()),
        hostile=hostile,
    )


def _location(path: Any) -> str:
    return ".".join(str(part) if not isinstance(part, int) else f"[{part}]" for part in path) or "the top level"


def _explain(error: jsonschema.ValidationError) -> str:
    where = _location(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "required":
        return f"{where}: missing key {error.message.split(' is ')[0]}. Add it."
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extras = [k for k in error.instance if k not in allowed]
        hints = []
        for extra in extras:
            close = difflib.get_close_matches(str(extra), allowed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            hints.append(f"{where}: unknown key '{extra}'.{hint} Allowed keys here: {', '.join(allowed)}.")
        return " ".join(hints)
    if error.validator == "enum":
        options = [str(v) for v in schema.get("enum", [])]
        close = difflib.get_close_matches(str(error.instance), options, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        return f"{where}: {error.instance!r} is not one of {', '.join(options)}.{hint}"
    if error.validator == "type":
        return f"{where}: must be of type {schema.get('type')}, got {error.instance!r}."
    return f"{where}: {error.message}."


def _consistency_problems(data: dict[str, Any]) -> list[str]:
    """What the schema cannot say: every name a key refers to exists."""
    from conformance.requirements import catalogue

    problems = []
    roles, fields = data["roles"], data["fields"]
    for name, spec in fields.items():
        at = f"fields.{name}"
        if spec["role"] not in roles:
            close = difflib.get_close_matches(spec["role"], list(roles), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(f"{at}.role: no role '{spec['role']}' under roles.{hint} Roles: {', '.join(roles)}.")
            continue
        role = roles[spec["role"]]
        requirement = spec.get("requirement")
        if requirement is not None and requirement not in catalogue():
            problems.append(
                f"{at}.requirement: '{requirement}' is not in conformance/requirements.yaml. Use a catalogued id."
            )
        if role["judged"] and requirement is None:
            problems.append(
                f"{at}: role '{spec['role']}' judges alterations, so a wrong answer breaks a requirement: "
                "add `requirement: <catalogue id>`."
            )
        if spec["source"] == "document" and not spec.get("values"):
            problems.append(f"{at}: source document needs `values` (the values the document gives). Add them.")
        altered = set(role["judged"]) | set(role["probes"])
        if "wrong" in altered and "wrong" not in spec:
            problems.append(f"{at}: role '{spec['role']}' applies `wrong`: give the field a `wrong` value.")
        if "other-kind" in altered and spec.get("other_kind") not in fields:
            problems.append(
                f"{at}: role '{spec['role']}' applies `other-kind`: name another field in `other_kind` "
                f"(got {spec.get('other_kind')!r})."
            )
    for name, role in roles.items():
        both = sorted(set(role["judged"]) & set(role["probes"]))
        if both:
            problems.append(f"roles.{name}: {', '.join(both)} both judged and probes. Keep each in one list.")
        if "hostile" in role["judged"] + role["probes"] and not role.get("hostile"):
            problems.append(f"roles.{name}: applies `hostile`: list the values under `hostile`.")
        if role["judged"] and not role.get("judged_why"):
            problems.append(f"roles.{name}: say why these alterations are judged in `judged_why`.")
        if role["probes"] and not role.get("probes_why"):
            problems.append(f"roles.{name}: say why these alterations are only recorded in `probes_why`.")
    return problems


__all__ = ["Field", "InputModel", "InputModelError", "Role", "input_model", "load_input_model", "load_inputs"]

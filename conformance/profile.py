"""The target profile: the test data a target holds, loaded and explained.

A profile is YAML validated against ``schemas/profile.schema.json`` before anything is
sent. Every mistake becomes a :class:`ProfileError` whose text names the file, the key
and the fix; the plugin turns it into one pytest usage error, never a traceback.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance.resources import schema_path
from conformance.secret import Secret

PASSWORD_ENV = "TARGET_USER_PASSWORD"


class ProfileError(Exception):
    """A profile that cannot be used; the message says what and how to fix it."""


@dataclass(frozen=True)
class Customer:
    code: str | None
    card_number: str | None

    @property
    def label(self) -> str:
        """A short, stable name for test ids: the code, else the card number."""
        return self.code if self.code is not None else f"card-{self.card_number}"


@dataclass(frozen=True)
class Account:
    account_id: str
    coalition: bool
    customers: tuple[Customer, ...]


@dataclass(frozen=True)
class Profile:
    path: Path
    user_id: str
    password: Secret
    accounts: tuple[Account, ...]
    forbidden_account_id: str | None
    sha256: str

    def account(self, account_id: str) -> Account:
        for account in self.accounts:
            if account.account_id == account_id:
                return account
        raise KeyError(account_id)


def load_profile(path: str | os.PathLike[str], environ: dict[str, str] | None = None) -> Profile:
    """Read, validate and return the profile at ``path``; raise ProfileError otherwise."""
    environ = dict(os.environ) if environ is None else environ
    path = Path(path)
    where = f"target profile {path}"
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ProfileError(f"{where}: no such file. Check --target-profile (or the target_profile ini value).")
    except IsADirectoryError:
        raise ProfileError(f"{where}: is a directory, not a YAML file. Point --target-profile at the file.")
    except OSError as exc:
        raise ProfileError(f"{where}: cannot be read ({exc.strerror}).")
    try:
        data = yaml.load(raw_bytes, Loader=_ProfileLoader)  # noqa: S506 - a SafeLoader subclass
    except _RepeatedKey as exc:
        raise ProfileError(f"{where}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProfileError(f"{where}: not valid YAML{at}: {problem}. Fix the YAML syntax there.")
    if data is None:
        raise ProfileError(f"{where}: the file is empty. See 'Target profile' in README.md for the format.")

    problems = _schema_problems(data)
    if not problems:
        problems = _consistency_problems(data)
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        raise ProfileError(f"{where} is not valid:\n{listing}\nSee 'Target profile' in README.md for the format.")

    credentials = data["credentials"]
    password = environ.get(PASSWORD_ENV) or credentials.get("user_password")
    if not password:
        raise ProfileError(
            f"{where}: no password for user {credentials['user_id']!r}. "
            f"Set the environment variable {PASSWORD_ENV}, or add credentials.user_password to the profile."
        )
    accounts = tuple(
        Account(
            account_id=account["account_id"],
            coalition=account["coalition"],
            customers=tuple(Customer(c.get("code"), c.get("card_number")) for c in account["customers"]),
        )
        for account in data["accounts"]
    )
    # The hash identifies the test data in a certificate; the password is left out
    # of it so that a hash never helps anyone guess a password.
    hashed = json.dumps({k: v for k, v in data.items() if k != "credentials"}, sort_keys=True)
    return Profile(
        path=path,
        user_id=credentials["user_id"],
        password=Secret(password),
        accounts=accounts,
        forbidden_account_id=data.get("forbidden_account_id"),
        sha256=hashlib.sha256((credentials["user_id"] + "\n" + hashed).encode()).hexdigest(),
    )


class _RepeatedKey(yaml.YAMLError):
    pass


class _Number(int):
    """An unquoted YAML number, with the text as the file wrote it (0123, not 83)."""

    source: str


class _Float(float):
    source: str


class _ProfileLoader(yaml.SafeLoader):
    """SafeLoader that refuses repeated keys (the last would silently win and drop
    test data) and remembers how unquoted numbers were written."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _RepeatedKey(
                    f"the key '{key}' appears twice (lines {seen[key] + 1} and {key_node.start_mark.line + 1}); "
                    "YAML would keep only the last one. Merge them into one."
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    value = _Number(yaml.SafeLoader.construct_yaml_int(loader, node))
    value.source = node.value
    return value


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    value = _Float(yaml.SafeLoader.construct_yaml_float(loader, node))
    value.source = node.value
    return value


_ProfileLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_ProfileLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_SECRET_PATHS = ("credentials.user_password",)


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(schema_path("profile.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _schema_problems(data: Any) -> list[str]:
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    return [_explain(error) for error in errors]


def _location(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the top level"


def _explain(error: jsonschema.ValidationError) -> str:
    """Turn one schema error into a sentence with the key and the fix."""
    where = _location(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"{where}: missing key '{missing}'. Add it."
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extras = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        parts = []
        for extra in extras:
            close = difflib.get_close_matches(str(extra), allowed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            parts.append(f"{where}: unknown key '{extra}'.{hint} Allowed keys here: {', '.join(allowed)}.")
        return " ".join(parts)
    if kind == "type":
        expected = schema.get("type")
        secret = where in _SECRET_PATHS  # never echo what may be a password
        if expected == "string" and isinstance(error.instance, (int, float)) and not isinstance(error.instance, bool):
            written = getattr(error.instance, "source", str(error.instance))
            example = "the value" if secret else f'"{written}"'
            return (
                f"{where}: must be a string, but YAML reads the unquoted value as a number"
                f"{'' if secret else f' ({error.instance!r})'}, which can change it (leading zeros, octal). "
                f"Quote it in the YAML exactly as written: {example}."
            )
        got = "nothing (an empty value)" if error.instance is None else f"{_yaml_kind(error.instance)}"
        if not secret and error.instance is not None and not isinstance(error.instance, (dict, list)):
            got += f" {error.instance!r}"
        if expected == "boolean":
            return f"{where}: must be true or false, got {got}."
        names = {"object": "a mapping (key: value lines)", "array": "a list (lines starting with '- ')", "string": "a string"}
        return f"{where}: must be {names.get(expected, expected)}, got {got}."
    if kind == "minItems":
        return f"{where}: must list at least {schema.get('minItems')} entry; it is empty."
    if kind == "minLength":
        return f"{where}: must not be empty."
    if kind == "minProperties":
        return f"{where}: a customer needs 'code', 'card_number' or both; this one gives neither."
    return f"{where}: {error.message}."


def _yaml_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _consistency_problems(data: dict[str, Any]) -> list[str]:
    """What the schema cannot say: duplicates and a forbidden account that is also listed."""
    problems = []
    seen: set[str] = set()
    for index, account in enumerate(data["accounts"]):
        account_id = account["account_id"]
        if account_id in seen:
            problems.append(f"accounts[{index}].account_id: '{account_id}' is listed twice. List each account once.")
        seen.add(account_id)
        for key in ("code", "card_number"):
            holders: dict[str, list[int]] = {}
            for position, customer in enumerate(account["customers"]):
                if key in customer:
                    holders.setdefault(customer[key], []).append(position)
            for value, positions in sorted(holders.items()):
                if len(positions) > 1:
                    named = " and ".join(f"accounts[{index}].customers[{p}]" for p in positions)
                    problems.append(f"{named} share the {key} '{value}'. Each customer's identifiers must be its own.")
    forbidden = data.get("forbidden_account_id")
    if forbidden is not None and forbidden in seen:
        problems.append(
            f"forbidden_account_id: '{forbidden}' is also listed under accounts. It must name an account "
            "these credentials may NOT read."
        )
    return problems

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
        data = yaml.safe_load(raw_bytes)
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
        got = type(error.instance).__name__
        if expected == "string" and isinstance(error.instance, (int, float)) and not isinstance(error.instance, bool):
            return (
                f"{where}: must be a string, got the number {error.instance!r}. "
                f"Quote it in the YAML, e.g. \"{error.instance}\" (unquoted, YAML reads it as a number and may drop leading zeros)."
            )
        if expected == "boolean":
            return f"{where}: must be true or false, got {error.instance!r} ({got})."
        names = {"object": "a mapping (key: value lines)", "array": "a list (lines starting with '- ')", "string": "a string"}
        return f"{where}: must be {names.get(expected, expected)}, got {got} {error.instance!r}."
    if kind == "minItems":
        return f"{where}: must list at least {schema.get('minItems')} entry; it is empty."
    if kind == "minLength":
        return f"{where}: must not be empty."
    if kind == "minProperties":
        return f"{where}: a customer needs 'code', 'card_number' or both; this one gives neither."
    return f"{where}: {error.message}."


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
            values = [c[key] for c in account["customers"] if key in c]
            for value in sorted({v for v in values if values.count(v) > 1}):
                problems.append(
                    f"accounts[{index}].customers: {key} '{value}' is given to more than one customer. "
                    "Each customer's identifiers must be its own."
                )
    forbidden = data.get("forbidden_account_id")
    if forbidden is not None and forbidden in seen:
        problems.append(
            f"forbidden_account_id: '{forbidden}' is also listed under accounts. It must name an account "
            "these credentials may NOT read."
        )
    return problems

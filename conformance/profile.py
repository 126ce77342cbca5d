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
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance import yamlfile
from conformance.resources import schema_path
from conformance.secret import Secret

PASSWORD_ENV = "TARGET_USER_PASSWORD"
OTHER_PASSWORD_ENV = "TARGET_OTHER_USER_PASSWORD"


class ProfileError(Exception):
    """A profile that cannot be used; the message says what and how to fix it."""


# A mapping of strings, hashable (sorted by key). A value None is a stated absence: the
# target holds no value for that field, so an answer must not carry it (YAML ``null``);
# a key left out is nothing stated, and is not compared.
Pairs = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class ExpectedCampaign:
    """One campaign as the customer's default answer must carry it: the keys given only.
    ``transacted``: the customer has had a transaction in it (None: not given).
    ``available_rewards`` / ``balances``: the whole list in any order, each entry its
    given keys (None: not given, not compared)."""

    id: str
    transacted: bool | None = None
    fields: Pairs = ()
    available_rewards: tuple[Pairs, ...] | None = None
    balances: tuple[Pairs, ...] | None = None

    def get(self, key: str) -> str | None:
        return dict(self.fields).get(key)


@dataclass(frozen=True)
class Expected:
    """What the target holds for one customer (the profile's ``expect``). ``customer``:
    documented fields given, by name; ``custom_fields``: custom_field_N -> its given
    ``label``/``data`` (None: the customer has no such field); ``campaigns``: the whole
    list of the default answer (None: not given)."""

    customer: Pairs = ()
    custom_fields: tuple[tuple[str, Pairs | None], ...] = ()
    campaigns: tuple[ExpectedCampaign, ...] | None = None


@dataclass(frozen=True)
class Customer:
    code: str | None
    card_number: str | None
    # Ground truth (both optional, so a profile of identifiers only reads as before).
    # ``account_campaigns`` is the account's ``campaigns`` list, kept on each customer so
    # a check reading one case (which holds its customer, not its account) can judge it.
    expect: Expected | None = None
    account_campaigns: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        """A short, stable name for test ids: the code, else the card number."""
        return self.code if self.code is not None else f"card-{self.card_number}"

    def __hash__(self) -> int:
        # A customer is hashed with every case that holds it (the caches keyed by case,
        # many times an answer), and hashing its expectations each time cost 3 us:
        # once. (The dataclass keeps this one and its generated __eq__.)
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash((self.code, self.card_number, self.expect, self.account_campaigns))

    def __getstate__(self) -> dict[str, Any]:
        # Not the cached hash: str hashes are salted per process, so it is this one's only.
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}


@dataclass(frozen=True)
class Account:
    account_id: str
    coalition: bool
    customers: tuple[Customer, ...]
    campaigns: tuple[str, ...] | None = None  # every campaign of the account, when the profile says


@dataclass(frozen=True)
class DatasetClaim:
    """The profile says the target holds the certification data set (and the harness
    checked the profile is the certification profile of that data set)."""

    name: str
    version: str
    sha256: str

    def __str__(self) -> str:
        return f"the {self.name}, version {self.version} (sha256 {self.sha256})"


@dataclass(frozen=True)
class OtherUser:
    """A second user of the target, with no access to the profile's accounts: its
    credentials must not read them (the negative space sends them, and mixes them with
    the first user's)."""

    user_id: str
    password: Secret


@dataclass(frozen=True)
class Profile:
    path: Path
    user_id: str
    password: Secret
    accounts: tuple[Account, ...]
    forbidden_account_id: str | None
    sha256: str
    dataset: DatasetClaim | None = None
    other_user: OtherUser | None = None

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
        raise ProfileError(
            f"{where}: no such file. Check --target-profile (or the target_profile ini value)."
        ) from None
    except IsADirectoryError:
        raise ProfileError(f"{where}: is a directory, not a YAML file. Point --target-profile at the file.") from None
    except OSError as exc:
        raise ProfileError(f"{where}: cannot be read ({exc.strerror}).") from None
    try:
        data = yaml.load(raw_bytes, Loader=_ProfileLoader)  # noqa: S506 - a SafeLoader subclass
    except _RepeatedKey as exc:
        raise ProfileError(f"{where}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProfileError(f"{where}: not valid YAML{at}: {problem}. Fix the YAML syntax there.") from None
    if data is None:
        raise ProfileError(f"{where}: the file is empty. See 'Target profile' in README.md for the format.")

    problems = _schema_problems(data)
    if not problems:
        problems = _consistency_problems(data)
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        raise ProfileError(f"{where} is not valid:\n{listing}\nSee 'Target profile' in README.md for the format.")

    claim = _dataset_claim(where, data)
    credentials = data["credentials"]
    password = environ.get(PASSWORD_ENV) or credentials.get("user_password")
    if not password:
        raise ProfileError(
            f"{where}: no password for user {credentials['user_id']!r}. "
            f"Set the environment variable {PASSWORD_ENV}, or add credentials.user_password to the profile."
        )
    accounts = tuple(_account(account) for account in data["accounts"])
    other_user = _other_user(where, data.get("other_user"), environ)
    # The hash identifies the test data in a certificate; the passwords are left out
    # of it so that a hash never helps anyone guess a password.
    hashed = json.dumps({k: v for k, v in data.items() if k not in ("credentials", "other_user")}, sort_keys=True)
    return Profile(
        path=path,
        user_id=credentials["user_id"],
        password=Secret(password),
        accounts=accounts,
        forbidden_account_id=data.get("forbidden_account_id"),
        sha256=hashlib.sha256((credentials["user_id"] + "\n" + hashed).encode()).hexdigest(),
        dataset=claim,
        other_user=other_user,
    )


def _other_user(where: str, given: dict[str, Any] | None, environ: dict[str, str]) -> OtherUser | None:
    if given is None:
        return None
    password = environ.get(OTHER_PASSWORD_ENV) or given.get("user_password")
    if not password:
        raise ProfileError(
            f"{where}: no password for other_user {given['user_id']!r}. Set the environment variable "
            f"{OTHER_PASSWORD_ENV}, or add other_user.user_password to the profile."
        )
    return OtherUser(given["user_id"], Secret(password))


def _dataset_claim(where: str, data: dict[str, Any]) -> DatasetClaim | None:
    """A profile that says it is on the certification data set must be the certification
    profile of the data set this harness ships: the claim ends up on the certificate, so
    an edited expectation or an old data set must not carry it."""
    given = data.get("dataset")
    if given is None:
        return None
    from conformance.reference import PROFILE_PATH, dataset

    fix = (
        "Write the current certification profile with `python -m conformance.reference --write-profile FILE` "
        "(then change only its credentials and other_user), or remove the `dataset` key: "
        "the run is then not a certification run."
    )
    shipped = dict(name=dataset.NAME, version=dataset.VERSION, sha256=dataset.sha256())
    for key, value in shipped.items():
        if given[key] != value:
            raise ProfileError(
                f"{where}: dataset.{key} is {given[key]!r}, but this harness ships the certification data set "
                f"with {key} {value!r}. {fix}"
            )
    reference = yaml.load(PROFILE_PATH.read_bytes(), Loader=_ProfileLoader)  # noqa: S506 - a SafeLoader subclass
    for key in ("accounts", "forbidden_account_id"):
        difference = _first_difference(reference.get(key), data.get(key), key)
        if difference:
            raise ProfileError(
                f"{where}: it names the certification data set (dataset: ...), but {difference}: a certification "
                f"run uses the certification profile's accounts and expectations unchanged. {fix}"
            )
    return DatasetClaim(**shipped)


def _first_difference(shipped: Any, given: Any, at: str) -> str | None:
    """Where ``given`` first departs from ``shipped``, said for a reader (None: equal)."""
    if isinstance(shipped, dict) and isinstance(given, dict):
        for key in list(shipped) + [k for k in given if k not in shipped]:
            if key not in given:
                return f"{at}.{key} is missing (the certification profile has it)"
            if key not in shipped:
                return f"{at}.{key} is not in the certification profile"
            found = _first_difference(shipped[key], given[key], f"{at}.{key}")
            if found:
                return found
        return None
    if isinstance(shipped, list) and isinstance(given, list):
        for index, (a, b) in enumerate(zip(shipped, given, strict=False)):  # lengths compared below
            found = _first_difference(a, b, f"{at}[{index}]")
            if found:
                return found
        if len(shipped) != len(given):
            return f"{at} has {len(given)} entries, the certification profile {len(shipped)}"
        return None
    if shipped != given or type(shipped) is not type(given):
        return f"{at} is {given!r}, the certification profile says {shipped!r}"
    return None


def _account(account: dict[str, Any]) -> Account:
    listed = account.get("campaigns")
    campaigns = tuple(listed) if listed is not None else None
    customers = tuple(
        Customer(c.get("code"), c.get("card_number"), _expected(c["expect"]) if "expect" in c else None, campaigns)
        for c in account["customers"]
    )
    return Account(account["account_id"], account["coalition"], customers, campaigns)


def _pairs(mapping: dict[str, Any]) -> Pairs:
    return tuple(sorted((str(k), v) for k, v in mapping.items()))


def _expected(data: dict[str, Any]) -> Expected:
    """The validated ``expect`` block as hashable values (Case objects hold customers and are cached)."""
    fields = data.get("customer", {})
    custom = tuple(
        sorted((k, None if v is None else _pairs(v)) for k, v in fields.items() if CUSTOM_FIELD_KEY.match(k))
    )
    plain = _pairs({k: v for k, v in fields.items() if not CUSTOM_FIELD_KEY.match(k)})
    campaigns = None
    if "campaigns" in data:
        campaigns = tuple(
            ExpectedCampaign(
                id=c["id"],
                transacted=c.get("transacted"),
                fields=_pairs(
                    {k: v for k, v in c.items() if k not in ("id", "transacted", "available_rewards", "balances")}
                ),
                available_rewards=tuple(_pairs(r) for r in c["available_rewards"])
                if "available_rewards" in c
                else None,
                balances=tuple(_pairs(i) for i in c["balances"]) if "balances" in c else None,
            )
            for c in data["campaigns"]
        )
    return Expected(plain, custom, campaigns)


CUSTOM_FIELD_KEY = re.compile(r"^custom_field_[0-9]+$")


def _repeated(values: list[str]) -> list[str]:
    return sorted({v for v in values if values.count(v) > 1})


def _expectation_problems(where: str, account: dict[str, Any]) -> list[str]:
    """The ground truth must not contradict itself: each campaign listed once, and a
    customer's campaigns within the account's (in a coalition: all of them)."""
    problems = []
    listed = account.get("campaigns")
    for twice in _repeated(listed or []):
        problems.append(f"{where}.campaigns: '{twice}' is listed twice. List each campaign of the account once.")
    for position, customer in enumerate(account["customers"]):
        expected = customer.get("expect", {}).get("campaigns")
        if expected is None:
            continue
        at = f"{where}.customers[{position}].expect.campaigns"
        ids = [c["id"] for c in expected]
        for twice in _repeated(ids):
            problems.append(
                f"{at}: the campaign id '{twice}' is listed twice. Give "
                "each campaign once (the list is the whole answer)."
            )
        if listed is None:
            continue
        if account["coalition"] and set(ids) != set(listed):
            missing, extra = sorted(set(listed) - set(ids)), sorted(set(ids) - set(listed))
            problems.append(
                f"{at}: in a coalition the default answer lists ALL the account's campaigns ({where}.campaigns), "
                "but this list "
                f"{'lacks ' + ', '.join(missing) if missing else ''}{' and ' if missing and extra else ''}"
                f"{'adds ' + ', '.join(extra) if extra else ''}. Make the two lists name the same campaigns."
            )
        elif not account["coalition"]:
            for extra in sorted(set(ids) - set(listed)):
                problems.append(
                    f"{at}: campaign '{extra}' is not among {where}.campaigns "
                    "(every campaign of the account). Add it there, or fix the id."
                )
    return problems


class _RepeatedKey(yaml.YAMLError):
    pass


class _Number(int):
    """An unquoted YAML number, with the text as the file wrote it (0123, not 83)."""

    source: str


class _Float(float):
    source: str


class _ProfileLoader(yamlfile.SafeLoader):  # type: ignore[misc,valid-type]
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
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


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
_SECRET_PATHS = ("credentials.user_password", "other_user.user_password")


def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_path("profile.schema.json").read_text(encoding="utf-8"))
    return loaded


def _validator() -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(_schema())


# The entries of an expect block, by the key of the list that holds them.
_ENTRY_KINDS = {"campaigns": "campaign", "available_rewards": "reward", "balances": "item"}


def nullable_fields(kind: str) -> tuple[str, ...]:
    """The fields of an expect entry (``campaign``, ``reward``, ``item``) that may be given
    as null, a stated absence: those the schema types ``valueOrNone`` (the fields the
    document's examples show in one entry and leave out in another)."""
    properties = _schema()["$defs"][kind]["properties"]
    return tuple(sorted(k for k, v in properties.items() if v.get("$ref") == "#/$defs/valueOrNone"))


def _null_where_required(path: list[Any], where: str) -> str | None:
    """Why a null inside ``expect`` makes no sense at ``path``, and the fix (None: not in expect)."""
    if "expect" not in path:
        return None
    inside = path[path.index("expect") + 1 :]
    name = str(inside[-1]) if inside else ""
    leave_out = "or leave the key out (it is then not compared)"
    if name in ("campaigns", "available_rewards", "balances"):
        return f"{where}: must be a list, got null. To say there are none, write [], {leave_out}."
    if name == "transacted":
        return (
            f"{where}: must be true or false, got null. Give whether the customer has had a transaction, {leave_out}."
        )
    if len(inside) == 3 and inside[0] == "customer":  # custom_field_N's label or data
        return (
            f'{where}: null makes no sense for a custom field\'s {name}: it is text. Give "" for an empty one; '
            f"to say the customer has no {inside[1]} at all, write {inside[1]}: null."
        )
    if len(inside) == 2 and inside[0] == "customer":
        return (
            f"{where}: null would say the customer has no {name}, but the document returns every customer field "
            '("All fields are returned on this call"), so an answer without it is already a failure. Give the '
            f'value the target holds ("" if it is empty), {leave_out}.'
        )
    kind = _ENTRY_KINDS.get(str(inside[-3])) if len(inside) >= 3 else None
    if kind is None:
        return None
    if kind == "campaign" and name == "id":
        return f"{where}: must be the campaign's id, got null: the id says which campaign the entry is. Give it."
    lacking = ", ".join(nullable_fields(kind))
    article = "an" if kind[0] in "aeiou" else "a"
    return (
        f"{where}: null would say the {kind} has no {name}, but the document's examples give {name} to every "
        f"{kind} of its type, so an answer without it is already a failure. null (a stated absence) is only for "
        f"the fields {article} {kind} may lack: {lacking}. Give the value the target holds, {leave_out}."
    )


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
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        extras = (
            sorted(k for k in error.instance if k not in allowed and not any(p.match(str(k)) for p in patterns))
            if isinstance(error.instance, dict)
            else []
        )
        if patterns:
            allowed = allowed + ["custom_field_N"]
        parts = []
        for extra in extras:
            close = difflib.get_close_matches(str(extra), allowed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            parts.append(f"{where}: unknown key '{extra}'.{hint} Allowed keys here: {', '.join(allowed)}.")
        return " ".join(parts)
    if kind == "type":
        types = schema.get("type")
        # One type name, or a type and null (a stated absence): the first names the value.
        expected = str(types[0] if isinstance(types, list) else types)
        secret = where in _SECRET_PATHS  # never echo what may be a password
        if error.instance is None:
            explained = _null_where_required(list(error.absolute_path), where)
            if explained:
                return explained
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
        names = {
            "object": "a mapping (key: value lines)",
            "array": "a list (lines starting with '- ')",
            "string": "a string",
        }
        may_be_null = isinstance(types, list) and "null" in types
        return f"{where}: must be {names.get(expected, expected)}{' or null' if may_be_null else ''}, got {got}."
    if kind == "minItems":
        return f"{where}: must list at least {schema.get('minItems')} entry; it is empty."
    if kind == "minLength":
        return f"{where}: must not be empty."
    if kind == "minProperties":
        if "code" in schema.get("properties", {}):
            return f"{where}: a customer needs 'code', 'card_number' or both; this one gives neither."
        return f"{where}: is empty. Give at least one key, or leave it out."
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
        problems += _expectation_problems(f"accounts[{index}]", account)
    other = data.get("other_user")
    if other is not None and other["user_id"] == data["credentials"]["user_id"]:
        problems.append(
            f"other_user.user_id: '{other['user_id']}' is credentials.user_id. It must name ANOTHER user, "
            "one with no access to the profile's accounts."
        )
    forbidden = data.get("forbidden_account_id")
    if forbidden is not None and forbidden in seen:
        problems.append(
            f"forbidden_account_id: '{forbidden}' is also listed under accounts. It must name an account "
            "these credentials may NOT read."
        )
    return problems

"""The seed: read from YAML, validated, loaded into SQLite.

A typo in seed.yaml must fail loudly at start-up, with every mistake at once, each
saying where it is, what is wrong and how to fix it; not surface as a wrong balance in
some harness run. Validation has two parts: seed.schema.json (JSON Schema, next to this
file) says the shapes and values; what a schema cannot say (ids unique, a ledger row's
campaign and item being its account's, whole BuyX amounts, an API user's accounts
existing) is checked here after it. Loading then inserts rows that are known good.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .paths import SEED_PATH, SEED_SCHEMA_PATH
from .tables import CUSTOMER_TEXT_FIELDS, SCHEMA, SCHEMA_VERSION


class SeedError(ValueError):
    """The seed is malformed; the message says where, what is wrong and the fix."""


# libyaml's parser where PyYAML has it (its wheels do): the same data, about ten times
# faster; the reference reads its seed at each start, and the self-test starts hundreds.
# (The harness has its own, conformance/yamlfile.py: this package imports nothing of it.)
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load``, with libyaml's parser when there is one."""
    return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - SafeLoader or libyaml's CSafeLoader


def read_seed(path: Path = SEED_PATH) -> dict[str, Any]:
    """Parse the seed file (YAML) without loading it anywhere."""
    with open(path, encoding="utf-8") as fh:
        data = load_yaml(fh.read())
    if not isinstance(data, dict):
        raise SeedError(f"{path}: the top level must be a mapping with api_users: and accounts:")
    return data


def validate_seed(seed: Mapping[str, Any]) -> None:
    """Raise :class:`SeedError` listing every mistake in ``seed`` (none: it loads)."""
    problems = seed_problems(seed)
    if problems:
        head = "the seed has a mistake" if len(problems) == 1 else f"the seed has {len(problems)} mistakes"
        raise SeedError(head + ":\n" + "\n".join(f"  - {p}" for p in problems))


def seed_problems(seed: Mapping[str, Any]) -> list[str]:
    """Every mistake in ``seed``, one sentence each: the schema's first, then (for a seed
    whose shapes are right) the cross-references."""
    errors = sorted(_validator().iter_errors(seed), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    if errors:
        return [_explain(error, seed) for error in errors]
    return list(_consistency_problems(seed))


def load_seed(conn: sqlite3.Connection, seed: Mapping[str, Any]) -> None:
    """Validate the seed, create the tables in an empty database and insert its rows."""
    validate_seed(seed)
    conn.executescript(SCHEMA)
    # Outside the transaction: SQLite ignores this pragma inside one.
    conn.execute("PRAGMA foreign_keys = ON")
    with conn:  # one transaction: nothing is half-loaded
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        for account in seed.get("accounts") or []:
            _insert_account(conn, account)
        for user in seed.get("api_users") or []:
            conn.execute("INSERT INTO api_user VALUES (?, ?)", (user["user_id"], user["user_password"]))
            for account_id in user.get("accounts") or []:
                conn.execute("INSERT INTO user_account VALUES (?, ?)", (user["user_id"], account_id))


# -- the schema's errors, explained --------------------------------------------------------
@cache
def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SEED_SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def _validator() -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(_schema())


def _location(path: Sequence[Any], seed: Any) -> str:
    """``accounts[0] (greatwidgets).customers[2] (code "89898989898989").ledger[1].amount``:
    the path, with the id of each account, campaign, customer and item on it, to find it by."""
    text, node = "", seed
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
        node = node[part] if isinstance(node, (list, dict)) and _has(node, part) else None
        if isinstance(node, dict) and isinstance(part, int):
            text += _identity(node)
    return text.lstrip(".") or "the top level"


def _has(node: list[Any] | dict[Any, Any], part: Any) -> bool:
    return part in node if isinstance(node, dict) else isinstance(part, int) and 0 <= part < len(node)


def _identity(entry: dict[str, Any]) -> str:
    for key in ("account_id", "campaign_id", "user_id", "code", "card_number", "name"):
        value = entry.get(key)
        if isinstance(value, str) and value:
            return f" ({value})" if key.endswith("_id") or key == "name" else f' ({key} "{value}")'
    return ""


def _got(value: Any, text_expected: bool = False) -> str:
    """What YAML made of a value, and, where text was expected, why it is not text."""
    if value is None:
        return "nothing (null, or no value after the colon)"
    if isinstance(value, bool):
        why = " (YAML reads unquoted yes, no, on, off, true, false as one)" if text_expected else ""
        return f"{str(value).lower()}, a boolean{why}"
    if isinstance(value, (int, float)):
        why = " (YAML reads unquoted digits as a number and drops leading zeros)" if text_expected else ""
        return f"the number {value!r}{why}"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"a date ({value.isoformat()}: YAML reads an unquoted YYYY-MM-DD as one)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _quote_it(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f'Quote it in the YAML: "{value.isoformat()}".'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "Quote it in the YAML exactly as written (leading zeros included)."
    return "Quote it in the YAML."


_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _explain(error: jsonschema.ValidationError, seed: Any) -> str:
    """One schema error as a sentence: where, what is wrong, the fix. The schema's
    ``description`` of the value (or of the rule) says what is expected."""
    where = _location(list(error.absolute_path), seed)
    schema = error.schema if isinstance(error.schema, dict) else {}
    rule = schema.get("description")
    kind, value = error.validator, error.instance
    # A key of a mapping (custom_fields' N) is not on the error's path: say it is the key.
    key = f": the key {value!r}" if "propertyNames" in error.schema_path else ""
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extras = sorted(str(k) for k in value if k not in allowed) if isinstance(value, dict) else []
        parts = []
        for extra in extras:
            close = difflib.get_close_matches(extra, allowed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            parts.append(f"{where}: unknown key '{extra}'.{hint} The keys here: {', '.join(allowed)}.")
        return " ".join(parts)
    if kind == "required" and not rule:
        required = schema.get("required", [])
        missing = [k for k in required if isinstance(value, dict) and k not in value]
        return f"{where}: missing key {', '.join(repr(k) for k in missing)}. Add it."
    if kind in ("required", "anyOf", "const", "maxItems") and rule:
        return f"{where}: {rule}."  # a rule between values, stated whole
    if kind == "pattern" and isinstance(value, str):
        found = _NOT_XML_CHAR.search(value)
        if found is not None:
            return (
                f"{where}: contains U+{ord(found.group()):04X} at character {found.start() + 1}, "
                "which XML cannot carry (the server could not answer it in XML). Remove it."
            )
    if kind == "type":
        types = schema.get("type")
        expected = str(types[0] if isinstance(types, list) else types)
        if expected == "string":
            return f"{where}{key}: must be {rule or 'text'}, got {_got(value, True)}. {_quote_it(value)}"
        names = {"array": "a list (lines starting with '- ')", "object": "a mapping (key: value lines)"}
        return f"{where}{key}: must be {rule or names.get(expected, expected)}, got {_got(value)}."
    if rule:
        return f"{where}{key}: must be {rule}, got {_got(value)}."
    return f"{where}: {error.message}."


# -- what the schema cannot say --------------------------------------------------------------
def _consistency_problems(seed: Mapping[str, Any]) -> Iterator[str]:
    accounts = seed.get("accounts") or []
    yield from _duplicates("account ids", [(f"accounts[{i}]", a["account_id"]) for i, a in enumerate(accounts)])
    users = seed.get("api_users") or []
    yield from _duplicates("user ids", [(f"api_users[{i}]", u["user_id"]) for i, u in enumerate(users)])
    known = {a["account_id"] for a in accounts}
    for i, user in enumerate(users):
        for j, account_id in enumerate(user.get("accounts") or []):
            if account_id not in known:
                close = difflib.get_close_matches(account_id, sorted(known), n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                yield (
                    f"api_users[{i}] ({user['user_id']}).accounts[{j}]: no account '{account_id}' in the seed.{hint} "
                    f"The accounts: {', '.join(sorted(known))}."
                )
    campaigns = [
        (f"{_location(['accounts', i, 'campaigns', j], seed)}", c["campaign_id"])
        for i, a in enumerate(accounts)
        for j, c in enumerate(a.get("campaigns") or [])
    ]
    yield from _duplicates("campaign ids (across all accounts)", campaigns)
    for i, account in enumerate(accounts):
        yield from _account_problems(seed, i, account)


def _account_problems(seed: Mapping[str, Any], i: int, account: Mapping[str, Any]) -> Iterator[str]:
    types: dict[str, str] = {}
    items: dict[str, set[str]] = {}
    for j, campaign in enumerate(account.get("campaigns") or []):
        types[campaign["campaign_id"]] = campaign["type"]
        names = [(_location(["accounts", i, "campaigns", j, "items", k], seed), item["name"])
                 for k, item in enumerate(campaign.get("items") or [])]  # fmt: skip
        yield from _duplicates(f"item names in campaign {campaign['campaign_id']}", names)
        items[campaign["campaign_id"]] = {name for _, name in names}
    customers = account.get("customers") or []
    for key in ("code", "card_number"):
        given = [(_location(["accounts", i, "customers", j], seed), c.get(key) or "") for j, c in enumerate(customers)]
        yield from _duplicates(f"{key.replace('_', ' ')}s in {account['account_id']}", [(w, v) for w, v in given if v])
    for j, customer in enumerate(customers):
        for k, row in enumerate(customer.get("ledger") or []):
            where = _location(["accounts", i, "customers", j, "ledger", k], seed)
            campaign = row["campaign"]
            if campaign not in types:
                yield (
                    f"{where}: campaign {campaign} is not a campaign of {account['account_id']} "
                    f"(its campaigns: {', '.join(types) or 'none'}). Name one of them."
                )
            elif types[campaign] == "buyx":
                if "item" not in row:
                    yield (
                        f"{where}: a row of the buyx campaign {campaign} names its item "
                        f"(item: one of {', '.join(sorted(items[campaign])) or 'its items'})."
                    )
                elif row["item"] not in items[campaign]:
                    yield (
                        f"{where}: no item {row['item']!r} in campaign {campaign} "
                        f"(its items: {', '.join(sorted(items[campaign])) or 'none'})."
                    )
                if Decimal(row["amount"]) != Decimal(row["amount"]).to_integral_value():
                    yield (
                        f"{where}: buyx amounts count items (purchases, free items given), "
                        f"so are whole numbers; got {row['amount']!r}."
                    )
            elif "item" in row:
                yield (
                    f"{where}: only rows of a buyx campaign name an item; "
                    f"campaign {campaign} is {types[campaign]}. Remove item."
                )


def _duplicates(what: str, entries: list[tuple[str, str]]) -> Iterator[str]:
    first: dict[str, str] = {}
    for where, value in entries:
        if value in first:
            yield f"{where}: {value!r} is also {first[value]}'s: {what} are unique. Give each its own."
        else:
            first[value] = where


# -- loading (the seed is valid) ------------------------------------------------------------
def _insert_account(conn: sqlite3.Connection, account: Mapping[str, Any]) -> None:
    account_id = account["account_id"]
    conn.execute("INSERT INTO account VALUES (?, ?)", (account_id, int(account["coalition"])))
    # campaign_id -> {item name -> item_pk}, to resolve ledger rows
    items_by_campaign: dict[str, dict[str, int]] = {}
    for pos, campaign in enumerate(account.get("campaigns") or []):
        campaign_id = campaign["campaign_id"]
        conn.execute(
            "INSERT INTO campaign VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                campaign_id,
                account_id,
                pos,
                campaign["name"],
                campaign["type"],
                campaign.get("currency", ""),
                campaign.get("glyph", ""),
                campaign.get("monetary_value_per_point"),
            ),
        )
        items_by_campaign[campaign_id] = _insert_catalogue(conn, campaign_id, campaign)
    for customer in account.get("customers") or []:
        _insert_customer(conn, account_id, customer, items_by_campaign)


def _insert_catalogue(conn: sqlite3.Connection, campaign_id: str, campaign: Mapping[str, Any]) -> dict[str, int]:
    for pos, reward in enumerate(campaign.get("rewards") or []):
        conn.execute(
            "INSERT INTO reward VALUES (?, ?, ?, ?, ?, ?)",
            (
                campaign_id,
                pos,
                reward["id"],
                reward["description"],
                reward["needed_to_redeem"],
                reward.get("reward_id"),
            ),
        )
    items: dict[str, int] = {}
    for pos, item in enumerate(campaign.get("items") or []):
        cur = conn.execute(
            "INSERT INTO buyx_item (campaign_id, position, name, item_id, earn_ratio, reward_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (campaign_id, pos, item["name"], item.get("item_id"), item["earn_ratio"], item.get("reward_id")),
        )
        assert cur.lastrowid is not None
        items[item["name"]] = cur.lastrowid
    return items


def _insert_customer(
    conn: sqlite3.Connection,
    account_id: str,
    customer: Mapping[str, Any],
    items_by_campaign: Mapping[str, Mapping[str, int]],
) -> None:
    values = [customer.get(name, "") for name in CUSTOMER_TEXT_FIELDS]
    values[CUSTOMER_TEXT_FIELDS.index("custom_date")] = customer.get("custom_date") or "0000-00-00"
    cur = conn.execute(
        f"INSERT INTO customer (account_id, {', '.join(CUSTOMER_TEXT_FIELDS)}, password_hash)"
        f" VALUES (?, {', '.join('?' * len(CUSTOMER_TEXT_FIELDS))}, ?)",
        (account_id, *values, customer.get("password_hash")),
    )
    customer_pk = cur.lastrowid
    for n, field in (customer.get("custom_fields") or {}).items():
        conn.execute(
            "INSERT INTO custom_field VALUES (?, ?, ?, ?)", (customer_pk, n, field["label"], field.get("data", ""))
        )
    for row in customer.get("ledger") or []:
        item_pk = items_by_campaign[row["campaign"]][row["item"]] if "item" in row else None
        conn.execute(
            "INSERT INTO ledger (customer_pk, campaign_id, item_pk, kind, amount, date) VALUES (?, ?, ?, ?, ?, ?)",
            (customer_pk, row["campaign"], item_pk, row["kind"], row["amount"], row["date"]),
        )

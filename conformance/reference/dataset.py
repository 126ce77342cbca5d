"""The certification data set: the reference's seed as data a vendor loads into their own system.

The reference implementation keeps its data in ``reference/seed.yaml`` in its own terms
(a password *hash*, a MySQL-style ``0000-00-00`` for "no date", a ledger). A vendor who
certifies an implementation needs the same facts in neutral terms, so that they can load
them into any system and run the harness with the *certification profile*
(``reference/profile.yaml``), whose expected values are worked out by hand from these
facts. This module derives the neutral form from the seed (one source, so the two
cannot drift) and writes it as YAML, JSON and CSV; docs/certification-data-set.md
explains each column.

The data set is identified by its version and the sha256 of ``dataset.json`` as written
here (canonical JSON: sorted keys, UTF-8, no spaces), so anyone can check a copy with
``sha256sum dataset.json``. The certification profile names both; a change to the seed
changes the hash, and the profile (with its hand-worked expectations) must follow.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .paths import PROFILE_PATH, SEED_PATH
from .seed import load_yaml
from .tables import CUSTOMER_TEXT_FIELDS

NAME = "customer_info certification data set"
VERSION = "1"

#: Customer fields in the order the API document lists the elements: the seed's own columns.
CUSTOMER_FIELDS = CUSTOMER_TEXT_FIELDS

#: The CSV files and their columns (docs/certification-data-set.md explains each one).
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "api_users.csv": ("user_id", "account_id"),
    "accounts.csv": ("account_id", "coalition"),
    "campaigns.csv": (
        "account_id",
        "campaign_id",
        "position",
        "name",
        "type",
        "currency",
        "glyph",
        "monetary_value_per_point",
    ),
    "rewards.csv": ("account_id", "campaign_id", "position", "id", "description", "needed_to_redeem", "reward_id"),
    "buyx_items.csv": ("account_id", "campaign_id", "position", "name", "item_id", "earn_ratio", "reward_id"),
    "customers.csv": ("account_id", *CUSTOMER_FIELDS, "has_password"),
    "custom_fields.csv": ("account_id", "code", "n", "label", "data"),
    "transactions.csv": ("account_id", "code", "date", "campaign_id", "kind", "amount", "item"),
}

#: The seed writes "no date" the way MySQL does; the data set says it plainly (empty).
_NO_DATE = "0000-00-00"


@dataclass(frozen=True)
class Written:
    """What ``write`` produced: the files, and the data set's identity."""

    directory: Path
    files: tuple[str, ...]
    sha256: str


def build(seed_path: Path = SEED_PATH) -> dict[str, Any]:
    """The data set, in neutral terms, from the reference's seed file."""
    seed = load_yaml(seed_path.read_text(encoding="utf-8"))
    return {
        "name": NAME,
        "version": VERSION,
        "api_users": [{"user_id": u["user_id"], "accounts": list(u["accounts"])} for u in seed["api_users"]],
        "accounts": [_account(a) for a in seed["accounts"]],
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _account(account: dict[str, Any]) -> dict[str, Any]:
    return {
        "account_id": account["account_id"],
        "coalition": bool(account["coalition"]),
        "campaigns": [_campaign(c) for c in account["campaigns"]],
        "customers": [_customer(c) for c in account.get("customers", [])],
    }


def _campaign(campaign: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "campaign_id": campaign["campaign_id"],
        "name": campaign["name"],
        "type": campaign["type"],
        "currency": _text(campaign.get("currency")),
        "glyph": _text(campaign.get("glyph")),
        "monetary_value_per_point": _text(campaign.get("monetary_value_per_point")),
    }
    if campaign["type"] == "buyx":
        out["items"] = [
            {
                "name": i["name"],
                "item_id": _text(i.get("item_id")),
                "earn_ratio": str(i["earn_ratio"]),
                "reward_id": _text(i.get("reward_id")),
            }
            for i in campaign.get("items", [])
        ]
    else:
        out["rewards"] = [
            {
                "id": r["id"],
                "description": r["description"],
                "needed_to_redeem": r["needed_to_redeem"],
                "reward_id": _text(r.get("reward_id")),
            }
            for r in campaign.get("rewards", [])
        ]
    return out


def _customer(customer: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {name: _text(customer.get(name)) for name in CUSTOMER_FIELDS}
    if out["custom_date"] == _NO_DATE:
        out["custom_date"] = ""
    # Only whether a password is set shows in an answer (<registered>); the reference's
    # hash is its own business, so the data set says yes or no.
    out["has_password"] = bool(customer.get("password_hash"))
    out["custom_fields"] = [
        {"n": int(n), "label": f["label"], "data": _text(f.get("data"))}
        for n, f in sorted(customer.get("custom_fields", {}).items())
    ]
    out["transactions"] = [
        {
            "date": t["date"],
            "campaign_id": t["campaign"],
            "kind": t["kind"],
            "amount": str(t["amount"]),
            "item": _text(t.get("item")),
        }
        for t in customer.get("ledger", [])
    ]
    return out


def canonical_json(data: dict[str, Any]) -> bytes:
    """The bytes the data set's sha256 is taken of."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def sha256(data: dict[str, Any] | None = None) -> str:
    """The data set's identity: sha256 of its canonical JSON (``dataset.json``)."""
    return hashlib.sha256(canonical_json(build() if data is None else data)).hexdigest()


def rows(data: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The data set as CSV tables (one row per record; lists become numbered rows)."""
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in CSV_COLUMNS}
    for user in data["api_users"]:
        tables["api_users.csv"] += [{"user_id": user["user_id"], "account_id": a} for a in user["accounts"]]
    for account in data["accounts"]:
        aid = account["account_id"]
        tables["accounts.csv"].append({"account_id": aid, "coalition": _flag(account["coalition"])})
        for position, campaign in enumerate(account["campaigns"], 1):
            plain = {k: v for k, v in campaign.items() if k not in ("items", "rewards")}
            tables["campaigns.csv"].append({"account_id": aid, "position": str(position), **plain})
            for at, reward in enumerate(campaign.get("rewards", []), 1):
                tables["rewards.csv"].append(
                    {"account_id": aid, "campaign_id": campaign["campaign_id"], "position": str(at), **reward}
                )
            for at, item in enumerate(campaign.get("items", []), 1):
                tables["buyx_items.csv"].append(
                    {"account_id": aid, "campaign_id": campaign["campaign_id"], "position": str(at), **item}
                )
        for customer in account["customers"]:
            fields = {name: customer[name] for name in CUSTOMER_FIELDS}
            tables["customers.csv"].append(
                {"account_id": aid, **fields, "has_password": _flag(customer["has_password"])}
            )
            for custom in customer["custom_fields"]:
                tables["custom_fields.csv"].append(
                    {
                        "account_id": aid,
                        "code": customer["code"],
                        "n": str(custom["n"]),
                        "label": custom["label"],
                        "data": custom["data"],
                    }
                )
            for row in customer["transactions"]:
                tables["transactions.csv"].append({"account_id": aid, "code": customer["code"], **row})
    return tables


def _flag(value: bool) -> str:
    return "Y" if value else "N"


def _csv(columns: tuple[str, ...], table: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()


HEADER = """\
# The {name}, version {version}.
# sha256 of dataset.json (the same data as canonical JSON): {sha256}
# Load it into the system under test, then run the harness with the certification
# profile (python -m conformance.reference --write-profile FILE). Each key is explained
# in docs/certification-data-set.md of the harness.
"""


def write(directory: Path) -> Written:
    """Write the data set into ``directory`` (created if needed): dataset.json (what the
    sha256 is of), dataset.yaml (the same, to read) and one CSV file per table."""
    data = build()
    identity = sha256(data)
    directory.mkdir(parents=True, exist_ok=True)
    texts = {
        "dataset.json": canonical_json(data).decode("utf-8"),
        "dataset.yaml": HEADER.format(name=NAME, version=VERSION, sha256=identity)
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000),
    }
    for name, table in rows(data).items():
        texts[name] = _csv(CSV_COLUMNS[name], table)
    for name, text in texts.items():
        (directory / name).write_text(text, encoding="utf-8", newline="\n")
    return Written(directory, tuple(texts), identity)


def write_profile(path: Path) -> Path:
    """Write the certification profile (hand-worked expectations for every customer of
    the data set) to ``path``: a copy of the one the harness ships."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PROFILE_PATH.read_bytes())
    return path

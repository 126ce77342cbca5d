"""The seed loader: seed.schema.json and the cross-references, and what a mistake says.

Each crafted mistake is one edit of the packaged seed, as a seed author makes it in the
YAML (a value left unquoted, a typo, an id that names nothing); the loader must name
where it is (the path, with the account, campaign or customer it is in), what is wrong
and what to write instead, in one sentence, and never jsonschema's raw wording.
"""

from __future__ import annotations

import copy
import datetime
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.reference.db import Database
from conformance.reference.sandbox.variants import other_data_set
from conformance.reference.seed import SeedError, load_seed, read_seed, seed_problems

Seed = dict[str, Any]


def _first(seed: Seed) -> dict[str, Any]:
    account: dict[str, Any] = seed["accounts"][0]
    return account


def _customer(seed: Seed) -> dict[str, Any]:
    customer: dict[str, Any] = _first(seed)["customers"][0]
    return customer


def _buyx_row(seed: Seed) -> dict[str, Any]:
    return next(row for row in _customer(seed)["ledger"] if "item" in row)


CUSTOMER = 'accounts[0] (greatwidgets).customers[0] (code "89898989898989")'
POINTS = "accounts[0] (greatwidgets).campaigns[0] (1234567890123456)"

# label -> (the edit, the words the one problem must hold: where, what, the fix)
MISTAKES: dict[str, tuple[Callable[[Seed], Any], tuple[str, ...]]] = {
    "a card number given twice in an account": (
        lambda s: _first(s)["customers"][1].__setitem__("card_number", "1212121212"),
        ("customers[1]", "is also accounts[0] (greatwidgets).customers[0]", "card numbers in greatwidgets are unique"),
    ),
    "an item name given twice in a campaign": (
        lambda s: _first(s)["campaigns"][2]["items"].append({"name": "Coffees", "earn_ratio": 3}),
        ("items[5] (Coffees)", "is also", "items[0] (Coffees)", "item names in campaign 3456789012345678 are unique"),
    ),
    "a code left unquoted": (
        lambda s: _customer(s).__setitem__("code", 123),
        ("customers[0]", ".code: must be text", "the number 123", "Quote it"),
    ),
    "the country NO left unquoted": (
        lambda s: _customer(s).__setitem__("country", False),
        (f"{CUSTOMER}.country", "a boolean", "Quote it"),
    ),
    "a date left unquoted": (
        lambda s: _customer(s)["ledger"][0].__setitem__("date", datetime.date(2011, 12, 31)),
        (f"{CUSTOMER}.ledger[0].date", "YYYY-MM-DD", 'Quote it in the YAML: "2011-12-31"'),
    ),
    "a control character": (
        lambda s: _customer(s).__setitem__("city", "Any\x07town"),
        (f"{CUSTOMER}.city", "U+0007", "XML cannot carry", "Remove it"),
    ),
    "a misspelt key": (
        lambda s: _customer(s).__setitem__("frist_name", "John"),
        (CUSTOMER, "unknown key 'frist_name'", "Did you mean 'first_name'?"),
    ),
    "a campaign id with letters": (
        lambda s: _first(s)["campaigns"][0].__setitem__("campaign_id", "12ab"),
        ("campaigns[0] (12ab).campaign_id", "a string of digits", "'12ab'"),
    ),
    "an unknown campaign type": (
        lambda s: _first(s)["campaigns"][1].__setitem__("type", "bonus"),
        (".type: must be one of points, earned, buyx", "'bonus'"),
    ),
    "a points campaign with money and no value per point": (
        lambda s: _first(s)["campaigns"][0].pop("monetary_value_per_point"),
        (POINTS, "a points campaign with a currency needs monetary_value_per_point"),
    ),
    "a value per point that is no number": (
        lambda s: _first(s)["campaigns"][0].__setitem__("monetary_value_per_point", "1/0"),
        (f"{POINTS}.monetary_value_per_point", "a decimal or a fraction", '"1/150"', "'1/0'"),
    ),
    "rewards on an earned campaign": (
        lambda s: _first(s)["campaigns"][1].__setitem__(
            "rewards", [{"id": "1", "description": "Mug", "needed_to_redeem": "10"}]
        ),
        ("campaigns[1] (2345678901234567).rewards", "only points campaigns list rewards"),
    ),
    "an earn ratio of 0": (
        lambda s: _first(s)["campaigns"][2]["items"][0].__setitem__("earn_ratio", 0),
        ("items[0] (Coffees).earn_ratio", "a whole number, 1 or more", "the number 0"),
    ),
    "a customer without code or card number": (
        lambda s: [_customer(s).pop(k) for k in ("code", "card_number")],
        ("accounts[0] (greatwidgets).customers[0]:", "give code, card_number or both"),
    ),
    "a code given twice in an account": (
        lambda s: _first(s)["customers"][1].__setitem__("code", "89898989898989"),
        ("customers[1]", "is also accounts[0] (greatwidgets).customers[0]", "codes in greatwidgets are unique"),
    ),
    "a campaign id given twice": (
        lambda s: s["accounts"][2]["campaigns"].append(copy.deepcopy(_first(s)["campaigns"][1])),
        ("campaigns[1] (2345678901234567)", "campaign ids (across all accounts) are unique"),
    ),
    "a custom field number quoted": (
        lambda s: _customer(s)["custom_fields"].__setitem__("3", {"label": "Pets", "data": "Cat"}),
        (f"{CUSTOMER}.custom_fields: the key '3'", "an unquoted whole number from 2 up"),
    ),
    "custom field number 1": (
        lambda s: _customer(s)["custom_fields"].__setitem__(1, {"label": "Pets", "data": "Cat"}),
        ("custom_fields: the key 1", "from 2 up", "custom_field is number 1"),
    ),
    "a ledger row of another account's campaign": (
        lambda s: _customer(s)["ledger"][0].__setitem__("campaign", "999"),
        (f"{CUSTOMER}.ledger[0]", "campaign 999 is not a campaign of greatwidgets", "its campaigns: 1234567890123456"),
    ),
    "a buyx row naming an item the campaign lacks": (
        lambda s: _buyx_row(s).__setitem__("item", "Coffee"),
        ("no item 'Coffee' in campaign 3456789012345678", "its items: Books, Cakes, Coffees"),
    ),
    "a buyx row counting half an item": (
        lambda s: _buyx_row(s).__setitem__("amount", "2.5"),
        ("buyx amounts count items", "whole numbers", "'2.5'"),
    ),
    "a points row naming an item": (
        lambda s: _customer(s)["ledger"][0].__setitem__("item", "Coffees"),
        (f"{CUSTOMER}.ledger[0]", "only rows of a buyx campaign name an item", "Remove item"),
    ),
    "an amount of 0": (
        lambda s: _customer(s)["ledger"][0].__setitem__("amount", "0"),
        (f"{CUSTOMER}.ledger[0].amount", "a positive amount", "'0'"),
    ),
    "an amount in words": (
        lambda s: _customer(s)["ledger"][0].__setitem__("amount", "ten"),
        ("ledger[0].amount", "a plain decimal", "'ten'"),
    ),
    "a ledger kind the model lacks": (
        lambda s: _customer(s)["ledger"][0].__setitem__("kind", "spend"),
        ("ledger[0].kind: must be earn or redeem", "'spend'"),
    ),
    "coalition given as text": (
        lambda s: _first(s).__setitem__("coalition", "no"),
        ("accounts[0] (greatwidgets).coalition: must be true (a coalition account) or false", "'no'"),
    ),
    "an API user's account misspelt": (
        lambda s: s["api_users"][0]["accounts"].append("greatwidget"),
        ("api_users[0] (john1970).accounts[2]", "no account 'greatwidget'", "Did you mean 'greatwidgets'?"),
    ),
    "a campaign without a name": (
        lambda s: _first(s)["campaigns"][1].pop("name"),
        ("campaigns[1] (2345678901234567): missing key 'name'", "Add it"),
    ),
    "customers as a mapping": (
        lambda s: _first(s).__setitem__("customers", {"john": {}}),
        ("accounts[0] (greatwidgets).customers: must be a list", "got a mapping"),
    ),
}
# jsonschema's own wording: a mistake explained in it was not explained.
RAW = ("is not valid under", "does not match", "is not of type", "is a required property", "is not one of")


@pytest.mark.parametrize("label", sorted(MISTAKES))
def test_each_mistake_is_one_sentence_saying_where_what_and_the_fix(label: str) -> None:
    edit, words = MISTAKES[label]
    seed = read_seed()
    edit(seed)
    problems = seed_problems(seed)
    assert len(problems) == 1, f"{label}: {problems}"
    (problem,) = problems
    missing = [w for w in words if w not in problem]
    assert not missing, f"{label}: {missing} not in {problem!r}"
    assert not any(raw in problem for raw in RAW), f"{label}: jsonschema's wording: {problem!r}"


def test_the_packaged_seed_and_the_other_data_set_are_valid(tmp_path: Path) -> None:
    assert seed_problems(read_seed()) == []
    seed_path, _ = other_data_set(tmp_path)
    assert seed_problems(read_seed(seed_path)) == []


def test_every_mistake_is_listed_at_once_and_nothing_is_loaded() -> None:
    seed = read_seed()
    _customer(seed)["country"] = False
    _customer(seed)["code"] = 123
    conn = sqlite3.connect(":memory:")
    with pytest.raises(SeedError) as raised:
        load_seed(conn, seed)
    assert str(raised.value).startswith("the seed has 2 mistakes:\n  - ")
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def test_a_bad_seed_file_is_named_in_the_error(tmp_path: Path) -> None:
    seed = read_seed()
    _customer(seed)["custom_date"] = "14/07/1970"
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(seed), encoding="utf-8")
    with pytest.raises(SeedError, match=r"^" + str(path) + r": the seed has a mistake:\n  - .*custom_date: must be"):
        Database.open(seed_path=path)

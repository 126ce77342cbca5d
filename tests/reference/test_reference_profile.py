"""profile.yaml must describe seed.yaml truthfully, and the seed must be sane."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from conformance.reference import PROFILE_PATH, SEED_PATH


@pytest.fixture(scope="module")
def profile():
    with open(PROFILE_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def seed():
    with open(SEED_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _identifiers(customer):
    ids = {"code": customer.get("code", ""), "card_number": customer.get("card_number", "")}
    return {k: v for k, v in ids.items() if v}


def test_profile_has_exactly_the_agreed_form(profile):
    # The certification profile: the identifiers of the agreed form, plus the data set it
    # is for and the ground truth (each customer's expect, each account's campaigns).
    assert list(profile) == ["dataset", "credentials", "accounts", "forbidden_account_id", "other_user"]
    assert set(profile["credentials"]) == {"user_id", "user_password"}
    assert profile["credentials"] == {"user_id": "john1970", "user_password": "1959caadac9b13dcb3"}
    for account in profile["accounts"]:
        assert list(account) == ["account_id", "coalition", "campaigns", "customers"]
        assert isinstance(account["coalition"], bool)
        for customer in account["customers"]:
            ids = {k: v for k, v in customer.items() if k != "expect"}
            assert set(ids) in ({"code"}, {"card_number"}, {"code", "card_number"})
            assert all(isinstance(v, str) and v for v in ids.values())
            assert set(customer["expect"]) == {"customer", "campaigns"}
    assert [a["account_id"] for a in profile["accounts"]] == ["greatwidgets", "coaldemo"]
    assert [a["coalition"] for a in profile["accounts"]] == [False, True]


def test_profile_lists_every_campaign_of_its_accounts(profile, seed):
    seeded = {a["account_id"]: a for a in seed["accounts"]}
    for account in profile["accounts"]:
        assert account["campaigns"] == [c["campaign_id"] for c in seeded[account["account_id"]]["campaigns"]]


def test_profile_credentials_are_a_seed_user(profile, seed):
    users = {u["user_id"]: u for u in seed["api_users"]}
    user = users[profile["credentials"]["user_id"]]
    assert user["user_password"] == profile["credentials"]["user_password"]
    readable = set(user["accounts"])
    assert {a["account_id"] for a in profile["accounts"]} <= readable
    # The forbidden account exists, but not for these credentials.
    forbidden = profile["forbidden_account_id"]
    assert forbidden in {a["account_id"] for a in seed["accounts"]}
    assert forbidden not in readable
    # The other user is a real user of the data set who may read none of these accounts.
    other = profile["other_user"]
    assert users[other["user_id"]]["user_password"] == other["user_password"]
    assert not set(users[other["user_id"]]["accounts"]) & {a["account_id"] for a in profile["accounts"]}


def test_profile_lists_every_seed_customer_of_its_accounts(profile, seed):
    seeded = {a["account_id"]: a for a in seed["accounts"]}
    for account in profile["accounts"]:
        source = seeded[account["account_id"]]
        assert source["coalition"] is account["coalition"]
        listed = [{k: v for k, v in c.items() if k != "expect"} for c in account["customers"]]
        assert listed == [_identifiers(c) for c in source["customers"]]


def test_every_profile_customer_answers_by_each_identifier(api, profile):
    for account in profile["accounts"]:
        for customer in account["customers"]:
            answers = set()
            for name, value in _identifiers(customer).items():
                doc = api.json(account_id=account["account_id"], **{name: value})
                assert doc["status"] == "success", (account["account_id"], name, value)
                assert doc["customer"][name] == value
                answers.add(api.post(account_id=account["account_id"], **{name: value}).content)
            assert len(answers) == 1  # code and card number find the same customer


def test_profile_forbidden_account_is_refused(api, profile):
    doc = api.json(account_id=profile["forbidden_account_id"], code="11223344556677")
    assert doc["status"] == "error"


# -- invariants over every seeded customer, as served --------------------------


def _all_customers(seed):
    for account in seed["accounts"]:
        user = "john1970" if account["account_id"] != "otherco" else "otheruser"
        password = {u["user_id"]: u["user_password"] for u in seed["api_users"]}[user]
        for customer in account["customers"]:
            yield account, customer, {"user_id": user, "user_password": password}


def test_every_seeded_customer_is_consistent(api, seed):
    checked = 0
    for account, customer, credentials in _all_customers(seed):
        ids = _identifiers(customer)
        doc = api.json(account_id=account["account_id"], **credentials, **ids)
        assert doc["status"] == "success"
        assert doc["customer"]["first_name"] == customer["first_name"]
        coalition_balances = set()
        for campaign in doc["campaigns"]:
            if campaign["type"] == "buyx":
                for entry in campaign["balances"]:
                    balance, ratio = int(entry["balance"]), int(entry["earn_ratio"])
                    assert balance >= 0
                    assert int(entry["earned"]) == balance // ratio
                    assert balance == int(entry["cumulative"]) - int(entry["redeemed"]) * ratio
            else:
                assert Decimal(campaign["balance"]) >= 0
                assert Decimal(campaign["cumulative"]) >= 0
            if account["coalition"]:
                coalition_balances.add(campaign["balance_coalition"])
                assert campaign["balance"] == campaign["balance_coalition"]
                total = sum(Decimal(c["cumulative"]) for c in doc["campaigns"])
                assert Decimal(campaign["cumulative_coalition"]) == total
        assert len(coalition_balances) <= 1
        checked += 1
    assert checked == 7

"""Balances derived from the seed's ledger, checked against figures worked
out by hand from seed.yaml (the comments show the sums)."""

from __future__ import annotations

import pytest

GW = "greatwidgets"
CD = "coaldemo"

WIDGET_REWARDS = [
    {"id": "678", "description": "Free Widget", "needed_to_redeem": "1000", "reward_id": "A-345678"},
    {"id": "753", "description": "Free bigger widget", "needed_to_redeem": "2500"},
]


def item(name, balance, earned, cumulative, redeemed, ratio, item_id=None):
    entry = {"name": name}
    if item_id is not None:
        entry["item_id"] = item_id
    entry.update(balance=balance, earned=earned, cumulative=cumulative, redeemed=redeemed, earn_ratio=ratio)
    return entry


# -- greatwidgets (not a coalition) ------------------------------------------


def test_john_points_campaign(api):
    # earned 1200+1300+1000+1000 = 4500, redeemed 3 x 1000 -> 1500;
    # 1500 points x 1/150 EUR = 10.00
    widget = api.campaigns(account_id=GW, code="89898989898989")["Widget Rewards"]
    assert widget == {
        "id": "1234567890123456",
        "name": "Widget Rewards",
        "type": "points",
        "balance": "1500",
        "cumulative": "4500",
        "monetary_balance": "10.00",
        "currency": "EUR",
        "glyph": "",
        "last_transaction": "2011-12-31",
        # the whole catalogue, 2500 included although the balance is 1500
        "available_rewards": WIDGET_REWARDS,
    }


def test_john_earned_campaign(api):
    # earned 20.00 + 24.95 + 15.00 = 59.95, redeemed 43.45 -> 16.50
    employee = api.campaigns(account_id=GW, code="89898989898989")["Employee Rewards"]
    assert employee == {
        "id": "2345678901234567",
        "name": "Employee Rewards",
        "type": "earned",
        "balance": "16.50",
        "currency": "EUR",
        "cumulative": "59.95",
        "last_transaction": "2011-12-31",
    }


def test_john_buyx_campaign(api):
    buyx = api.campaigns(account_id=GW, code="89898989898989")["Frequent Buyer"]
    assert list(buyx) == ["id", "name", "type", "balances", "last_transaction", "available_rewards"]
    assert buyx["type"] == "buyx"
    assert buyx["balances"] == [
        # bought 10+4+10 = 24, 1 free -> 24 - 10 = 14 -> 1 earned
        item("Coffees", "14", "1", "24", "1", "10", item_id="96"),
        # bought 12+9 = 21, 1 free -> 11 -> 1 earned
        item("Cakes", "11", "1", "21", "1", "10", item_id="107"),
        # 2 bought, ratio 5 -> 0 earned; Books has no item_id
        item("Books", "2", "0", "2", "0", "5"),
        # 13 bought, ratio 6 -> floor(13/6) = 2 earned
        item("Teas", "13", "2", "13", "0", "6", item_id="212"),
        # never bought
        item("Muffins", "0", "0", "0", "0", "8", item_id="301"),
    ]
    assert buyx["last_transaction"] == "2011-12-31"
    # exactly the items earned at least once
    assert buyx["available_rewards"] == [
        {"item_id": "96", "name": "Coffees", "earn_ratio": "10", "reward_id": "A-345678"},
        {"item_id": "107", "name": "Cakes", "earn_ratio": "10"},
        {"item_id": "212", "name": "Teas", "earn_ratio": "6", "reward_id": "T-212"},
    ]


def test_john_campaign_order(api):
    names = list(api.campaigns(account_id=GW, code="89898989898989"))
    assert names == ["Widget Rewards", "Employee Rewards", "Frequent Buyer"]


def test_zoe_only_lists_campaigns_she_used(api):
    campaigns = api.campaigns(account_id=GW, code="70707070707070")
    assert list(campaigns) == ["Widget Rewards", "Frequent Buyer"]
    widget = campaigns["Widget Rewards"]
    # 310 x 1/150 = 2.0666.. -> 2.07 (half up)
    assert (widget["balance"], widget["cumulative"], widget["monetary_balance"]) == ("310", "310", "2.07")
    assert widget["last_transaction"] == "2012-01-05"
    buyx = campaigns["Frequent Buyer"]
    books = next(i for i in buyx["balances"] if i["name"] == "Books")
    # 7 bought, 1 free (ratio 5) -> 7 - 5 = 2 -> 0 earned
    assert books == item("Books", "2", "0", "7", "1", "5")
    muffins = next(i for i in buyx["balances"] if i["name"] == "Muffins")
    # 7 bought, ratio 8 -> 0.875 -> 0 earned (floor, not round)
    assert muffins == item("Muffins", "7", "0", "7", "0", "8", item_id="301")
    assert buyx["available_rewards"] == []
    assert buyx["last_transaction"] == "2012-01-07"


def test_zoe_empty_rewards_list_in_xml(api):
    body = api.post(account_id=GW, code="70707070707070", campaign_id="3456789012345678").content
    assert b"<available_rewards/>" in body


def test_cody_money_has_two_decimals(api):
    campaigns = api.campaigns(account_id=GW, code="56565656565656")
    assert campaigns == {
        "Employee Rewards": {
            "id": "2345678901234567",
            "name": "Employee Rewards",
            "type": "earned",
            "balance": "5.50",  # seeded as 5.5
            "currency": "EUR",
            "cumulative": "5.50",
            "last_transaction": "2012-02-02",
        }
    }


def test_customer_without_transactions_has_no_campaigns(api):
    doc = api.json(account_id=GW, code="34343434343434")
    assert doc["status"] == "success" and doc["campaigns"] == []


def test_show_only_belong_to_changes_nothing_outside_coalitions(api):
    for code in ("89898989898989", "70707070707070"):
        plain = api.post(account_id=GW, code=code).content
        assert api.post(account_id=GW, code=code, show_only_belong_to="Y").content == plain


def test_other_account_points_with_decimal_value(api):
    doc = api.json(user_id="otheruser", user_password="0ther-Pa55word", account_id="otherco", code="11223344556677")
    (campaign,) = doc["campaigns"]
    # 249 points x 0.005 USD = 1.245: exactly half a cent, rounded up
    assert (campaign["balance"], campaign["monetary_balance"], campaign["glyph"]) == ("249", "1.25", "$")


# -- coaldemo (coalition) --------------------------------------------------------

# John in coaldemo: earned ACME 2000+2500 = 4500, Gadget 3850, Widget 0;
# redeemed ACME 1000, Gadget 850, Widget 2500+2500 = 6850;
# coalition balance 8350 - 6850 = 1500, cumulative_coalition 8350.
JOHN_COALITION = [
    ("4567890123456789", "Widget Rewards", "0", "2011-12-31"),
    ("0123456123456789", "ACME Rewards", "4500", "2011-12-31"),
    ("5678901234567890", "Gadget Rewards", "3850", "2011-10-03"),
    ("6789012345678901", "Doohickey Rewards", "0", "0000-00-00"),
]
# Mary: earned ACME 700, Doohickey 300, nothing redeemed -> 1000.
MARY_COALITION = [
    ("4567890123456789", "Widget Rewards", "0", "0000-00-00"),
    ("0123456123456789", "ACME Rewards", "700", "2012-03-04"),
    ("5678901234567890", "Gadget Rewards", "0", "0000-00-00"),
    ("6789012345678901", "Doohickey Rewards", "300", "2012-04-01"),
]


def _coalition_view(campaigns):
    return [(c["id"], c["name"], c["cumulative"], c["last_transaction"]) for c in campaigns.values()]


@pytest.mark.parametrize(
    "code, expected, balance, cumulative",
    [("89898989898989", JOHN_COALITION, "1500", "8350"), ("45454545454545", MARY_COALITION, "1000", "1000")],
    ids=["john", "mary"],
)
def test_coalition_lists_every_campaign_with_the_shared_balance(api, code, expected, balance, cumulative):
    campaigns = api.campaigns(account_id=CD, code=code)
    assert _coalition_view(campaigns) == expected
    for c in campaigns.values():
        assert list(c) == [
            "id", "name", "type", "balance", "cumulative", "last_transaction",
            "balance_coalition", "cumulative_coalition", "available_rewards",
        ]  # fmt: skip
        assert c["type"] == "points"
        assert c["balance"] == c["balance_coalition"] == balance
        assert c["cumulative_coalition"] == cumulative


def test_coalition_rewards_are_each_campaigns_catalogue(api):
    campaigns = api.campaigns(account_id=CD, code="89898989898989")
    assert campaigns["Widget Rewards"]["available_rewards"] == WIDGET_REWARDS
    assert campaigns["ACME Rewards"]["available_rewards"] == WIDGET_REWARDS
    assert campaigns["Doohickey Rewards"]["available_rewards"] == []


@pytest.mark.parametrize(
    "code, names",
    [
        # Widget only holds redemptions: a redemption is a transaction too.
        ("89898989898989", ["Widget Rewards", "ACME Rewards", "Gadget Rewards"]),
        ("45454545454545", ["ACME Rewards", "Doohickey Rewards"]),
    ],
    ids=["john", "mary"],
)
def test_show_only_belong_to(api, code, names):
    everything = api.campaigns(account_id=CD, code=code)
    only = api.campaigns(account_id=CD, code=code, show_only_belong_to="Y")
    assert list(only) == names
    # Same figures: the coalition balance still counts every store.
    for name in names:
        assert only[name] == everything[name]
    assert api.campaigns(account_id=CD, code=code, show_only_belong_to="N") == everything


def test_coalition_campaign_id_and_show_only_belong_to_combine(api):
    fields = {"account_id": CD, "code": "89898989898989", "campaign_id": "6789012345678901,0123456123456789"}
    assert list(api.campaigns(**fields)) == ["ACME Rewards", "Doohickey Rewards"]
    assert list(api.campaigns(**fields, show_only_belong_to="Y")) == ["ACME Rewards"]
    # a store the customer never used, even alone, is still listed without Y
    alone = api.campaigns(account_id=CD, code="89898989898989", campaign_id="6789012345678901")
    assert alone["Doohickey Rewards"]["balance"] == "1500"

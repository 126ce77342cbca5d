"""The example client's tests: what it must read from the reference's data (John Doe of
greatwidgets, conformance/reference/seed.yaml). Against the rotating sandbox, every
request gets another legal variation; the same tests must pass whichever it gets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from client import ApiError, Client, NoMatch

JOHN_CODE, JOHN_CARD = "89898989898989", "1212121212"
WIDGET_REWARDS = "1234567890123456"


def test_reads_a_customer_by_code(client: Client) -> None:
    john = client.customer(code=JOHN_CODE)
    assert (john.first_name, john.last_name, john.card_number) == ("John", "Doe", JOHN_CARD)
    assert john.campaign(WIDGET_REWARDS).balance == Decimal("1500")


def test_reads_a_customer_by_card_number(client: Client) -> None:
    assert client.customer(card_number=JOHN_CARD).code == JOHN_CODE


def test_names_with_markup_and_accents_read_back_exactly(client: Client) -> None:
    zoe = client.customer(code="70707070707070")
    assert zoe.first_name == "Zoë & <Åsa>"


def test_unknown_customer_is_no_match(client: Client) -> None:
    with pytest.raises(NoMatch):
        client.customer(code="99999999999999")


def test_wrong_password_is_an_error_with_its_text(client: Client) -> None:
    client.credentials["user_password"] = "not-the-password"
    with pytest.raises(ApiError) as refused:
        client.customer(code=JOHN_CODE)
    assert str(refused.value)


@pytest.mark.parametrize("round_", range(12))
def test_the_same_customer_reads_the_same_every_time(client: Client, round_: int) -> None:
    """Many requests, so that a rotation shows the client every variation."""
    john = client.customer(code=JOHN_CODE)
    assert (john.first_name, john.code) == ("John", JOHN_CODE)
    assert {c.id for c in john.campaigns} >= {WIDGET_REWARDS}

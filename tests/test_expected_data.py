"""Ground truth: every answer compared with the data the profile says the target holds.

No server: the document's own examples are the answers (rendered in the format each
request asks for), and the customer's ``expect`` block is written from the same example
(tests/expected_data.py). Changing one expected value is then a target whose answer
differs from the data it holds in exactly that value: the registry must fail citing the
one requirement of that field or rule, and nothing else. The example as it is passes,
and the requirements compared are credited with expected-data evidence.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conformance.checks import REGISTRY, Judged, judge
from conformance.checks.expected import NEEDS, NO_DATA
from conformance.profile import Customer, nullable_fields
from tests.evidence import case
from tests.expected_data import at, changed, customer_from, expect_block, removed
from tests.test_every_requirement_can_fail import (
    coalition_with_unjoined_acme,
    example,
    in_other_format,
    only_campaigns,
    single,
    without,
)

CHECK = "answer_matches_expected_data"
POINTS, EARNED, BUYX = "1234567890123456", "2345678901234567", "3456789012345678"  # the success example's campaigns
WIDGET, ACME = "1234567890123456", "0123456123456789"  # the coalition example's campaigns
SUCCESS_BLOCK = expect_block(example("success"))
COALITION_BLOCK = expect_block(example("coalition-success"), transacted={WIDGET: True, ACME: True})


def judged_for(customer: Customer, document: dict[str, Any], coalition: bool = False, **options: str) -> Judged:
    return judge(single(case(coalition=coalition, customer=customer, **options), document))


def failures(judged: Judged) -> list[tuple[str, str | None]]:
    return sorted((f.check, f.requirement) for f in judged.findings if f.severity == "fail")


def only(judged: Judged, requirement: str) -> None:
    """The check fails citing ``requirement``, and no check fails anything else."""
    assert not judged.errors, judged.errors
    cited = failures(judged)
    assert (CHECK, requirement) in cited, f"expected a failure citing {requirement}, got {cited}"
    assert {r for _, r in cited} == {requirement}, f"only {requirement} may fail, got {cited}"


def passes(judged: Judged) -> None:
    assert not judged.errors, judged.errors
    assert failures(judged) == [], [
        f"[{f.requirement}] {f.check}: {f.title} where={f.where} expected={f.expected} got={f.got}"
        for f in judged.findings
        if f.severity == "fail"
    ]


# -- the pass side ---------------------------------------------------------------------------
def test_the_example_matching_its_data_passes_and_is_credited_as_expected_data() -> None:
    judged = judged_for(customer_from(SUCCESS_BLOCK), example("success"))
    passes(judged)
    compared = {
        "NOTE-ALL-FIELDS",
        "NOTE-REGISTERED",
        "EXAMPLE-CUSTOM-FIELD-N",
        "CALL-RETRIEVES",
        "EXAMPLE-SUCCESS",
        "EXAMPLE-POINTS-REWARDS",
        "EXAMPLE-BUYX-ITEMS",
        "BUYX-BALANCE",
        "BUYX-EARNED",
        "BUYX-CUMULATIVE",
        "BUYX-REDEEMED",
        "BUYX-AVAILABLE-REWARDS",
    }
    assert compared <= judged.expected_data, sorted(compared - judged.expected_data)
    assert judged.expected_data <= judged.checked


def test_the_coalition_example_matching_its_data_passes() -> None:
    customer = customer_from(COALITION_BLOCK, coalition=True, account_campaigns=[WIDGET, ACME])
    judged = judged_for(customer, example("coalition-success"), coalition=True)
    passes(judged)
    assert {
        "NOTE-COALITION-ALL-CAMPAIGNS",
        "NOTE-COALITION-BALANCE",
        "COALITION-STORE-CUMULATIVE",
        "EXAMPLE-COALITION",
    } <= judged.expected_data


def test_without_expected_data_nothing_is_credited_as_expected_data() -> None:
    judged = judged_for(customer_from(None), example("success"))
    passes(judged)
    assert judged.expected_data == frozenset()
    # The check's own reason says which profile keys would judge it.
    own = REGISTRY[CHECK].run(single(case(customer=customer_from(None)), example("success")))
    assert own.not_applicable["EXAMPLE-CUSTOM-FIELD-N"] == NO_DATA and "expect" in NO_DATA and "profile" in NO_DATA


def test_same_answer_in_xml_passes_too() -> None:
    passes(judge(in_other_format(single(case(customer=customer_from(SUCCESS_BLOCK)), example("success")))))


# -- each mismatch cites the one requirement of its field or rule ---------------------------------
MISMATCHES = [
    ("customer/first_name", "NOTE-ALL-FIELDS"),
    ("customer/email", "NOTE-ALL-FIELDS"),
    ("customer/registered", "NOTE-REGISTERED"),
    ("customer/custom_field_2/label", "EXAMPLE-CUSTOM-FIELD-N"),
    ("customer/custom_field_2/data", "EXAMPLE-CUSTOM-FIELD-N"),
    ("campaigns/0/balance", "EXAMPLE-SUCCESS"),
    ("campaigns/0/name", "EXAMPLE-SUCCESS"),
    ("campaigns/1/last_transaction", "EXAMPLE-SUCCESS"),
    ("campaigns/0/available_rewards/0/needed_to_redeem", "EXAMPLE-POINTS-REWARDS"),
    ("campaigns/0/available_rewards/1/description", "EXAMPLE-POINTS-REWARDS"),
    ("campaigns/2/balances/0/balance", "BUYX-BALANCE"),
    ("campaigns/2/balances/0/earned", "BUYX-EARNED"),
    ("campaigns/2/balances/1/cumulative", "BUYX-CUMULATIVE"),
    ("campaigns/2/balances/2/redeemed", "BUYX-REDEEMED"),
    ("campaigns/2/balances/0/earn_ratio", "EXAMPLE-BUYX-ITEMS"),
    ("campaigns/2/available_rewards/0/reward_id", "BUYX-AVAILABLE-REWARDS"),
]


@pytest.mark.parametrize(("path", "requirement"), MISMATCHES, ids=[p for p, _ in MISMATCHES])
def test_a_value_other_than_the_data_fails_its_requirement(path: str, requirement: str) -> None:
    judged = judged_for(customer_from(changed(SUCCESS_BLOCK, path)), example("success"))
    only(judged, requirement)
    finding = next(f for f in judged.findings if f.check == CHECK)
    assert finding.expected == "999999", finding
    assert finding.where.endswith(path.rsplit("/", 1)[-1]) and finding.got not in ("", "999999"), finding


COALITION_MISMATCHES = [
    ("campaigns/0/balance", "NOTE-COALITION-BALANCE"),
    ("campaigns/1/balance_coalition", "NOTE-COALITION-BALANCE"),
    ("campaigns/1/cumulative_coalition", "NOTE-COALITION-BALANCE"),
    ("campaigns/1/cumulative", "COALITION-STORE-CUMULATIVE"),
    ("campaigns/0/name", "EXAMPLE-COALITION"),
    ("campaigns/1/available_rewards/0/id", "EXAMPLE-POINTS-REWARDS"),
]


@pytest.mark.parametrize(("path", "requirement"), COALITION_MISMATCHES, ids=[p for p, _ in COALITION_MISMATCHES])
def test_a_coalition_value_other_than_the_data_fails_its_requirement(path: str, requirement: str) -> None:
    customer = customer_from(changed(COALITION_BLOCK, path), coalition=True, account_campaigns=[WIDGET, ACME])
    only(judged_for(customer, example("coalition-success"), coalition=True), requirement)


def test_the_message_says_where_expected_and_got() -> None:
    judged = judged_for(customer_from(changed(SUCCESS_BLOCK, "customer/first_name", "Carla")), example("success"))
    [finding] = [f for f in judged.findings if f.check == CHECK]
    assert (finding.where, finding.expected, finding.got) == ("customer/first_name", "Carla", "John")
    assert "first_name" in finding.title


def test_a_json_number_is_compared_by_its_literal_text() -> None:
    document = example("success")
    document["campaigns"][0]["balance"] = 1500.0  # JSON 1500.0: the text the target wrote is "1500.0"
    judged = judged_for(customer_from(SUCCESS_BLOCK), document, output="JSON")
    assert (CHECK, "EXAMPLE-SUCCESS") in failures(judged)


# -- a key left out is not compared -----------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    ["customer/first_name", "campaigns/0/balance", "campaigns/2/balances/0/earned", "customer/custom_field_2/label"],
)
def test_a_key_left_out_is_not_compared(path: str) -> None:
    document = example("success")
    parent: Any = document
    parts = [int(p) if p.isdigit() else p for p in path.split("/")]
    for part in parts[:-1]:
        parent = parent[part]
    parent[parts[-1]] = "something else"
    judged = judged_for(customer_from(removed(SUCCESS_BLOCK, path)), document)
    assert [f for f in judged.findings if f.check == CHECK and f.severity == "fail"] == []


def test_a_list_left_out_is_not_compared_and_the_reason_names_the_key() -> None:
    block = {"customer": {"first_name": "John"}}  # no campaigns at all
    judged = judged_for(customer_from(block), only_campaigns(example("success"), POINTS))
    passes(judged)
    assert "NOTE-ALL-FIELDS" in judged.expected_data
    assert "CALL-RETRIEVES" not in judged.expected_data
    own = REGISTRY[CHECK].run(single(case(customer=customer_from(block)), only_campaigns(example("success"), POINTS)))
    assert "expect.customer.registered" in own.not_applicable["NOTE-REGISTERED"]


# -- the whole list, both ways --------------------------------------------------------------------
def test_a_campaign_missing_from_the_answer_fails() -> None:
    only(judged_for(customer_from(SUCCESS_BLOCK), only_campaigns(example("success"), POINTS, BUYX)), "CALL-RETRIEVES")


def test_a_campaign_the_answer_adds_fails() -> None:
    only(judged_for(customer_from(removed(SUCCESS_BLOCK, "campaigns/1")), example("success")), "CALL-RETRIEVES")


def test_a_campaign_outside_the_accounts_list_fails_without_customer_campaigns() -> None:
    customer = customer_from({"customer": {"first_name": "John"}}, account_campaigns=[POINTS, BUYX])
    only(judged_for(customer, example("success")), "CALL-RETRIEVES")
    passes(judged_for(customer, only_campaigns(example("success"), POINTS)))


def test_a_coalition_campaign_missing_fails_all_campaigns() -> None:
    # The account's list names a third store that the answer leaves out.
    block = copy.deepcopy(COALITION_BLOCK)
    block["campaigns"].append({"id": "9999888877776666", "transacted": False})
    customer = customer_from(block, coalition=True, account_campaigns=[WIDGET, ACME, "9999888877776666"])
    only(judged_for(customer, example("coalition-success"), coalition=True), "NOTE-COALITION-ALL-CAMPAIGNS")


def test_a_coalition_campaign_added_fails_all_campaigns() -> None:
    customer = customer_from(removed(COALITION_BLOCK, "campaigns/1"), coalition=True, account_campaigns=[WIDGET])
    only(judged_for(customer, example("coalition-success"), coalition=True), "NOTE-COALITION-ALL-CAMPAIGNS")


@pytest.mark.parametrize(
    ("change", "requirement"),
    [
        (lambda b: b["campaigns"][0]["available_rewards"].pop(), "EXAMPLE-POINTS-REWARDS"),
        (
            lambda b: b["campaigns"][0]["available_rewards"].append({"id": "999", "needed_to_redeem": "5"}),
            "EXAMPLE-POINTS-REWARDS",
        ),
        (lambda b: b["campaigns"][2]["balances"].pop(), "EXAMPLE-BUYX-ITEMS"),
        (lambda b: b["campaigns"][2]["balances"].append({"name": "Teas", "balance": "1"}), "EXAMPLE-BUYX-ITEMS"),
        (lambda b: b["campaigns"][2]["available_rewards"].pop(), "BUYX-AVAILABLE-REWARDS"),
        (
            lambda b: b["campaigns"][2]["available_rewards"].append({"item_id": "5", "name": "Books"}),
            "BUYX-AVAILABLE-REWARDS",
        ),
    ],
    ids=[
        "reward-added-by-answer",
        "reward-missing-from-answer",
        "item-added-by-answer",
        "item-missing-from-answer",
        "buyx-reward-added-by-answer",
        "buyx-reward-missing-from-answer",
    ],
)
def test_rewards_and_items_are_whole_lists(change: Any, requirement: str) -> None:
    block = copy.deepcopy(SUCCESS_BLOCK)
    change(block)
    only(judged_for(customer_from(block), example("success")), requirement)


def test_lists_compare_in_any_order() -> None:
    document = example("success")
    for key, index in (("available_rewards", 0), ("balances", 2), ("available_rewards", 2)):
        document["campaigns"][index][key].reverse()
    document["campaigns"].reverse()
    passes(judged_for(customer_from(SUCCESS_BLOCK), document))


# -- the parameters' documented effects -------------------------------------------------------------
def test_include_balances_n_expects_no_campaign() -> None:
    customer = customer_from(SUCCESS_BLOCK)
    judged = judged_for(customer, {**example("success"), "campaigns": []}, include_balances="N")
    passes(judged)
    assert "NOTE-INCLUDE-BALANCES-N" in judged.expected_data
    only(judged_for(customer, example("success"), include_balances="N"), "NOTE-INCLUDE-BALANCES-N")


def test_campaign_id_expects_that_campaign_with_its_values() -> None:
    customer = customer_from(SUCCESS_BLOCK)
    judged = judged_for(customer, only_campaigns(example("success"), BUYX), campaign=BUYX, campaign_id="each")
    passes(judged)
    assert {"NOTE-CAMPAIGN-ID", "BUYX-BALANCE"} <= judged.expected_data
    wrong = customer_from(changed(SUCCESS_BLOCK, "campaigns/2/balances/1/balance"))
    only(judged_for(wrong, only_campaigns(example("success"), BUYX), campaign=BUYX, campaign_id="each"), "BUYX-BALANCE")


def test_hide_custom_field_y_does_not_compare_custom_field() -> None:
    customer = customer_from(SUCCESS_BLOCK)
    judged = judged_for(customer, without(example("success"), "customer", "custom_field"), hide_custom_field="Y")
    passes(judged)
    # custom_field_N is another field: still compared.
    only(
        judged_for(
            customer_from(changed(SUCCESS_BLOCK, "customer/custom_field_2/data")),
            without(example("success"), "customer", "custom_field"),
            hide_custom_field="Y",
        ),
        "EXAMPLE-CUSTOM-FIELD-N",
    )


def test_show_only_belong_to_expects_the_transacted_campaigns() -> None:
    full = coalition_with_unjoined_acme()
    block = expect_block(full, transacted={WIDGET: True, ACME: False})
    customer = customer_from(block, coalition=True, account_campaigns=[WIDGET, ACME])
    passes(judged_for(customer, full, coalition=True))  # the default answer: ALL campaigns
    judged = judged_for(customer, only_campaigns(full, WIDGET), coalition=True, show_only_belong_to="Y")
    passes(judged)
    assert "NOTE-SHOW-ONLY-BELONG-TO" in judged.expected_data
    # The profile says the customer has transacted at ACME: leaving it out is a failure
    # that no answer alone could show.
    transacted = customer_from(
        expect_block(full, transacted={WIDGET: True, ACME: True}), coalition=True, account_campaigns=[WIDGET, ACME]
    )
    only(
        judged_for(transacted, only_campaigns(full, WIDGET), coalition=True, show_only_belong_to="Y"),
        "NOTE-SHOW-ONLY-BELONG-TO",
    )


def test_show_only_belong_to_without_transacted_is_not_judged_and_says_why() -> None:
    full = coalition_with_unjoined_acme()
    customer = customer_from(expect_block(full), coalition=True, account_campaigns=[WIDGET, ACME])
    judged = judged_for(customer, only_campaigns(full, WIDGET), coalition=True, show_only_belong_to="Y")
    passes(judged)
    assert "NOTE-SHOW-ONLY-BELONG-TO" not in judged.expected_data
    own = REGISTRY[CHECK].run(
        single(case(coalition=True, customer=customer, show_only_belong_to="Y"), only_campaigns(full, WIDGET))
    )
    assert "transacted" in own.not_applicable["NOTE-SHOW-ONLY-BELONG-TO"]


def test_a_silent_combination_is_not_judged() -> None:
    # show_only_belong_to=Y outside a coalition: the document is silent; wrong data or not.
    wrong = customer_from(changed(SUCCESS_BLOCK, "customer/first_name"))
    judged = judged_for(wrong, only_campaigns(example("success"), POINTS), show_only_belong_to="Y")
    assert [f for f in judged.findings if f.check == CHECK] == []
    assert not (judged.expected_data & set(NEEDS))


def test_no_data_is_not_judged() -> None:
    own = REGISTRY[CHECK].run(single(case(customer=Customer("89898989898989", "1212121212")), example("success")))
    assert (
        own.checked == frozenset()
        and own.expected_data == frozenset()
        and set(own.not_applicable.values()) == {NO_DATA}
    )


def test_every_identifier_is_judged_alike() -> None:
    customer = customer_from(changed(SUCCESS_BLOCK, "customer/last_name"))
    for identifier in ("code", "card_number", "both"):
        only(judge(single(case(identifier=identifier, customer=customer), example("success"))), "NOTE-ALL-FIELDS")


# -- the certificate tells expected data from consistency -------------------------------------------
def _record(item_id: str, judged: Judged) -> dict[str, Any]:
    from tests.records import item_record

    return item_record("case", item_id, judged)


def test_item_record_and_certificate_say_what_each_verdict_rests_on() -> None:
    from conformance.certificate import build_certificate, validate
    from conformance.html_summary import matrix_html
    from tests.test_certificate import facts

    with_data = judged_for(customer_from(SUCCESS_BLOCK), example("success"))
    without_data = judged_for(customer_from(None), example("success"))
    wrong = judged_for(customer_from(changed(SUCCESS_BLOCK, "customer/registered", "N")), example("success"))
    a, b, c = _record("a", with_data), _record("b", without_data), _record("c", wrong)
    assert (
        "NOTE-REGISTERED" in a["expected_data"] and b["expected_data"] == [] and "NOTE-REGISTERED" in c["expected_data"]
    )
    assert set(a["expected_data"]) <= set(a["exercised"])

    only_consistency = build_certificate([b], facts(collected=1, generated=1, outcomes={"b": "passed"}))
    validate(only_consistency)
    assert only_consistency["requirements"]["NOTE-REGISTERED"]["evidence"] == "consistency"

    certificate = build_certificate(
        [a, b, c], facts(collected=3, generated=3, outcomes={"a": "passed", "b": "passed", "c": "failed"})
    )
    validate(certificate)
    registered = certificate["requirements"]["NOTE-REGISTERED"]
    assert registered["verdict"] == "fail" and registered["evidence"] == "expected-data"
    assert certificate["requirements"]["BUYX-BALANCE"]["evidence"] == "expected-data"
    # Judged, but by no check against expected data: consistency only.
    assert certificate["requirements"]["BUYX-EXAMPLE"]["evidence"] == "consistency"
    not_exercised = [e for e in certificate["requirements"].values() if e["verdict"] == "not-exercised"]
    assert not_exercised and all("evidence" not in e for e in not_exercised)

    html = matrix_html(certificate)
    row = html[html.index('data-requirement="NOTE-REGISTERED"') :].split("</tr>")[0]
    assert "against expected data" in row
    row = html[html.index('data-requirement="BUYX-EXAMPLE"') :].split("</tr>")[0]
    assert "consistency only" in row


def test_a_certificate_without_evidence_on_a_verdict_breaks_its_schema() -> None:
    from conformance.certificate import CertificateInvalid, build_certificate, validate
    from tests.test_certificate import facts

    certificate = build_certificate(
        [_record("a", judged_for(customer_from(SUCCESS_BLOCK), example("success")))],
        facts(collected=1, generated=1, outcomes={"a": "passed"}),
    )
    del certificate["requirements"]["NOTE-REGISTERED"]["evidence"]
    with pytest.raises(CertificateInvalid):
        validate(certificate)


# -- what the data set leaves open, and answers that are not this customer's ------------------
def _with_items_never_bought(block: dict[str, Any]) -> dict[str, Any]:
    block = copy.deepcopy(block)
    block["campaigns"][2]["balances"].append(
        {
            "name": "Muffins",
            "item_id": "301",
            "balance": "0",
            "earned": "0",
            "cumulative": "0",
            "redeemed": "0",
            "earn_ratio": "8",
        }
    )
    return block


def test_an_item_never_bought_may_be_left_out_and_that_is_recorded() -> None:
    # Whether an answer lists a BuyX item the customer never bought, the document does not say.
    judged = judged_for(customer_from(_with_items_never_bought(SUCCESS_BLOCK)), example("success"))
    passes(judged)
    noted = [f.title for f in judged.findings if f.severity == "unspecified" and f.check == CHECK]
    assert noted == [
        "item name Muffins (never bought) is not listed; the document does not say whether such an item is"
    ], noted


def test_an_item_never_bought_that_is_listed_is_compared() -> None:
    document = copy.deepcopy(example("success"))
    document["campaigns"][2]["balances"].append(
        {
            "name": "Muffins",
            "item_id": "301",
            "balance": "1",
            "earned": "0",
            "cumulative": "1",
            "redeemed": "0",
            "earn_ratio": "8",
        }
    )
    judged = judged_for(customer_from(_with_items_never_bought(SUCCESS_BLOCK)), document)
    assert (CHECK, "BUYX-BALANCE") in failures(judged) and (CHECK, "BUYX-CUMULATIVE") in failures(judged)


def test_an_item_bought_is_never_optional() -> None:
    block = changed(SUCCESS_BLOCK, "campaigns/2/balances/2/balance", "0")  # Books: 2 -> 0, but cumulative 2
    document = copy.deepcopy(example("success"))
    del document["campaigns"][2]["balances"][2]
    only(judged_for(customer_from(block), document), "EXAMPLE-BUYX-ITEMS")


def test_another_customers_answer_is_not_blamed_on_the_fields() -> None:
    # The lookup by card number found someone else: right_customer fails FIELD-CARD-NUMBER;
    # comparing that person's first_name with this customer's would blame NOTE-ALL-FIELDS.
    someone = copy.deepcopy(example("success"))
    someone["customer"].update(code="70707070707070", card_number="3434343434", first_name="Zoë")
    judged = judged_for(customer_from(SUCCESS_BLOCK), someone, identifier="card_number")
    assert {r for _, r in failures(judged)} == {"FIELD-CARD-NUMBER"}, failures(judged)
    assert "NOTE-ALL-FIELDS" not in judged.expected_data


def test_a_wrong_identifier_the_lookup_did_not_send_is_a_field_value() -> None:
    # Looked up by code, found by code, but the card number answered is not the customer's.
    document = copy.deepcopy(example("success"))
    document["customer"]["card_number"] = "9999999999"
    only(judged_for(customer_from(SUCCESS_BLOCK), document, identifier="code"), "NOTE-ALL-FIELDS")


# -- three states per field: a value, a stated absence (null), nothing stated ----------------------
# The fields an entry may lack (the document's examples show them in one entry and leave
# them out in another: presence follows the data), taken from the profile schema's
# valueOrNone, so a field made optional there is covered here with no new line. Each entry
# kind is tried where the document shows one, with the requirement the catalogue uses for
# its values: (kind, entry path in the example, example, coalition, requirement).
ENTRIES = [
    ("campaign", "campaigns/0", "success", False, "EXAMPLE-SUCCESS"),
    ("campaign", "campaigns/1", "success", False, "EXAMPLE-SUCCESS"),
    ("campaign", "campaigns/2", "success", False, "EXAMPLE-SUCCESS"),
    ("campaign", "campaigns/0", "coalition-success", True, "EXAMPLE-COALITION"),
    ("reward", "campaigns/0/available_rewards/0", "success", False, "EXAMPLE-POINTS-REWARDS"),
    ("reward", "campaigns/0/available_rewards/1", "success", False, "EXAMPLE-POINTS-REWARDS"),
    ("reward", "campaigns/2/available_rewards/0", "success", False, "BUYX-AVAILABLE-REWARDS"),
    ("reward", "campaigns/2/available_rewards/1", "success", False, "BUYX-AVAILABLE-REWARDS"),
    ("item", "campaigns/2/balances/0", "success", False, "EXAMPLE-BUYX-ITEMS"),
    ("item", "campaigns/2/balances/2", "success", False, "EXAMPLE-BUYX-ITEMS"),
]
OPTIONAL = [
    pytest.param(path, field, name, coalition, requirement, id=f"{name}:{path}/{field}")
    for kind, path, name, coalition, requirement in ENTRIES
    for field in nullable_fields(kind)
]


def _ground_truth(name: str, coalition: bool, block: dict[str, Any]) -> Customer:
    if coalition:
        return customer_from(block, coalition=True, account_campaigns=[WIDGET, ACME])
    return customer_from(block)


def _block_of(name: str) -> dict[str, Any]:
    return COALITION_BLOCK if name == "coalition-success" else SUCCESS_BLOCK


def _own_failures(judged: Judged) -> set[str | None]:
    assert not judged.errors, judged.errors
    return {f.requirement for f in judged.findings if f.severity == "fail" and f.check == CHECK}


def test_every_entry_kind_has_fields_it_may_lack() -> None:
    # The fields the document's examples show in one entry and leave out in another.
    assert {kind: nullable_fields(kind) for kind in ("campaign", "reward", "item")} == {
        "campaign": ("currency", "glyph", "monetary_balance"),
        "reward": ("item_id", "reward_id"),
        "item": ("item_id",),
    }


@pytest.mark.parametrize(("path", "field", "name", "coalition", "requirement"), OPTIONAL)
def test_a_value_the_data_gives_that_the_answer_leaves_out_fails(
    path: str, field: str, name: str, coalition: bool, requirement: str
) -> None:
    block = changed(_block_of(name), f"{path}/{field}", "A-1")
    document = example(name)
    entry, _ = at(document, f"{path}/{field}")
    entry.pop(field, None)
    judged = judged_for(_ground_truth(name, coalition, block), document, coalition=coalition)
    assert _own_failures(judged) == {requirement}
    [finding] = [f for f in judged.findings if f.severity == "fail" and f.check == CHECK]
    assert "left out, though the target holds one" in finding.title and field in finding.title
    assert (finding.expected, finding.got) == ("A-1", "(absent)")


@pytest.mark.parametrize(("path", "field", "name", "coalition", "requirement"), OPTIONAL)
def test_a_value_the_answer_gives_where_the_data_states_none_fails(
    path: str, field: str, name: str, coalition: bool, requirement: str
) -> None:
    block = changed(_block_of(name), f"{path}/{field}", None)
    document = example(name)
    entry, _ = at(document, f"{path}/{field}")
    entry.setdefault(field, "A-1")
    judged = judged_for(_ground_truth(name, coalition, block), document, coalition=coalition)
    assert _own_failures(judged) == {requirement}
    [finding] = [f for f in judged.findings if f.severity == "fail" and f.check == CHECK]
    assert "given, though the target holds none" in finding.title and field in finding.title
    assert finding.expected == "(absent: the target holds none)"


@pytest.mark.parametrize(("path", "field", "name", "coalition", "requirement"), OPTIONAL)
def test_a_stated_absence_the_answer_keeps_passes_and_is_judged(
    path: str, field: str, name: str, coalition: bool, requirement: str
) -> None:
    block = changed(_block_of(name), f"{path}/{field}", None)
    document = example(name)
    entry, _ = at(document, f"{path}/{field}")
    entry.pop(field, None)
    for output in ({}, {"output": "JSON"}):
        judged = judged_for(_ground_truth(name, coalition, block), document, coalition=coalition, **output)
        # (Other checks may see the edited example contradict itself, such as a BuyX reward
        # without the item_id its item has: not this check's business.)
        assert _own_failures(judged) == set()
        assert requirement in judged.expected_data


@pytest.mark.parametrize(("path", "field", "name", "coalition", "requirement"), OPTIONAL)
def test_nothing_stated_is_not_judged_either_way(
    path: str, field: str, name: str, coalition: bool, requirement: str
) -> None:
    block = removed(changed(_block_of(name), f"{path}/{field}", "A-1"), f"{path}/{field}")
    for present in (True, False):
        document = example(name)
        entry, _ = at(document, f"{path}/{field}")
        if present:
            entry[field] = "anything"
        else:
            entry.pop(field, None)
        assert _own_failures(judged_for(_ground_truth(name, coalition, block), document, coalition=coalition)) == set()


def test_a_json_null_is_no_value() -> None:
    # "reward_id": null answers no reward_id: a stated absence holds, a stated value fails.
    document = example("success")
    document["campaigns"][0]["available_rewards"][1]["reward_id"] = None
    absent = changed(SUCCESS_BLOCK, "campaigns/0/available_rewards/1/reward_id", None)
    assert _own_failures(judged_for(customer_from(absent), document, output="JSON")) == set()
    given = changed(SUCCESS_BLOCK, "campaigns/0/available_rewards/1/reward_id", "A-753")
    assert _own_failures(judged_for(customer_from(given), document, output="JSON")) == {"EXAMPLE-POINTS-REWARDS"}


def test_a_custom_field_the_customer_has_none_of_must_not_be_answered() -> None:
    block = changed(SUCCESS_BLOCK, "customer/custom_field_3", None)
    passes(judged_for(customer_from(block), example("success")))
    document = example("success")
    document["customer"]["custom_field_3"] = {"label": "Favourite Store", "data": "Downtown"}
    judged = judged_for(customer_from(block), document)
    assert _own_failures(judged) == {"EXAMPLE-CUSTOM-FIELD-N"}
    [finding] = [f for f in judged.findings if f.severity == "fail" and f.check == CHECK]
    assert "custom_field_3 is returned, though the customer has none" in finding.title


def test_a_stated_absence_identifies_no_entry() -> None:
    # Two BuyX rewards with no item_id: the one stated item_id: null is found by its name,
    # not by "has no item_id" (which the other one shares), so Cakes' wrong earn_ratio is
    # reported as Cakes', and nothing else.
    block = copy.deepcopy(SUCCESS_BLOCK)
    coffees, cakes = block["campaigns"][2]["available_rewards"]
    coffees["item_id"] = cakes["item_id"] = None
    block["campaigns"][2]["available_rewards"] = [cakes, coffees]
    document = example("success")
    for reward in document["campaigns"][2]["available_rewards"]:
        reward.pop("item_id")
    document["campaigns"][2]["available_rewards"][1]["earn_ratio"] = "11"
    judged = judged_for(customer_from(block), document)
    found = [(f.where, f.title) for f in judged.findings if f.severity == "fail" and f.check == CHECK]
    assert found == [
        (
            f"campaigns/{BUYX}/available_rewards/1/earn_ratio",
            "reward name Cakes's earn_ratio is not the one the target holds",
        )
    ], found


@pytest.mark.parametrize("path", ["campaigns/0/monetary_balance", "campaigns/2/available_rewards/0/reward_id"])
def test_an_optional_field_given_is_compared(path: str) -> None:
    judged = judged_for(customer_from(changed(SUCCESS_BLOCK, path, "12.34")), example("success"))
    assert [f for f in failures(judged) if f[0] == CHECK], failures(judged)


@pytest.mark.parametrize(
    "path",
    [
        "campaigns/0/balance",
        "campaigns/0/last_transaction",
        "campaigns/2/balances/0/earned",
        "campaigns/0/available_rewards/0/needed_to_redeem",
    ],
)
def test_a_required_field_left_out_fails(path: str) -> None:
    judged = judged_for(customer_from(SUCCESS_BLOCK), removed(example("success"), path))
    assert [f for f in failures(judged) if f[0] == CHECK], failures(judged)

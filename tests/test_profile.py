"""The target profile: valid profiles load, every mistake gets one clear message.

A message must name the file, the key (``accounts[0].customers[1].code``) and the
fix, must never be a traceback, and must never show the password.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.profile import (
    OTHER_PASSWORD_ENV,
    PASSWORD_ENV,
    Customer,
    Expected,
    ExpectedCampaign,
    ProfileError,
    load_profile,
)
from conformance.reference import PROFILE_PATH
from conformance.secret import Secret

# Distinctive, so a leak cannot hide behind a coincidence.
PASSWORD = "Pw-ZQX-8812-sekret"

VALID: dict[str, Any] = {
    "credentials": {"user_id": "john1970", "user_password": PASSWORD},
    "accounts": [
        {
            "account_id": "greatwidgets",
            "coalition": False,
            "customers": [
                {"code": "89898989898989", "card_number": "1212121212"},
                {"code": "70707070707070", "card_number": "3434343434"},
            ],
        },
        {
            "account_id": "coaldemo",
            "coalition": True,
            "customers": [{"code": "45454545454545", "card_number": "6767676767"}],
        },
    ],
    "forbidden_account_id": "otherco",
}


def valid() -> dict[str, Any]:
    return copy.deepcopy(VALID)


def write(tmp_path: Path, text: str, name: str = "profile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def error_of(path: Path, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ProfileError) as info:
        load_profile(path, environ={} if environ is None else environ)
    return str(info.value)


def assert_clear(message: str, path: Path, fragments: list[str]) -> None:
    assert str(path) in message, f"the message does not name the file:\n{message}"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"
    assert "Traceback" not in message
    assert 'File "' not in message
    assert PASSWORD not in message, f"the password leaked into:\n{message}"


# -- valid profiles --------------------------------------------------------------------
def test_reference_profile_loads() -> None:
    profile = load_profile(PROFILE_PATH, environ={})
    assert profile.path == Path(PROFILE_PATH)
    assert profile.user_id == "john1970"
    assert profile.password.reveal() == "1959caadac9b13dcb3"
    assert [a.account_id for a in profile.accounts] == ["greatwidgets", "coaldemo"]
    assert [a.coalition for a in profile.accounts] == [False, True]
    john, cody = profile.account("greatwidgets").customers[0], profile.account("greatwidgets").customers[2]
    assert (john.code, john.card_number, cody.code, cody.card_number) == (
        "89898989898989",
        "1212121212",
        "56565656565656",
        None,
    )
    # The certification profile: every customer carries ground truth, and the claim holds.
    assert all(c.expect is not None and c.account_campaigns for a in profile.accounts for c in a.customers)
    assert profile.dataset is not None and profile.dataset.version == "1"
    assert len(profile.account("coaldemo").customers) == 2
    assert profile.forbidden_account_id == "otherco"
    assert len(profile.sha256) == 64 and int(profile.sha256, 16) >= 0
    with pytest.raises(KeyError):
        profile.account("otherco")


def test_customer_with_only_code(tmp_path: Path) -> None:
    data = valid()
    data["accounts"][0]["customers"] = [{"code": "0089898989"}]
    profile = load_profile(write(tmp_path, dump(data)), environ={})
    customer = profile.accounts[0].customers[0]
    assert customer == Customer(code="0089898989", card_number=None)
    assert customer.label == "0089898989"


def test_customer_with_only_card_number(tmp_path: Path) -> None:
    data = valid()
    data["accounts"][0]["customers"] = [{"card_number": "1212121212"}]
    profile = load_profile(write(tmp_path, dump(data)), environ={})
    customer = profile.accounts[0].customers[0]
    assert customer == Customer(code=None, card_number="1212121212")
    assert customer.label == "card-1212121212"


def test_profile_without_forbidden_account(tmp_path: Path) -> None:
    data = valid()
    del data["forbidden_account_id"]
    assert load_profile(write(tmp_path, dump(data)), environ={}).forbidden_account_id is None


def test_environment_password_overrides_the_files(tmp_path: Path) -> None:
    path = write(tmp_path, dump(valid()))
    assert load_profile(path, environ={}).password.reveal() == PASSWORD
    assert load_profile(path, environ={PASSWORD_ENV: "from-the-env"}).password.reveal() == "from-the-env"


def test_password_only_in_environment(tmp_path: Path) -> None:
    data = valid()
    del data["credentials"]["user_password"]
    profile = load_profile(write(tmp_path, dump(data)), environ={PASSWORD_ENV: "only-in-env"})
    assert profile.password.reveal() == "only-in-env"


def test_process_environment_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = valid()
    del data["credentials"]["user_password"]
    path = write(tmp_path, dump(data))
    monkeypatch.setenv(PASSWORD_ENV, "from-os-environ")
    assert load_profile(path).password.reveal() == "from-os-environ"
    monkeypatch.delenv(PASSWORD_ENV)
    assert PASSWORD_ENV in error_of(path)


def test_hash_identifies_the_data_not_the_password(tmp_path: Path) -> None:
    one = load_profile(write(tmp_path, dump(valid()), "one.yaml"), environ={})
    other_password = valid()
    other_password["credentials"]["user_password"] = "something-else"
    two = load_profile(write(tmp_path, dump(other_password), "two.yaml"), environ={})
    other_data = valid()
    other_data["accounts"][0]["customers"][0]["code"] = "11111111111111"
    three = load_profile(write(tmp_path, dump(other_data), "three.yaml"), environ={})
    assert one.sha256 == two.sha256
    assert one.sha256 != three.sha256


OTHER_PASSWORD = "Other-QQ-5521-sekret"


def with_other_user(**credentials: str) -> dict[str, Any]:
    data = valid()
    data["other_user"] = {"user_id": "otheruser", **credentials}
    return data


def test_other_user_is_optional_and_its_password_comes_from_the_file_or_the_environment(tmp_path: Path) -> None:
    assert load_profile(write(tmp_path, dump(valid()), "none.yaml"), environ={}).other_user is None
    path = write(tmp_path, dump(with_other_user(user_password=OTHER_PASSWORD)), "given.yaml")
    other = load_profile(path, environ={}).other_user
    assert other is not None and other.user_id == "otheruser" and other.password.reveal() == OTHER_PASSWORD
    assert OTHER_PASSWORD not in repr(other)
    overridden = load_profile(path, environ={OTHER_PASSWORD_ENV: "from-env"}).other_user
    assert overridden is not None and overridden.password.reveal() == "from-env"
    # Its password is no part of the data's identity, like the first user's.
    assert load_profile(path, environ={}).sha256 == load_profile(write(tmp_path, dump(valid()))).sha256
    assert load_profile(PROFILE_PATH, environ={}).other_user is not None  # the reference's: exercised


def test_other_user_without_a_password_or_the_same_user_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, dump(with_other_user()), "no-password.yaml")
    assert_clear(error_of(path), path, ["no password for other_user 'otheruser'", OTHER_PASSWORD_ENV])
    same = with_other_user(user_password=OTHER_PASSWORD)
    same["other_user"]["user_id"] = "john1970"
    path = write(tmp_path, dump(same), "same.yaml")
    message = error_of(path)
    assert_clear(message, path, ["other_user.user_id: 'john1970' is credentials.user_id", "ANOTHER user"])
    assert OTHER_PASSWORD not in message
    typo = with_other_user(user_pasword=OTHER_PASSWORD)
    path = write(tmp_path, dump(typo), "typo.yaml")
    message = error_of(path)
    assert_clear(message, path, ["other_user: unknown key 'user_pasword'", "Did you mean 'user_password'?"])


def test_password_is_not_in_repr_or_str(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, dump(valid())), environ={})
    assert isinstance(profile.password, Secret)
    for text in (repr(profile), str(profile), repr(profile.password), str(profile.password), f"{profile.password}"):
        assert PASSWORD not in text
    assert "***" in repr(profile.password)
    assert profile.password.reveal() == PASSWORD


# -- bad profiles ----------------------------------------------------------------------
Mutation = Callable[[dict[str, Any]], Any]


def mutated(change: Mutation) -> str:
    data = valid()
    result = change(data)
    return dump(data if result is None else result)


def _set(path: list[Any], value: Any) -> Mutation:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path: list[Any]) -> Mutation:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _rename(path: list[Any], old: str, new: str) -> Mutation:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path:
            target = target[key]
        target[new] = target.pop(old)

    return change


# Texts where YAML itself matters (unquoted numbers, syntax) are written out by hand.
UNQUOTED_CODE = f"""\
credentials:
  user_id: john1970
  user_password: {PASSWORD}
accounts:
  - account_id: greatwidgets
    coalition: false
    customers:
      - code: "89898989898989"
      - code: 70707070707070
"""

UNQUOTED_CARD = UNQUOTED_CODE.replace("code: 70707070707070", "card_number: 1212121212")

BAD_SYNTAX = f"""\
credentials:
  user_id: john1970
  user_password: {PASSWORD}
 accounts: [
"""

BAD = [
    pytest.param("", ["the file is empty", "README.md"], id="empty-file"),
    pytest.param("# only a comment\n", ["the file is empty"], id="comment-only"),
    pytest.param(BAD_SYNTAX, ["not valid YAML", "line 4", "Fix the YAML syntax"], id="bad-yaml-syntax"),
    pytest.param(
        dump(["credentials", "accounts"]), ["the top level", "must be a mapping", "got a list"], id="top-level-list"
    ),
    pytest.param("just a sentence\n", ["the top level", "must be a mapping"], id="top-level-string"),
    pytest.param(
        mutated(_delete(["credentials"])),
        ["the top level: missing key 'credentials'", "Add it"],
        id="missing-credentials",
    ),
    pytest.param(
        mutated(_delete(["credentials", "user_id"])),
        ["credentials: missing key 'user_id'", "Add it"],
        id="missing-user_id",
    ),
    pytest.param(
        mutated(_delete(["accounts"])), ["the top level: missing key 'accounts'", "Add it"], id="missing-accounts"
    ),
    pytest.param(
        mutated(_delete(["accounts", 1, "account_id"])),
        ["accounts[1]: missing key 'account_id'"],
        id="missing-account_id",
    ),
    pytest.param(
        mutated(_delete(["accounts", 0, "coalition"])), ["accounts[0]: missing key 'coalition'"], id="missing-coalition"
    ),
    pytest.param(
        mutated(_delete(["accounts", 1, "customers"])), ["accounts[1]: missing key 'customers'"], id="missing-customers"
    ),
    pytest.param(
        mutated(_rename([], "accounts", "acounts")),
        [
            "the top level: unknown key 'acounts'",
            "Did you mean 'accounts'?",
            "Allowed keys here: accounts, credentials, dataset, forbidden_account_id",
        ],
        id="typo-top-level",
    ),
    pytest.param(
        mutated(_rename(["credentials"], "user_password", "user_pasword")),
        ["credentials: unknown key 'user_pasword'", "Did you mean 'user_password'?"],
        id="typo-credentials",
    ),
    pytest.param(
        mutated(_rename(["accounts", 1], "coalition", "coalitoin")),
        [
            "accounts[1]: unknown key 'coalitoin'",
            "Did you mean 'coalition'?",
            "Allowed keys here: account_id, campaigns, coalition, customers",
        ],
        id="typo-account",
    ),
    pytest.param(
        mutated(_rename(["accounts", 0, "customers", 1], "card_number", "cardnumber")),
        [
            "accounts[0].customers[1]: unknown key 'cardnumber'",
            "Did you mean 'card_number'?",
            "Allowed keys here: card_number, code, expect",
        ],
        id="typo-customer",
    ),
    pytest.param(
        mutated(_set(["accounts", 0, "colour"], "blue")),
        ["accounts[0]: unknown key 'colour'", "Allowed keys here"],
        id="unknown-key-account",
    ),
    pytest.param(
        UNQUOTED_CODE,
        ["accounts[0].customers[1].code", "must be a string", "70707070707070", "Quote it", '"70707070707070"'],
        id="code-unquoted-number",
    ),
    pytest.param(UNQUOTED_CARD, ["accounts[0].customers[1].card_number", "Quote it"], id="card-unquoted-number"),
    pytest.param(
        mutated(_set(["accounts", 1, "account_id"], 4711)),
        ["accounts[1].account_id", "Quote it"],
        id="account_id-number",
    ),
    pytest.param(
        mutated(_set(["accounts", 0, "coalition"], "yes")),
        ["accounts[0].coalition", "must be true or false", "'yes'"],
        id="coalition-string-yes",
    ),
    pytest.param(
        mutated(_set(["accounts", 1, "customers"], [])),
        ["accounts[1].customers", "at least 1", "it is empty"],
        id="customers-empty",
    ),
    pytest.param(
        mutated(_set(["accounts"], [])), ["accounts: must list at least 1", "it is empty"], id="accounts-empty"
    ),
    pytest.param(
        mutated(_set(["accounts", 0, "customers", 1], {})),
        ["accounts[0].customers[1]", "needs 'code', 'card_number' or both", "gives neither"],
        id="customer-without-identifier",
    ),
    pytest.param(
        mutated(_set(["credentials", "user_id"], "")), ["credentials.user_id: must not be empty"], id="empty-user_id"
    ),
    pytest.param(
        mutated(_set(["accounts", 1, "account_id"], "")),
        ["accounts[1].account_id: must not be empty"],
        id="empty-account_id",
    ),
    pytest.param(
        mutated(_set(["accounts", 0, "customers", 1, "code"], "")),
        ["accounts[0].customers[1].code: must not be empty"],
        id="empty-code",
    ),
    pytest.param(
        mutated(_set(["forbidden_account_id"], "")), ["forbidden_account_id: must not be empty"], id="empty-forbidden"
    ),
    pytest.param(
        mutated(_set(["accounts", 0], "greatwidgets")), ["accounts[0]: must be a mapping"], id="account-not-mapping"
    ),
    pytest.param(
        mutated(_delete(["credentials", "user_password"])),
        ["no password for user 'john1970'", PASSWORD_ENV, "credentials.user_password"],
        id="no-password-anywhere",
    ),
    pytest.param(
        mutated(_set(["accounts", 1, "account_id"], "greatwidgets")),
        ["accounts[1].account_id: 'greatwidgets' is listed twice", "List each account once"],
        id="duplicate-account-ids",
    ),
    pytest.param(
        mutated(_set(["accounts", 0, "customers", 1, "code"], "89898989898989")),
        ["accounts[0].customers[0] and accounts[0].customers[1]", "code '89898989898989'", "must be its own"],
        id="duplicate-codes",
    ),
    pytest.param(
        mutated(_set(["accounts", 0, "customers", 1, "card_number"], "1212121212")),
        ["accounts[0].customers[0] and accounts[0].customers[1]", "card_number '1212121212'"],
        id="duplicate-card-numbers",
    ),
    pytest.param(
        mutated(_set(["forbidden_account_id"], "coaldemo")),
        ["forbidden_account_id: 'coaldemo' is also listed under accounts", "may NOT read"],
        id="forbidden-account-listed",
    ),
]


@pytest.mark.parametrize(("text", "fragments"), BAD)
def test_bad_profile_has_a_clear_message(tmp_path: Path, text: str, fragments: list[str]) -> None:
    path = write(tmp_path, text)
    assert_clear(error_of(path), path, fragments)


def test_same_code_in_two_accounts_is_fine(tmp_path: Path) -> None:
    # Codes are per account: the reference profile itself repeats one across accounts.
    data = valid()
    data["accounts"][1]["customers"][0]["code"] = "89898989898989"
    assert load_profile(write(tmp_path, dump(data)), environ={}).accounts[1].customers[0].code == "89898989898989"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "no-such-profile.yaml"
    assert_clear(error_of(path), path, ["no such file", "--target-profile"])


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert_clear(error_of(tmp_path), tmp_path, ["is a directory", "Point --target-profile at the file"])


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    data = valid()
    data["credentials"]["user_id"] = ""
    data["accounts"][1]["coalition"] = "no"
    path = write(tmp_path, dump(data))
    message = error_of(path)
    assert "credentials.user_id" in message and "accounts[1].coalition" in message
    assert message.count("\n  - ") == 2


def test_env_password_does_not_excuse_a_bad_file(tmp_path: Path) -> None:
    data = valid()
    data["accounts"][0]["customers"] = []
    path = write(tmp_path, dump(data))
    assert "accounts[0].customers" in error_of(path, environ={PASSWORD_ENV: "x" * 12})


def test_the_password_in_a_bad_file_is_not_shown(tmp_path: Path) -> None:
    # Problems everywhere around the password; the message lists them, never it.
    data = valid()
    data["credentials"]["extra"] = PASSWORD
    data["accounts"][0]["customers"][0]["code"] = ""
    path = write(tmp_path, dump(data))
    assert_clear(error_of(path), path, ["credentials: unknown key 'extra'"])


@pytest.mark.parametrize("value", [[PASSWORD], {PASSWORD: 1}], ids=["list", "mapping"])
def test_mistyped_password_is_not_echoed(tmp_path: Path, value: Any) -> None:
    data = valid()
    data["credentials"]["user_password"] = value
    path = write(tmp_path, dump(data))
    message = error_of(path)
    assert "credentials.user_password" in message
    assert PASSWORD not in message


def test_numeric_password_is_not_echoed(tmp_path: Path) -> None:
    path = write(
        tmp_path, UNQUOTED_CODE.replace(PASSWORD, "90817263544536").replace("code: 70707070707070", 'code: "7"')
    )
    message = error_of(path)
    assert "credentials.user_password" in message and "Quote it" in message
    assert "90817263544536" not in message


def test_quote_hint_suggests_what_was_written(tmp_path: Path) -> None:
    path = write(tmp_path, UNQUOTED_CODE.replace("code: 70707070707070", "code: 0123"))
    message = error_of(path)
    assert "accounts[0].customers[1].code" in message
    assert '"83"' not in message


def test_repeated_key_is_an_error(tmp_path: Path) -> None:
    first = dump(valid())
    second = dump({"accounts": [{"account_id": "other", "coalition": False, "customers": [{"code": "1"}]}]})
    path = write(tmp_path, first + second)
    message = error_of(path)
    assert "accounts" in message


def test_empty_value_is_described_in_yaml_terms(tmp_path: Path) -> None:
    text = f"credentials:\n  user_id: john1970\n  user_password: {PASSWORD}\naccounts:\n"
    path = write(tmp_path, text)
    message = error_of(path)
    assert "accounts: must be a list" in message
    assert "NoneType" not in message


# -- ground truth: the expect block ------------------------------------------------------
# The form, on the test profile's coalition (whose default answer lists all the
# account's campaigns, so the customer's list and the account's name the same ones).
EXPECT_TEXT = f"""\
credentials:
  user_id: john1970
  user_password: {PASSWORD}
accounts:
  - account_id: coaldemo
    coalition: true
    campaigns: ["1234567890123456", "3456789012345678"]
    customers:
      - code: "44444444444444"
        card_number: "7878787878"
        expect:
          customer:
            first_name: Carla
            registered: "Y"
            custom_field_2: {{label: Tier, data: Gold}}
          campaigns:
            - id: "1234567890123456"
              transacted: true
              type: points
              balance: "1500"
              cumulative: "3850"
              balance_coalition: "1500"
              cumulative_coalition: "8350"
              available_rewards: [{{id: "678", needed_to_redeem: "1000"}}]
            - id: "3456789012345678"
              transacted: true
              type: buyx
              balances: [{{name: Coffees, item_id: "96", balance: "14", earned: "1",
                           cumulative: "24", redeemed: "1", earn_ratio: "10"}}]
      - code: "45454545454545"
"""


def test_expectations_load_as_hashable_values(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, EXPECT_TEXT), environ={})
    account = profile.accounts[0]
    carla, other = account.customers
    assert account.campaigns == ("1234567890123456", "3456789012345678")
    assert carla.account_campaigns == account.campaigns == other.account_campaigns
    assert other.expect is None
    assert isinstance(carla.expect, Expected)
    assert dict(carla.expect.customer) == {"first_name": "Carla", "registered": "Y"}
    assert dict(carla.expect.custom_fields) == {"custom_field_2": (("data", "Gold"), ("label", "Tier"))}
    points, buyx = carla.expect.campaigns or ()
    assert points == ExpectedCampaign(
        "1234567890123456",
        True,
        (
            ("balance", "1500"),
            ("balance_coalition", "1500"),
            ("cumulative", "3850"),
            ("cumulative_coalition", "8350"),
            ("type", "points"),
        ),
        available_rewards=((("id", "678"), ("needed_to_redeem", "1000")),),
    )
    assert points.get("balance") == "1500" and points.get("name") is None and points.balances is None
    assert dict(buyx.balances[0])["earn_ratio"] == "10" and buyx.available_rewards is None  # type: ignore[index]
    hash(carla)  # Case objects hold customers and are cached


def test_without_expectations_nothing_changes(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, dump(valid())), environ={})
    assert all(c.expect is None and c.account_campaigns is None for a in profile.accounts for c in a.customers)
    assert profile.accounts[0].campaigns is None


def test_expectations_change_the_hash(tmp_path: Path) -> None:
    one = load_profile(write(tmp_path, EXPECT_TEXT, "one.yaml"), environ={})
    two = load_profile(write(tmp_path, EXPECT_TEXT.replace("Carla", "Carl"), "two.yaml"), environ={})
    assert one.sha256 != two.sha256


EXPECT_AT = "accounts[0].customers[0].expect"
BAD_EXPECTATIONS = [
    pytest.param(
        EXPECT_TEXT.replace(
            "transacted: true\n              type: points", "transacted: yes please\n              type: points"
        ),
        [f"{EXPECT_AT}.campaigns[0].transacted", "must be true or false", "'yes please'"],
        id="transacted-not-boolean",
    ),
    pytest.param(
        EXPECT_TEXT.replace('balance: "1500"', "balance: 1500"),
        [f"{EXPECT_AT}.campaigns[0].balance", "must be a string", "Quote it", '"1500"'],
        id="unquoted-balance",
    ),
    pytest.param(
        EXPECT_TEXT.replace('item_id: "96"', "item_id: 0123"),
        [f"{EXPECT_AT}.campaigns[1].balances[0].item_id", "Quote it", '"0123"'],
        id="unquoted-item-id-keeps-its-zero",
    ),
    pytest.param(
        EXPECT_TEXT.replace('- id: "3456789012345678"', '- id: "1234567890123456"'),
        [f"{EXPECT_AT}.campaigns: the campaign id '1234567890123456' is listed twice", "Give each campaign once"],
        id="duplicate-campaign",
    ),
    pytest.param(
        EXPECT_TEXT.replace(
            'campaigns: ["1234567890123456", "3456789012345678"]',
            'campaigns: ["1234567890123456", "1234567890123456", "3456789012345678"]',
        ),
        ["accounts[0].campaigns: '1234567890123456' is listed twice"],
        id="duplicate-account-campaign",
    ),
    pytest.param(
        EXPECT_TEXT.replace(
            'campaigns: ["1234567890123456", "3456789012345678"]',
            'campaigns: ["1234567890123456", "3456789012345678", "9999888877776666"]',
        ),
        [
            f"{EXPECT_AT}.campaigns: in a coalition the default answer lists ALL",
            "lacks 9999888877776666",
            "Make the two lists name the same campaigns",
        ],
        id="coalition-lists-disagree",
    ),
    pytest.param(
        EXPECT_TEXT.replace("coalition: true", "coalition: false").replace(
            'campaigns: ["1234567890123456", "3456789012345678"]', 'campaigns: ["1234567890123456"]'
        ),
        [f"{EXPECT_AT}.campaigns: campaign '3456789012345678' is not among accounts[0].campaigns"],
        id="campaign-not-of-the-account",
    ),
    pytest.param(
        EXPECT_TEXT.replace("first_name: Carla", "frist_name: Carla"),
        [f"{EXPECT_AT}.customer: unknown key 'frist_name'", "Did you mean 'first_name'?", "custom_field_N"],
        id="typo-customer-field",
    ),
    pytest.param(
        EXPECT_TEXT.replace("custom_field_2: {label: Tier, data: Gold}", "custom_field_2: Gold"),
        [f"{EXPECT_AT}.customer.custom_field_2: must be a mapping", "got a string 'Gold'"],
        id="custom-field-not-mapping",
    ),
    pytest.param(
        EXPECT_TEXT.replace("{label: Tier, data: Gold}", "{label: Tier, value: Gold}"),
        [f"{EXPECT_AT}.customer.custom_field_2: unknown key 'value'", "Allowed keys here: data, label"],
        id="custom-field-unknown-key",
    ),
    pytest.param(
        EXPECT_TEXT.replace("type: points", "kind: points"),
        [f"{EXPECT_AT}.campaigns[0]: unknown key 'kind'", "Allowed keys here"],
        id="unknown-campaign-key",
    ),
    pytest.param(
        EXPECT_TEXT.replace(
            'available_rewards: [{id: "678", needed_to_redeem: "1000"}]', 'available_rewards: {id: "678"}'
        ),
        [f"{EXPECT_AT}.campaigns[0].available_rewards: must be a list"],
        id="rewards-not-a-list",
    ),
    pytest.param(
        EXPECT_TEXT.replace('- id: "1234567890123456"\n              transacted', "- transacted"),
        [f"{EXPECT_AT}.campaigns[0]: missing key 'id'"],
        id="campaign-without-id",
    ),
    pytest.param(
        EXPECT_TEXT.replace(
            "          customer:\n            first_name: Carla\n            registered: "
            '"Y"\n            custom_field_2: {label: Tier, data: Gold}\n          campaigns:',
            "          campaigns:",
        ).replace("          campaigns:\n            - id", "          campaign:\n            - id"),
        [f"{EXPECT_AT}: unknown key 'campaign'", "Did you mean 'campaigns'?"],
        id="typo-expect-key",
    ),
]


@pytest.mark.parametrize(("text", "fragments"), BAD_EXPECTATIONS)
def test_bad_expectation_has_a_clear_message(tmp_path: Path, text: str, fragments: list[str]) -> None:
    assert text != EXPECT_TEXT, "the replacement did not apply"
    path = write(tmp_path, text)
    assert_clear(error_of(path), path, fragments)


# -- through pytest ---------------------------------------------------------------------
@pytest.fixture
def run_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], pytest.RunResult]:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)

    def run(profile: Path) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            "-p", "no:cacheprovider",
            "--pyargs", "conformance.suite",
            "--target-url", "http://127.0.0.1:9/api.php",
            "--target-profile", str(profile),
        )  # fmt: skip

    return run


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param(
            mutated(_rename([], "accounts", "acounts")),
            ["unknown key 'acounts'", "Did you mean 'accounts'?"],
            id="typo",
        ),
        pytest.param(UNQUOTED_CODE, ["accounts[0].customers[1].code", "Quote it"], id="unquoted-code"),
        pytest.param(BAD_SYNTAX, ["not valid YAML", "line 4"], id="bad-yaml"),
        pytest.param(mutated(_delete(["credentials", "user_password"])), [PASSWORD_ENV], id="no-password"),
    ],
)
def test_bad_profile_is_a_usage_error(run_suite: Any, tmp_path: Path, text: str, fragments: list[str]) -> None:
    path = write(tmp_path, text, "bad-profile.yaml")
    result = run_suite(path)
    stderr, stdout = result.stderr.str(), result.stdout.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, stdout + stderr
    assert str(path) in stderr
    for fragment in fragments:
        assert fragment in stderr
    assert "Traceback" not in stderr + stdout
    assert "INTERNALERROR" not in stderr + stdout
    assert PASSWORD not in stderr + stdout


def test_missing_profile_is_a_usage_error(run_suite: Any, tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    result = run_suite(path)
    stderr = result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert str(path) in stderr and "no such file" in stderr
    assert "Traceback" not in stderr + result.stdout.str()


def test_a_customer_hashes_by_value_once_and_pickles_without_its_hash() -> None:
    # Cases are keyed by value in the harness's caches: two loads of one profile give equal
    # customers with equal hashes; the hash is computed once (a customer is hashed with
    # every case that holds it) and not pickled (str hashes are salted per process).
    first, second = load_profile(PROFILE_PATH), load_profile(PROFILE_PATH)
    customer = first.accounts[0].customers[0]
    assert customer == second.accounts[0].customers[0]
    assert hash(customer) == hash(second.accounts[0].customers[0])
    assert hash(customer) == hash((customer.code, customer.card_number, customer.expect, customer.account_campaigns))
    assert "_hash" in vars(customer)
    assert b"_hash" not in pickle.dumps(customer)
    assert pickle.loads(pickle.dumps(customer)) == customer

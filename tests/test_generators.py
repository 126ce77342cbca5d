"""The relation generator (conformance/relations.py) and the access cases
(conformance/access.py, with the refusals conformance/negative.py generates), on small
hand-made profiles: which groups and requests they make, and that a relation's members
are the matrix's own requests (so the exchange store answers them without sending them again). No server."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import pytest

from conformance import alterations
from conformance.access import AccessCase, generate_access_cases
from conformance.cases import EACH, UNKNOWN, Case, expect, generate, load_space
from conformance.client import PASSWORD_FIELD, Encoding, wire_password
from conformance.inputs import load_inputs
from conformance.profile import Account, Customer, OtherUser, Profile, load_profile
from conformance.reference import PROFILE_PATH
from conformance.relations import Relation, generate_relations
from conformance.requirements import catalogue
from conformance.secret import OTHER_PLACEHOLDER, PLACEHOLDER, Secret

BOTH = Customer(code="11111111111111", card_number="2222222222")
CODE_ONLY = Customer(code="33333333333333", card_number=None)
CARD_ONLY = Customer(code=None, card_number="4444444444")
MEMBER = Customer(code="55555555555555", card_number="6666666666")
CAMPAIGNS = {BOTH: ["101", "102"], CODE_ONLY: ["101"], CARD_ONLY: [], MEMBER: ["201"]}


def profile(forbidden: str | None = "otherco") -> Profile:
    # The reference profile with the accounts replaced: whatever else a profile holds
    # (credentials, ground truth) is kept as a loaded one has it.
    return dataclasses.replace(
        load_profile(PROFILE_PATH),
        user_id="tester",
        accounts=(Account("shop", False, (BOTH, CODE_ONLY, CARD_ONLY)), Account("coal", True, (MEMBER,))),
        forbidden_account_id=forbidden,
        other_user=None,
    )


def campaigns_of(account: Account, customer: Customer) -> list[str]:
    return CAMPAIGNS[customer]


def relations() -> list[Relation]:
    return generate_relations(profile(), campaigns_of)


def role(group: Relation, name: str) -> Case:
    """The group's member in that role (which must be there)."""
    member = group.member(name)
    assert member is not None, f"{group.id} has no member {name!r}: {[r for r, _ in group.members]}"
    return member


def of_kind(kind: str, label: str | None = None) -> list[Relation]:
    return [r for r in relations() if r.kind == kind and (label is None or r.label == label)]


# -- relations -------------------------------------------------------------------------------
def test_relation_members_are_requests_of_the_matrix() -> None:
    # A relation is judged on answers already in the store: a member whose request the
    # matrix does not send (options in another order, another identifier) is sent again.
    matrix = {c.request("tester", "form") for c in generate(profile(), campaigns_of, "all")}
    outside = [(r.id, role) for r in relations() for role, c in r.members if c.request("tester", "form") not in matrix]
    assert not outside, f"{len(outside)} relation members are not matrix requests, e.g. {outside[:3]}"


def test_relation_ids_are_unique() -> None:
    repeated = [i for i, n in Counter(r.id for r in relations()).items() if n > 1]
    assert not repeated, repeated


def test_formats_cross_every_filter_setting_with_every_output() -> None:
    # Per customer: include_balances x campaign_id (absent, each campaign, unknown) x
    # hide_custom_field x show_only_belong_to, each in six output forms.
    space = load_space()
    for customer in (BOTH, CODE_ONLY, CARD_ONLY):
        groups = [
            r for r in of_kind("formats") if r.label == customer.label or r.label.startswith(customer.label + "-")
        ]
        campaign_values = len(space.parameters["campaign_id"]["values"]) - 1 + len(CAMPAIGNS[customer])
        assert len(groups) == 3 * campaign_values * 3 * 3, customer
    for group in of_kind("formats"):
        assert [role for role, _ in group.members] == [
            "default",
            "xml",
            "xml-condensed",
            "json",
            "json-condensed",
            "jsonp",
        ]
        # One filter setting in every member; only the format differs.
        filters = {
            tuple((n, v) for n, v in c.options if n not in ("output", "callback", "condensed"))
            for _, c in group.members
        }
        assert len(filters) == 1 and len({c.campaign for _, c in group.members}) == 1, group.id
        formats = [expect(c).format for _, c in group.members]
        if expect(role(group, "default")).silence() is None:
            assert formats == ["xml", "xml", "xml", "json", "json", "jsonp"], group.id


def test_a_formats_group_names_its_filters_and_the_campaign_it_asks_for() -> None:
    (group,) = of_kind("formats", f"{BOTH.label}-include_balances:Y-campaign_id:102-hide_custom_field:N")
    assert role(group, "json").option("campaign_id") == EACH and role(group, "json").campaign == "102"
    (unknown,) = of_kind("formats", f"{BOTH.label}-campaign_id:{UNKNOWN}")
    assert role(unknown, "xml").campaign is None


def test_identifiers_relate_every_way_a_customer_can_be_named() -> None:
    (both,) = of_kind("identifiers", BOTH.label)
    assert [role for role, _ in both.members] == ["code", "card_number", "both"]
    # A customer with one identifier has nothing to compare: no group.
    assert of_kind("identifiers", CODE_ONLY.label) == [] and of_kind("identifiers", CARD_ONLY.label) == []


def test_filters_compare_each_filter_and_each_campaign_with_the_full_answer() -> None:
    (group,) = of_kind("filters", BOTH.label)
    roles = [role for role, _ in group.members]
    assert roles == [
        "full",
        "hide-Y",
        "hide-N",
        "balances-N",
        "balances-Y",
        "belong-Y",
        "belong-N",
        "campaign:101",
        "campaign:102",
    ]
    assert role(group, "full").options == ()
    assert (
        role(group, "campaign:102").options == (("campaign_id", EACH),)
        and role(group, "campaign:102").campaign == "102"
    )
    # A card-only customer is looked up by card number; no campaigns, no campaign roles.
    (card,) = of_kind("filters", CARD_ONLY.label)
    assert {c.identifier for _, c in card.members} == {"card_number"} and not any(
        r.startswith("campaign:") for r, _ in card.members
    )


def test_repeat_sends_the_same_full_lookup_twice() -> None:
    for customer in (BOTH, CODE_ONLY, CARD_ONLY, MEMBER):
        (group,) = of_kind("repeat", customer.label)
        assert [role for role, _ in group.members] == ["first", "again"]
        assert role(group, "first") == role(group, "again")


def test_coalition_campaigns_only_in_a_coalition_even_with_one_customer() -> None:
    groups = of_kind("coalition-campaigns")
    assert [(g.account_id, [role for role, _ in g.members]) for g in groups] == [("coal", [MEMBER.label])]
    assert all(r.coalition == (r.account_id == "coal") for r in relations())


# -- access ----------------------------------------------------------------------------------
# The refusals are generated from the input model (cases/inputs.yaml, conformance/negative.py):
# every account of the profile, in the run's encoding and the other POST encoding.
def access(encoding: Encoding = "form", forbidden: str | None = "otherco") -> dict[str, AccessCase]:
    return {c.id: c for c in generate_access_cases(profile(forbidden), encoding)}


ACCOUNT_SUFFIXES = {"shop": "", "coal": "-in-coal"}


def test_each_required_field_is_left_out_alone_in_every_account_and_encoding() -> None:
    cases = access()
    required = [f for f in load_inputs().fields if f.required]
    assert [f.name for f in required] == ["user_id", PASSWORD_FIELD, "type", "account_id"]
    for account, (first, suffix) in {"shop": ("code", ""), "coal": ("code", "-in-coal")}.items():
        sent = ["user_id", PASSWORD_FIELD, "type", "account_id", first]
        for field in required:
            for encoding, tail in (("form", ""), ("multipart", "-as-multipart")):
                case = cases[f"missing-{field.name}{suffix}{tail}"]
                names = [name for name, _ in case.request.fields]
                assert names == [n for n in sent if n != field.name], (field, names)
                assert case.request.encoding == encoding
                assert (case.statuses, case.requirement) == (("error",), field.requirement)
                if field.name != "account_id":
                    assert case.request.get("account_id") == account


def test_wrong_credentials_and_type_are_refused() -> None:
    cases = access()
    assert cases["wrong-password"].request.get(PASSWORD_FIELD) == "conformance-wrong-password"
    assert cases["wrong-user-id"].request.get("user_id") == "tester-not"
    assert cases["empty-user-id"].request.get("user_id") == ""
    assert cases["wrong-type"].request.get("type") == "customer_infos"
    for name in ("wrong-password", "wrong-user-id", "empty-user-id", "empty-password", "wrong-type"):
        assert cases[name].statuses == ("error",) and not cases[name].allow_customer, name


def test_every_credential_alteration_is_refused_and_the_password_stays_a_placeholder() -> None:
    cases = access()
    secret = profile().password.reveal()
    for operator in ("shortened", "lengthened", "changed-first", "changed-middle", "changed-last", "padded", "nul"):
        for short, requirement in (("user-id", "FIELD-USER-ID-REQUIRED"), ("password", "FIELD-USER-PASSWORD-REQUIRED")):
            for suffix in ACCOUNT_SUFFIXES.values():
                case = cases[f"{operator}-{short}{suffix}"]
                assert (case.statuses, case.requirement) == (("error",), requirement)
        password = cases[f"{operator}-password"].request.get(PASSWORD_FIELD)
        assert password == f"{PLACEHOLDER}|{operator}", password
        assert wire_password(password, profile().password) == alterations.apply(operator, secret)
    assert [i for i in cases if i.startswith("prefix-") and i.endswith("-password")] != []
    # No request of the negative space holds the password, or a near copy of it.
    for case in cases.values():
        assert not any(secret[:-1] in value for _, value in case.request.fields if value), case.id


def test_the_forbidden_account_is_tried_only_when_the_profile_names_one() -> None:
    case = access()["forbidden-account-otherco"]
    assert case.request.get("account_id") == "otherco" and case.statuses == ("error",)
    assert "forbidden-account-otherco-in-coal" in access()
    assert not any(i.startswith("forbidden-account") for i in access(forbidden=None))


def test_another_users_credentials_are_tried_only_when_the_profile_gives_them() -> None:
    other = OtherUser("intruder", Secret("s3cret-of-the-other"))
    cases = {c.id: c for c in generate_access_cases(dataclasses.replace(profile(), other_user=other), "form")}
    both = cases["other-user-account-in-coal"]
    assert both.request.get("user_id") == "intruder" and both.request.get(PASSWORD_FIELD) == OTHER_PLACEHOLDER
    assert both.request.get("account_id") == "coal" and both.requirement == "FIELD-ACCOUNT-ID-REQUIRED"
    assert cases["other-user-user-id"].request.get(PASSWORD_FIELD) == PLACEHOLDER
    assert cases["other-user-password"].request.get("user_id") == "tester"
    assert wire_password(OTHER_PLACEHOLDER, profile().password, other.password) == "s3cret-of-the-other"
    assert not any(i.startswith("other-user") for i in access())


def test_every_customer_is_looked_up_through_every_other_account_by_every_identifier() -> None:
    scope = {i: c for i, c in access().items() if i.startswith("scope-") and not i.endswith("-as-multipart")}
    expected = [
        f"scope-shop-{c.label}-by-{name}-via-coal"
        for c in (BOTH, CODE_ONLY, CARD_ONLY)
        for name in ("code", "card_number")
        if getattr(c, name)
    ] + [f"scope-coal-{MEMBER.label}-by-{name}-via-shop" for name in ("code", "card_number")]
    assert sorted(scope) == sorted(expected)
    via_coal = scope[f"scope-shop-{BOTH.label}-by-card_number-via-coal"]
    assert via_coal.request.get("account_id") == "coal" and via_coal.request.get("card_number") == BOTH.card_number
    assert via_coal.request.get("code") is None
    assert via_coal.statuses == ("no_match",) and via_coal.coalition is True
    assert via_coal.requirement == "FIELD-ACCOUNT-ID-REQUIRED"


def test_a_customer_the_other_account_lists_too_is_not_a_scope_case() -> None:
    # The same code in both accounts names a customer there as well: no_match would be wrong.
    shared = dataclasses.replace(
        profile(), accounts=(Account("shop", False, (BOTH, CODE_ONLY)), Account("coal", True, (BOTH, MEMBER)))
    )
    ids = {c.id for c in generate_access_cases(shared, "form")}
    assert (
        f"scope-shop-{BOTH.label}-by-code-via-coal" not in ids
        and f"scope-coal-{BOTH.label}-by-code-via-shop" not in ids
    )
    assert (
        f"scope-shop-{CODE_ONLY.label}-by-code-via-coal" in ids and f"scope-coal-{MEMBER.label}-by-code-via-shop" in ids
    )


@pytest.mark.parametrize(
    ("encoding", "others"), [("form", ["multipart"]), ("multipart", ["form"]), ("query", ["form", "multipart"])]
)
def test_the_lookup_and_the_refusals_are_sent_in_every_encoding_the_run_uses(
    encoding: Encoding, others: list[str]
) -> None:
    cases = access(encoding)
    assert sorted(i for i in cases if i.startswith("encoding-")) == [f"encoding-{o}" for o in others]
    refusals = [c for i, c in cases.items() if not i.startswith(("encoding-", "callback-"))]
    assert {c.request.encoding for c in refusals} == {encoding, *others}
    for other in others:
        case = cases[f"wrong-password-as-{other}"]
        assert case.request.encoding == other and case.statuses == ("error",)
    assert {c.request.encoding for i, c in cases.items() if "-as-" not in i and not i.startswith("encoding-")} == {
        encoding
    }


def test_hostile_values_are_sent_as_code_and_as_card_number() -> None:
    cases = access()
    hostile = load_inputs().roles["identifier"].hostile
    assert dict(hostile)["very-long"] == "9" * 10_000
    for field, requirement in (("code", "FIELD-CODE"), ("card_number", "FIELD-CARD-NUMBER")):
        for name, value in hostile:
            case = cases[f"injection-{field}-{name}"]
            assert case.request.get(field) == value and case.requirement == requirement
            assert case.statuses == ("no_match", "error")


def test_access_ids_are_unique_and_cite_catalogued_requirements() -> None:
    generated = generate_access_cases(profile(), "form")
    assert len({c.id for c in generated}) == len(generated)
    known = set(catalogue())
    assert {c.requirement for c in generated} - {None} <= known
    # Only the callback cases are recorded without a requirement, and they allow any status.
    assert {c.id for c in generated if c.requirement is None} == {
        f"callback-{name}{shape}"
        for name in ("script-call", "script-tag")
        for shape in ("", "-as-multipart", "-by-card_number")
    }


def test_each_hostile_callback_is_sent_in_every_shape_of_a_request() -> None:
    """A server that validates the callback on one path only (lookups by code, urlencoded
    bodies) reflects it on another: each hostile callback goes by code and by card number,
    in the run's encoding and the other POST encoding."""
    for encoding, other in (("form", "multipart"), ("multipart", "form")):
        callbacks = [c for c in generate_access_cases(profile(), encoding) if c.id.startswith("callback-")]
        for value in ("alert(1);//", "<script>alert(1)</script>"):
            shapes = {
                (c.request.encoding, "code" if c.request.get("code") else "card_number")
                for c in callbacks
                if c.request.get("callback") == value
            }
            assert shapes == {(encoding, "code"), (other, "code"), (encoding, "card_number")}, (value, shapes)


def test_matrix_sizes_printed_for_both_modes_are_the_matrices() -> None:
    """A run prints the matrix's size in both modes; the other mode's is counted a
    customer at a time (cases.count), not built: it must equal the matrix built."""
    from conformance.client import Client
    from conformance.harness import Harness
    from conformance.plugin.collection import generate_units, matrix_cases, matrix_sizes
    from conformance.profile import load_profile
    from conformance.reference import PROFILE_PATH, make_app
    from tests.servers import serve_wsgi

    with serve_wsgi(make_app()) as served:
        profile = load_profile(PROFILE_PATH)
        harness = Harness(profile, Client(served.url, profile.password), "form")

        def campaigns_of(account: Any, customer: Any) -> list[str]:
            return list(harness.learn(account, customer).campaign_ids)

        built = {mode: len(matrix_cases(profile, campaigns_of, mode)) for mode in ("all", "pairwise")}
        for mode in ("all", "pairwise"):
            assert matrix_sizes(harness, mode, generate_units(harness, mode)) == built


# -- each documented effect alone, in every shape (conformance/cases.py: _shapes) ----------
_EFFECTS = {  # option -> (value, the format options it needs to show)
    "include_balances": ("N", {}),
    "campaign_id": (EACH, {}),
    "hide_custom_field": ("Y", {}),
    "show_only_belong_to": ("Y", {}),  # in a coalition only: elsewhere the document is silent
    "output": ("JSON", {}),
    "callback": ("conformanceCallback", {"output": "JSON"}),
    "condensed": ("yes", {"output": "JSON"}),
}


def _alone(case: Case, name: str) -> bool:
    """The case sends this option's effect value and, besides, at most a format (output=JSON, a callback)."""
    value, needs = _EFFECTS[name]
    options = dict(case.options)
    others = set(options) - {name}
    return (
        options.get(name) == value
        and others <= {"output", "callback"}
        and options.get("output", "JSON") == "JSON"
        and all(options.get(k) == v for k, v in needs.items())
    )


@pytest.mark.parametrize("mode", ["pairwise", "all"])
@pytest.mark.parametrize("encoding", ["form", "multipart", "query"])
def test_each_documented_effect_is_sent_alone_in_every_shape(mode: Any, encoding: Encoding) -> None:
    """An option read on one path only (a lookup by card number, JSON, a multipart body)
    hides behind a pairwise row whose other options mask its effect: each effect is sent
    alone by every identifier kind the customer has, in every output format it shows in,
    and in every POST encoding other than the run's, for every customer of every account."""
    campaigns = ["111", "222"]
    cases = generate(profile(), lambda account, customer: campaigns, mode, encoding=encoding)
    others = {e for e in ("form", "multipart") if e != encoding}
    for account in profile().accounts:
        for customer in account.customers:
            mine = [
                c for c in cases if c.customer == customer and c.account_id == account.account_id and c.probe is None
            ]
            kinds = {k for k, f in (("code", "code"), ("card_number", "card_number")) if getattr(customer, f)}
            if customer.code and customer.card_number:
                kinds.add("both")
            for name in _EFFECTS:
                if name == "show_only_belong_to" and not account.coalition:
                    continue
                alone = [c for c in mine if _alone(c, name) and expect(c).silence() is None]
                where = f"{account.account_id}/{customer.label} {name}"
                assert {c.identifier for c in alone if c.encoding is None} >= kinds, where
                assert {c.encoding for c in alone} >= others, where
                if name not in ("output", "callback"):
                    formats = {
                        dict(c.options).get("output", "XML") + ("P" if "callback" in dict(c.options) else "")
                        for c in alone
                        if c.encoding is None
                    }
                    assert formats >= ({"JSON", "JSONP"} if name == "condensed" else {"XML", "JSON", "JSONP"}), where
    assert len({c.id for c in cases}) == len(cases)


def test_a_new_effect_in_the_parameter_space_gets_its_shapes_with_no_new_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shapes come from cases/parameters.yaml's effects: a parameter (or value) given an
    effect there is sent alone in every shape without a line of code; a value whose effect
    repeats another value's of its parameter is not sent alone again."""
    space = load_space()
    parameters = {
        **space.parameters,
        "summary": {"values": ["absent", "Y"], "effect": {"Y": {"campaigns": "none"}}},
        "include_balances": {
            **space.parameters["include_balances"],
            "values": ["absent", "Y", "N", "none"],
            "effect": {**space.parameters["include_balances"]["effect"], "none": {"campaigns": "none"}},
        },
    }
    added = dataclasses.replace(space, parameters=parameters)
    import conformance.cases

    # expect() reads the space the document's parameters.yaml gives: this one instead.
    monkeypatch.setattr(conformance.cases, "load_space", lambda: added)
    monkeypatch.setattr(conformance.cases, "_PAIRWISE", {})  # nothing kept from the shipped space
    expect.cache_clear()
    try:
        grown = generate(profile(), lambda a, c: ["111"], "pairwise", space=added)
    finally:
        expect.cache_clear()
    summary = [c for c in grown if dict(c.options) == {"summary": "Y"}]
    assert {c.identifier for c in summary if c.encoding is None} >= {"code", "card_number", "both"}
    assert any(c.encoding == "multipart" for c in summary)
    assert any(dict(c.options) == {"output": "JSON", "summary": "Y"} for c in grown)
    assert not [c for c in grown if dict(c.options) == {"include_balances": "none"} and c.encoding is not None]


def test_a_pairwise_matrix_kept_for_the_next_run_is_the_one_built_afresh() -> None:
    """cases._PAIRWISE keeps each customer's covering array for the next run in the same
    process (the self-test's ~300 runs): what it gives back equals a build with nothing kept,
    and a change to what the matrix depends on (the customer's campaigns, the profile's
    customers) is a different matrix, not the one kept."""
    from conformance import cases

    real = load_profile(PROFILE_PATH)

    def learned(account: Account, customer: Customer) -> list[str]:
        return list(customer.account_campaigns or ())[:2]

    def fewer(account: Account, customer: Customer) -> list[str]:
        return learned(account, customer)[:1]

    for lookup in (learned, fewer, learned):
        cases._PAIRWISE.clear()
        fresh = generate(real, lookup, "pairwise")
        assert generate(real, lookup, "pairwise") == fresh  # the second from what was kept
        assert cases._PAIRWISE  # (it was kept)
    kept_for_learned = generate(real, learned, "pairwise")
    assert generate(real, fewer, "pairwise") != kept_for_learned
    renamed = dataclasses.replace(
        real, accounts=tuple(dataclasses.replace(a, account_id=a.account_id + "x") for a in real.accounts)
    )
    assert {c.account_id for c in generate(renamed, learned, "pairwise")} == {a.account_id for a in renamed.accounts}

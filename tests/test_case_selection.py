"""``--cases EXPR`` (conformance/selection.py): the language, its one-line errors, and the
parameters each kind of unit (matrix case, relation, access case) is selected by. No server."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.access import generate_access_cases
from conformance.cases import EACH, FOREIGN, UNKNOWN, Case, load_space
from conformance.negative import generate_negative
from conformance.profile import Account, Customer, Profile, load_profile
from conformance.reference import PROFILE_PATH
from conformance.relations import Relation, generate_relations
from conformance.selection import CaseSelectionError, compile_selection, known_names, unit_parameters

JOHN = Customer(code="11111111111111", card_number="2222222222")
CARD_ONLY = Customer(code=None, card_number="4444444444")
SHOP = Account("shop", False, (JOHN, CARD_ONLY))
COAL = Account("coal", True, (Customer(code="55555555555555", card_number=None),))


def profile() -> Profile:
    return dataclasses.replace(load_profile(PROFILE_PATH), user_id="tester", accounts=(SHOP, COAL))


def campaigns_of(account: Account, customer: Customer) -> list[str]:
    return ["101", "102"] if customer is JOHN else ["201"]


def selects(expression: str, **params: str) -> bool:
    return compile_selection(expression).matches(params)


# -- operators and precedence ---------------------------------------------------------------
def test_an_atom_is_an_exact_case_sensitive_value() -> None:
    assert selects("output=JSON", output="JSON")
    assert not selects("output=JSON", output="json")
    assert not selects("output=JSON", output="JSONP")  # not a substring, as -k was
    assert not selects("output=JSON", by="code")  # absent is no value


def test_a_bare_name_is_the_parameter_present() -> None:
    assert selects("campaign_id", campaign_id="unknown")
    assert not selects("campaign_id", output="JSON")


def test_and_or_not() -> None:
    both = {"output": "JSON", "by": "code"}
    assert compile_selection("output=JSON and by=code").matches(both)
    assert not compile_selection("output=JSON and by=card_number").matches(both)
    assert compile_selection("output=XML or by=code").matches(both)
    assert not compile_selection("output=XML or by=card_number").matches(both)
    assert compile_selection("not output=XML").matches(both)
    assert not compile_selection("not output=JSON").matches(both)
    assert compile_selection("not not output=JSON").matches(both)


def test_not_binds_tighter_than_and_and_tighter_than_or() -> None:
    # not a and b = (not a) and b; read as not (a and b) it would select this.
    assert not selects("not output=JSON and by=code", output="XML", by="card_number")
    # a or b and c = a or (b and c); read as (a or b) and c it would not select this.
    assert selects("output=JSON or by=code and kind=answer", output="JSON", kind="relation")
    # parentheses override it
    assert not selects("(output=JSON or by=code) and kind=answer", output="JSON", kind="relation")
    assert selects("not (output=JSON and by=code)", output="XML", by="code")


def test_star_is_a_glob_and_nothing_else_is() -> None:
    assert selects("access=missing-*", access="missing-user_id")
    assert selects("access=*-user_id", access="missing-user_id")
    assert selects("access=m*g-*id", access="missing-user_id")
    assert not selects("access=missing-*", access="wrong-missing-user_id")  # whole value
    assert selects("id=a.b?[c]", id="a.b?[c]")  # . ? [ ] are plain text
    assert not selects("id=a.b?[c]", id="axbc")
    assert selects("id=a.b?[c]*", id="a.b?[c]d") and not selects("id=a.b?[c]*", id="axbcd")


def test_quoted_values_hold_spaces_parentheses_and_keywords() -> None:
    assert selects("probe='a (b) c'", probe="a (b) c")
    assert selects('probe="and"', probe="and")
    assert selects("probe=''", probe="")
    assert selects("(probe='x y')", probe="x y")


def test_the_text_is_kept() -> None:
    assert compile_selection("output=JSON").text == "output=JSON"


# -- errors: what, where (column), how to fix -----------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "column 1: the expression is empty; write name=value"),
        ("colour=red", "column 1: unknown parameter 'colour'; the parameters are: kind, id,"),
        ("by:code", "column 1: 'by:code' is -k's spelling; --cases compares values with '=': write by=code"),
        ("output=JSON AND by=code", "column 13: 'AND' is not an operator; operators are lower case: write and"),
        ("(output=JSON", "column 13: expected ')' to close the '(' of column 1, found the end of the expression"),
        ("output=JSON)", "column 12: ')' follows a complete expression; join the parts with 'and' or 'or'"),
        ("output=JSON by=code", "column 13: 'by' follows a complete expression; join the parts with 'and' or 'or'"),
        ("output= and by=code", "column 9: output= has no value (found 'and'); write output=VALUE, quoted"),
        ("output=", "column 8: output= has no value (found the end of the expression)"),
        ("probe='a b", "column 7: the quote ' is not closed; end the value with '"),
        ("output=JSON and", "column 16: expected a parameter name, found the end of the expression; write name=value"),
        ("not", "column 4: expected a parameter name, found the end of the expression"),
        ("=JSON", "column 1: expected a parameter name, found '='"),
        ("test_access", "column 1: 'test_access' is the -k name of a test function; select its cases with kind=access"),
        ("NOT output=JSON", "column 1: 'NOT' is not a parameter; operators are lower case: write not"),
    ],
)  # fmt: skip
def test_each_mistake_is_one_line_saying_what_where_and_how(text: str, message: str) -> None:
    with pytest.raises(CaseSelectionError) as raised:
        compile_selection(text)
    assert str(raised.value).startswith(f"--cases {text!r}: {message}")
    assert "\n" not in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_the_known_names_are_the_fixed_ones_and_the_matrix_options() -> None:
    with pytest.raises(CaseSelectionError) as raised:
        compile_selection("colour=red")
    for name in (
        "kind",
        "id",
        "account",
        "customer",
        "by",
        "probe",
        "negative",
        "relation",
        "access",
        *load_space().parameters,
    ):
        assert f" {name}" in str(raised.value)  # fmt: skip
    assert set(load_space().parameters) <= set(known_names())


# -- the parameters of each unit -------------------------------------------------------------
def test_a_matrix_case_by_its_parameters() -> None:
    case = Case("shop", False, JOHN, "card_number", (("campaign_id", EACH), ("output", "JSON")), campaign="101")
    assert unit_parameters(case) == {
        "kind": "answer",
        "id": "shop-11111111111111-by:card_number-campaign_id:101-output:JSON",
        "account": "shop",
        "customer": "11111111111111",
        "by": "card_number",
        "campaign_id": "101",
        "output": "JSON",
        "campaign": "101",
    }


def test_campaign_id_is_written_as_the_id_writes_it() -> None:
    foreign = Case("shop", False, JOHN, "code", (("campaign_id", FOREIGN),), campaign="201")
    unknown = Case("shop", False, JOHN, "code", (("campaign_id", UNKNOWN),))
    assert unit_parameters(foreign)["campaign_id"] == "foreign-201"
    assert unit_parameters(unknown)["campaign_id"] == "unknown"
    assert "campaign" not in unit_parameters(unknown)
    assert "campaign_id:foreign-201" in foreign.id


def test_a_case_without_customer_probes_and_negative_space() -> None:
    neither = Case("shop", False, None, "neither")
    assert unit_parameters(neither) == {"kind": "answer", "id": neither.id, "account": "shop", "by": "neither"}
    probe = Case(
        "shop", False, None, "output-CSV", (("output", "CSV"),), probe="an output value other than JSON or XML"
    )
    assert unit_parameters(probe) == {
        "kind": "answer", "id": probe.id, "account": "shop", "probe": "output-CSV", "output": "CSV"
    }  # fmt: skip
    negative = generate_negative(profile(), campaigns_of)
    shortened = next(c for c in negative if c.negative == "shortened" and c.customer is JOHN)
    params = unit_parameters(shortened)
    assert params["negative"] == "shortened" and params["customer"] == JOHN.label and params["by"] == "not_a_code"
    padded = next(c for c in negative if c.negative == "padded")
    assert unit_parameters(padded)["negative"] == "padded" and "by" not in unit_parameters(padded)


def test_a_relation_carries_what_all_its_members_share() -> None:
    relations = generate_relations(profile(), campaigns_of)
    formats = next(
        r for r in relations if r.kind == "formats" and r.member("default").option("include_balances") == "N"
    )  # type: ignore[union-attr]
    params = unit_parameters(formats)
    assert params["kind"] == "relation" and params["relation"] == "formats" and params["id"] == formats.id
    assert params["account"] == "shop" and params["customer"] == JOHN.label
    assert params["include_balances"] == "N" and params["by"] == "code"
    assert "output" not in params  # the members differ in output
    filters = next(r for r in relations if r.kind == "filters" and r.label == JOHN.label)
    assert "include_balances" not in unit_parameters(filters) and unit_parameters(filters)["by"] == "code"
    identifiers = next(r for r in relations if r.kind == "identifiers" and r.label == JOHN.label)
    assert "by" not in unit_parameters(identifiers)


def test_a_relation_of_several_customers_has_no_customer() -> None:
    first = Case("coal", True, JOHN, "code")
    second = Case("coal", True, CARD_ONLY, "card_number")
    group = Relation("coalition-campaigns", "coal", True, (("a", first), ("b", second)), "all-customers")
    assert unit_parameters(group) == {
        "kind": "relation", "relation": "coalition-campaigns", "id": group.id, "account": "coal"
    }  # fmt: skip


def test_an_access_case_by_its_id() -> None:
    access = generate_access_cases(profile(), "form")
    missing = next(a for a in access if a.id == "missing-user_id")
    assert unit_parameters(missing) == {"kind": "access", "id": "missing-user_id", "access": "missing-user_id"}
    picked = {a.id for a in access if compile_selection("access=missing-*").matches(unit_parameters(a))}
    # Every required field left out, in every account and both POST encodings (the first
    # account's, in the run's encoding, keep the short id).
    fields = ("user_id", "user_password", "type", "account_id")
    assert picked == {
        f"missing-{field}{account}{encoding}"
        for field in fields
        for account in ("", "-in-coal")
        for encoding in ("", "-as-multipart")
    }


# -- the selections the self-test runs -------------------------------------------------------
def test_every_fault_and_mutant_selection_is_a_cases_expression() -> None:
    # Which cases each selects is proven against the old -k: tools/check_selection_translation.py.
    from conformance.reference.sandbox.faults import FAULTS
    from tests.mutations import MUTANTS

    for name, selection in [(n, f.selection) for n, f in FAULTS.items()] + [
        (n, m.selection) for n, m in MUTANTS.items()
    ]:
        try:
            compile_selection(selection)
        except CaseSelectionError as error:
            pytest.fail(f"{name}: {error}")

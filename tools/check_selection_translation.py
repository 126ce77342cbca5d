"""Prove the translation of every case selection from ``-k`` to ``--cases`` (issue 13).

Until the run model changed, each case was a pytest item and the self-test, the faults,
the mutants and the harness's own tests picked cases with ``-k``. Now ``-k`` selects
requirements and cases are picked with ``--cases EXPR`` (conformance/selection.py).
This script documents each translation (``TRANSLATIONS``: where, the old ``-k``, the new
``--cases``) and proves it: it generates the units of the certification profile
(matrix cases, negative space, relations, access cases) in both modes, with the
campaigns learned from the reference through its WSGI app (no socket), and computes

- the units the OLD ``-k`` selected, the way pytest matched them: an item's keywords
  were its name (``test_answer[<id>]``), its parents' names (``test_customer_info.py``,
  ``suite``, ``conformance``), its parametrised id and its markers (the areas,
  conformance/plugin/collection.py), every match a case-insensitive substring
  (``_pytest.mark.KeywordMatcher``, ``_pytest.mark.expression.Expression``);
- the units the NEW expression selects (``compile_selection(...).matches(unit_parameters(unit))``);

and prints per selection the two counts per mode and whether the sets are equal.
It also checks that every selection in conformance/reference/sandbox/faults.py and
tests/mutations.py is a translated one. Exit status 1 when a set differs (other than
an allowed superset) or a selection is not in the table.

    PYTHONPATH=$PWD python3 tools/check_selection_translation.py
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _pytest.mark import KeywordMatcher
from _pytest.mark.expression import Expression

from conformance.access import AccessCase, generate_access_cases
from conformance.cases import Case
from conformance.harness import Harness
from conformance.plugin.collection import matrix_cases
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH
from conformance.reference.sandbox.faults import FAULTS
from conformance.relations import Relation, generate_relations
from conformance.selection import compile_selection, unit_parameters
from tests.test_readme_counts import InProcessClient

Unit = Case | Relation | AccessCase

# The parts the old selections were built of, and their translations.
JOHN_CODE_JSON_OLD = "greatwidgets-89898989898989-by:code- and output:JSON"
JOHN_CODE_JSON = (
    "kind=answer and account=greatwidgets and customer=89898989898989 and by=code and (output=JSON or output=json)"
)
JOHN_CODE_BARE_OLD = "greatwidgets-89898989898989-by:code]"
JOHN_CODE_BARE = "id=greatwidgets-89898989898989-by:code"
JOHN = "account=greatwidgets and customer=89898989898989"


def answers(account: str, code: str) -> tuple[str, str]:
    """tests/mutations.py ``answers(victim)``: old, new."""
    return f"test_answer and {account}-{code}", f"kind=answer and account={account} and customer={code}"


def with_relations(account: str, code: str) -> tuple[str, str]:
    """tests/mutations.py ``with_relations(victim)``: old, new."""
    return (
        f"({account}-{code} and not formats-{account}-{code}) or coalition-campaigns or test_access",
        f"(account={account} and customer={code} and not relation=formats) "
        "or relation=coalition-campaigns or kind=access",
    )


VICTIMS = [
    ("greatwidgets", "89898989898989"),
    ("greatwidgets", "70707070707070"),
    ("greatwidgets", "56565656565656"),
    ("greatwidgets", "34343434343434"),
    ("coaldemo", "89898989898989"),
    ("coaldemo", "45454545454545"),
]
NEITHER_OLD = "test_answer and (by:neither or by:empty)"
NEITHER = "kind=answer and (by=neither or by=empty)"

# (where, old -k, new --cases)
TRANSLATIONS: list[tuple[str, str, str]] = [
    # conformance/reference/sandbox/faults.py
    ("faults", "test_answer and greatwidgets-89898989898989", f"kind=answer and {JOHN}"),
    ("faults", "test_answer and coaldemo-89898989898989",
     "kind=answer and account=coaldemo and customer=89898989898989"),
    ("faults", "test_answer and greatwidgets-70707070707070",
     "kind=answer and account=greatwidgets and customer=70707070707070"),
    ("faults", "by:unknown_code or by:unknown_card_number",
     "kind=answer and (by=unknown_code or by=unknown_card_number)"),
    ("faults", "by:neither or by:empty", "kind=answer and (by=neither or by=empty)"),
    ("faults", "greatwidgets-34343434343434 and by:card_number",
     "kind=answer and account=greatwidgets and customer=34343434343434 and by=card_number"),
    ("faults", "greatwidgets-56565656565656 and by:code",
     "kind=answer and account=greatwidgets and customer=56565656565656 and by=code"),
    ("faults", "test_answer and greatwidgets-89898989898989 and campaign_id",
     f"kind=answer and {JOHN} and campaign_id"),
    ("faults", "test_answer and greatwidgets-89898989898989 and hide_custom_field:N",
     f"kind=answer and {JOHN} and hide_custom_field=N"),
    ("faults", "test_answer and greatwidgets-89898989898989 and hide_custom_field:Y",
     f"kind=answer and {JOHN} and hide_custom_field=Y"),
    ("faults", "test_answer and greatwidgets-89898989898989 and include_balances:N",
     f"kind=answer and {JOHN} and include_balances=N"),
    ("faults", "test_answer and greatwidgets-89898989898989 and output:JSON",
     f"kind=answer and {JOHN} and (output=JSON or output=json)"),
    ("faults", "test_answer and greatwidgets-89898989898989 and output:JSON and callback",
     f"kind=answer and {JOHN} and (output=JSON or output=json) and callback"),
    ("faults", "test_answer and greatwidgets-89898989898989 and output:JSON and condensed:yes",
     f"kind=answer and {JOHN} and (output=JSON or output=json) and condensed=yes"),
    ("faults", "test_answer and negative", "kind=answer and (negative or campaign_id=foreign-*)"),
    ("faults", "(test_answer and coaldemo and show_only_belong_to:Y) or (test_relation and filters-coaldemo)",
     "(kind=answer and account=coaldemo and show_only_belong_to=Y) or (relation=filters and account=coaldemo)"),
    ("faults", "test_relation and filters-coaldemo", "relation=filters and account=coaldemo"),
    ("faults", "test_relation and coalition-campaigns", "relation=coalition-campaigns"),
    ("faults", "test_relation and filters-greatwidgets-89898989898989", f"relation=filters and {JOHN}"),
    ("faults", "test_relation and formats-greatwidgets-70707070707070 and include_balances:N and hide_custom_field:Y",
     "relation=formats and account=greatwidgets and customer=70707070707070 and include_balances=N "
     "and hide_custom_field=Y"),
    ("faults", "test_relation and formats-greatwidgets-89898989898989 and include_balances:N and hide_custom_field:Y",
     f"relation=formats and {JOHN} and include_balances=N and hide_custom_field=Y"),
    ("faults", "test_relation and identifiers-greatwidgets-89898989898989", f"relation=identifiers and {JOHN}"),
    ("faults", "test_relation and repeat", "relation=repeat"),
    ("faults", "test_access and (missing or wrong-type)", "access=missing-* or access=wrong-type"),
    ("faults", "test_access and (wrong-user-id or empty-user-id)", "access=wrong-user-id or access=empty-user-id"),
    ("faults", "test_access and callback", "access=callback-*"),
    ("faults", "test_access and empty-password", "access=empty-password"),
    ("faults", "test_access and encoding", "access=encoding-*"),
    ("faults", "test_access and forbidden-account", "access=forbidden-account-*"),
    ("faults", "test_access and injection", "access=injection-*"),
    ("faults", "test_access and nul-byte", "access=*-nul-byte"),
    ("faults", "test_access and scope", "access=scope-*"),
    ("faults", "test_access and wrong-password", "access=wrong-password"),
    ("faults", "test_access and wrong-type", "access=wrong-type"),
    # tests/mutations.py
    *[("mutations answers", *answers(*victim)) for victim in VICTIMS],
    *[("mutations with_relations", *with_relations(*victim)) for victim in VICTIMS],
    ("mutations ACCESS", "test_access", "kind=access"),
    ("mutations UNKNOWN_CUSTOMERS", "test_answer and (by:unknown_code or by:unknown_card_number)",
     "kind=answer and (by=unknown_code or by=unknown_card_number)"),
    ("mutations NEITHER or ACCESS", f"({NEITHER_OLD}) or test_access", f"({NEITHER}) or kind=access"),
    ("mutations filters", "test_relation and filters-greatwidgets-89898989898989", f"relation=filters and {JOHN}"),
    ("mutations filters", "test_relation and filters-coaldemo-89898989898989",
     "relation=filters and account=coaldemo and customer=89898989898989"),
    # tests/
    ("test_compare", "test_answer and greatwidgets-89898989898989-by:code", f"kind=answer and {JOHN} and by=code"),
    ("test_deadline, test_hostile_targets", f"test_answer and {JOHN_CODE_JSON_OLD}", JOHN_CODE_JSON),
    ("test_newcomer ONE_CASE", f"{JOHN_CODE_JSON_OLD} and not callback", f"{JOHN_CODE_JSON} and not callback"),
    ("test_newcomer nothing", "no_such_case", "id=no_such_case"),
    ("test_record_replay", "89898989898989 or test_access", "id=*89898989898989* or kind=access"),
    ("test_xdist", f"({JOHN_CODE_JSON_OLD}) or test_access or probe", f"({JOHN_CODE_JSON}) or kind=access or probe"),
    ("test_html_report", f"({JOHN_CODE_JSON_OLD}) or {JOHN_CODE_BARE_OLD} or test_access",
     f"({JOHN_CODE_JSON}) or {JOHN_CODE_BARE} or kind=access"),
    ("test_secrets", f"{JOHN_CODE_BARE_OLD} or ({JOHN_CODE_JSON_OLD}) or filters-greatwidgets or test_access",
     f"{JOHN_CODE_BARE} or ({JOHN_CODE_JSON}) or (relation=filters and account=greatwidgets) or kind=access"),
    ("test_secrets, test_baseline", "test_access and wrong-password", "access=wrong-password"),
    ("test_baseline", "wrong-password", "access=wrong-password"),
    ("test_baseline", f"({JOHN_CODE_JSON_OLD}) or {JOHN_CODE_BARE_OLD} or wrong-password",
     f"({JOHN_CODE_JSON}) or {JOHN_CODE_BARE} or access=wrong-password"),
    ("test_wheel", "by:code or test_access", "(kind=answer and by=code) or kind=access"),
    ("test_passing_rows, test_certificate, test_verdict_scope", "test_access", "kind=access"),
    ("test_transport", "test_access and missing-user_id", "access=missing-user_id"),
    ("test_transport", "test_access and missing", "access=missing-*"),
    ("test_certificate", f"({JOHN_CODE_JSON_OLD}) or test_access", f"({JOHN_CODE_JSON}) or kind=access"),
    ("test_certificate", f"test_access or ({JOHN_CODE_JSON_OLD})", f"kind=access or ({JOHN_CODE_JSON})"),
    ("bench/run.py profile", "greatwidgets-89898989898989", "id=*greatwidgets-89898989898989*"),
]  # fmt: skip

PARENTS = ("test_customer_info.py", "suite", "conformance")  # the suite module and its packages


@dataclass(frozen=True)
class Item:
    """A unit as the old run had it: a pytest item's keywords, and the unit itself."""

    unit: Unit
    keywords: frozenset[str]


def units(mode: str) -> list[Item]:
    profile = load_profile(PROFILE_PATH)
    harness = Harness(profile, InProcessClient(profile), "form")  # type: ignore[arg-type]

    def campaigns_of(account: Any, customer: Any) -> list[str]:
        return list(harness.learn(account, customer).campaign_ids)

    def types_of(case: Case) -> tuple[str, ...]:
        if case.customer is None:
            return ()
        return harness.learn(profile.account(case.account_id), case.customer).campaign_types

    items: list[Item] = []
    for case in matrix_cases(profile, campaigns_of, mode):  # type: ignore[arg-type]
        # The markers collection.py gave a case: its areas, and buyx for a BuyX customer.
        marks = set(case.areas) | ({"buyx"} if "buyx" in types_of(case) else set())
        items.append(Item(case, frozenset({f"test_answer[{case.id}]", case.id, *PARENTS, *marks})))
    for relation in generate_relations(profile, campaigns_of):
        marks = {"relations"} | ({"coalition"} if relation.coalition else set())
        items.append(Item(relation, frozenset({f"test_relation[{relation.id}]", relation.id, *PARENTS, *marks})))
    for access in generate_access_cases(profile, harness.encoding):
        items.append(Item(access, frozenset({f"test_access[{access.id}]", access.id, *PARENTS, "access", "security"})))
    return items


def old_selected(expression: str, items: Iterable[Item]) -> set[int]:
    compiled = Expression.compile(expression)
    return {i for i, item in enumerate(items) if compiled.evaluate(KeywordMatcher(item.keywords))}


def new_selected(expression: str, items: list[Item], params: list[dict[str, str]]) -> set[int]:
    compiled = compile_selection(expression)
    return {i for i in range(len(items)) if compiled.matches(params[i])}


def untranslated() -> list[str]:
    """Selections of faults.py and mutations.py that are not a translation in the table."""
    from tests.mutations import MUTANTS

    known = {new for _, _, new in TRANSLATIONS}
    found = [(f"fault {n}", f.selection) for n, f in FAULTS.items()]
    found += [(f"mutant {n}", m.selection) for n, m in MUTANTS.items()]
    return [f"{where}: {selection!r}" for where, selection in found if selection not in known]


def main() -> int:
    problems = untranslated()
    for problem in problems:
        print(f"NOT IN THE TABLE: {problem}")
    counts = {"equal": 0, "superset": 0, "different": 0}
    seen: set[tuple[str, str]] = set()
    for mode in ("pairwise", "all"):
        items = units(mode)
        params = [unit_parameters(item.unit) for item in items]
        print(f"\n== --combinations {mode}: {len(items)} units")
        for where, old, new in TRANSLATIONS:
            if (old, new + mode) in seen:
                continue
            seen.add((old, new + mode))
            before, after = old_selected(old, items), new_selected(new, items, params)
            verdict = "equal" if before == after else "superset" if before < after else "different"
            counts[verdict] += 1
            print(f"{verdict:9} old {len(before):6} new {len(after):6}  {where}: -k {old!r} -> --cases {new!r}")
            if verdict != "equal":
                for i in sorted(before ^ after)[:5]:
                    side = "only old" if i in before else "only new"
                    print(f"            {side}: {getattr(items[i].unit, 'id', items[i].unit)}")
    print(f"\n{counts['equal']} equal, {counts['superset']} superset, {counts['different']} different")
    return 1 if counts["different"] or problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""``--cases EXPR``: which cases (the evidence inside the suite's items) a run sends.

A case is named by its parameters (:func:`unit_parameters`): ``kind``, ``id``,
``account``, ``customer``, ``by`` and every option of ``cases/parameters.yaml`` for a
matrix case; ``relation`` for a relation, ``access`` for an access case. An expression
selects by parameter value, exactly and case-sensitively::

    output=JSON and by=card_number
    kind=access and not access=scope-*
    (account=coaldemo and show_only_belong_to=Y) or relation=filters
    campaign_id                      # the parameter is sent, whatever its value
    id='greatwidgets-89898989898989-by:code'   # quotes: spaces, parentheses, keywords

``*`` in a value matches any text (the only special character); ``not`` binds tighter
than ``and``, ``and`` tighter than ``or``. Unlike ``-k``, a value is never a substring:
``output=JSON`` does not select ``output=json``.

The parser is hand-written recursive descent (about sixty lines): the grammar is five
rules, and a library (pyparsing, lark) would be a new dependency of the wheel for less
control over the one-line messages a user gets for a mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from conformance.access import AccessCase
from conformance.cases import Case, load_space
from conformance.relations import Relation

# The parameters every unit may carry, whatever cases/parameters.yaml holds.
FIXED_NAMES = (
    "kind", "id", "account", "customer", "by", "probe", "negative", "campaign", "encoding", "relation", "access",
)  # fmt: skip
KEYWORDS = ("and", "or", "not")


class CaseSelectionError(ValueError):
    """A ``--cases`` expression that cannot be read: the message says what, where and how to fix it."""


def option_names() -> tuple[str, ...]:
    """The matrix's option parameters (cases/parameters.yaml), in its order."""
    return tuple(load_space().parameters)


@lru_cache(maxsize=1)
def known_names() -> tuple[str, ...]:
    return FIXED_NAMES + tuple(name for name in option_names() if name not in FIXED_NAMES)


# -- the parameters of a unit ----------------------------------------------------------
def unit_parameters(unit: Case | Relation | AccessCase) -> dict[str, str]:
    """The parameters ``--cases`` selects a unit by."""
    if isinstance(unit, Case):
        return _case_parameters(unit)
    if isinstance(unit, Relation):
        return _relation_parameters(unit)
    return {"kind": "access", "id": unit.id, "access": unit.id}


def _case_parameters(case: Case) -> dict[str, str]:
    params = {"kind": "answer", "id": case.id, "account": case.account_id}
    if case.customer is not None:
        params["customer"] = case.customer.label
    if case.probe is None:
        params["by"] = case.identifier
    else:
        # The probe's name, as its id shows it (``case.probe`` is the sentence saying why).
        params["probe"] = case.identifier
    if case.negative is not None:
        params["negative"] = case.negative
    params.update(case.shown_options)
    if case.campaign is not None:
        params["campaign"] = case.campaign
    if case.encoding is not None:
        params["encoding"] = case.encoding
    return params


def _relation_parameters(relation: Relation) -> dict[str, str]:
    params = {"kind": "relation", "relation": relation.kind, "id": relation.id, "account": relation.account_id}
    members = [case for _, case in relation.members]
    customers = {case.customer.label if case.customer else "" for case in members}
    if len(customers) == 1 and "" not in customers:
        params["customer"] = customers.pop()
    # A parameter every member sends with the same value is the relation's too.
    shared: dict[str, str] | None = None
    for case in members:
        own = {k: v for k, v in _case_parameters(case).items() if k == "by" or k in option_names()}
        shared = own if shared is None else {k: v for k, v in shared.items() if own.get(k) == v}
    params.update(shared or {})
    return params


# -- the expression ---------------------------------------------------------------------
Predicate = Callable[[Mapping[str, str]], bool]


@dataclass(frozen=True)
class CaseSelection:
    """A compiled ``--cases`` expression."""

    text: str
    _predicate: Predicate

    def matches(self, params: Mapping[str, str]) -> bool:
        return self._predicate(params)


@dataclass(frozen=True)
class _Token:
    kind: str  # "(" ")" "=" "word" "string" "end"
    text: str
    column: int  # 1-based


_SPECIAL = "()='\""


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()=":
            tokens.append(_Token(char, char, i + 1))
            i += 1
        elif char in "'\"":
            end = text.find(char, i + 1)
            if end < 0:
                raise _error(text, i + 1, f"the quote {char} is not closed", f"end the value with {char}")
            tokens.append(_Token("string", text[i + 1 : end], i + 1))
            i = end + 1
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in _SPECIAL:
                i += 1
            tokens.append(_Token("word", text[start:i], start + 1))
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


def _error(text: str, column: int, what: str, fix: str) -> CaseSelectionError:
    return CaseSelectionError(f"--cases {text!r}: column {column}: {what}; {fix}")


def _glob(value: str) -> Callable[[str], bool]:
    if "*" not in value:
        return lambda actual: actual == value
    pattern = re.compile(".*".join(re.escape(part) for part in value.split("*")), re.DOTALL)
    return lambda actual: pattern.fullmatch(actual) is not None


class _Parser:
    """or := and ("or" and)* ; and := not ("and" not)* ; not := "not" not | primary ;
    primary := "(" or ")" | NAME ["=" VALUE]"""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def keyword(self, word: str) -> bool:
        if self.token.kind == "word" and self.token.text == word:
            self.at += 1
            return True
        return False

    def fail(self, what: str, fix: str, token: _Token | None = None) -> CaseSelectionError:
        return _error(self.text, (token or self.token).column, what, fix)

    def parse(self) -> Predicate:
        if self.token.kind == "end":
            raise self.fail("the expression is empty", "write name=value, e.g. --cases 'output=JSON'")
        predicate = self.disjunction()
        if self.token.kind == "word" and self.token.text.lower() in KEYWORDS:
            raise self.fail(
                f"{self.token.text!r} is not an operator", f"operators are lower case: write {self.token.text.lower()}"
            )
        if self.token.kind != "end":
            raise self.fail(
                f"{_shown(self.token)} follows a complete expression",
                "join the parts with 'and' or 'or', or remove it",
            )
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda p: any(part(p) for part in parts))

    def conjunction(self) -> Predicate:
        parts = [self.negation()]
        while self.keyword("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda p: all(part(p) for part in parts))

    def negation(self) -> Predicate:
        if self.keyword("not"):
            inner = self.negation()
            return lambda p: not inner(p)
        return self.primary()

    def primary(self) -> Predicate:
        token = self.token
        if token.kind == "(":
            self.at += 1
            inner = self.disjunction()
            if self.token.kind != ")":
                raise self.fail(
                    f"expected ')' to close the '(' of column {token.column}, found {_shown(self.token)}",
                    "add the ')'",
                )
            self.at += 1
            return inner
        return self.atom()

    def atom(self) -> Predicate:
        token = self.token
        if token.kind != "word" or token.text in KEYWORDS:
            raise self.fail(f"expected a parameter name, found {_shown(token)}", "write name=value or name")
        name = token.text
        self.at += 1
        self.check_name(token)
        if self.token.kind != "=":
            return lambda p: name in p
        self.at += 1
        value = self.token
        if value.kind == "string" or (value.kind == "word" and value.text not in KEYWORDS):
            self.at += 1
        else:
            raise self.fail(
                f"{name}= has no value (found {_shown(value)})",
                f"write {name}=VALUE, quoted ('...') for an empty value or one with spaces or parentheses",
            )
        wanted = _glob(value.text)
        return lambda p: name in p and wanted(p[name])

    def check_name(self, token: _Token) -> None:
        name = token.text
        if name in known_names():
            return
        if name.lower() in KEYWORDS:
            raise self.fail(f"{name!r} is not a parameter", f"operators are lower case: write {name.lower()}", token)
        if name in _TEST_FUNCTIONS:
            raise self.fail(
                f"{name!r} is the -k name of a test function", f"select its cases with {_TEST_FUNCTIONS[name]}", token
            )
        before, colon, after = name.partition(":")
        if colon and before in known_names():
            raise self.fail(
                f"{name!r} is -k's spelling", f"--cases compares values with '=': write {before}={after}", token
            )
        raise self.fail(f"unknown parameter {name!r}", f"the parameters are: {', '.join(known_names())}", token)


# What -k selected by test function, as --cases writes it.
_TEST_FUNCTIONS = {"test_answer": "kind=answer", "test_relation": "kind=relation", "test_access": "kind=access"}


def _shown(token: _Token) -> str:
    return "the end of the expression" if token.kind == "end" else repr(token.text)


def compile_selection(text: str) -> CaseSelection:
    """The ``--cases`` expression ``text``, compiled (:class:`CaseSelectionError` when it cannot be read)."""
    return CaseSelection(text, _Parser(text).parse())

"""Request-side mutation operators: how the reference READS a request, changed mechanically.

``tests/mutations.py`` mutates the reference's answers; a server that reads a request
wrongly (a near-miss password accepted, a card-number lookup that leaves its account, a
filter ignored in one encoding) answers every real request exactly like the reference,
so no answer-side operator can stand for it. Here each mutant is one *operator* applied
to one *predicate* of the reference's reading of a request:

predicates (what the reference compares a request field with): ``user`` (user_id against
the API users), ``password`` (user_password against the user's), ``account`` (the account
scope: account_id against the accounts the user may read), ``code`` and ``card_number``
(against the account's customers), ``campaign_id`` (against the account's campaigns),
and the options ``include_balances``, ``hide_custom_field``, ``show_only_belong_to``,
``output``, ``callback`` (its validation) and ``condensed``;

operators (how the comparison is changed): ``drop`` (no comparison: an identifier or
credential matches the first row in data order, the way ``WHERE`` without that conjunct
returns ``rows[0]``; the account scope lets any existing account be read; an option is
ignored), ``prefix`` (the first N characters only: 4 for values from the data, 1 for an
option's value), ``like_prefix`` (``stored LIKE value || '%'``, SQLite's LIKE: ASCII case
folded, ``%`` and ``_`` wildcards), ``casefold``, ``trim`` (the sent value stripped of
white space), ``or_column`` (OR-ed with another column: code with card_number and back,
the password with the user_id, an option with another option), ``only_kind`` (applied only
to lookups by code: dropped for card-number-only lookups), ``only_format`` (applied only
when the answer is XML, or JSON for ``condensed``: dropped in the other formats),
``only_encoding`` (applied only to urlencoded POST bodies: dropped for multipart and GET).

**Design: a request-rewriting layer, not a seam in the reference.** Every predicate
compares a request field with values the data set holds (or with an option's constant),
and every operator only *widens* what matches. So a mutant is a pure function of the
request and the data set: it finds the row (or value) the mutated comparison would pick,
in data order, and rewrites the request to carry that row's exact value (for the account
scope, the credentials of a user who may read the account); the unmodified reference then
answers what a server with the mutated comparison answers. The reference's production
path is untouched (no table of predicate functions to look up on every request, no
hook a reader of ``service.py`` must know about), the mutants cannot drift from the
reference's other behaviour, and they reuse ``tests/faults.py``'s middleware and its
answer cache. The one thing a rewrite cannot express, an unvalidated callback echoed, is
done by sending a valid placeholder and putting the raw callback back into the answer.

Combinations that make no sense are not generated (``SKIPPED``, one line each why).
Each mutant is *killed* (a case fails), *equivalent* (``allowed_by``: the sentence or the
silence that makes it legal; it must pass), or a listed survivor
(``tests/test_request_operators.py``'s ``REQUEST_GAPS``, a strict xfail).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from conformance.reference.db import read_seed
from conformance.reference.params import is_valid_callback, parse_output
from conformance.reference.sandbox.middleware import Fault, FaultyApp, Reply
from conformance.reference.sandbox.server import Server

Fields = dict[str, str]


# -- the request's context: what only_kind / only_format / only_encoding look at ---------------
@dataclass(frozen=True)
class Context:
    kind: str | None  # "code" (a code is sent), "card_number" (a card number only), None
    format: str  # xml | json | jsonp, as the reference decides it
    encoding: str  # form | multipart | query


def context_of(fields: Fields, encoding: str) -> Context:
    kind = "code" if fields.get("code") else "card_number" if fields.get("card_number") else None
    return Context(kind, parse_output(fields)[0].format, encoding)


def encoding_of(environ: dict[str, Any]) -> str:
    if environ.get("REQUEST_METHOD", "GET") != "POST":
        return "query"
    return "multipart" if environ.get("CONTENT_TYPE", "").startswith("multipart/") else "form"


# -- comparisons --------------------------------------------------------------------------
# (sent value, stored value, the row's other column) -> match; DROP: no comparison at all.
Match = Callable[[str, str, str], bool]
DROP: Match = lambda sent, stored, other: True  # noqa: E731 - compared by identity


def exact(sent: str, stored: str, other: str) -> bool:
    return sent == stored


def prefix_of(n: int) -> Match:
    return lambda sent, stored, other: sent[:n] == stored[:n]


@cache
def _like_pattern(value: str) -> re.Pattern[str]:
    parts = ["." if c == "_" else ".*" if c == "%" else re.escape(c) for c in value]
    return re.compile("".join(parts) + ".*", re.DOTALL | re.IGNORECASE | re.ASCII)


def like_prefix(sent: str, stored: str, other: str) -> bool:
    """``stored LIKE sent || '%'`` as SQLite reads it."""
    return _like_pattern(sent).fullmatch(stored) is not None


def casefold(sent: str, stored: str, other: str) -> bool:
    return sent.casefold() == stored.casefold()


def trim(sent: str, stored: str, other: str) -> bool:
    return sent.strip() == stored


def or_column(sent: str, stored: str, other: str) -> bool:
    return sent == stored or (other != "" and sent == other)


# An operator: (the predicate, the request's context) -> the comparison for this request.
Operator = Callable[["Predicate", Context], Match]

OPERATORS: dict[str, tuple[str, Operator]] = {
    "drop": ("the comparison dropped", lambda p, c: DROP),
    "prefix": ("only the first N characters compared", lambda p, c: prefix_of(p.prefix_length)),
    "like_prefix": ("compared with LIKE 'value%'", lambda p, c: like_prefix),
    "casefold": ("compared case-insensitively", lambda p, c: casefold),
    "trim": ("the sent value trimmed", lambda p, c: trim),
    "or_column": ("OR-ed with another column", lambda p, c: or_column),
    "only_kind": ("applied to lookups by code only", lambda p, c: exact if c.kind == "code" else DROP),
    "only_format": (
        "applied in one output format only",
        lambda p, c: exact if c.format == p.only_format else DROP,
    ),
    "only_encoding": ("applied to urlencoded POST bodies only", lambda p, c: exact if c.encoding == "form" else DROP),
}


# -- the data set, in data order (what rows[0] would be) -------------------------------------
@dataclass(frozen=True)
class Data:
    users: tuple[tuple[str, str, tuple[str, ...]], ...]  # (user_id, password, accounts readable)
    accounts: tuple[str, ...]
    customers: dict[str, tuple[tuple[str, str], ...]]  # account -> (code, card_number) in order
    campaigns: dict[str, tuple[str, ...]]  # account -> campaign ids in order

    def user(self, user_id: str) -> tuple[str, str, tuple[str, ...]] | None:
        return next((u for u in self.users if u[0] == user_id), None)

    def readable(self, user_id: str, account_id: str) -> bool:
        user = self.user(user_id)
        return user is not None and account_id in user[2]


@cache
def data() -> Data:
    seed = read_seed()
    accounts = seed["accounts"]
    return Data(
        users=tuple((u["user_id"], u["user_password"], tuple(u["accounts"])) for u in seed["api_users"]),
        accounts=tuple(a["account_id"] for a in accounts),
        customers={
            a["account_id"]: tuple((c.get("code", ""), c.get("card_number", "")) for c in a.get("customers", []))
            for a in accounts
        },
        campaigns={a["account_id"]: tuple(c["campaign_id"] for c in a.get("campaigns", [])) for a in accounts},
    )


# -- the predicates: each rewrites a request so the reference answers as the mutated one would
Rewrite = Callable[[Fields, Match], Fields]


def _user(fields: Fields, match: Match) -> Fields:
    sent = fields.get("user_id")
    if sent is None:
        return fields
    found = next((u for u in data().users if match(sent, u[0], u[1])), None)
    if found is not None:
        fields["user_id"] = found[0]
    return fields


def _password(fields: Fields, match: Match) -> Fields:
    sent, user = fields.get("user_password"), data().user(fields.get("user_id", ""))
    if sent is not None and user is not None and match(sent, user[1], user[0]):
        fields["user_password"] = user[1]
    return fields


def _account(fields: Fields, match: Match) -> Fields:
    """Within the user's accounts the mutated comparison picks the first that matches;
    the scope dropped lets any existing account be read (by a user who may read it)."""
    sent, user = fields.get("account_id"), data().user(fields.get("user_id", ""))
    if sent is None or user is None or fields.get("user_password") != user[1]:
        return fields
    if match is DROP:
        if sent in data().accounts and sent not in user[2]:
            reader = next(u for u in data().users if sent in u[2])
            fields["user_id"], fields["user_password"] = reader[0], reader[1]
        return fields
    found = next((a for a in user[2] if match(sent, a, "")), None)
    if found is not None:
        fields["account_id"] = found
    return fields


def _identifier(name: str) -> Rewrite:
    other_name = "card_number" if name == "code" else "code"
    mine, theirs = (0, 1) if name == "code" else (1, 0)

    def rewrite(fields: Fields, match: Match) -> Fields:
        sent, other_sent = fields.get(name), fields.get(other_name)
        if not sent or not data().readable(fields.get("user_id", ""), fields.get("account_id", "")):
            return fields  # '' is "not passed"; an account the user may not read answers an error anyway
        for customer in data().customers.get(fields["account_id"], ()):
            if other_sent and customer[theirs] != other_sent:
                continue  # the other identifier's conjunct still holds
            stored = customer[mine]
            if stored == "" and match is not or_column and match is not DROP:
                continue  # "<> ''": an empty identifier never matches
            if match(sent, stored, customer[theirs]):
                if customer[mine]:
                    fields[name] = customer[mine]
                else:  # found through the other column: its own identifier finds it
                    del fields[name]
                    fields[other_name] = customer[theirs]
                return fields
        return fields

    return rewrite


def _campaigns(fields: Fields, match: Match) -> Fields:
    """The filter keeps every campaign some sent id matches (a filter is a set, not rows[0])."""
    sent = fields.get("campaign_id")
    if sent is None:
        return fields
    if match is DROP:
        del fields["campaign_id"]
        return fields
    ids = [part.strip() for part in sent.split(",") if part.strip()]
    mine = data().campaigns.get(fields.get("account_id", ""), ())
    kept = [c for c in mine if any(match(s, c, "") for s in ids)]
    if kept:
        fields["campaign_id"] = ",".join(kept)
    return fields


# The options: (its true values as the reference reads them, the option OR-ed with it).
FLAGS = {
    "include_balances": (("N",), "show_only_belong_to"),
    "hide_custom_field": (("Y",), "show_only_belong_to"),
    "show_only_belong_to": (("Y",), "hide_custom_field"),
    "condensed": (("YES", "Y"), "hide_custom_field"),
}


def _flag(name: str) -> Rewrite:
    trues, partner = FLAGS[name]

    def on(value: str, match: Match) -> bool:
        value = value.strip().upper()
        return any(match(value, t, "") for t in trues)

    def rewrite(fields: Fields, match: Match) -> Fields:
        sent = fields.get(name)
        if sent is None:
            return fields
        if match is DROP:
            del fields[name]
            return fields
        wanted = on(sent, match) or (match is or_column and on(fields.get(partner, ""), exact))
        if wanted != on(sent, exact):
            if wanted:
                fields[name] = trues[0]
            else:
                del fields[name]
        return fields

    return rewrite


def _output(fields: Fields, match: Match) -> Fields:
    sent = fields.get("output")
    if sent is None:
        return fields
    if match is DROP:
        del fields["output"]
        return fields
    wanted, real = match(sent.strip().lower(), "json", ""), sent.strip().lower() == "json"
    if wanted and not real:
        fields["output"] = "JSON"
    elif real and not wanted:
        fields["output"] = "XML"
    return fields


CALLBACK_PLACEHOLDER = "requestMutantCallback"


def _callback(fields: Fields, match: Match) -> Fields:
    """The callback's validation mutated: a callback the mutated check accepts is answered
    as JSONP with it (sent to the reference as a placeholder, put back in the answer)."""
    sent = fields.get("callback")
    if not sent or is_valid_callback(sent):
        return fields
    if match is DROP:
        accepted = sent
    elif match is trim:
        accepted = sent.strip() if is_valid_callback(sent.strip()) else ""
    elif match is like_prefix:  # a valid identifier at the start, anything after
        accepted = sent if re.match(r"[A-Za-z_$][\w$]*", sent, re.ASCII) else ""
    elif match is exact:
        accepted = ""
    else:  # prefix: only the first characters validated
        head = sent[: PREDICATES["callback"].prefix_length]
        accepted = sent if head and is_valid_callback(head) else ""
    if accepted:
        fields["callback"] = accepted if is_valid_callback(accepted) else CALLBACK_PLACEHOLDER
        fields["conformance.raw_callback"] = accepted
    return fields


@dataclass(frozen=True)
class Predicate:
    name: str
    description: str
    rewrite: Rewrite = field(repr=False)
    selection: str  # --cases: the cases that send what this predicate reads
    prefix_length: int = 4
    only_format: str = "xml"


ACCESS = "kind=access"
IDENTIFIER_CASES = "kind=access or negative or by=unknown_code or by=unknown_card_number or by=both"
PREDICATES: dict[str, Predicate] = {
    p.name: p
    for p in (
        Predicate("user", "user_id against the API users", _user, ACCESS),
        Predicate("password", "user_password against the user's", _password, ACCESS),
        Predicate("account", "account_id against the accounts the user may read", _account, ACCESS),
        Predicate("code", "code against the account's customers", _identifier("code"), IDENTIFIER_CASES),
        Predicate(
            "card_number", "card_number against the account's customers", _identifier("card_number"), IDENTIFIER_CASES
        ),
        Predicate(
            "campaign_id",
            "campaign_id against the account's campaigns",
            _campaigns,
            "(kind=answer and campaign_id) or relation=filters",
        ),
        *(
            Predicate(
                name,
                f"{name} against {'/'.join(FLAGS[name][0])}",
                _flag(name),
                # the filters relations hold the unfiltered answer a filter is judged against
                f"(kind=answer and {name}) or relation=filters",
                prefix_length=1,
                only_format="json" if name == "condensed" else "xml",
            )
            for name in ("include_balances", "hide_custom_field", "show_only_belong_to", "condensed")
        ),
        Predicate("output", "output against JSON", _output, "kind=answer and (output or callback)", prefix_length=1),
        Predicate(
            "callback",
            "the callback's validation",
            _callback,
            "(kind=answer and callback) or (kind=access and access=callback-*)",
        ),
    )
}

_KIND = "the predicate is an identifier kind: only for its own kind is the reference, for the other it is drop"
_ALREADY = "the reference already reads this option {0}: the mutant is the reference"
SKIPPED: dict[tuple[str, str], str] = {
    **{(op, p): _ALREADY.format(how) for op, how in (("casefold", "case-insensitively"), ("trim", "trimmed"))
       for p in ("include_balances", "hide_custom_field", "show_only_belong_to", "condensed", "output")},
    ("trim", "campaign_id"): _ALREADY.format("trimmed (each id of the comma list)"),
    ("casefold", "callback"): "a callback is compared with nothing: its letter case is its own",
    ("or_column", "user"): "api_user's other column is the password: that OR is or_column:password seen from the user",
    ("or_column", "account"): "the scope's other column is the user, and OR-ing with it is drop:account",
    ("or_column", "campaign_id"): "no other column of a campaign is a value a client sends",
    ("or_column", "output"): "output and callback are already read together; no third field names a format",
    ("or_column", "callback"): "a callback is validated, not looked up: there is no column to OR it with",
    ("only_kind", "code"): _KIND,
    ("only_kind", "card_number"): _KIND,
    ("only_format", "output"): "the predicate decides the format: applying it in one format only is circular",
    ("only_format", "callback"): "the predicate decides the format (JSONP): applying it in one format only is circular",
}  # fmt: skip


# -- the mutants ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RequestMutant:
    name: str
    operator: str
    predicate: str
    description: str
    selection: str
    allowed_by: str | None = None

    @property
    def equivalent(self) -> bool:
        return self.allowed_by is not None

    @property
    def inert(self) -> bool:
        """It changes no answer on this data set (``INERT``)."""
        return self.name in INERT

    def rewrite(self, fields: Fields, encoding: str) -> Fields:
        predicate = PREDICATES[self.predicate]
        match = OPERATORS[self.operator][1](predicate, context_of(fields, encoding))
        if match is exact:
            return fields
        return predicate.rewrite(dict(fields), match)

    def app(self) -> RequestMutantApp:
        return RequestMutantApp(self)

    @contextmanager
    def serve(self) -> Iterator[str]:
        server = Server(self.app())
        try:
            yield server.url
        finally:
            server.stop()


class RequestMutantApp:
    """WSGI: the request rewritten by the mutant (which may look at its encoding), then the
    reference through ``tests/faults.py``'s middleware (so its answers are shared)."""

    def __init__(self, mutant: RequestMutant, inner: Any = None) -> None:
        self.mutant = mutant
        self._local = threading.local()
        self.app = FaultyApp(
            Fault("request", mutant.description, mutant.selection, request=self._rewrite, reply=self._callback),
            inner=inner,
            data_key="reference" if inner is not None else None,
        )

    def close(self) -> None:
        self.app.close()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self._local.encoding = encoding_of(environ)
        return self.app(environ, start_response)

    def _rewrite(self, fields: Fields) -> Fields:
        rewritten = self.mutant.rewrite(fields, self._local.encoding)
        self._local.raw_callback = rewritten.pop("conformance.raw_callback", None)
        return rewritten

    def _callback(self, reply: Reply, fields: Fields, number: int) -> Reply:
        raw = getattr(self._local, "raw_callback", None)
        if raw and reply.body.startswith(CALLBACK_PLACEHOLDER.encode() + b"("):
            body = raw.encode("utf-8") + reply.body[len(CALLBACK_PLACEHOLDER) :]
            return reply.with_body(body)
        return reply


# -- what each mutant is ----------------------------------------------------------------------
_DIGITS_ONLY = "every {0} of the data set is digits: case folding changes no comparison"
# Mutants that change no answer on this data set (tests/test_request_operators.py shows it).
INERT: dict[str, str] = {
    "casefold:code": _DIGITS_ONLY.format("code"),
    "casefold:card_number": _DIGITS_ONLY.format("card number"),
    "casefold:campaign_id": _DIGITS_ONLY.format("campaign id"),
}

_OPTION_VALUES = (
    "silence: the document names one value of the option ({0}) and says nothing of another (No, Yes, an empty "
    "value, %); the matrix sends such values only as probes (include_balances-maybe, hide_custom_field-yes, "
    "condensed-no, output-CSV), recorded, not judged"
)
_CONDENSED_UNASKED = (
    "silence: condensed yes asks for no white space; white space is never required, so an answer condensed "
    "when condensed was not asked (or asked with another value) is JSON the document allows"
)
_PADDED = (
    "silence: the document does not say lookups are exact to the byte; common SQL collations (PAD SPACE) "
    "match a padded value, so conformance/negative.py sends padded identifiers as probes, recorded, not judged"
)

_ACCOUNT_COLLATION = (
    "silence: the document does not say account ids are matched to the byte (common SQL collations fold case and "
    "ignore trailing spaces); the account reached is one these credentials may read, no other tenant's"
)
_CAMPAIGN_UNKNOWN = (
    "silence: the document does not say what a campaign_id that names no campaign answers (an error, no campaign, "
    "every campaign: the matrix's unknown campaign_id is unspecified); the campaigns a prefix reaches are the "
    "account's own, never another account's"
)

# Equivalent mutants: legal under the document (each must pass).
EQUIVALENT: dict[str, str] = {
    **{name: f"silence (the document does not say lookups are exact to the byte), and inert here: {why}"
       for name, why in INERT.items()},
    "trim:code": _PADDED,
    "trim:card_number": _PADDED,
    **{f"{op}:{option}": _OPTION_VALUES.format(value)
       for op in ("prefix", "like_prefix")
       for option, value in (("include_balances", "N"), ("hide_custom_field", "Y"),
                             ("show_only_belong_to", "Y"), ("output", "JSON or XML"))},
    "prefix:condensed": _CONDENSED_UNASKED,
    "like_prefix:condensed": _CONDENSED_UNASKED,
    "or_column:condensed": _CONDENSED_UNASKED,
    "casefold:account": _ACCOUNT_COLLATION,
    "trim:account": _ACCOUNT_COLLATION,
    "prefix:campaign_id": _CAMPAIGN_UNKNOWN,
    "like_prefix:campaign_id": _CAMPAIGN_UNKNOWN,
    "trim:callback": (
        "silence: the document says a callback is someFunctionName; whether ' cb ' is refused or read as cb "
        "is not said (the reference refuses it)"
    ),
}  # fmt: skip

# Equivalent mutants the harness must still flag, each with the advisory check that reports
# it (tests/test_request_operators.py asserts the advisory): a callback that is no
# JavaScript name written into the answer as sent.
FLAGGED: dict[str, str] = {
    f"{operator}:callback": "jsonp_callback_is_not_reflected_unsafely"
    for operator in ("drop", "prefix", "like_prefix", "only_kind", "only_encoding")
}
EQUIVALENT.update({
    name: (
        "silence, flagged as an advisory: the document names a callback someFunctionName and says nothing of one "
        "that is no JavaScript name (alert(1);//); an answer that calls it as sent is the JSONP asked for, and "
        f"{check} flags the reflection (asked by code and by card number, in both POST encodings)"
    )
    for name, check in FLAGGED.items()
})  # fmt: skip

# Survivors: non-equivalent mutants the harness lets through, each with the class of input
# that would kill it (tests/test_request_operators.py: a strict xfail). None today.
REQUEST_GAPS: dict[str, str] = {}

_SHAPES = (
    "survived the input model's second version ({0}); killed by each documented effect sent alone in every "
    "shape: each identifier kind, output format and POST encoding (conformance/cases.py: _shapes)"
)
_NEAR_MISS = "survived main's hand-listed access cases; killed by the input model's near-miss {0} ({1})"
_BOTH_POST = (
    "survived main's harness ({0} sent in the run's encoding only); killed by the input model's {0} in both POST "
    "encodings"
)
# The survivors of main's harness that the generated negative space (cases/inputs.yaml,
# conformance/negative.py) kills: what killed each, for the kill matrix's "why" column.
KILLED_BY_INPUT_MODEL: dict[str, str] = {
    "prefix:password": _NEAR_MISS.format("passwords", "a prefix, shortened"),
    "casefold:password": _NEAR_MISS.format("passwords", "case-swapped"),
    "trim:password": _NEAR_MISS.format("passwords", "padded"),
    "casefold:user": _NEAR_MISS.format("user ids", "case-swapped"),
    "trim:user": _NEAR_MISS.format("user ids", "padded"),
    "prefix:account": _NEAR_MISS.format("account ids", "a prefix, shortened"),
    "like_prefix:account": _NEAR_MISS.format("account ids", "a prefix, a LIKE wildcard"),
    "only_encoding:user": _BOTH_POST.format("the refusals"),
    "only_encoding:password": _BOTH_POST.format("the refusals"),
    "only_encoding:account": _BOTH_POST.format("the refusals"),
    "only_encoding:code": _BOTH_POST.format("the identifier refusals"),
    "only_encoding:card_number": _BOTH_POST.format("the identifier refusals"),
    **{
        f"{operator}:{predicate}": (
            "survived the input model's first version (its refusals looked the first customer up by code, in XML); "
            "killed by each field's plainest refusal re-asked by card number and in JSON and JSONP "
            "(conformance/negative.py: _in_other_shapes)"
        )
        for operator in ("only_kind", "only_format")
        for predicate in ("user", "password", "account")
    },
    "or_column:password": (
        "survived the input model's second version (its credential alterations changed the real value or sent "
        "another user's, never another field's); killed by the other-field alteration: each other field's value of "
        "the request sent as the credential (the user_id as the password)"
    ),
    **{
        f"only_encoding:{option}": _SHAPES.format(f"{option} was sent in the run's encoding only")
        for option in (
            "campaign_id",
            "include_balances",
            "hide_custom_field",
            "show_only_belong_to",
            "condensed",
            "output",
        )
    },
    "only_kind:show_only_belong_to": _SHAPES.format(
        "pairwise sent show_only_belong_to=Y by card number in a coalition only beside an option that hides it"
    ),
    "only_format:show_only_belong_to": _SHAPES.format(
        "pairwise sent show_only_belong_to=Y in JSON in a coalition only beside an option that hides it"
    ),
}


def _mutants() -> Iterator[RequestMutant]:
    for operator, (how, _) in OPERATORS.items():
        for name, predicate in PREDICATES.items():
            if (operator, name) in SKIPPED:
                continue
            mutant_name = f"{operator}:{name}"
            yield RequestMutant(
                mutant_name,
                operator,
                name,
                f"{predicate.description}: {how}",
                predicate.selection,
                EQUIVALENT.get(mutant_name),
            )


MUTANTS: dict[str, RequestMutant] = {m.name: m for m in _mutants()}


# -- witnesses: requests a mutant may answer otherwise (tests/test_request_operators.py) ------
def _bases() -> Iterator[Fields]:
    """The first user's lookup of each of its accounts' first customer (a coalition's too)."""
    user, password, accounts = data().users[0]
    for account in accounts:
        code = data().customers[account][0][0]
        yield {"user_id": user, "user_password": password, "type": "customer_info", "account_id": account, "code": code}


def _near_misses(real: str) -> list[str]:
    return [real[:4] + "#", real[:2], real.swapcase(), f" {real} ", "", "%", real + "#"]


def witnesses(predicate: str) -> Iterator[tuple[Fields, str]]:
    """(fields, encoding) pairs: near misses of the predicate's real value (and what
    or_column and drop need), each in every encoding, by code and by card number only,
    in XML, JSON and JSONP, through each account the first user may read."""
    for base in _bases():
        yield from _witnesses(predicate, base)


def _witnesses(predicate: str, base: Fields) -> Iterator[tuple[Fields, str]]:
    john = data().customers[base["account_id"]][0]  # the account's first customer
    other_user = next(u for u in data().users if base["account_id"] not in u[2])
    foreign = other_user[2][0]
    values: list[Fields] = []
    if predicate == "user":
        values = [{"user_id": v} for v in [*_near_misses(base["user_id"]), "nobody"]]
    elif predicate == "password":
        values = [{"user_password": v} for v in [*_near_misses(base["user_password"]), base["user_id"]]]
    elif predicate == "account":
        values = [{"account_id": v} for v in _near_misses(base["account_id"])]
        values.append({"account_id": foreign, "code": data().customers[foreign][0][0]})
    elif predicate in ("code", "card_number"):
        real, other = (john[0], john[1]) if predicate == "code" else (john[1], john[0])
        values = [{predicate: v} for v in [*_near_misses(real), "123", other]]
        if predicate == "card_number":
            values = [{**v, "code": ""} for v in values]
    elif predicate == "campaign_id":
        first = data().campaigns[base["account_id"]][0]
        values = [{"campaign_id": v} for v in [first, *_near_misses(first)]]
    elif predicate in FLAGS:
        trues, partner = FLAGS[predicate]
        values = [{predicate: v} for v in [trues[0], trues[0][0] + "zz", "", "%"]]
        values.append({predicate: "?", partner: trues[0]})
    elif predicate == "output":
        values = [{"output": v} for v in ["JSON", "jzz", "", "js", "%"]]
    elif predicate == "callback":
        values = [{"callback": v, "output": "JSON"} for v in ["<s>", "cb;x", " cb ", "cb x", "c(b", "cbcb(1);//"]]
    for value in values:
        for extra in ({}, {"output": "JSON"}, {"output": "JSON", "callback": "cb"}):
            if "output" in value and "output" in extra:
                continue
            for by_card in (False, True):
                fields = {**base, **extra, **value}
                customers = data().customers.get(fields["account_id"], ())
                card = next((c[1] for c in customers if c[0] and c[0] == fields.get("code")), "")
                if by_card and card:
                    del fields["code"]
                    fields.setdefault("card_number", card)
                for encoding in ("form", "multipart", "query"):
                    yield fields, encoding

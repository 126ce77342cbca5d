"""The case matrix: which requests to send, and what each answer must be.

The parameter space and each value's documented effect are data
(``cases/parameters.yaml``); this module crosses them over the profile's accounts and
customers and turns a case's parameters into an :class:`Expectation`. Where the
document is silent about a combination, the expectation says so (``silent``), and the
checks record what the target did instead of judging it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from conformance import yamlfile
from conformance.profile import Account, Customer, Profile
from conformance.request import Encoding, Request, build_request
from conformance.resources import cases_path

ABSENT = "absent"
EACH = "each"
UNKNOWN = "unknown"
FOREIGN = "foreign"  # campaign_id: another account's campaign (conformance/negative.py)
Mode = Literal["all", "pairwise"]
# The request encodings every reader of the call must read: "ALL PARAMETERS must be passed
# as POST form-data" (real-clients.md), urlencoded or multipart; GET is "not recommended".
POST_ENCODINGS: tuple[Encoding, ...] = ("form", "multipart")


@dataclass(frozen=True)
class Space:
    identifiers: dict[str, dict[str, Any]]
    parameters: dict[str, dict[str, Any]]
    probes: tuple[dict[str, Any], ...] = ()

    def effect(self, parameter: str, value: str) -> dict[str, Any]:
        effect: dict[str, Any] = self.parameters[parameter].get("effect", {}).get(value, {})
        return effect


@lru_cache(maxsize=1)
def load_space() -> Space:
    data = yamlfile.safe_load(cases_path("parameters.yaml").read_text(encoding="utf-8"))
    return Space(identifiers=data["identifiers"], parameters=data["parameters"], probes=tuple(data.get("probes", ())))


@dataclass(frozen=True, slots=True)
class Case:
    """One request of the matrix: who is looked up, how, and with which options.

    ``options`` holds the parameters as the matrix names them (``campaign_id`` is
    ``each`` or ``unknown``); ``campaign`` is the concrete id behind ``each``.
    """

    account_id: str
    coalition: bool
    customer: Customer | None
    identifier: str
    options: tuple[tuple[str, str], ...] = ()
    campaign: str | None = None
    # A probe of something the document leaves open: its answer is recorded, and only
    # a well-formed envelope is required. ``sends`` then fixes the identifiers sent.
    probe: str | None = None
    sends: tuple[tuple[str, str], ...] | None = None
    # A negative-space case (conformance/negative.py): how its value was derived, the
    # statuses the input model (cases/inputs.yaml) allows its answer, and the
    # requirement a wrong status breaks.
    negative: str | None = None
    expects: tuple[str, ...] | None = None
    cites: str | None = None
    # A shape case (each effect in every shape, below): the request encoding it is sent
    # in, when not the run's own (None: the run's --request-encoding).
    encoding: Encoding | None = None

    def option(self, name: str) -> str:
        # A scan, not a dict: a case has a handful of options and the checks ask for
        # them many times an answer.
        for key, value in self.options:
            if key == name:
                return value
        return ABSENT

    @property
    def id(self) -> str:
        who = self.customer.label if self.customer else "-"
        parts = (
            [self.account_id, who, f"by:{self.identifier}"]
            if self.probe is None
            else [self.account_id, "probe", self.identifier]
        )
        if self.negative is not None:
            parts.append(self.negative)
        parts += [f"{name}:{shown}" for name, shown in self.shown_options]
        if self.encoding is not None:
            parts.append(f"as-{self.encoding}")
        return "-".join(parts)

    @property
    def shown_options(self) -> tuple[tuple[str, str], ...]:
        """The options as the id writes them (and ``--cases`` selects them): campaign_id
        ``each`` is the concrete campaign id, ``foreign`` is ``foreign-<id>``."""
        return tuple(
            (
                name,
                str(self.campaign)
                if (name == "campaign_id" and value == EACH)
                else f"{FOREIGN}-{self.campaign}"
                if value == FOREIGN
                else value,
            )
            for name, value in self.options
        )

    def sent_options(self, space: Space) -> list[tuple[str, str]]:
        sent = []
        for name, value in self.options:
            if name == "campaign_id" and value in (EACH, FOREIGN):
                value = self._concrete_campaign(value)
            elif name == "campaign_id" and value == UNKNOWN:
                value = space.parameters[name][UNKNOWN]
            sent.append((name, value))
        return sent

    def _concrete_campaign(self, value: str) -> str:
        """The campaign id behind ``each`` (one of the customer's) or ``foreign`` (another account's)."""
        if self.campaign is None:
            raise ValueError(
                f"a case of {self.account_id} has campaign_id={value} but no campaign: a bug of its generator"
            )
        return self.campaign

    def identifiers(self, space: Space) -> list[tuple[str, str]]:
        if self.sends is not None:
            return list(self.sends)
        sends = space.identifiers[self.identifier]["sends"]
        if isinstance(sends, dict):
            return [(k, str(v)) for k, v in sends.items()]
        if not sends:
            return []
        assert self.customer is not None, (
            f"identifier {self.identifier} names profile fields but the case has no customer"
        )
        return [(name, getattr(self.customer, name)) for name in sends]

    def request(self, user_id: str, encoding: Encoding, space: Space | None = None) -> Request:
        space = space or load_space()
        return build_request(
            user_id, self.account_id, self.identifiers(space), self.sent_options(space), self.encoding or encoding
        )

    @property
    def areas(self) -> frozenset[str]:
        """Markers: which areas of the document this case exercises."""
        areas = {"coalition"} if self.coalition else set()
        if self.identifier not in CUSTOMER_IDENTIFIERS:
            areas.add("errors")
        if any(name in ("output", "callback", "condensed") for name, _ in self.options):
            areas.add("formats")
        if any(name in FILTERS for name, _ in self.options):
            areas.add("filters")
        if self.negative is not None or self.option("campaign_id") == FOREIGN:
            areas.add("negative")
        return frozenset(areas)


CUSTOMER_IDENTIFIERS = ("code", "card_number", "both")


def identifiers_sent(identifier: str) -> tuple[str, ...]:
    """The customer fields a lookup of this kind sends (none for a probe or no identifier)."""
    if identifier not in CUSTOMER_IDENTIFIERS:
        return ()
    return ("code", "card_number") if identifier == "both" else (identifier,)


FILTERS = ("include_balances", "campaign_id", "hide_custom_field", "show_only_belong_to")


@dataclass(frozen=True)
class Expectation:
    statuses: tuple[str, ...]
    format: str | None = None  # None: the document does not say
    format_strict: bool = True
    callback: str | None = None
    condensed: bool = False
    custom_field: str | None = None  # "present" | "absent"
    campaigns: str | None = None  # "none" | "single" | "subset" | None
    campaign: str | None = None
    # What the document leaves open here, by topic ("format", "campaigns").
    silent: tuple[tuple[str, str], ...] = field(default=())

    def silence(self, topic: str | None = None) -> str | None:
        """Why the document says nothing here. A combination with any part the document
        is silent about is unspecified as a whole, so every topic has the same answer."""
        return "; ".join(reason for _, reason in self.silent) or None


@lru_cache(maxsize=65536)
def expect(case: Case) -> Expectation:
    """What the document says this case's answer must be (cached: every check asks)."""
    space = load_space()
    if case.probe is not None:
        return Expectation(statuses=("success", "no_match", "error"), silent=(("probe", case.probe),))
    effects: dict[str, Any] = {}
    for name in space.parameters:
        effects.update({k: v for k, v in space.effect(name, case.option(name)).items() if k != "campaigns"})
    silent: list[tuple[str, str]] = []

    # Format: output decides; a callback turns JSON into JSONP. The document pairs
    # callback with JSON only, so a callback with XML or no output is silent.
    output_effect = space.effect("output", case.option("output"))
    fmt: str | None = output_effect.get("format", "xml")
    callback = case.option("callback")
    if callback != ABSENT:
        if fmt == "json":
            fmt = "jsonp"
        else:
            fmt = None
            silent.append(("format", f"callback without output=JSON (output {case.option('output')})"))
    campaigns = _campaign_effect(case, space, silent)
    if silent:
        # One part the document is silent about makes the whole combination silent: the
        # answer's status, format, custom_field and campaigns are recorded, not judged
        # (an unknown campaign_id may well be refused, in any format).
        return Expectation(statuses=("success", "no_match", "error"), silent=tuple(silent))
    return Expectation(
        statuses=case.expects if case.expects is not None else tuple(space.identifiers[case.identifier]["status"]),
        format=fmt,
        format_strict=output_effect.get("format_strict", True),
        callback=None if callback == ABSENT else callback,
        condensed=bool(effects.get("condensed")) and fmt in ("json", "jsonp"),
        custom_field=effects.get("custom_field"),
        campaigns=campaigns,
        campaign=case.campaign if campaigns == "single" else None,
        silent=tuple(silent),
    )


def _campaign_effect(case: Case, space: Space, silent: list[tuple[str, str]]) -> str | None:
    """Which campaigns the answer must carry: the parameters' effects from the data,
    reconciled where two of them meet in a way the document does not settle."""
    wanted = {space.effect(n, case.option(n)).get("campaigns") for n in space.parameters} - {None}
    if "subset" in wanted and not case.coalition:
        # "In coalitions accounts only, this call will return ALL campaigns": outside a
        # coalition the document does not say what show_only_belong_to changes.
        silent.append(("campaigns", "show_only_belong_to=Y in an account that is not a coalition"))
        wanted.discard("subset")
    if case.option("campaign_id") == UNKNOWN:
        silent.append(("campaigns", "a campaign_id that no campaign has"))
        return None
    if case.option("campaign_id") == FOREIGN:
        # What the answer must not carry (that campaign) is judged by its own check.
        silent.append(("campaigns", "a campaign_id of another account"))
        return None
    if {"none", "single"} <= wanted:
        silent.append(("campaigns", "include_balances=N together with campaign_id"))
        return None
    if {"single", "subset"} <= wanted:
        silent.append(("campaigns", "campaign_id together with show_only_belong_to=Y"))
        return None
    if "none" in wanted:
        return "none"
    return wanted.pop() if wanted else None


CampaignLookup = Callable[[Account, Customer], list[str]]


def generate(
    profile: Profile,
    campaigns_of: CampaignLookup,
    mode: Mode = "all",
    space: Space | None = None,
    encoding: Encoding = "form",
) -> list[Case]:
    """Every case of the matrix for the profile, in a stable order (``encoding``: the
    run's, which the shape cases' other encodings are counted from)."""
    return [case for chunk in _chunks(profile, campaigns_of, mode, space, encoding) for case in chunk]


def count(
    profile: Profile,
    campaigns_of: CampaignLookup,
    mode: Mode = "all",
    space: Space | None = None,
    encoding: Encoding = "form",
) -> int:
    """How many cases :func:`generate` makes (a run prints the other mode's size too). The
    full matrix is a product, so it is counted, not built (building it was a fifth of a
    short selection's run): every shape case is in it but those sent in another encoding;
    pairwise is built a customer at a time."""
    if mode != "all":
        return sum(len(chunk) for chunk in _chunks(profile, campaigns_of, mode, space, encoding))
    space = space or load_space()
    total = 0
    for account in profile.accounts:
        for customer in account.customers:
            identifiers = _identifiers_of(space, customer)
            campaigns = campaigns_of(account, customer)
            total += _product_size(space, identifiers, campaigns)
            shapes = _shapes(space, account, customer, identifiers, campaigns, encoding)
            total += sum(1 for case in shapes if case.encoding is not None)
        total += _product_size(space, _account_identifiers(space), [])
        total += len(_probes(space, account))
    return total


def _product_size(space: Space, identifiers: list[str], campaigns: list[str]) -> int:
    """len(_cross(..., "all")): the product of the dimensions' sizes, none if no identifier."""
    size = len(identifiers)
    for spec in space.parameters.values():
        size *= sum(len(campaigns) if value == EACH else 1 for value in spec["values"])
    return size


def _identifiers_of(space: Space, customer: Customer) -> list[str]:
    """The customer identifiers the matrix can send for ``customer`` (it has every field they send)."""
    return [
        name
        for name in CUSTOMER_IDENTIFIERS
        if all(getattr(customer, field_name) is not None for field_name in space.identifiers[name]["sends"])
    ]


def _account_identifiers(space: Space) -> list[str]:
    """The identifiers crossed once per account, about no customer (derived ones, the
    negative space's, are not crossed)."""
    return [
        name
        for name, spec in space.identifiers.items()
        if name not in CUSTOMER_IDENTIFIERS and spec["sends"] != "derived"
    ]


def _chunks(
    profile: Profile, campaigns_of: CampaignLookup, mode: Mode, space: Space | None, encoding: Encoding
) -> Iterator[list[Case]]:
    """The matrix a customer at a time, with the customer's shape cases (then each
    account's cases about no customer, and its probes)."""
    space = space or load_space()
    for account in profile.accounts:
        for customer in account.customers:
            campaigns = campaigns_of(account, customer)
            identifiers = _identifiers_of(space, customer)
            chunk = _cross(space, account, customer, identifiers, campaigns, mode)
            sent = set(chunk)
            for case in _shapes(space, account, customer, identifiers, campaigns, encoding):
                if case not in sent:
                    sent.add(case)
                    chunk.append(case)
            yield chunk
        yield _cross(space, account, None, _account_identifiers(space), [], mode)
        yield _probes(space, account)


def _probes(space: Space, account: Account) -> list[Case]:
    """One case per probe of cases/parameters.yaml, for the account's first customer."""
    first = account.customers[0]
    lookup: tuple[tuple[str, str], ...] = (_identifier(first),)
    cases = []
    for probe in space.probes:
        if probe.get("sends") == "two-customers":
            # Both identifiers, each naming a different customer of the account.
            pair = next(
                (
                    (a.code, b.card_number)
                    for a in account.customers
                    for b in account.customers
                    if a is not b and a.code and b.card_number
                ),
                None,
            )
            if pair is None:
                continue
            sends: tuple[tuple[str, str], ...] = (("code", pair[0]), ("card_number", pair[1]))
        else:
            sends = lookup
        options = tuple((str(k), str(v)) for k, v in probe.get("options", {}).items())
        cases.append(
            Case(account.account_id, account.coalition, None, probe["name"], options, probe=probe["why"], sends=sends)
        )
    return cases


def _identifier(customer: Customer) -> tuple[str, str]:
    """The field that looks the customer up: its code, else its card number (a profile gives one or both)."""
    if customer.code is not None:
        return ("code", customer.code)
    if customer.card_number is None:
        raise ValueError("a customer with neither code nor card_number: load_profile lets none through")
    return ("card_number", customer.card_number)


# A pairwise covering array is a pure function of the customer's dimensions, and the
# slowest part of a short run's collection; one process that runs the suite many times
# (the own tests' self-test: about 300 runs of one profile per worker) builds each once.
_PAIRWISE: dict[tuple[Account, Customer | None, tuple[str, ...], tuple[str, ...]], list[Case]] = {}


def _cross(
    space: Space, account: Account, customer: Customer | None, identifiers: list[str], campaigns: list[str], mode: Mode
) -> list[Case]:
    if mode != "pairwise" or space is not load_space():  # kept only for the shipped parameters
        return _crossed(space, account, customer, identifiers, campaigns, mode)
    key = (account, customer, tuple(identifiers), tuple(campaigns))
    if key not in _PAIRWISE:
        if len(_PAIRWISE) >= 4096:  # a bound, for a process that sees many profiles
            _PAIRWISE.clear()
        _PAIRWISE[key] = _crossed(space, account, customer, identifiers, campaigns, mode)
    return list(_PAIRWISE[key])


def _crossed(
    space: Space, account: Account, customer: Customer | None, identifiers: list[str], campaigns: list[str], mode: Mode
) -> list[Case]:
    # A value is (name, value, campaign, the option as a case holds it): the option's
    # tuple is made once per value and shared by every case that has it (the full
    # matrix holds tens of thousands of cases for the whole run).
    dimensions: list[list[tuple[str, str, str | None, tuple[str, str]]]] = []
    for name, spec in space.parameters.items():
        values: list[tuple[str, str, str | None, tuple[str, str]]] = []
        for value in spec["values"]:
            if value == EACH:
                values += [(name, EACH, campaign, (name, EACH)) for campaign in campaigns]
            else:
                values.append((name, str(value), None, (name, str(value))))
        dimensions.append(values)
    identifier_dimension = [[("identifier", name, None, ("identifier", name)) for name in identifiers]]

    def case_of(row: Iterable[tuple[str, str, str | None, tuple[str, str]]]) -> Case:
        row = list(row)
        identifier = row[0][1]
        options = tuple(option for _, value, _, option in row[1:] if value != ABSENT)
        campaign = next((c for _, value, c, _ in row[1:] if value == EACH), None)
        return Case(account.account_id, account.coalition, customer, identifier, options, campaign)

    return [case_of(row) for row in _combinations(identifier_dimension + dimensions, mode, case_of)]


def _combinations(
    dimensions: list[list[Any]], mode: Mode, case_of: Callable[[Iterable[Any]], Case]
) -> Iterable[tuple[Any, ...]]:
    if not dimensions[0]:  # a customer with no identifier the matrix can send
        return []
    if mode == "all":
        return itertools.product(*dimensions)

    # A combination with a part the document is silent about is judged as a whole by
    # nothing (it is only recorded), so a covering array that mixed them in would leave
    # pairs of judged values unjudged: every pair is covered among the combinations the
    # document settles, and the silent ones are kept as the plain covering array has them.
    def settled(row: list[Any]) -> bool:
        # Silence only grows as values are added, so a silent prefix is a silent row.
        return len(row) < 2 or expect(case_of(row)).silence() is None

    judged = list(_pairwise(dimensions, settled))
    silent = [row for row in _pairwise(dimensions) if not settled(list(row))]
    return judged + silent


def _pairwise(
    dimensions: list[list[Any]], keep: Callable[[list[Any]], bool] | None = None
) -> Iterator[tuple[Any, ...]]:
    from allpairspy import AllPairs

    if len(dimensions) < 2:
        yield from (row for row in itertools.product(*dimensions) if keep is None or keep(list(row)))
        return
    for row in AllPairs(dimensions, filter_func=keep) if keep is not None else AllPairs(dimensions):
        yield tuple(row)


# -- each documented effect by itself, in every shape --------------------------------------
# Nothing in the document ties an option to one way of naming the customer, one output
# format or one body encoding: include_balances=N drops the campaigns of a lookup by
# card number as of one by code, of a JSON answer as of an XML one, of a multipart body as
# of an urlencoded one. A server that reads an option on one path only answers every case
# of a pairwise cover rightly whenever the cover happens to pair that path with the option
# on a row where another option hides its effect (campaign_id beside include_balances=N),
# and the full matrix sends no other encoding at all. So each option value with a
# documented effect (cases/parameters.yaml's ``effect``) is also sent alone, in every
# shape, changing one axis at a time from the plainest request: each identifier kind the
# customer has, each output format (XML, JSON, JSONP), each other POST encoding. A shape
# is kept where the document settles the answer and the effect shows in it (condensed
# changes nothing in XML; a callback without output=JSON is silent).


def _effects(space: Space) -> Iterator[tuple[str, str]]:
    """(parameter, value) for each value whose documented effect is not the parameter's
    default one, the first value of each distinct effect only (JSON, not also json)."""
    for name, spec in space.parameters.items():
        default = space.effect(name, ABSENT)
        seen: list[dict[str, Any]] = [default]
        for value in spec["values"]:
            effect = {k: v for k, v in space.effect(name, str(value)).items() if k != "format_strict"}
            if str(value) == ABSENT or not effect or effect in seen:
                continue
            seen.append(effect)
            yield name, str(value)


def format_shapes(space: Space) -> list[dict[str, str]]:
    """The plainest request of each output format the document names: XML (no option),
    JSON (the output value the document gives), JSONP (that and a callback)."""
    default = space.effect("output", ABSENT).get("format")
    for value in space.parameters["output"]["values"]:
        effect = space.effect("output", str(value))
        if str(value) != ABSENT and effect.get("format") != default and effect.get("format_strict", True):
            callbacks = [str(v) for v in space.parameters["callback"]["values"] if str(v) != ABSENT]
            return [{}, {"output": str(value)}] + [{"output": str(value), "callback": c} for c in callbacks[:1]]
    return [{}]


def _shapes(
    space: Space,
    account: Account,
    customer: Customer,
    identifiers: list[str],
    campaigns: list[str],
    run_encoding: Encoding,
) -> Iterator[Case]:
    if not identifiers:
        return
    formats = format_shapes(space)
    others = [e for e in POST_ENCODINGS if e != run_encoding]
    for name, value in _effects(space):
        campaign = campaigns[0] if value == EACH and campaigns else None
        if value == EACH and campaign is None:
            continue  # a customer with no campaign has no campaign_id to send
        effect = _Effect(space, account, customer, name, value, campaign)
        found = [effect.plainest(identifier, formats, None) for identifier in identifiers]
        found += [effect.shaped(identifiers[0], form, None) for form in formats]
        found += [effect.plainest(identifiers[0], formats, encoding) for encoding in others]
        yield from (case for case in found if case is not None)


@dataclass(frozen=True)
class _Effect:
    """One option value with a documented effect, for one customer: its cases by shape."""

    space: Space
    account: Account
    customer: Customer
    name: str
    value: str
    campaign: str | None

    def shaped(self, identifier: str, form: dict[str, str], encoding: Encoding | None) -> Case | None:
        """The option in this shape, where the document settles the answer and the
        option changes what it must be (None elsewhere)."""
        sent = {**form, self.name: self.value}
        case = _shape_case(self.space, self.account, self.customer, identifier, sent, self.campaign, encoding)
        without = {k: v for k, v in sent.items() if k != self.name}
        plain = _shape_case(self.space, self.account, self.customer, identifier, without, None, encoding)
        wanted = expect(case)
        return case if wanted.silence() is None and wanted != expect(plain) else None

    def plainest(self, identifier: str, formats: list[dict[str, str]], encoding: Encoding | None) -> Case | None:
        """The option in the first format where it shows (a callback: JSONP; others: XML)."""
        return next((c for form in formats if (c := self.shaped(identifier, form, encoding)) is not None), None)


def _shape_case(
    space: Space,
    account: Account,
    customer: Customer,
    identifier: str,
    options: dict[str, str],
    campaign: str | None,
    encoding: Encoding | None,
) -> Case:
    ordered = tuple((n, options[n]) for n in space.parameters if n in options)
    return Case(account.account_id, account.coalition, customer, identifier, ordered, campaign, encoding=encoding)

"""Negative space, generated from the input model (``cases/inputs.yaml``): values that
are not real ones, and what each must get.

A server that accepts too much passes every case that sends a real value: a password
compared by prefix, a code matched against the card number column, a card number found
in another account, a campaign of another account answered. So for every field of the
table, every alteration its role lists (conformance/alterations.py) is applied to every
real value the field has (the profile's credentials, accounts and customers, the
campaigns the target answered, the document's option values), in every account, and
for identifiers for every customer; values of another kind and of another scope (the
other accounts' customers by every identifier they have, their campaigns, the forbidden
account, a second user's credentials) are sent too. What each answer must be is the
role's rule, with its requirement; an alteration the role lists as a probe is recorded,
not judged. An altered value that is itself a real value is skipped.

Where a unit goes follows from its value:

- an altered identifier of a customer is a matrix case in that customer's scope
  (``by=not_a_code``, ``negative=<alteration>``), judged by every answer check;
- another account's campaign asked of a customer: a case in that customer's scope
  (``campaign_id=foreign-<id>``), judged by ``foreign_campaign_is_not_answered``;
- probes (case or white space changed, an option value the document does not give):
  recorded cases in the account's scope;
- a value of another kind: a case in the account's scope;
- credentials, type, account and the values not derived from a customer (another
  account's customers, hostile values): access cases (conformance/access.py), one per
  account of the profile and request encoding the run uses, judged by ``access_is_refused``.

Adding a field to the table gives it negative space with no new code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from conformance import alterations
from conformance.access import AccessCase
from conformance.cases import FOREIGN, CampaignLookup, Case, format_shapes, load_space
from conformance.client import PASSWORD_FIELD, Encoding, Request, build_request
from conformance.inputs import Field, InputModel, Role, load_inputs
from conformance.profile import Account, Customer, Profile
from conformance.secret import OTHER_PLACEHOLDER, PLACEHOLDER

# How an access case's id names the field (the ids the self-test and users select:
# wrong-password, empty-user-id, wrong-type, ...).
_SHORT = {"user_id": "user-id", "user_password": "password", "account_id": "account"}
# Alterations applied to a value the harness holds (not the table's own list of them).
_VALUE_OPERATORS = frozenset(alterations.OPERATORS)


def _short(field: Field) -> str:
    return _SHORT.get(field.name, field.name)


def _spec_name(spec: str) -> str:
    return spec.replace(":", "-")


def _per_customer(field: Field) -> bool:
    return field.source == "profile.customers"


# -- the answer side: matrix cases -------------------------------------------------------
def generate_negative(profile: Profile, campaigns_of: CampaignLookup, model: InputModel | None = None) -> list[Case]:
    """The negative space that is judged as answers (cases in customer and account
    scopes), in a stable order."""
    model = model or load_inputs()
    found: list[Case] = []
    for account in profile.accounts:
        for customer in account.customers:
            for field in model.fields:
                role = model.role(field)
                if _per_customer(field):
                    found += _customer_values_altered(model, account, customer, field, role)
                elif field.source == "answers":
                    found += _campaigns_altered(profile, account, customer, field, role, campaigns_of)
        for field in model.fields:
            role = model.role(field)
            if _per_customer(field) and "other-kind" in role.alterations():
                found += _other_kind(model, account, field, role)
            elif field.source == "document" and field.name not in _REQUEST_FIELDS:
                found += _option_probes(account, field, role)
    return found


# Fields every request carries (build_request): their negative space is access cases.
_REQUEST_FIELDS = ("user_id", PASSWORD_FIELD, "type", "account_id")


def _taken(account: Account, name: str) -> set[str]:
    return {v for c in account.customers if (v := getattr(c, name, None))}


def _kind(char: str) -> str:
    """A character's kind: a digit, an ASCII letter, or itself (a wildcard, a NUL, a space)."""
    if char.isascii() and char.isdigit():
        return "digit"
    if char.isascii() and char.isalpha():
        return "letter"
    return char


def _alphabet(profile_values: set[str]) -> set[str]:
    """The kinds of character the field's real values are written with."""
    return {_kind(char) for value in profile_values for char in value}


def _statuses(role: Role, value: str, alphabet: set[str]) -> tuple[str, ...]:
    """The role's statuses; for a value with a kind of character no real value has (a
    letter in digits-only codes, a wildcard, a NUL), the malformed ones: a server may
    refuse it as malformed."""
    if role.malformed_statuses is not None and any(_kind(char) not in alphabet for char in value):
        return role.malformed_statuses
    return role.statuses


def _customer_values_altered(
    model: InputModel, account: Account, customer: Customer, field: Field, role: Role
) -> list[Case]:
    """The customer's own value of the field, altered by every operator of its role."""
    value = getattr(customer, field.name, None)
    if not value:
        return []
    taken = _taken(account, field.name)
    alphabet = _alphabet(taken)
    cases = []
    for operator in role.alterations():
        if operator not in _VALUE_OPERATORS or operator == "empty":
            continue
        for spec in alterations.variants(operator, value):
            altered = alterations.apply(spec, value)
            if altered == value or altered in taken or not altered:
                continue
            if operator in role.judged:
                cases.append(
                    Case(
                        account.account_id,
                        account.coalition,
                        customer,
                        f"not_a_{field.name}",
                        (),
                        sends=((field.name, altered),),
                        negative=_spec_name(spec),
                        expects=_statuses(role, altered, alphabet),
                        cites=field.requirement,
                    )
                )
            else:
                cases.append(
                    Case(
                        account.account_id,
                        account.coalition,
                        None,
                        f"{field.name}-{customer.label}",
                        (),
                        negative=_spec_name(spec),
                        probe=f"a {field.name} that is a customer's, {operator} ({altered!r}): {role.probes_why}",
                        sends=((field.name, altered),),
                    )
                )
    return cases


def _other_kind(model: InputModel, account: Account, field: Field, role: Role) -> list[Case]:
    """Every value of the field's other kind sent as this field, where no customer of the
    account has it as this field's value: a lookup must search its own column."""
    assert field.other_kind is not None
    taken = _taken(account, field.name)
    cases = []
    for value in sorted(_taken(account, field.other_kind) - taken):
        cases.append(
            Case(
                account.account_id,
                account.coalition,
                None,
                f"not_a_{field.name}",
                (),
                sends=((field.name, value),),
                negative=f"the-{field.other_kind}-{value}",
                expects=_statuses(role, value, _alphabet(taken)),
                cites=field.requirement,
            )
        )
    return cases


def _lookup(customer: Customer) -> tuple[tuple[str, str], ...]:
    name = "code" if customer.code is not None else "card_number"
    return ((name, getattr(customer, name)),)


def _campaigns_altered(
    profile: Profile, account: Account, customer: Customer, field: Field, role: Role, campaigns_of: CampaignLookup
) -> list[Case]:
    """Another account's campaigns asked of this customer (judged: never answered), and
    the customer's own campaign ids altered (probes: the document is silent on a
    campaign_id that names no campaign)."""
    cases = []
    mine = sorted({c for other in account.customers for c in campaigns_of(account, other)})
    if "other-scope" in role.judged:
        foreign = sorted(
            {
                c
                for other_account in profile.accounts
                if other_account is not account
                for other in other_account.customers
                for c in campaigns_of(other_account, other)
            }
            - set(mine)
        )
        identifier = "code" if customer.code is not None else "card_number"
        cases += [
            Case(account.account_id, account.coalition, customer, identifier, ((field.name, FOREIGN),), campaign)
            for campaign in foreign
        ]
    for campaign in campaigns_of(account, customer):
        for operator in role.probes:
            if operator not in _VALUE_OPERATORS:
                continue
            for spec in alterations.variants(operator, campaign):
                altered = alterations.apply(spec, campaign)
                if altered == campaign or altered in mine or not altered:
                    continue
                cases.append(
                    Case(
                        account.account_id,
                        account.coalition,
                        None,
                        f"{field.name}-{customer.label}-{campaign}",
                        ((field.name, altered),),
                        negative=_spec_name(spec),
                        # The campaign is in the case's id; the note is one line per alteration.
                        probe=f"a {field.name} that is one of the customer's campaigns, {operator}: {role.probes_why}",
                        sends=_lookup(customer),
                    )
                )
    return cases


def _option_probes(account: Account, field: Field, role: Role) -> list[Case]:
    """Each value the document gives the field, altered (for the account's first customer)."""
    cases = []
    for value in field.values:
        for operator in role.alterations():
            if operator not in _VALUE_OPERATORS:
                continue
            for spec in alterations.variants(operator, value):
                altered = alterations.apply(spec, value)
                if altered in field.values or not altered:
                    continue
                cases.append(
                    Case(
                        account.account_id,
                        account.coalition,
                        None,
                        f"{field.name}-{value}",
                        ((field.name, altered),),
                        negative=_spec_name(spec),
                        probe=f"{field.name}={altered!r}, {value} {operator}: {role.probes_why or role.why}",
                        sends=_lookup(account.customers[0]),
                    )
                )
    return cases


# -- the access side: refusals -------------------------------------------------------------
def generate_refusals(
    profile: Profile, encodings: tuple[Encoding, ...], model: InputModel | None = None
) -> list[AccessCase]:
    """Requests no answer may read a customer through: every request field's value
    altered (credentials, type, account), the other accounts' customers by every
    identifier they have, hostile identifiers. For every account of the profile (its
    first customer looked up), in each of ``encodings`` (the first is the run's)."""
    model = model or load_inputs()
    found: list[AccessCase] = []
    for encoding in encodings:
        as_encoding = "" if encoding == encodings[0] else f"-as-{encoding}"
        for position, account in enumerate(profile.accounts):
            # The first account's cases keep the short ids (wrong-password); the others
            # say which account. A scope case names its account already.
            in_account = "" if position == 0 else f"-in-{account.account_id}"
            base = _base_request(model, profile, account, encoding)
            for field in model.fields:
                role = model.role(field)
                cases = list(_request_field_cases(model, profile, account, base, field, role))
                if encoding == encodings[0]:
                    cases += _in_other_shapes(cases, base, account)
                for case in cases:
                    named = case.id.startswith("scope-")
                    found.append(replace(case, id=case.id + ("" if named else in_account) + as_encoding))
    return found


# The request's other shapes: a refusal that holds only for lookups by code, or only in
# XML, is a server that checks the credential on one path of its code. So each field's
# first refusal that keeps the base request's lookup (a wrong value where the table has
# one: credentials, type, account) is also sent by card number and in JSON and JSONP, in
# the run's encoding; the alterations themselves are sent in the base shape. A refusal
# that alters the lookup (an identifier's) has no other shape: by card number it would
# name a real customer. The formats are the matrix's own (cases.format_shapes): XML is the
# base shape, then JSON and JSONP.
def _format_shapes() -> list[tuple[str, dict[str, str]]]:
    return [("jsonp" if "callback" in shape else "json", shape) for shape in format_shapes(load_space())[1:]]


def _in_other_shapes(cases: list[AccessCase], base: Request, account: Account) -> list[AccessCase]:
    keeps_lookup = [
        c
        for c in cases
        if not c.id.startswith(("missing-", "scope-"))
        and all(c.request.get(name) == base.get(name) for name in ("code", "card_number"))
    ]
    # A wrong value (or, for the account, the forbidden one) is the plainest refusal to re-ask.
    plain = [c for c in keeps_lookup if c.id.startswith(("wrong-", "forbidden-account-"))]
    first = next(iter(plain + keeps_lookup), None)
    if first is None:
        return []
    shaped = [replace(first, id=f"{first.id}-{name}", request=first.request.with_fields(**fields))
              for name, fields in _format_shapes()]  # fmt: skip
    by_code = first.request.get("code")
    card = next((c.card_number for c in account.customers if c.card_number and c.code == by_code), None)
    card = card or next((c.card_number for c in account.customers if c.card_number), None)
    if by_code is not None and card is not None:
        request = first.request.without("code").with_fields(card_number=card)
        shaped.append(replace(first, id=f"{first.id}-by-card_number", request=request))
    return shaped


def _base_request(model: InputModel, profile: Profile, account: Account, encoding: Encoding) -> Request:
    """The account's first customer looked up, with every required field of the table."""
    request = build_request(profile.user_id, account.account_id, _lookup(account.customers[0]), encoding=encoding)
    extra = {f.name: f.values[0] for f in model.fields if f.required and f.values and request.get(f.name) is None}
    return request.with_fields(**extra) if extra else request


def _real_values(profile: Profile, account: Account, field: Field) -> list[str]:
    """The field's real value in this account's requests (one: what the base request sends)."""
    if field.source == "profile.credentials.user_id":
        return [profile.user_id]
    if field.source == "profile.credentials.user_password":
        return [PLACEHOLDER]
    if field.source == "profile.accounts":
        return [account.account_id]
    if field.source == "document":
        return list(field.values[:1])
    return []


def _refusal(
    case_id: str, request: Request, role: Role, field: Field, description: str, account: Account
) -> AccessCase:
    return AccessCase(
        case_id,
        request,
        role.statuses,
        field.requirement,
        f"{description} ({role.why})",
        account.coalition,
        allow_customer=role.customer_data == "allowed",
    )


def _request_field_cases(
    model: InputModel, profile: Profile, account: Account, base: Request, field: Field, role: Role
) -> Iterator[AccessCase]:
    if _per_customer(field):
        yield from _identifier_refusals(model, profile, account, base, field, role)
        return
    values = _real_values(profile, account, field)
    if not values or field.requirement is None:
        return
    short = _short(field)
    for operator in role.judged:
        if operator == "missing":
            if field.required:
                yield _refusal(
                    f"missing-{field.name}", base.without(field.name), role, field, f"{field.name} is not sent", account
                )
            continue
        if operator == "other-scope":
            yield from _other_scope_refusals(profile, account, base, field, role)
            continue
        if operator == "other-field":
            yield from _other_field_refusals(model, profile, account, base, field, role, short)
            continue
        for value in values:
            yield from _altered_refusals(profile, account, base, field, role, operator, value, short)


def _altered_refusals(
    profile: Profile, account: Account, base: Request, field: Field, role: Role, operator: str, value: str, short: str
) -> Iterator[AccessCase]:
    real = {value} | ({a.account_id for a in profile.accounts} if field.source == "profile.accounts" else set())
    if operator == "wrong":
        assert field.wrong is not None
        specs = [("wrong", field.wrong.replace("{value}", value if not field.secret else ""))]
    elif operator in _VALUE_OPERATORS:
        if field.secret:
            secret = profile.password.reveal()
            # The password is altered on the wire (client.wire_password); skipped here
            # when the alteration leaves it unchanged (case-swapped digits).
            specs = [
                (spec, f"{PLACEHOLDER}|{spec}")
                for spec in alterations.variants(operator, secret)
                if alterations.apply(spec, secret) != secret
            ]
        else:
            specs = [(spec, alterations.apply(spec, value)) for spec in alterations.variants(operator, value)]
            specs = [(spec, altered) for spec, altered in specs if altered not in real]
    else:
        return
    for spec, altered in specs:
        shown = "the password" if field.secret else repr(value)
        yield _refusal(
            f"{_spec_name(spec)}-{short}",
            base.with_fields(**{field.name: altered}),
            role,
            field,
            f"{field.name} {operator}: {shown} altered" if operator != "wrong" else f"a wrong {field.name}",
            account,
        )


def _other_field_refusals(
    model: InputModel, profile: Profile, account: Account, base: Request, field: Field, role: Role, short: str
) -> Iterator[AccessCase]:
    """The value each other field of the request carries, sent as this field (the user_id
    as the password, the account_id as the user_id): a comparison with another column, or
    one OR-ed with it, accepts it. The secret is never sent in another field."""
    real = set(_real_values(profile, account, field))
    if field.source == "profile.accounts":
        real |= {a.account_id for a in profile.accounts}
    for other in model.fields:
        value = base.get(other.name)
        if other.name == field.name or other.secret or value is None or value == "" or value in real:
            continue
        yield _refusal(
            f"other-field-{other.name}-{short}",
            base.with_fields(**{field.name: value}),
            role,
            field,
            f"{field.name} given the value of {other.name} ({value!r})",
            account,
        )


def _other_scope_refusals(
    profile: Profile, account: Account, base: Request, field: Field, role: Role
) -> Iterator[AccessCase]:
    """Real values of another scope: the forbidden account (the first user reading it),
    the other user's credentials (each mixed with the first user's, and both, reading
    this account)."""
    other = profile.other_user
    if field.source == "profile.accounts":
        if profile.forbidden_account_id:
            yield _refusal(
                f"forbidden-account-{profile.forbidden_account_id}",
                base.with_fields(account_id=profile.forbidden_account_id),
                role,
                field,
                f"an account these credentials may not read ({profile.forbidden_account_id})",
                account,
            )
        if other is not None:
            yield _refusal(
                "other-user-account",
                base.with_fields(user_id=other.user_id, user_password=OTHER_PLACEHOLDER),
                role,
                field,
                f"another user ({other.user_id}) reading {account.account_id}, which it may not read",
                account,
            )
    elif other is not None and field.source == "profile.credentials.user_id":
        yield _refusal(
            "other-user-user-id",
            base.with_fields(user_id=other.user_id),
            role,
            field,
            f"another user's id ({other.user_id}) with this user's password",
            account,
        )
    elif other is not None and field.source == "profile.credentials.user_password":
        yield _refusal(
            "other-user-password",
            base.with_fields(user_password=OTHER_PLACEHOLDER),
            role,
            field,
            f"another user's password ({other.user_id}'s) with this user's id",
            account,
        )


def _identifier_refusals(
    model: InputModel, profile: Profile, account: Account, base: Request, field: Field, role: Role
) -> Iterator[AccessCase]:
    """Identifier values not derived from this account's customers: every customer of
    every other account by this identifier (when it has it and no customer here has
    the same), and the role's hostile values."""
    taken = _taken(account, field.name)
    lookup = base.without("code", "card_number")
    if "other-scope" in role.judged:
        for home in profile.accounts:
            if home is account:
                continue
            for guest in home.customers:
                value = getattr(guest, field.name, None)
                if not value or value in taken:
                    continue
                yield AccessCase(
                    f"scope-{home.account_id}-{guest.label}-by-{field.name}-via-{account.account_id}",
                    lookup.with_fields(**{field.name: value}),
                    role.statuses,
                    # The account did not scope the lookup: account_id's sentence.
                    "FIELD-ACCOUNT-ID-REQUIRED",
                    f"a customer of {home.account_id} looked up by {field.name} through {account.account_id}",
                    account.coalition,
                )
    if "hostile" in role.judged:
        for name, value in role.hostile:
            yield AccessCase(
                f"injection-{field.name}-{name}",
                lookup.with_fields(**{field.name: value}),
                # Hostile values are malformed by design (markup, 10,000 digits, a NUL):
                # a server may refuse them as such.
                role.malformed_statuses or role.statuses,
                field.requirement,
                f"a {field.name} that names no customer ({name})",
                account.coalition,
            )


__all__ = ["generate_negative", "generate_refusals"]

"""The call itself: from request fields to the canonical document.

Runs the checks in one fixed order (required fields, credentials, type,
account access, identifiers), then looks the customer up within the account
and asks model.py for the document.  Every refusal is a document too, so
the caller only ever renders.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from . import model
from .db import Account, Database
from .params import LookupRequest, ParamError, check_identifiers, check_type, parse_lookup

# One text for unknown user, wrong password, empty or missing-valued
# credentials: the answer must not reveal which part was wrong.
MSG_AUTH_FAILED = "Authentication failed: invalid user_id or user_password"
# Unknown and forbidden accounts answer alike: no probing for account names.
MSG_ACCOUNT = "Account not found or not accessible with these credentials"

# Compared against when the user does not exist, so an unknown user costs
# the same constant-time comparison as a wrong password.
_DUMMY_PASSWORD = b"\0" * 32


def _authenticated(db: Database, user_id: str, password: str) -> bool:
    stored = db.user_password(user_id) if user_id else None
    expected = stored.encode("utf-8") if stored else _DUMMY_PASSWORD
    matches = hmac.compare_digest(expected, password.encode("utf-8", "surrogatepass"))
    return bool(stored) and bool(password) and matches


def answer(db: Database, params: Mapping[str, str]) -> model.Document:
    """The document answering a customer_info call with these fields."""
    try:
        request = parse_lookup(params)
        if not _authenticated(db, request.user_id, request.user_password):
            raise ParamError(MSG_AUTH_FAILED)
        check_type(request)
        account = db.account_for_user(request.user_id, request.account_id)
        if account is None:
            raise ParamError(MSG_ACCOUNT)
        check_identifiers(request)
    except ParamError as exc:
        return model.error_document(str(exc))
    return _lookup(db, request, account)


def _lookup(db: Database, request: LookupRequest, account: Account) -> model.Document:
    customer = db.find_customer(account.account_id, request.code, request.card_number)
    if customer is None:
        return model.no_match_document()
    element = model.customer_element(
        customer, db.custom_fields(customer.customer_pk), hide_custom_field=request.hide_custom_field
    )
    campaigns = None
    if request.include_balances:
        campaigns = model.campaign_elements(
            account,
            db.campaigns(account.account_id),
            db.ledger(customer.customer_pk),
            campaign_ids=request.campaign_ids,
            show_only_belong_to=request.show_only_belong_to,
        )
    return model.success_document(element, campaigns)

"""What the reference's profile and seed say, as the faults and variants need it: the
harness's smoke request, the coalition accounts, who may read which account, the seeded
customers. Read from ``profile.yaml`` and ``seed.yaml`` once, at import."""

from __future__ import annotations

from typing import Any

from ..paths import PROFILE_PATH, SEED_PATH
from ..seed import load_yaml

Fields = dict[str, str]
Document = dict[str, Any]


_PROFILE = load_yaml(PROFILE_PATH.read_text(encoding="utf-8"))  # read once, at import, as the docstring says


# -- the profile's smoke request --------------------------------------------------------
def _smoke_fields(profile: dict[str, Any] = _PROFILE) -> Fields:
    """The fields of the harness's smoke request: the first profile customer of the first
    account, looked up by code (card number if it has no code), with no option."""
    account = profile["accounts"][0]
    customer = account["customers"][0]
    name = "code" if customer.get("code") is not None else "card_number"
    return {
        "user_id": profile["credentials"]["user_id"],
        "user_password": profile["credentials"]["user_password"],
        "type": "customer_info",
        "account_id": account["account_id"],
        name: str(customer[name]),
    }


def _first_codes(profile: dict[str, Any] = _PROFILE) -> dict[str, str]:
    """account_id -> the code of its first profile customer that has one."""
    codes: dict[str, str] = {}
    for account in profile["accounts"]:
        for customer in account["customers"]:
            if customer.get("code"):
                codes.setdefault(account["account_id"], str(customer["code"]))
    return codes


SMOKE_FIELDS = _smoke_fields()
COALITION_ACCOUNTS = frozenset(a["account_id"] for a in _PROFILE["accounts"] if a.get("coalition"))


# -- the seed, for faults that need to know who may read what --------------------------
_SEED = load_yaml(SEED_PATH.read_text(encoding="utf-8"))
PASSWORDS: dict[str, str] = {u["user_id"]: u["user_password"] for u in _SEED["api_users"]}
READABLE: dict[str, tuple[str, ...]] = {u["user_id"]: tuple(u["accounts"]) for u in _SEED["api_users"]}
# (account_id, identifier field, value) of every seeded customer: what a lookup can find.
SEEDED = frozenset(
    (a["account_id"], name, c[name])
    for a in _SEED["accounts"]
    for c in a.get("customers") or ()
    for name in ("code", "card_number")
    if c.get(name)
)
FIRST_CODE: dict[str, str] = {
    a["account_id"]: a["customers"][0]["code"] for a in _SEED["accounts"] if a.get("customers")
}


def is_smoke(fields: Fields) -> bool:
    return fields == SMOKE_FIELDS

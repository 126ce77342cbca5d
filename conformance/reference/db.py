"""SQLite storage of the reference implementation: schema, seed loading, queries.

Only facts are stored: accounts, campaigns and their catalogues, customers,
and a ledger of dated earn / redeem rows.  No balance is stored anywhere;
model.py derives every figure from the ledger, so a balance can never
disagree with the transactions behind it.

One connection is shared by all server threads (``check_same_thread=False``)
and serialised by a lock: the queries are tiny, so the lock costs far less
than the HTTP handling around it, and an in-memory database (the default)
can only be reached through the connection that created it anyway.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from .paths import SEED_PATH

#: Bumped whenever the schema changes; a kept --db file of another version
#: is refused instead of being misread.
SCHEMA_VERSION = "1"

CAMPAIGN_TYPES = ("points", "earned", "buyx")

#: Customer columns, in the order the API document lists the elements.
CUSTOMER_TEXT_FIELDS = (
    "code",
    "card_number",
    "first_name",
    "last_name",
    "phone",
    "email",
    "street1",
    "street2",
    "city",
    "state",
    "postal_code",
    "country",
    "custom_date",
    "custom_field",
    "customer_username",
)

SCHEMA = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE api_user (
    user_id       TEXT PRIMARY KEY,
    user_password TEXT NOT NULL
);
CREATE TABLE account (
    account_id TEXT PRIMARY KEY,
    coalition  INTEGER NOT NULL CHECK (coalition IN (0, 1))
);
CREATE TABLE user_account (
    user_id    TEXT NOT NULL REFERENCES api_user(user_id),
    account_id TEXT NOT NULL REFERENCES account(account_id),
    PRIMARY KEY (user_id, account_id)
);
CREATE TABLE campaign (
    campaign_id TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES account(account_id),
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('points', 'earned', 'buyx')),
    currency    TEXT NOT NULL DEFAULT '',
    glyph       TEXT NOT NULL DEFAULT '',
    -- exact rational ("1/150", "0.01"), parsed with fractions.Fraction
    monetary_value_per_point TEXT
);
CREATE INDEX campaign_by_account ON campaign(account_id, position);
CREATE TABLE reward (
    campaign_id      TEXT NOT NULL REFERENCES campaign(campaign_id),
    position         INTEGER NOT NULL,
    reward_key       TEXT NOT NULL,   -- the document's <id>
    description      TEXT NOT NULL,
    needed_to_redeem TEXT NOT NULL,
    reward_id        TEXT,            -- NULL: element omitted
    PRIMARY KEY (campaign_id, position)
);
CREATE TABLE buyx_item (
    item_pk     INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaign(campaign_id),
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    item_id     TEXT,                 -- NULL: element omitted
    earn_ratio  INTEGER NOT NULL CHECK (earn_ratio >= 1),
    reward_id   TEXT,                 -- NULL: element omitted
    UNIQUE (campaign_id, name)
);
CREATE TABLE customer (
    customer_pk       INTEGER PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES account(account_id),
    code              TEXT NOT NULL,
    card_number       TEXT NOT NULL,
    first_name        TEXT NOT NULL,
    last_name         TEXT NOT NULL,
    phone             TEXT NOT NULL,
    email             TEXT NOT NULL,
    street1           TEXT NOT NULL,
    street2           TEXT NOT NULL,
    city              TEXT NOT NULL,
    state             TEXT NOT NULL,
    postal_code       TEXT NOT NULL,
    country           TEXT NOT NULL,
    custom_date       TEXT NOT NULL,
    custom_field      TEXT NOT NULL,
    customer_username TEXT NOT NULL,
    password_hash     TEXT,           -- non-NULL: <registered>Y</registered>
    CHECK (code <> '' OR card_number <> '')
);
-- Identifiers are unique per account; '' means "has none" and may repeat.
CREATE UNIQUE INDEX customer_code ON customer(account_id, code) WHERE code <> '';
CREATE UNIQUE INDEX customer_card ON customer(account_id, card_number) WHERE card_number <> '';
CREATE TABLE custom_field (
    customer_pk INTEGER NOT NULL REFERENCES customer(customer_pk),
    n           INTEGER NOT NULL CHECK (n >= 2),
    label       TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (customer_pk, n)
);
CREATE TABLE ledger (
    entry_pk    INTEGER PRIMARY KEY,
    customer_pk INTEGER NOT NULL REFERENCES customer(customer_pk),
    campaign_id TEXT NOT NULL REFERENCES campaign(campaign_id),
    item_pk     INTEGER REFERENCES buyx_item(item_pk),
    kind        TEXT NOT NULL CHECK (kind IN ('earn', 'redeem')),
    amount      TEXT NOT NULL,        -- exact decimal text, summed with Decimal
    date        TEXT NOT NULL
);
CREATE INDEX ledger_by_customer ON ledger(customer_pk);
"""


class SeedError(ValueError):
    """The seed file is malformed; the message says where."""


class DatabaseFileError(RuntimeError):
    """A --db file exists but is not a database this version can reuse."""


# --------------------------------------------------------------------------
# Rows handed to model.py.  Plain immutable records: model.py never sees SQL.


@dataclass(frozen=True)
class Account:
    account_id: str
    coalition: bool


@dataclass(frozen=True)
class Customer:
    customer_pk: int
    fields: dict[str, str]  # CUSTOMER_TEXT_FIELDS -> value
    registered: bool


@dataclass(frozen=True)
class CustomField:
    n: int
    label: str
    data: str


@dataclass(frozen=True)
class Reward:
    reward_key: str
    description: str
    needed_to_redeem: str
    reward_id: str | None


@dataclass(frozen=True)
class BuyXItem:
    item_pk: int
    name: str
    item_id: str | None
    earn_ratio: int
    reward_id: str | None


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    type: str
    currency: str
    glyph: str
    monetary_value_per_point: Fraction | None
    rewards: tuple[Reward, ...]
    items: tuple[BuyXItem, ...]


@dataclass(frozen=True)
class LedgerRow:
    campaign_id: str
    item_pk: int | None
    kind: str
    amount: Decimal
    date: str


# --------------------------------------------------------------------------
# Seed validation helpers: a typo in seed.yaml must fail loudly at start-up,
# not surface as a wrong balance in some harness run.

# Characters XML 1.0 cannot carry: text with them could never be rendered.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _text(obj: Mapping[str, Any], key: str, where: str, *, default: str | None = None) -> str:
    value = obj.get(key, default)
    # Refuse non-strings: YAML silently turns `NO` into False and `0123` into
    # 83, which would corrupt countries and identifiers.
    if not isinstance(value, str):
        raise SeedError(f"{where}: '{key}' must be a quoted string, got {value!r}")
    if _NOT_XML_CHAR.search(value):
        raise SeedError(f"{where}: '{key}' contains a character XML cannot carry")
    return value


def _optional_text(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    return None if obj.get(key) is None else _text(obj, key, where)


def _decimal(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise SeedError(f"{where}: {text!r} is not a decimal number") from None
    if not value.is_finite() or value <= 0:
        raise SeedError(f"{where}: amounts must be positive, got {text!r}")
    return value


def _list(obj: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key) or []
    if not isinstance(value, list):
        raise SeedError(f"{where}: '{key}' must be a list")
    return value


def read_seed(path: Path = SEED_PATH) -> dict[str, Any]:
    """Parse the seed file (YAML) without loading it anywhere."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise SeedError(f"{path}: top level must be a mapping")
    return data


def load_seed(conn: sqlite3.Connection, seed: Mapping[str, Any]) -> None:
    """Create the schema in an empty database and insert the seed's rows."""
    conn.executescript(SCHEMA)
    # Outside the transaction: SQLite ignores this pragma inside one.
    conn.execute("PRAGMA foreign_keys = ON")
    with conn:  # one transaction: a bad seed leaves nothing half-loaded
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        _insert_accounts(conn, _list(seed, "accounts", "seed"))
        _insert_users(conn, _list(seed, "api_users", "seed"))


def _insert_users(conn: sqlite3.Connection, users: Sequence[Any]) -> None:
    for i, user in enumerate(users):
        where = f"api_users[{i}]"
        user_id = _text(user, "user_id", where)
        conn.execute(
            "INSERT INTO api_user VALUES (?, ?)",
            (user_id, _text(user, "user_password", where)),
        )
        for account_id in _list(user, "accounts", where):
            conn.execute("INSERT INTO user_account VALUES (?, ?)", (user_id, account_id))


def _insert_accounts(conn: sqlite3.Connection, accounts: Sequence[Any]) -> None:
    for i, account in enumerate(accounts):
        where = f"accounts[{i}]"
        account_id = _text(account, "account_id", where)
        coalition = account.get("coalition")
        if not isinstance(coalition, bool):
            raise SeedError(f"{where}: 'coalition' must be true or false")
        conn.execute("INSERT INTO account VALUES (?, ?)", (account_id, int(coalition)))
        # campaign_id -> {item name -> item_pk}, to resolve ledger rows
        items_by_campaign: dict[str, dict[str, int]] = {}
        types: dict[str, str] = {}
        for pos, campaign in enumerate(_list(account, "campaigns", where)):
            cwhere = f"{where}.campaigns[{pos}]"
            campaign_id = _insert_campaign(conn, account_id, coalition, pos, campaign, cwhere)
            types[campaign_id] = campaign["type"]
            items_by_campaign[campaign_id] = _insert_catalogue(conn, campaign_id, campaign, cwhere)
        for pos, customer in enumerate(_list(account, "customers", where)):
            _insert_customer(conn, account_id, customer, types, items_by_campaign, f"{where}.customers[{pos}]")


def _insert_campaign(
    conn: sqlite3.Connection,
    account_id: str,
    coalition: bool,
    pos: int,
    campaign: Mapping[str, Any],
    where: str,
) -> str:
    campaign_id = _text(campaign, "campaign_id", where)
    if not campaign_id.isdigit():
        raise SeedError(f"{where}: campaign ids are digit strings")
    ctype = _text(campaign, "type", where)
    if ctype not in CAMPAIGN_TYPES:
        raise SeedError(f"{where}: type must be one of {CAMPAIGN_TYPES}")
    currency = _text(campaign, "currency", where, default="")
    # A coalition shares one points balance between its stores; the document
    # only shows points campaigns without money there, so that is all we model.
    if coalition and (ctype != "points" or currency):
        raise SeedError(f"{where}: coalition campaigns must be points without currency")
    value = _optional_text(campaign, "monetary_value_per_point", where)
    if value is not None:
        Fraction(value)  # fail now, not at request time
    if ctype == "points" and currency and value is None:
        raise SeedError(f"{where}: a points campaign with a currency needs monetary_value_per_point")
    conn.execute(
        "INSERT INTO campaign VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            campaign_id,
            account_id,
            pos,
            _text(campaign, "name", where),
            ctype,
            currency,
            _text(campaign, "glyph", where, default=""),
            value,
        ),
    )
    return campaign_id


def _insert_catalogue(
    conn: sqlite3.Connection, campaign_id: str, campaign: Mapping[str, Any], where: str
) -> dict[str, int]:
    if campaign["type"] == "points":
        for pos, reward in enumerate(_list(campaign, "rewards", where)):
            rwhere = f"{where}.rewards[{pos}]"
            conn.execute(
                "INSERT INTO reward VALUES (?, ?, ?, ?, ?, ?)",
                (
                    campaign_id,
                    pos,
                    _text(reward, "id", rwhere),
                    _text(reward, "description", rwhere),
                    _text(reward, "needed_to_redeem", rwhere),
                    _optional_text(reward, "reward_id", rwhere),
                ),
            )
    items: dict[str, int] = {}
    if campaign["type"] == "buyx":
        for pos, item in enumerate(_list(campaign, "items", where)):
            iwhere = f"{where}.items[{pos}]"
            ratio = item.get("earn_ratio")
            if not isinstance(ratio, int) or isinstance(ratio, bool) or ratio < 1:
                raise SeedError(f"{iwhere}: earn_ratio must be a positive integer")
            name = _text(item, "name", iwhere)
            cur = conn.execute(
                "INSERT INTO buyx_item (campaign_id, position, name, item_id, earn_ratio, reward_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    campaign_id,
                    pos,
                    name,
                    _optional_text(item, "item_id", iwhere),
                    ratio,
                    _optional_text(item, "reward_id", iwhere),
                ),
            )
            assert cur.lastrowid is not None
            items[name] = cur.lastrowid
    return items


def _insert_customer(
    conn: sqlite3.Connection,
    account_id: str,
    customer: Mapping[str, Any],
    types: Mapping[str, str],
    items_by_campaign: Mapping[str, Mapping[str, int]],
    where: str,
) -> None:
    values = [_text(customer, name, where, default="") for name in CUSTOMER_TEXT_FIELDS]
    custom_date = values[CUSTOMER_TEXT_FIELDS.index("custom_date")] or "0000-00-00"
    values[CUSTOMER_TEXT_FIELDS.index("custom_date")] = custom_date
    if not _DATE.fullmatch(custom_date):
        raise SeedError(f"{where}: custom_date must be YYYY-MM-DD")
    try:
        cur = conn.execute(
            f"INSERT INTO customer (account_id, {', '.join(CUSTOMER_TEXT_FIELDS)}, password_hash)"
            f" VALUES (?, {', '.join('?' * len(CUSTOMER_TEXT_FIELDS))}, ?)",
            (account_id, *values, _optional_text(customer, "password_hash", where)),
        )
    except sqlite3.IntegrityError as exc:
        raise SeedError(f"{where}: {exc} (codes and card numbers are unique per account)") from None
    customer_pk = cur.lastrowid
    for n, field in (customer.get("custom_fields") or {}).items():
        if not isinstance(n, int) or n < 2:
            raise SeedError(f"{where}: custom_fields keys are integers >= 2")
        fwhere = f"{where}.custom_fields[{n}]"
        conn.execute(
            "INSERT INTO custom_field VALUES (?, ?, ?, ?)",
            (customer_pk, n, _text(field, "label", fwhere), _text(field, "data", fwhere, default="")),
        )
    for i, row in enumerate(_list(customer, "ledger", where)):
        lwhere = f"{where}.ledger[{i}]"
        campaign_id = _text(row, "campaign", lwhere)
        if campaign_id not in types:
            raise SeedError(f"{lwhere}: campaign {campaign_id} is not a campaign of {account_id}")
        kind = _text(row, "kind", lwhere)
        if kind not in ("earn", "redeem"):
            raise SeedError(f"{lwhere}: kind must be earn or redeem")
        amount_text = _text(row, "amount", lwhere)
        amount = _decimal(amount_text, lwhere)
        date = _text(row, "date", lwhere)
        if not _DATE.fullmatch(date):
            raise SeedError(f"{lwhere}: date must be YYYY-MM-DD")
        item_pk: int | None = None
        if types[campaign_id] == "buyx":
            item_name = _text(row, "item", lwhere)
            if item_name not in items_by_campaign[campaign_id]:
                raise SeedError(f"{lwhere}: no item {item_name!r} in campaign {campaign_id}")
            item_pk = items_by_campaign[campaign_id][item_name]
            if amount != amount.to_integral_value():
                raise SeedError(f"{lwhere}: buyx amounts count items, so are integers")
        elif "item" in row:
            raise SeedError(f"{lwhere}: only buyx ledger rows name an item")
        conn.execute(
            "INSERT INTO ledger (customer_pk, campaign_id, item_pk, kind, amount, date) VALUES (?, ?, ?, ?, ?, ?)",
            (customer_pk, campaign_id, item_pk, kind, amount_text, date),
        )


# --------------------------------------------------------------------------


class Database:
    """The queries the API call needs; safe to share between threads."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        # Re-entrant: campaigns() holds it while its loader runs queries.
        self._lock = threading.RLock()
        # Campaign catalogues per account (3 queries each) are read on every
        # request but change only when someone edits a --db file; SQLite's
        # data_version moves when another connection commits, which is
        # exactly when the cache must be dropped.
        self._catalogues: dict[str, tuple[Campaign, ...]] = {}
        self._catalogue_version: int | None = None

    @classmethod
    def open(cls, path: str | Path | None = None, *, seed_path: Path = SEED_PATH) -> Database:
        """Open a database loaded from the seed.

        ``path`` None: a private in-memory database, fresh on every start.
        Otherwise the file is created from the seed when absent or empty and
        reused as it is when it already holds a reference database, so that
        a sandbox user can keep (and hand-edit) their data between runs.
        """
        if path is None:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            load_seed(conn, read_seed(seed_path))
            return cls(conn)
        conn = sqlite3.connect(str(path), check_same_thread=False)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables == 0:
                load_seed(conn, read_seed(seed_path))
            else:
                cls._check_reusable(conn, path)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DatabaseFileError(f"{path}: not a usable SQLite database ({exc})") from None
        except BaseException:
            conn.close()
            raise
        return cls(conn)

    @staticmethod
    def _check_reusable(conn: sqlite3.Connection, path: str | Path) -> None:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            row = None
        if row is None or row[0] != SCHEMA_VERSION:
            raise DatabaseFileError(
                f"{path}: exists but is not a reference database of schema version"
                f" {SCHEMA_VERSION}; delete it or pass another --db path"
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # -- access control ----------------------------------------------------

    def user_password(self, user_id: str) -> str | None:
        """The API user's password, None when the user does not exist."""
        rows = self._all("SELECT user_password FROM api_user WHERE user_id = ?", (user_id,))
        return rows[0][0] if rows else None

    def account_for_user(self, user_id: str, account_id: str) -> Account | None:
        """The account when ``user_id`` may read it; None when unknown or forbidden."""
        rows = self._all(
            "SELECT a.account_id, a.coalition FROM account a"
            " JOIN user_account ua ON ua.account_id = a.account_id"
            " WHERE ua.user_id = ? AND a.account_id = ?",
            (user_id, account_id),
        )
        return Account(rows[0][0], bool(rows[0][1])) if rows else None

    # -- customer ----------------------------------------------------------

    def find_customer(self, account_id: str, code: str | None, card_number: str | None) -> Customer | None:
        """The customer of the account matching every identifier given.

        Empty identifiers never match: '' means "this customer has none".
        """
        where = ["account_id = ?"]
        params: list[Any] = [account_id]
        if code is not None:
            where.append("code = ? AND code <> ''")
            params.append(code)
        if card_number is not None:
            where.append("card_number = ? AND card_number <> ''")
            params.append(card_number)
        rows = self._all(
            f"SELECT customer_pk, {', '.join(CUSTOMER_TEXT_FIELDS)}, password_hash"
            f" FROM customer WHERE {' AND '.join(where)}",
            params,
        )
        if not rows:
            return None
        row = rows[0]
        fields = dict(zip(CUSTOMER_TEXT_FIELDS, row[1:-1], strict=True))
        return Customer(customer_pk=row[0], fields=fields, registered=bool(row[-1]))

    def custom_fields(self, customer_pk: int) -> list[CustomField]:
        rows = self._all(
            "SELECT n, label, data FROM custom_field WHERE customer_pk = ? ORDER BY n",
            (customer_pk,),
        )
        return [CustomField(*row) for row in rows]

    # -- campaigns and ledger ---------------------------------------------

    def campaigns(self, account_id: str) -> tuple[Campaign, ...]:
        """Every campaign of the account with its catalogue, in seed order."""
        with self._lock:
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            if version != self._catalogue_version:
                self._catalogues.clear()
                self._catalogue_version = version
            catalogue = self._catalogues.get(account_id)
            if catalogue is None:
                catalogue = self._catalogues[account_id] = self._load_campaigns(account_id)
            return catalogue

    def _load_campaigns(self, account_id: str) -> tuple[Campaign, ...]:
        campaign_rows = self._all(
            "SELECT campaign_id, name, type, currency, glyph, monetary_value_per_point"
            " FROM campaign WHERE account_id = ? ORDER BY position",
            (account_id,),
        )
        reward_rows = self._all(
            "SELECT r.campaign_id, r.reward_key, r.description, r.needed_to_redeem, r.reward_id"
            " FROM reward r JOIN campaign c ON c.campaign_id = r.campaign_id"
            " WHERE c.account_id = ? ORDER BY r.position",
            (account_id,),
        )
        item_rows = self._all(
            "SELECT i.campaign_id, i.item_pk, i.name, i.item_id, i.earn_ratio, i.reward_id"
            " FROM buyx_item i JOIN campaign c ON c.campaign_id = i.campaign_id"
            " WHERE c.account_id = ? ORDER BY i.position",
            (account_id,),
        )
        rewards: dict[str, list[Reward]] = {}
        for campaign_id, *rest in reward_rows:
            rewards.setdefault(campaign_id, []).append(Reward(*rest))
        items: dict[str, list[BuyXItem]] = {}
        for campaign_id, *rest in item_rows:
            items.setdefault(campaign_id, []).append(BuyXItem(*rest))
        return tuple(
            Campaign(
                campaign_id=cid,
                name=name,
                type=ctype,
                currency=currency,
                glyph=glyph,
                monetary_value_per_point=None if value is None else Fraction(value),
                rewards=tuple(rewards.get(cid, ())),
                items=tuple(items.get(cid, ())),
            )
            for cid, name, ctype, currency, glyph, value in campaign_rows
        )

    def ledger(self, customer_pk: int) -> list[LedgerRow]:
        """All of the customer's earn / redeem rows, every campaign."""
        rows = self._all(
            "SELECT campaign_id, item_pk, kind, amount, date FROM ledger WHERE customer_pk = ?",
            (customer_pk,),
        )
        return [LedgerRow(cid, item, kind, Decimal(amount), date) for cid, item, kind, amount, date in rows]

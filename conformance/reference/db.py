"""The reference implementation's queries: the rows the API call needs, read from
SQLite (tables.py) loaded from the seed (seed.py), handed to model.py as plain records.

One connection is shared by all server threads (``check_same_thread=False``)
and serialised by a lock: the queries are tiny, so the lock costs far less
than the HTTP handling around it, and an in-memory database (the default)
can only be reached through the connection that created it anyway.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from .paths import SEED_PATH
from .seed import SeedError, load_seed, read_seed
from .tables import CUSTOMER_TEXT_FIELDS, SCHEMA_VERSION


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
            _load(conn, seed_path)
            return cls(conn)
        conn = sqlite3.connect(str(path), check_same_thread=False)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables == 0:
                _load(conn, seed_path)
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


def _load(conn: sqlite3.Connection, seed_path: Path) -> None:
    try:
        load_seed(conn, read_seed(seed_path))
    except SeedError as exc:
        message = str(exc)
        raise SeedError(message if message.startswith(str(seed_path)) else f"{seed_path}: {message}") from None


__all__ = ["Database", "DatabaseFileError", "SeedError", "read_seed"]

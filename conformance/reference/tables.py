"""The reference implementation's SQLite tables: what the seed loader creates
(seed.py) and the queries read (db.py).

Only facts are stored: accounts, campaigns and their catalogues, customers,
and a ledger of dated earn / redeem rows.  No balance is stored anywhere;
model.py derives every figure from the ledger, so a balance can never
disagree with the transactions behind it.
"""

from __future__ import annotations

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

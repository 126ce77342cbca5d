"""The certification data set and its profile.

- ``python -m conformance.reference --write-dataset DIR --write-profile FILE`` writes the
  data set (YAML, canonical JSON, one CSV per table) and the certification profile; the
  data set's identity is the sha256 of dataset.json, the one the profile names.
- The data set is neutral: no reference-only notions (a password hash, a MySQL "no date").
- Every CSV column is explained in docs/certification-data-set.md.
- The profile's expected values were worked out by hand; here a small calculator that
  shares no code with the reference re-derives each of them from the data set's
  transactions, so a slip of the hand (or a change of the seed) cannot go unnoticed.
  It derives the absences too (a field the data set leaves empty: reward_id, item_id,
  a monetary_balance with no value per point, a currency and its glyph where the
  campaign has no currency): the profile must state each as null, and no other.
- A profile that names the data set must be the certification profile: an edited
  expectation or another data set is refused with the path of the first difference.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.certificate import dataset_statement
from conformance.profile import PASSWORD_ENV, ProfileError, load_profile
from conformance.reference import PROFILE_PATH, dataset

DOCS = Path(__file__).resolve().parents[1] / "docs" / "certification-data-set.md"


@pytest.fixture(autouse=True)
def _no_password_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)


CERTIFYING = DOCS.parent / "certification.md"
# Step 1 of docs/certification.md, as a vendor copies it.
STEP_ONE = re.compile(r"`(python -m conformance\.reference --write-dataset (\S+) --write-profile (\S+))`")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """docs/certification.md's step 1 run as written (its ``python``: this interpreter) in a
    fresh folder: the data set folder and the profile it names, and what it printed."""
    found = STEP_ONE.findall(CERTIFYING.read_text(encoding="utf-8"))
    assert len(found) == 1, (
        "docs/certification.md's step 1 should give `python -m conformance.reference --write-dataset DIR "
        f"--write-profile FILE` once; it gives {found}"
    )
    command, folder, profile = found[0]
    directory = tmp_path_factory.mktemp("dataset")
    result = subprocess.run(
        [sys.executable, *command.split()[1:]],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return directory / folder, directory / profile, result.stdout


def _profile() -> dict[str, Any]:
    return yaml.safe_load(PROFILE_PATH.read_text(encoding="utf-8"))


def test_the_cli_writes_the_data_set_and_the_profile(written: tuple[Path, Path, str]) -> None:
    folder, profile, stdout = written
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(["dataset.json", "dataset.yaml", *dataset.CSV_COLUMNS])
    identity = hashlib.sha256((folder / "dataset.json").read_bytes()).hexdigest()
    # One identity everywhere: sha256sum of the file, the CLI's output, the profile's
    # claim, and the sha256 docs/certification.md tells a vendor to expect.
    assert identity == dataset.sha256() == _profile()["dataset"]["sha256"]
    assert f"sha256 of dataset.json: {identity}" in stdout
    assert f"`{identity}`" in CERTIFYING.read_text(encoding="utf-8"), (
        f"docs/certification.md does not give the data set's sha256 {identity}"
    )
    assert profile.read_bytes() == PROFILE_PATH.read_bytes()
    assert load_profile(profile).dataset is not None


def test_yaml_json_and_csv_hold_the_same_data(written: tuple[Path, Path, str]) -> None:
    folder = written[0]
    from_json = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    assert yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8")) == from_json == dataset.build()
    tables = dataset.rows(from_json)
    for name, columns in dataset.CSV_COLUMNS.items():
        with open(folder / name, encoding="utf-8", newline="") as handle:
            read = list(csv.DictReader(handle))
        assert tuple(read[0]) == columns if read else True
        assert read == tables[name], name
    transactions = sum(len(c["transactions"]) for a in from_json["accounts"] for c in a["customers"])
    assert len(tables["transactions.csv"]) == transactions > 0


def test_the_data_set_is_neutral() -> None:
    text = json.dumps(dataset.build())
    # The reference's own notions stay in the reference's seed.
    assert "password_hash" not in text and "sha256:" not in text
    assert "0000-00-00" not in text
    customers = [c for a in dataset.build()["accounts"] for c in a["customers"]]
    assert {c["has_password"] for c in customers} == {True, False}


def test_every_csv_column_is_explained_in_the_docs() -> None:
    page = DOCS.read_text(encoding="utf-8")
    for name, columns in dataset.CSV_COLUMNS.items():
        assert f"### {name}" in page, f"docs/certification-data-set.md has no section for {name}"
        section = page.split(f"### {name}", 1)[1].split("\n### ", 1)[0]
        for column in columns:
            assert f"| `{column}` |" in section, f"{name}: column {column} is not explained"


# -- the hand-worked expectations, re-derived ---------------------------------------------
def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _or_none(entry: dict[str, str], *keys: str) -> dict[str, str | None]:
    """The entry with each of ``keys`` that the data set leaves empty as None (an absence)."""
    return {k: (None if k in keys and v == "" else v) for k, v in entry.items()}


# The fields whose absence the data set states (docs/certification-data-set.md: empty,
# "the answer carries no ..."), per campaign.
CAMPAIGN_ABSENCES = ("monetary_balance", "currency", "glyph")


def _derive(account: dict[str, Any], customer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each campaign's figures from the customer's transactions: the rules the profile's
    comments state (the document's examples), with no code of the reference. A value the
    data set leaves empty, where that means "none", is None (a stated absence)."""
    rows = customer["transactions"]
    campaigns = {c["campaign_id"]: c for c in account["campaigns"]}
    earned_everywhere = sum(Decimal(t["amount"]) for t in rows if t["kind"] == "earn")
    redeemed_everywhere = sum(Decimal(t["amount"]) for t in rows if t["kind"] == "redeem")
    out: dict[str, dict[str, Any]] = {}
    for cid, campaign in campaigns.items():
        mine = [t for t in rows if t["campaign_id"] == cid]
        figures: dict[str, Any] = {"transacted": bool(mine), "name": campaign["name"], "type": campaign["type"]}
        if mine:
            figures["last_transaction"] = max(t["date"] for t in mine)
        earned = sum(Decimal(t["amount"]) for t in mine if t["kind"] == "earn")
        redeemed = sum(Decimal(t["amount"]) for t in mine if t["kind"] == "redeem")
        if campaign["type"] == "buyx":
            items = []
            for item in campaign["items"]:
                bought = sum(int(t["amount"]) for t in mine if t["item"] == item["name"] and t["kind"] == "earn")
                free = sum(int(t["amount"]) for t in mine if t["item"] == item["name"] and t["kind"] == "redeem")
                ratio = int(item["earn_ratio"])
                balance = bought - free * ratio
                entry = {
                    "name": item["name"],
                    "balance": str(balance),
                    "earned": str(balance // ratio),
                    "cumulative": str(bought),
                    "redeemed": str(free),
                    "earn_ratio": str(ratio),
                }
                items.append({**entry, **_or_none({"item_id": item["item_id"]}, "item_id")})
            figures["balances"] = items
            figures["earned_items"] = [i for i in items if int(i["earned"]) >= 1]
        elif account["coalition"]:
            total = str(earned_everywhere - redeemed_everywhere)
            figures.update(
                balance=total,
                balance_coalition=total,
                cumulative=str(earned),
                cumulative_coalition=str(earned_everywhere),
            )
        elif campaign["type"] == "earned":
            figures.update(balance=_money(earned - redeemed), cumulative=_money(earned))
        else:
            balance = earned - redeemed
            figures.update(balance=str(balance), cumulative=str(earned))
            per_point = Fraction(campaign["monetary_value_per_point"])
            exact = balance * Decimal(per_point.numerator) / per_point.denominator
            if exact == exact.quantize(Decimal("0.01")):  # the profile leaves rounding out
                figures["monetary_balance"] = _money(exact)
        # No value per point: no monetary balance. No currency: none, and no currency sign.
        # A glyph is stated where the campaign has a monetary balance (the document's
        # Widget Rewards: <glyph></glyph>); an earned campaign's empty glyph says nothing.
        if not campaign["monetary_value_per_point"]:
            figures["monetary_balance"] = None
        figures["currency"] = campaign["currency"] or None
        if not campaign["currency"]:
            figures["glyph"] = None
        elif campaign["monetary_value_per_point"]:
            figures["glyph"] = campaign["glyph"]
        if campaign["type"] != "buyx":
            figures["rewards"] = [_or_none(r, "reward_id") for r in campaign["rewards"]]
        out[cid] = figures
    return out


def _cases() -> list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    data = {a["account_id"]: a for a in dataset.build()["accounts"]}
    found = []
    for account in _profile()["accounts"]:
        source = data[account["account_id"]]
        for entry in account["customers"]:
            customer = next(c for c in source["customers"] if c["code"] == entry.get("code"))
            found.append((f"{account['account_id']}-{customer['code']}", source, customer, entry["expect"]))
    return found


@pytest.mark.parametrize(("name", "account", "customer", "expect"), _cases(), ids=[c[0] for c in _cases()])
def test_each_expected_value_follows_from_the_data_set(
    name: str, account: dict[str, Any], customer: dict[str, Any], expect: dict[str, Any]
) -> None:
    fields = expect["customer"]
    for key, value in fields.items():
        if key == "registered":
            assert value == ("Y" if customer["has_password"] else "N"), key
        elif key.startswith("custom_field_"):
            custom = {
                f"custom_field_{c['n']}": {"label": c["label"], "data": c["data"]} for c in customer["custom_fields"]
            }
            assert custom[key] == value, key
        else:
            assert customer[key] == value, key
    # Every field of the data set is expected, but a date left empty (no date: how an
    # answer writes that, the document does not say).
    assert {k for k in dataset.CUSTOMER_FIELDS if k not in fields} == (
        {"custom_date"} if not customer["custom_date"] else set()
    )
    assert {k for k in fields if k.startswith("custom_field_")} == {
        f"custom_field_{c['n']}" for c in customer["custom_fields"]
    }

    derived = _derive(account, customer)
    listed = {c["id"] for c in expect["campaigns"]}
    assert listed == (set(derived) if account["coalition"] else {cid for cid, f in derived.items() if f["transacted"]})
    for campaign in expect["campaigns"]:
        figures = derived[campaign["id"]]
        for key, value in campaign.items():
            if key in ("id",):
                continue
            if key == "available_rewards" and campaign["type"] == "buyx":
                wanted = [
                    {k: v for k, v in i.items() if k in ("item_id", "name", "earn_ratio")}
                    for i in figures["earned_items"]
                ]
                reward_ids = {
                    i["name"]: i["reward_id"]
                    for c in account["campaigns"]
                    if c["campaign_id"] == campaign["id"]
                    for i in c["items"]
                }
                for entry in wanted:
                    entry.update(_or_none({"reward_id": reward_ids[str(entry["name"])]}, "reward_id"))
                assert _sorted(value) == _sorted(wanted), (campaign["id"], key)
            elif key == "available_rewards":
                assert _sorted(value) == _sorted(figures["rewards"]), (campaign["id"], key)
            elif key == "balances":
                assert _sorted(value) == _sorted(figures["balances"]), (campaign["id"], key)
            else:
                assert key in figures, f"{campaign['id']}: {key} is stated, but the data set does not say it"
                assert value == figures[key], (campaign["id"], key)
        # Every absence the data set states is stated (null), not left unsaid.
        for key in CAMPAIGN_ABSENCES:
            if key in figures and figures[key] is None:
                assert campaign.get(key, "(not stated)") is None, f"{campaign['id']}: {key} must be stated as null"
        # What is left out is left out for a stated reason (the profile's header).
        if figures["transacted"]:
            assert "last_transaction" in campaign, campaign["id"]
        else:
            assert "last_transaction" not in campaign, campaign["id"]


def _sorted(entries: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(e, sort_keys=True) for e in entries)


# -- the claim --------------------------------------------------------------------------
def _write(tmp_path: Path, change: Any) -> Path:
    data = _profile()
    change(data)
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_changing_only_the_credentials_keeps_the_claim(tmp_path: Path) -> None:
    def credentials(data: dict[str, Any]) -> None:
        data["credentials"] = {"user_id": "vendor-api-user", "user_password": "their own"}

    claim = load_profile(_write(tmp_path, credentials)).dataset
    assert claim is not None and claim.sha256 == dataset.sha256() and claim.version == dataset.VERSION


def test_an_edited_expectation_cannot_claim_the_data_set(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["accounts"][0]["customers"][1]["expect"]["customer"]["first_name"] = "Zoe"

    with pytest.raises(ProfileError) as raised:
        load_profile(_write(tmp_path, edit))
    message = str(raised.value)
    assert "accounts[0].customers[1].expect.customer.first_name is 'Zoe'" in message
    assert "--write-profile" in message and "remove the `dataset` key" in message


def test_a_stated_absence_is_part_of_the_claim(tmp_path: Path) -> None:
    # null (the target holds none) and a key left out (not compared) are not the same
    # expectation: dropping the one or adding the other departs from the certification profile.
    def drop(data: dict[str, Any]) -> None:
        del data["accounts"][0]["customers"][0]["expect"]["campaigns"][0]["available_rewards"][1]["reward_id"]

    def add(data: dict[str, Any]) -> None:
        data["accounts"][0]["customers"][0]["expect"]["campaigns"][1]["glyph"] = None

    at = "accounts[0].customers[0].expect.campaigns"
    with pytest.raises(ProfileError, match=re.escape(f"{at}[0].available_rewards[1].reward_id is missing")):
        load_profile(_write(tmp_path, drop))
    with pytest.raises(ProfileError, match=re.escape(f"{at}[1].glyph is not in the certification profile")):
        load_profile(_write(tmp_path, add))


def test_another_data_set_is_refused(tmp_path: Path) -> None:
    def old(data: dict[str, Any]) -> None:
        data["dataset"]["sha256"] = "0" * 64

    with pytest.raises(ProfileError, match=r"dataset.sha256 is '0{64}', but this harness ships"):
        load_profile(_write(tmp_path, old))


def test_without_the_dataset_key_the_same_data_claims_nothing(tmp_path: Path) -> None:
    def drop(data: dict[str, Any]) -> None:
        del data["dataset"]
        data["accounts"][0]["customers"][1]["expect"]["customer"]["first_name"] = "Zoe"

    assert load_profile(_write(tmp_path, drop)).dataset is None


def test_the_certificate_says_certified_only_when_conformant() -> None:
    claim = load_profile(PROFILE_PATH).dataset
    assert dataset_statement(None, "conformant") is None
    said = dataset_statement(claim, "conformant")
    assert said is not None and said["statement"].startswith(
        f"certified on the {dataset.NAME}, version {dataset.VERSION} (sha256 {dataset.sha256()})"
    )
    for verdict in ("incomplete", "not-conformant"):
        said = dataset_statement(claim, verdict)
        assert (
            said is not None
            and said["statement"].startswith("run on ")
            and f"not certified: the verdict is {verdict}" in said["statement"]
        )

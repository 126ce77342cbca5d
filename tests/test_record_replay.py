"""--record-dir DIR saves every exchange; --replay-dir DIR re-runs every check from it with no
network and gives the same verdicts (compared item by item in the JUnit XML, and in
the certificates). The recording holds no password; bad uses are usage errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from conformance.reference import PROFILE_PATH
from tests.targets import drop_phone, run_suite, serve

SELECTION = "id=*89898989898989* or kind=access"


def verdicts(junit: Path) -> dict[str, str]:
    found = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = child.tag
        found[f"{case.get('classname')}::{case.get('name')}"] = outcome
    return found


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("record")
    with serve(drop_phone) as url:
        run = run_suite(
            tmp_path,
            "--combinations",
            "pairwise",
            "--cases",
            SELECTION,
            "--report-dir",
            "live",
            "--record-dir",
            "rec",
            "--target-url",
            url,
            "--target-profile",
            str(PROFILE_PATH),
        )
    assert run.returncode == 1, run.stdout[-3000:]  # the phone is missing: some cases fail
    return tmp_path


def test_recording_is_documented_format_without_password(recorded: Path) -> None:
    rec = recorded / "rec"
    manifest = json.loads((rec / "manifest.json").read_text())
    assert manifest["format"] == "customer-info-recording" and manifest["combinations"] == "pairwise"
    lines = [json.loads(line) for line in (rec / "exchanges-main.jsonl").read_text().splitlines()]
    assert lines and all((rec / "bodies" / line["body"]).is_file() for line in lines)
    assert any(line["fresh"] for line in lines)  # the repeat relation's second send

    # A password is recorded as its placeholder (altered on the wire: "...|shortened"),
    # the other user's too; only the wrong password, empty ones and another field's value of
    # the same request (the other-field alteration: the user_id sent as the password) are
    # sent as written.
    def as_written(fields: dict[str, str]) -> bool:
        value = fields.get("user_password")
        others = {v for k, v in fields.items() if k != "user_password"}
        return value in (None, "", "conformance-wrong-password") or value in others

    requests = [dict(line["request"]["fields"]) for line in lines]
    sent = {fields.get("user_password") for fields in requests}
    assert all(
        as_written(fields)
        or str(fields["user_password"]).partition("|")[0] in ("$TARGET_USER_PASSWORD", "$TARGET_OTHER_USER_PASSWORD")
        for fields in requests
    ), sent
    assert "$TARGET_USER_PASSWORD|shortened" in sent and "$TARGET_OTHER_USER_PASSWORD" in sent
    for path in rec.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert b"1959caadac9b13dcb3" not in content and b"1959caadac9b13dcb" not in content, path
            assert b"0ther-Pa55word" not in content, path


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_replay_gives_the_same_verdicts_with_no_network(recorded: Path, workers: list[str]) -> None:
    if workers:
        pytest.importorskip("xdist")  # the controller replays the smoke, each worker its cases
    # No --target-url: nothing to send to, and no embedded server is started.
    out = f"replayed{len(workers)}"
    run = run_suite(recorded, "--combinations", "pairwise", "--cases", SELECTION, "--report-dir", out,
                    "--replay-dir", "rec", "--target-profile", str(PROFILE_PATH), *workers)  # fmt: skip
    assert run.returncode == 1, run.stdout[-3000:]
    assert "target: replay of" in run.stdout and "nothing sent" in run.stdout, run.stdout[-3000:]
    live, replayed = verdicts(recorded / "live" / "junit.xml"), verdicts(recorded / out / "junit.xml")
    assert live == replayed
    assert "failure" in live.values() and "passed" in live.values()
    certificates = [json.loads((recorded / d / "certificate.json").read_text()) for d in ("live", out)]
    assert {r: e["verdict"] for r, e in certificates[0]["requirements"].items()} == {
        r: e["verdict"] for r, e in certificates[1]["requirements"].items()
    }
    assert (
        certificates[1]["run"]["replayed_from"].endswith("rec")
        and certificates[1]["target"]["url"] == certificates[0]["target"]["url"]
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--replay-dir", "nowhere"], "no manifest.json there"),
        (["--replay-dir", "rec", "--combinations", "all"], "recorded with --combinations pairwise"),
        (["--replay-dir", "rec", "--record-dir", "again"], "contradict"),
        (["--record-dir", "rec"], "already holds a recording"),
    ],
)
def test_bad_uses_are_usage_errors(recorded: Path, args: list[str], message: str) -> None:
    run = run_suite(recorded, "--combinations", "pairwise", "--report-dir", "bad", *args)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout[-2000:] + run.stderr[-2000:]
    assert message in run.stderr and "Traceback" not in run.stderr, run.stderr

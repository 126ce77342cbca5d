"""Item names are the run's stable vocabulary: the same profile gives the same node ids
and JUnit names wherever the profile and the working directory sit; JUnit's test suite
is named for the harness, its classnames by area; a failure's first line names the
requirement, the count and the sentence."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.reference import PROFILE_PATH, make_app
from conformance.requirements import AREAS, catalogue
from tests.servers import serve_wsgi


def _junit(cwd: Path, url: str, profile: Path) -> tuple[str, list[tuple[str, str]]]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
         "--combinations", "pairwise", "--cases", "kind=access or probe", "--target-url", url,
         "--target-profile", str(profile), "--report-dir", "out"],
        cwd=cwd, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    root = ET.parse(cwd / "out" / "junit.xml").getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    return suite.get("name", ""), [(c.get("classname", ""), c.get("name", "")) for c in root.iter("testcase")]


def test_names_do_not_depend_on_where_the_profile_or_the_run_sits(tmp_path: Path) -> None:
    near, far = tmp_path / "a", tmp_path / "x" / "y" / "z" / "profiles"
    for where in (near, far):
        where.mkdir(parents=True)
        shutil.copy(PROFILE_PATH, where / "target.yaml")
    with serve_wsgi(make_app()) as served:
        first = _junit(near, served.url, near / "target.yaml")
        second = _junit(far.parent, served.url, far / "target.yaml")
    assert first == second
    suite, cases = first
    assert suite == "customer_info-conformance"
    known = catalogue()
    for classname, name in cases:
        requirement, _, scope = name.partition("[")
        assert requirement in known and scope.endswith("]"), name
        assert classname == f"customer_info.{known[requirement].area}", (classname, name)
    assert {c.split(".", 1)[1] for c, _ in cases} <= set(AREAS)

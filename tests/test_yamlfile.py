"""conformance/yamlfile.py (and the reference's seed.load_yaml) reads YAML with libyaml's
parser where PyYAML has it: the same data as the pure-Python parser, for every YAML file
the harness ships and for the profile loader's own rules (repeated keys refused, numbers
as written)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance import profile, yamlfile
from conformance.reference import PROFILE_PATH
from conformance.reference.paths import SEED_PATH
from conformance.reference.seed import load_yaml
from conformance.requirements import CATALOGUE_PATH
from conformance.resources import cases_path

SHIPPED = [PROFILE_PATH, CATALOGUE_PATH, cases_path("parameters.yaml"), cases_path("inputs.yaml")]


def test_libyaml_is_used_where_pyyaml_has_it() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("this PyYAML was built without libyaml: the pure-Python parser is used")
    assert yamlfile.SafeLoader is yaml.CSafeLoader
    assert issubclass(profile._ProfileLoader, yaml.CSafeLoader)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_the_shipped_files_read_the_same_with_either_parser(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert yamlfile.safe_load(text) == yaml.load(text, Loader=yaml.SafeLoader)
    assert load_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)  # the reference's own


def test_the_reference_seed_reads_the_same_with_either_parser() -> None:
    text = SEED_PATH.read_text(encoding="utf-8")
    assert load_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)


def test_the_profile_loader_keeps_its_rules_on_libyaml(tmp_path: Path) -> None:
    numbers = yaml.load("a: 0123\nb: 1.50\n", Loader=profile._ProfileLoader)  # noqa: S506
    assert (numbers["a"].source, numbers["b"].source) == ("0123", "1.50")
    with pytest.raises(yaml.YAMLError, match=r"the key 'a' appears twice \(lines 1 and 2\)"):
        yaml.load("a: 1\na: 2\n", Loader=profile._ProfileLoader)  # noqa: S506

#!/usr/bin/env bash
# .ci/run of a clean clone of this repository's main, with a bare Python first on PATH: one
# with none of the project's dependencies, as a fresh machine has (docs/fresh-machine.md).
#
#   bash tools/ci_on_a_bare_python.sh [PYTHON]
#
# PYTHON, else $CONFORMANCE_BARE_PYTHON, else the first bare one of /usr/bin/python3,
# /usr/local/bin/python3 and pyenv's versions (newest first). The clone is left in a
# temporary folder, whose path is printed, with .ci/run's output in ci.log there.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

bare() {  # a Python 3.10+ that can make a venv and imports none of our dependencies
  "$1" - <<'PY' 2>/dev/null
import importlib.util, sys
import ensurepip, venv  # noqa: F401  (Debian splits them into python3-venv)
ours = ("pytest", "requests", "urllib3", "lxml", "xmlschema", "jsonschema", "pytest_html", "yaml", "waitress")
sys.exit(1 if sys.version_info < (3, 10) or any(importlib.util.find_spec(m) for m in ours) else 0)
PY
}

python=${1:-${CONFORMANCE_BARE_PYTHON:-}}
if [ -z "$python" ]; then
  for candidate in /usr/bin/python3 /usr/local/bin/python3 \
      $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.*/bin/python3 2>/dev/null | sort -rV); do
    if bare "$candidate"; then python=$candidate; break; fi
  done
fi
if [ -z "$python" ] || ! bare "$python"; then
  echo "no bare Python 3.10+ found (or ${python:-none} has some of the dependencies, or no venv module):" >&2
  echo "name one: bash tools/ci_on_a_bare_python.sh /path/to/python3 (Debian: apt-get install python3-venv)" >&2
  exit 2
fi

work=$(mktemp -d -t bare-ci.XXXXXX)
git clone -q --branch main "$repo" "$work/clone"
mkdir "$work/bin" && ln -s "$python" "$work/bin/python3"
echo "bare interpreter: $python ($("$python" --version 2>&1)); clone: $work/clone"
cd "$work/clone"
set +e
PATH="$work/bin:$PATH" CI=true bash .ci/run </dev/null >"$work/ci.log" 2>&1
status=$?
set -e
tail -n 3 "$work/ci.log"
echo ".ci/run exited $status (whole output: $work/ci.log)"
exit $status

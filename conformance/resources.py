"""Where the harness's data files live, in a checkout and in an installed wheel.

The repository keeps ``schemas/`` and ``cases/`` at its top level (the layout users
asked for); the wheel carries them as ``conformance/_data/<name>`` (see the
``force-include`` table in pyproject.toml). One function knows both places, so no
other module ever guesses a path.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory holding the harness's ``schemas`` or ``cases``."""
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"the harness's {name!r} directory is missing: looked in "
        f"{_PACKAGE_DIR / '_data' / name} (installed wheel) and {_PACKAGE_DIR.parent / name} "
        "(checkout). Reinstall the package."
    )


def schema_path(filename: str) -> Path:
    return data_dir("schemas") / filename


def cases_path(filename: str) -> Path:
    return data_dir("cases") / filename

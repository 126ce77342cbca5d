"""Where the reference implementation's data files live.

Kept in their own module so every other module (and the CLI) can name the
files without importing the server machinery.  The files ship inside the
package, so these paths work from a checkout and from an installed wheel.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR: Path = Path(__file__).resolve().parent

#: The data loaded into SQLite at start-up.
SEED_PATH: Path = PACKAGE_DIR / "seed.yaml"

#: What a seed must look like (JSON Schema; seed.py checks the rest).
SEED_SCHEMA_PATH: Path = PACKAGE_DIR / "seed.schema.json"

#: What the harness may rely on about SEED_PATH's data (credentials,
#: accounts, customer identifiers, the account it must be refused).
PROFILE_PATH: Path = PACKAGE_DIR / "profile.yaml"

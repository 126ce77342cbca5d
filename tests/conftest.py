"""Shared setup for the harness's own tests (``pytest tests``).

``pytester`` runs pytest in a subprocess, so the plugin's option and profile
handling is tested exactly as a user meets it on the command line.
"""

pytest_plugins = ["pytester"]

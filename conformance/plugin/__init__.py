"""The pytest plugin: options, the target, the cases, and what the reports show.

Loaded through the ``pytest11`` entry point, so it is present in every pytest run of
an environment where the package is installed. It stays invisible unless the suite
(``conformance/suite``, or ``--pyargs conformance.suite``) is being run: only then does
it read the profile, start the embedded reference server, and write reports. (One
exception: its own options given on a command line that collects no suite stop the run
saying to add ``--pyargs conformance.suite``.)

pytest registers this module, so the hooks it finds here are the plugin's; each is
written in the module of its concern. The run's state is one ``State`` on
``config.stash[STATE]`` (``state.py``). The one class registered at configuration
(``RunObserver``) carries hooks of its own.

- ``options.py``: the options and their ini twins, ``Settings``, ``suite_requested``
- ``session.py``: configuration, the embedded server, the harness's client, the smoke
  request, fetching the answers, closing
- ``collection.py``: markers, the units of evidence by scope, the items made, the
  count of the verdict's scope
- ``runner.py``: ``RequirementItem`` and what it does: its scope judged
  (``evaluation.py``), its verdict and failure message
- ``scheduling.py``: under ``-n``, each scope's items on one worker
- ``observer.py``: ``RunObserver``, what the reports carry, xdist workers' output merged
- ``reporting.py``: the certificate and its run facts, the terminal summary, pytest-html
"""

from __future__ import annotations

from conformance.plugin.collection import matrix_cases as matrix_cases
from conformance.plugin.collection import pytest_collection_modifyitems as pytest_collection_modifyitems
from conformance.plugin.collection import pytest_pycollect_makeitem as pytest_pycollect_makeitem
from conformance.plugin.options import pytest_addoption as pytest_addoption
from conformance.plugin.reporting import pytest_html_results_summary as pytest_html_results_summary
from conformance.plugin.reporting import pytest_runtest_makereport as pytest_runtest_makereport
from conformance.plugin.reporting import pytest_sessionfinish as pytest_sessionfinish
from conformance.plugin.reporting import pytest_terminal_summary as pytest_terminal_summary
from conformance.plugin.scheduling import pytest_xdist_make_scheduler as pytest_xdist_make_scheduler
from conformance.plugin.session import pytest_collection_finish as pytest_collection_finish
from conformance.plugin.session import pytest_configure as pytest_configure
from conformance.plugin.session import pytest_sessionstart as pytest_sessionstart
from conformance.plugin.session import pytest_unconfigure as pytest_unconfigure

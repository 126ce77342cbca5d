"""Conformance harness for the loyalty platform's Retrieve Customer Information call.

The public surface is the pytest plugin (``conformance.plugin``, loaded through the
``pytest11`` entry point) and the embedded reference implementation
(``conformance.reference``). Everything else is internal.
"""

__version__ = "0.1.0"

"""Conformance harness for the loyalty platform's Retrieve Customer Information call.

The public surface is the pytest plugin (``conformance.plugin``, loaded through the
``pytest11`` entry point) and the embedded reference implementation
(``conformance.reference``). Everything else is internal.

PYTEST_DONT_REWRITE: pytest rewrites the asserts of a plugin's package, and warns
("Module already imported so cannot be rewritten") when the package was imported
before it could: the console script (``conformance.cli``) imports it first. The
package's asserts are internal invariants; pytest's rewriting adds nothing to them.
"""

__version__ = "0.1.0"

"""Repository-local defaults only.

The plugin itself is loaded through the ``pytest11`` entry point of the installed
package (``pip install -e .``), exactly as it is for users of the wheel, so a run in
this checkout exercises the same code path as a run elsewhere.
"""

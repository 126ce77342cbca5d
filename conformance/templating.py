"""Every HTML page and fragment the harness writes comes from a Jinja2 template in
``conformance/templates/``, rendered here with autoescape on.

Text that came from a target (a body, an error message, a field's value) reaches the
reports through these templates only, so it is escaped by construction, never because
someone remembered a call. The Python side prepares plain data (strings, numbers, lists);
no module builds markup by concatenation (``tests/test_html_escaping.py`` keeps it so).
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from conformance.wording import plural


def environment(autoescape: bool = True) -> Environment:
    """The templates' environment. ``autoescape`` is a parameter only so that a test can
    show what its absence would let through; the harness always renders with it on."""
    env = Environment(
        loader=PackageLoader("conformance", "templates"),
        autoescape=autoescape,
        undefined=StrictUndefined,  # a value a template names but nobody passed is a bug, not ""
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["plural"] = plural
    return env


ENV = environment()


def render(name: str, /, **context: Any) -> str:
    """The template ``name`` rendered with ``context``."""
    return ENV.get_template(name).render(**context)


def macro(name: str, macro_name: str, /, *args: Any, **kwargs: Any) -> str:
    """One macro of the template ``name`` (a fragment: a section of the summary, an extra)."""
    called: Markup = getattr(ENV.get_template(name).module, macro_name)(*args, **kwargs)
    return str(called)


__all__ = ["ENV", "environment", "macro", "render"]

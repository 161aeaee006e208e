"""The ``gioia`` command line: parse arguments, call the pipeline, render the result.

One module per group of commands (as spaCy's ``spacy/cli/``); each registers its
commands on the app in ``_app`` when imported.

Nothing here computes anything. Every :class:`~gioia.errors.GioiaError` is caught in one
place (:func:`handle_errors`), printed to stderr, and turned into exit code 1 without a
traceback. Exit codes: 0 success, 1 user or data error, 2 usage error (typer's own),
3 a quality gate failed.
"""

from gioia.cli._app import app, main

# Importing a module registers its commands; --help lists them in this order, the order
# of the work.
# isort: off
from gioia.cli import study  # noqa: F401
from gioia.cli import coding  # noqa: F401
from gioia.cli import reading  # noqa: F401
from gioia.cli import analysis  # noqa: F401
from gioia.cli import retrieve  # noqa: F401
from gioia.cli import outputs  # noqa: F401

# isort: on

__all__ = ["app", "main"]

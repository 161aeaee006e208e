"""``python -m gioia``: the same command line as the ``gioia`` script."""

import sys

# An unchanged study's `gioia suggest` is answered here, before typer, pydantic, numpy or
# spaCy are imported (it exits when it can; anything else goes on to the command line).
from gioia.warm import try_fast_suggest

try_fast_suggest(sys.argv[1:])

from gioia.cli import main  # noqa: E402

main()

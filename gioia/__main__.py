"""``python -m gioia`` and the ``gioia`` script: the command line, after the fast path.

An unchanged study's `gioia suggest` is answered here, before typer, pydantic, numpy or
spaCy are imported (:mod:`gioia.warm` exits when it can; anything else goes on to the
command line). Tests that call :func:`gioia.cli.main` in-process skip it on purpose.
"""

import sys


def run() -> None:
    from gioia.warm import try_fast_suggest

    try_fast_suggest(sys.argv[1:])

    from gioia.cli import main

    main()


if __name__ == "__main__":
    run()

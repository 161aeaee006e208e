"""``python -m gioia``: the same command line as the ``gioia`` script."""

from gioia.cli import main

main()

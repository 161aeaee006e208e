"""``python -m gioia`` and the ``gioia`` script: the command line, after the fast path.

An unchanged study's `gioia suggest` is answered here, before typer, pydantic, numpy or
spaCy are imported (:func:`gioia.warm.fast_suggest_answer` decides; anything else goes on
to the command line). Tests that call :func:`gioia.cli.main` in-process skip it on
purpose.
"""

import os
import sys


def run() -> None:
    from gioia.warm import fast_suggest_answer

    answer = fast_suggest_answer(sys.argv[1:])
    if answer is not None:
        _print_and_leave(answer)

    from gioia.cli import main

    if sys.getprofile() is not None or sys.gettrace() is not None:
        main()  # a profiler or coverage writes its results at exit: let it
        return
    try:
        main()
    except SystemExit as finished:
        _leave(finished.code)
    _leave(0)


def _leave(code: object) -> None:
    """Exit with ``code`` (as ``SystemExit`` takes it) without the interpreter's
    teardown: every file gioia writes is closed and renamed into place before a command
    returns, and freeing a parsed corpus and spaCy's tables object by object took a
    tenth of a cold `gioia suggest` (issue 17)."""
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `gioia log | head`: the reader has all it wanted
        pass
    os._exit(code if isinstance(code, int) else 0)


def _print_and_leave(answer) -> None:  # noqa: ANN001 - gioia.warm.FastAnswer
    """Print what the normal path prints for an unchanged study, and leave without the
    interpreter's teardown (see :func:`_leave`)."""
    try:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        err = Console(stderr=True, highlight=False, soft_wrap=True)
        if not err.is_terminal:  # a terminal's progress bar is transient: nothing stays
            s = "s" if answer.ingested != 1 else ""
            err.print(f"ingest: {answer.ingested} transcript{s}")
        if answer.json_text is not None:
            sys.stdout.write(answer.json_text + "\n")
        else:
            table = Table(title="Suggestions", title_justify="left")
            table.add_column("concept")
            table.add_column("segments", justify="right")
            for concept, segments in (answer.table or {}).items():
                table.add_row(escape(concept), str(segments))
            Console(highlight=False, soft_wrap=False).print(table)
            err.print(escape(answer.message))
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        os._exit(1)
    os._exit(0)


if __name__ == "__main__":
    run()

"""`gioia read`: page through a transcript and code what you read."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gioia.cli._app import Coder, StudyDir, app, console, handle_errors, load_study, screen
from gioia.errors import GioiaError


@app.command()
def read(
    directory: StudyDir = Path("."),
    transcript: Annotated[
        str | None,
        typer.Argument(
            help="The transcript to read (its id, the file stem). Alone, the study is the "
            "current folder: gioia read GP3 --coder ms.",
            show_default=False,
        ),
    ] = None,
    coder: Coder = ...,  # type: ignore[assignment]
) -> None:
    """Read a transcript turn by turn, with your codings (●) and the suggestions you
    have not decided (○) marked in the margin, and code the sentence, a range of
    sentences (v) or the whole turn (w) with a concept found by search (c) — talk no
    suggestion found, without typing a quote. Each coding is saved as it is made;
    quitting (q) writes nothing.

    Example: gioia read my-study GP3 --coder ms
    """
    from gioia.journal import journal_path
    from gioia.journal import lock as journal_lock
    from gioia.pipeline.reading import reading_session
    from gioia.reading import run_reading

    if transcript is None:  # `gioia read GP3`: the study is the current folder
        if directory == Path("."):
            raise typer.BadParameter("name the transcript to read", param_hint="TRANSCRIPT")
        directory, transcript = Path("."), str(directory)
    with handle_errors():
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise GioiaError(
                "gioia read needs an interactive terminal",
                hint="in scripts use `gioia code` to record one coding by its quote",
            )
        loaded = load_study(directory)
        with journal_lock(journal_path(loaded.study.paths.codings, coder)):
            with console.progress_reporter() as progress:
                session = reading_session(
                    loaded, transcript=transcript, coder=coder, progress=progress
                )
            try:
                with screen.keys() as reader:
                    coded = run_reading(session, reader.key, reader.line, screen.render_reading)
            except KeyboardInterrupt:
                coded = len(session.history)
    console.message(
        f"read {session.transcript.id}: {coded} coding(s) recorded in codings/{coder}.jsonl"
    )

"""Commands that set up and check a study: init, check, ingest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gioia.cli._app import JsonFlag, StudyDir, app, console, handle_errors, load_study, pipeline


@app.command()
def init(
    directory: StudyDir = Path("."),
    example: Annotated[
        bool, typer.Option("--example", help="Copy the bundled example study.")
    ] = False,
) -> None:
    """Create a study folder (with --example: the bundled GP peer-support study).

    Example: gioia init my-study --example
    """
    with handle_errors():
        from gioia.scaffold import init_study

        written = init_study(directory, example=example)
    for path in written:
        console.out.print(str(path))
    console.message(f"study created in {directory}; next: gioia check {directory}")


@app.command()
def check(
    directory: StudyDir = Path("."),
    srqr: Annotated[
        bool, typer.Option("--srqr", help="Also list the SRQR items the study does not answer.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Validate gioia.yaml, codebook.yaml, participants.csv, transcripts and journals,
    listing every problem with file:line. Exits 1 if there is any error.

    Example: gioia check my-study --srqr
    """
    with handle_errors():
        result = pipeline.check(directory)
    if srqr and not as_json:
        console.out.print(console.srqr_table(result.srqr))
    if as_json:
        console.print_json(
            {
                "transcripts": result.transcripts,
                "srqr": result.srqr,
                "problems": [
                    {
                        "severity": p.severity,
                        "message": p.message,
                        "hint": p.hint,
                        "location": str(p.location) if p.location else None,
                    }
                    for p in result.problems
                ],
            }
        )
    else:
        if result.transcripts:
            console.out.print(console.interviewers_table(result.transcripts))
        console.print_problems(result.problems)
    errors = sum(p.is_error for p in result.problems)
    warnings = len(result.problems) - errors
    if errors:
        console.message(f"{errors} error(s), {warnings} warning(s)")
        raise typer.Exit(1)
    console.message(
        f"ok: {len(result.transcripts)} transcripts, {result.codings} counted codings, "
        f"{warnings} warning(s)"
    )


@app.command()
def ingest(directory: StudyDir = Path("."), as_json: JsonFlag = False) -> None:
    """Read the transcripts into normalised text (.gioia/text/) and show, per transcript,
    its format, encoding, speakers, participant turns and words.

    Example: gioia ingest my-study
    """
    with handle_errors(), console.progress_reporter() as progress:
        loaded = load_study(directory)
        corpus = pipeline.ingest(loaded, progress)
    console.print_problems(corpus.problems)
    rows = [pipeline.transcript_summary(t) for t in corpus.transcripts]
    if as_json:
        console.print_json(rows)
    else:
        console.out.print(console.transcripts_table(rows))

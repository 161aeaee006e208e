"""`gioia show`: retrieve every counted coding of a node or of a participant."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gioia.cli._app import JsonFlag, StudyDir, app, console, handle_errors, load_study, pipeline


def _option(flag: str, what: str) -> typer.Option:
    return typer.Option(flag, metavar="ID", help=what)


@app.command()
def show(
    directory: StudyDir = Path("."),
    concept: Annotated[
        str | None, _option("--concept", "A first-order concept (id or former id).")
    ] = None,
    theme: Annotated[
        str | None, _option("--theme", "A second-order theme: the codings of its concepts.")
    ] = None,
    dimension: Annotated[
        str | None,
        _option("--dimension", "An aggregate dimension: the codings of all its concepts."),
    ] = None,
    participant: Annotated[
        str | None, _option("--participant", "A participant (participants.csv id).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Retrieve coded segments: every counted coding of a concept, theme, dimension or
    participant, with its transcript, participant(s), coder(s) and quote, in transcript
    order. Counted: accepted, by the coders gioia.yaml names (default: every journal).

    Example: gioia show my-study --theme emotional-support
    """
    given = {
        "concept": concept,
        "theme": theme,
        "dimension": dimension,
        "participant": participant,
    }
    chosen = [(by, value) for by, value in given.items() if value is not None]
    if len(chosen) != 1:
        raise typer.BadParameter(
            "give exactly one of --concept, --theme, --dimension or --participant"
            + (f" (got {', '.join('--' + by for by, _ in chosen)})" if chosen else ""),
            param_hint="--concept",
        )
    ((by, wanted),) = chosen
    with handle_errors():
        loaded = load_study(directory)
        corpus = pipeline.ingest(loaded)
        analysis = pipeline.analyse(loaded, corpus)
        result = pipeline.retrieval(loaded, corpus, analysis, by, wanted)
    console.print_problems(analysis.warnings)
    if as_json:
        console.print_json(result.to_dict())
    else:
        console.out.print(console.retrieval_view(result.to_dict()))

"""Commands of the coding work: suggest, accept, review, code, log, discover."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gioia import console, pipeline
from gioia.cli._app import Coder, Jobs, JsonFlag, StudyDir, app, handle_errors, load_study
from gioia.errors import GioiaError
from gioia.journal import journal_path
from gioia.journal import lock as journal_lock
from gioia.review import run_review
from gioia.serialise import coding_to_dict


@app.command()
def suggest(directory: StudyDir = Path("."), jobs: Jobs = 1, as_json: JsonFlag = False) -> None:
    """Suggest first-order concepts for each segment (.gioia/suggestions.jsonl).
    Never touches codings/: a human decides every coding.

    Example: gioia suggest my-study
    """
    with handle_errors(), console.progress_reporter() as progress:
        loaded = load_study(directory)
        corpus = pipeline.ingest(loaded, progress, jobs=jobs)
        parsed = pipeline.parse(loaded, corpus, progress, jobs=jobs)
        counts = pipeline.count_suggestions(loaded, corpus, parsed, progress)
    total = sum(counts.values())
    if as_json:
        console.print_json(
            {"suggestions": total, "parsed": parsed.parsed_now, "by_concept": counts}
        )
        return
    console.out.print(console.counts_table("Suggestions", ("concept", "segments"), counts))
    console.message(
        f"{total} suggestions written to "
        f"{pipeline.suggestions_path(loaded.study)} "
        f"({parsed.parsed_now} transcript(s) parsed, the rest from cache)"
    )


@app.command()
def accept(
    directory: StudyDir = Path("."),
    coder: Coder = ...,  # type: ignore[assignment]
    min_score: Annotated[
        float,
        typer.Option(
            "--min-score", min=0.0, max=1.0, help="Accept suggestions scoring at least this."
        ),
    ] = ...,  # type: ignore[assignment]
    as_json: JsonFlag = False,
) -> None:
    """Accept, without review, every suggestion scoring at least --min-score that the
    coder has not decided yet; recorded as source: auto. Decisions already made are kept.

    Example: gioia accept my-study --coder auto --min-score 0.8
    """
    with handle_errors():
        loaded = load_study(directory)
        made = pipeline.read_suggestions(loaded.study)
        if made is None:
            raise GioiaError("no suggestions yet", hint=f"run `gioia suggest {directory}` first")
        corpus = pipeline.ingest(loaded)
        result = pipeline.accept(loaded, corpus, made, coder=coder, min_score=min_score)
    summary = {
        "coder": result.coder,
        "journal": str(result.journal),
        "accepted": result.accepted,
        "already_decided": result.already_decided,
        "below_score": result.below_score,
    }
    if as_json:
        console.print_json(summary)
    else:
        console.message(
            f"accepted {result.accepted} suggestion(s) into {result.journal} "
            f"({result.already_decided} already decided, "
            f"{result.below_score} below {min_score})"
        )


class Order(StrEnum):
    position = "position"
    score = "score"
    concept = "concept"


@app.command()
def review(
    directory: StudyDir = Path("."),
    coder: Coder = ...,  # type: ignore[assignment]
    transcript: Annotated[
        str | None, typer.Option("--transcript", help="Only this transcript (its id).")
    ] = None,
    concept: Annotated[str | None, typer.Option("--concept", help="Only this concept.")] = None,
    theme: Annotated[
        str | None, typer.Option("--theme", help="Only this theme's concepts.")
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score", min=0.0, max=1.0, help="Only suggestions scoring at least this."
        ),
    ] = None,
    order: Annotated[
        Order, typer.Option("--order", help="Transcript position, highest score, or concept.")
    ] = Order.position,
) -> None:
    """Review the suggestions you have not decided yet, one key per decision: accept,
    reject, recode, skip, memo, power quote, undo, help, quit. Each decision is saved
    before the next is shown; run it again to resume where you left off.

    Example: gioia review my-study --coder ms --transcript GP3
    """
    with handle_errors():
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise GioiaError(
                "gioia review needs an interactive terminal",
                hint="in scripts use `gioia accept` (batch) or `gioia code` (one coding)",
            )
        loaded = load_study(directory)
        # Held for the whole session, from building the pending list on: a second
        # `gioia review` of the same coder gets a clear error at once.
        with journal_lock(journal_path(loaded.study.paths.codings, coder)):
            with console.progress_reporter() as progress:
                session = pipeline.review_session(
                    loaded,
                    coder=coder,
                    transcript=transcript,
                    concept=concept,
                    theme=theme,
                    min_score=min_score,
                    order=order.value,
                    progress=progress,
                )
            if session.current is None:
                console.message(f"nothing to review for {coder}: every suggestion is decided")
                return
            try:
                outcome = run_review(
                    session, console.read_key, console.prompt_line, console.render_review
                )
            except KeyboardInterrupt:
                outcome = "quit"
    decided = session.progress().decided
    console.message(
        f"{outcome}: {decided} decided, {session.progress().pending} pending; "
        f"journal {session.journal}"
    )


@app.command()
def code(
    directory: StudyDir = Path("."),
    coder: Coder = ...,  # type: ignore[assignment]
    transcript: Annotated[str, typer.Option("--transcript", help="Transcript id.")] = ...,  # type: ignore[assignment]
    quote: Annotated[
        str, typer.Option("--quote", help="The words, as in the transcript (unique in it).")
    ] = ...,  # type: ignore[assignment]
    concept: Annotated[str, typer.Option("--concept", help="Concept id.")] = ...,  # type: ignore[assignment]
    memo: Annotated[str, typer.Option("--memo", help="A note kept with the coding.")] = "",
    power: Annotated[bool, typer.Option("--power", help="Mark it as a power quote.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Record a human coding for talk no suggestion found. The quote is located in the
    transcript's normalised text (.gioia/text/); a missing or ambiguous quote is an error.

    Example: gioia code my-study --coder ms --transcript GP3 --quote "we muck in" --concept help
    """
    with handle_errors():
        loaded = load_study(directory)
        coding = pipeline.code(
            loaded,
            coder=coder,
            transcript=transcript,
            quote=quote,
            concept=concept,
            memo=memo,
            power=power,
        )
    if as_json:
        console.print_json(coding_to_dict(coding))
    else:
        console.message(
            f"coded {coding.transcript} {coding.start}-{coding.end} as {coding.concept} "
            f"in codings/{coding.coder}.jsonl"
        )


@app.command()
def log(directory: StudyDir = Path("."), as_json: JsonFlag = False) -> None:
    """The audit trail: decisions per coder, by source (suggestion accepted, auto,
    manual, import) and decision, and over time.

    Example: gioia log my-study --json
    """
    with handle_errors():
        loaded = load_study(directory)
        trail = pipeline.audit_log(loaded)
    if as_json:
        console.print_json(trail)
    else:
        console.out.print(console.audit_table(trail))


@app.command()
def discover(
    directory: StudyDir = Path("."),
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many candidates.")] = 30,
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="Print codebook concept stubs to paste under a theme.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """The inductive step: frequent, distinctive phrases in participants' own words (never
    the interviewer's) that no concept's keywords cover — candidate in-vivo first-order
    concepts, with who used them and example sentences.

    Example: gioia discover my-study --yaml >> new-concepts.yaml
    """
    with handle_errors(), console.progress_reporter() as progress:
        loaded = load_study(directory)
        corpus = pipeline.ingest(loaded, progress)
        parsed = pipeline.parse(loaded, corpus, progress)
        found = pipeline.discover(loaded, corpus, parsed, limit=limit)
    if as_yaml:
        console.out.file.write(found["yaml"])
    elif as_json:
        console.print_json(found["candidates"])
    else:
        console.out.print(console.candidates_table(found["candidates"]))

"""Commands of the coding work: suggest, accept, review, code, log, discover."""

from __future__ import annotations

import functools
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gioia.cli._app import (
    Coder,
    Jobs,
    JsonFlag,
    StudyDir,
    app,
    console,
    handle_errors,
    load_study,
    pipeline,
    screen,
)
from gioia.errors import GioiaError
from gioia.warm import summary_json, summary_message, write_stamp

LearnFrom = Annotated[
    str | None,
    typer.Option(
        "--learn-from",
        help="Learn from these coders' journals, pooled on purpose (comma-separated), "
        "instead of the coder's own.",
    ),
]
OptionalCoder = Annotated[
    str | None,
    typer.Option("--coder", help="Learn from this coder's decisions: codings/<coder>.jsonl."),
]
# The thresholds `gioia suggest --evaluate` prints (every one is computed).
SHOWN_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))


def _names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names:
        raise typer.BadParameter(
            "name at least one coder, e.g. --learn-from hb,ms", param_hint="--learn-from"
        )
    return names


@app.command()
def suggest(
    directory: StudyDir = Path("."),
    coder: OptionalCoder = None,
    learn_from: LearnFrom = None,
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate",
            help="Print cross-validated precision and recall of the learned scores by "
            "threshold, on the coder's own decisions (split by interview).",
        ),
    ] = False,
    jobs: Jobs = 1,
    as_json: JsonFlag = False,
) -> None:
    """Suggest first-order concepts for each segment (.gioia/suggestions.jsonl), learnt
    from the coder's own decisions once they have some: each score is then the
    probability that the coder accepts. Never touches codings/: a human decides every
    coding.

    Example: gioia suggest my-study --coder ms --evaluate
    """
    pooled = _names(learn_from)  # a usage error (exit 2), before any work
    started = time.time_ns()  # inputs modified after it get no stamp (gioia.warm)
    with handle_errors(), console.progress_reporter() as progress:
        loaded = load_study(directory)
        learner = pipeline.learner_for(loaded, coder, pooled)
        prepare = functools.partial(pipeline.prepare_matching, loaded)
        corpus = pipeline.ingest(loaded, progress, jobs=jobs, meanwhile=prepare)
        parsed = pipeline.parse(loaded, corpus, progress, jobs=jobs)
        suggested = pipeline.suggest_for(loaded, corpus, parsed, progress, learner=learner)
        path = pipeline.publish(loaded, suggested)
    counts = suggested.by_concept
    total = sum(counts.values())
    evaluation = suggested.evaluation.to_dict() if suggested.evaluation else None
    described = screen.describe_stage(suggested)
    if as_json:
        summary = summary_json(
            total, parsed.parsed_now, list(learner.coders), suggested.stage, counts
        )
        console.print_json({**summary, **({"evaluation": evaluation} if evaluate else {})})
    else:
        console.out.print(console.counts_table("Suggestions", ("concept", "segments"), counts))
        console.message(summary_message(total, path, parsed.parsed_now, described))
    if not evaluate:
        # What an unchanged re-run prints, for the fast path of `python -m gioia`.
        write_stamp(
            loaded,
            suggested,
            path,
            options={"coder": coder, "learn_from": learn_from},
            ingested=len(corpus.transcripts),
            described=described,
            started=started,
            complete=not any(p.is_error for p in corpus.problems),
        )
        return
    if as_json:
        return
    if not learner.coders:
        console.message("no evaluation: name the coder whose decisions to evaluate (--coder)")
    elif suggested.evaluation is None or suggested.evaluation.refusal:
        why = suggested.evaluation.refusal if suggested.evaluation else suggested.note
        console.message(f"no evaluation of {learner.name}'s learned scores: {why}")
    else:
        console.out.print(console.evaluation_table(suggested.evaluation, SHOWN_THRESHOLDS))


@app.command()
def accept(
    directory: StudyDir = Path("."),
    coder: Coder = ...,  # type: ignore[assignment]
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score", min=0.0, max=1.0, help="Accept suggestions scoring at least this."
        ),
    ] = None,
    target_precision: Annotated[
        float | None,
        typer.Option(
            "--target-precision",
            min=0.0,
            max=1.0,
            help="Accept at the lowest threshold whose cross-validated precision on the "
            "learner's own decisions reaches this; refused when they are too few.",
        ),
    ] = None,
    learn_from: LearnFrom = None,
    as_json: JsonFlag = False,
) -> None:
    """Accept, without review, every suggestion the coder has not decided yet that
    scores at least --min-score, or at least the threshold that --target-precision
    chooses; recorded as source: auto. Decisions already made are kept.

    Example: gioia accept my-study --coder ms --target-precision 0.9
    """
    if (min_score is None) == (target_precision is None):
        raise typer.BadParameter(
            "give --min-score or --target-precision (one of them)", param_hint="--min-score"
        )
    pooled = _names(learn_from)
    with handle_errors(), console.progress_reporter() as progress:
        loaded = load_study(directory)
        learner = pipeline.learner_for(loaded, coder, pooled)
        corpus = pipeline.ingest(loaded, progress)
        parsed = pipeline.parse(loaded, corpus, progress)
        suggested = pipeline.suggest_for(loaded, corpus, parsed, progress, learner=learner)
        result = pipeline.accept(
            loaded,
            corpus,
            suggested,
            coder=coder,
            min_score=min_score,
            target_precision=target_precision,
        )
    summary = {
        "coder": result.coder,
        "journal": str(result.journal),
        "learner": list(learner.coders),
        "threshold": result.threshold,
        "expected_precision": result.expected_precision,
        "expected_recall": result.expected_recall,
        "accepted": result.accepted,
        "already_decided": result.already_decided,
        "below_score": result.below_score,
    }
    if as_json:
        console.print_json(summary)
        return
    if target_precision is not None:
        console.message(
            f"threshold {result.threshold:.2f}: the lowest at which {learner.name}'s "
            f"cross-validated precision reaches {target_precision:.2f} "
            f"(precision {result.expected_precision:.2f}, expected recall "
            f"{result.expected_recall:.2f})"
        )
    console.message(
        f"accepted {result.accepted} suggestion(s) into {result.journal} "
        f"({result.already_decided} already decided, "
        f"{result.below_score} below {result.threshold:.2f})"
    )


class Order(StrEnum):
    position = "position"
    score = "score"
    concept = "concept"
    learned = "learned"


@app.command()
def review(
    directory: StudyDir = Path("."),
    coder: Coder = ...,  # type: ignore[assignment]
    learn_from: LearnFrom = None,
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
        Order | None,
        typer.Option(
            "--order",
            help="learned: likeliest to be accepted first, learning from each decision "
            "(the default once you have decisions); or transcript position, highest "
            "score, concept.",
        ),
    ] = None,
) -> None:
    """Review the suggestions you have not decided yet, one key per decision: accept,
    reject, recode, power quote (accept and mark), skip, memo, undo, help, quit. Narrow
    the span to the sentences with the evidence (e), widen or shrink it by a sentence
    (+ -), or pick sentences by number (#); go back (b) and on (n), or to the next
    transcript (t). Each decision is saved before the next is shown, and confirmed in
    one line; run it again to resume where you left off.

    Example: gioia review my-study --coder ms --transcript GP3
    """
    from gioia.journal import journal_path
    from gioia.journal import lock as journal_lock
    from gioia.review import run_review

    pooled = _names(learn_from)
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
                    learn_from=pooled,
                    transcript=transcript,
                    concept=concept,
                    theme=theme,
                    min_score=min_score,
                    order=order.value if order else None,
                    progress=progress,
                )
            if session.current is None:
                console.message(f"nothing to review for {coder}: every suggestion is decided")
                return
            try:
                with screen.keys() as reader:
                    outcome = run_review(session, reader.key, reader.line, screen.render_review)
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
        coding, appended = pipeline.code(
            loaded,
            coder=coder,
            transcript=transcript,
            quote=quote,
            concept=concept,
            memo=memo,
            power=power,
        )
    if as_json:
        from gioia.serialise import coding_to_dict

        console.print_json({**coding_to_dict(coding), "appended": appended})
    elif appended:
        console.message(
            f"coded {coding.transcript} {coding.start}-{coding.end} as {coding.concept} "
            f"in codings/{coding.coder}.jsonl"
        )
    else:
        console.message(
            f"already coded: {coding.transcript} {coding.start}-{coding.end} as "
            f"{coding.concept} is in codings/{coding.coder}.jsonl; nothing appended"
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
        # Terms come from transcripts: on a terminal their control and bidi characters
        # are shown, not obeyed; redirected into a codebook file they stay as they are.
        yaml_text = found["yaml"]
        if console.out.file.isatty():
            yaml_text = console.terminal_safe(yaml_text)
        console.out.file.write(yaml_text)
    elif as_json:
        console.print_json(found["candidates"])
    else:
        console.out.print(console.candidates_table(found["candidates"]))

"""The ``gioia`` command line: parse arguments, call the pipeline, render the result.

Nothing here computes anything. Every :class:`~gioia.errors.GioiaError` is caught in one
place (:func:`_handle_errors`), printed to stderr, and turned into exit code 1 without a
traceback. Exit codes: 0 success, 1 user or data error, 2 usage error (typer's own),
3 a quality gate failed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from gioia import __version__, console, pipeline
from gioia.codebook import codebook_json_schema
from gioia.errors import GioiaError
from gioia.journal import lock as journal_lock
from gioia.review import run_review
from gioia.scaffold import init_study
from gioia.serialise import coding_to_dict

__all__ = ["app", "main"]

app = typer.Typer(
    name="gioia",
    help="Gioia-method analysis of interview transcripts: suggest, review and count "
    "codings, and write an SRQR-aligned report.\n\nExample: gioia run examples/peer-support",
    no_args_is_help=True,
    add_completion=False,
    # Transcripts are confidential: a traceback must never show local variables.
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
codebook_app = typer.Typer(
    help="Work with codebook.yaml.\n\nExample: gioia codebook schema > codebook.schema.json",
    no_args_is_help=True,
)
app.add_typer(codebook_app, name="codebook")

StudyDir = Annotated[Path, typer.Argument(help="The study folder.", show_default=True)]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
Coder = Annotated[str, typer.Option("--coder", help="Your coder name: codings/<coder>.jsonl.")]


# Set by --debug: an unexpected error then shows its traceback (never local variables).
_debug = False


@contextmanager
def _handle_errors() -> Iterator[None]:
    try:
        yield
    except GioiaError as error:
        console.print_error(error)
        raise typer.Exit(1) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as error:
        if _debug:
            raise
        # A bug in gioia, not in the study: say so briefly; a traceback could show
        # transcript text, so it appears only when asked for.
        console.message(
            f"internal error: {type(error).__name__}. This is a bug in gioia; run the "
            "command again with `gioia --debug ...` to see the traceback, and report it."
        )
        raise typer.Exit(1) from None


def _load(directory: Path, out: Path | None = None) -> pipeline.LoadedStudy:
    loaded = pipeline.load_study(directory, out=out)
    console.print_problems(loaded.warnings)
    return loaded


Jobs = Annotated[
    int, typer.Option("--jobs", min=1, help="Processes that parse new transcripts in parallel.")
]
OutDir = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Write the report (and gioia's cache) here, e.g. for a read-only study."
    ),
]


def _version(value: bool) -> None:
    if value:
        console.out.print(f"gioia {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an internal error.")
    ] = False,
) -> None:
    """Gioia-method analysis of interview transcripts."""
    global _debug
    _debug = debug


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
    with _handle_errors():
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
    with _handle_errors():
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
    with _handle_errors(), console.progress_reporter() as progress:
        loaded = _load(directory)
        corpus = pipeline.ingest(loaded, progress)
    console.print_problems(corpus.problems)
    rows = [pipeline.transcript_summary(t) for t in corpus.transcripts]
    if as_json:
        console.print_json(rows)
    else:
        console.out.print(console.transcripts_table(rows))


@app.command()
def suggest(directory: StudyDir = Path("."), jobs: Jobs = 1, as_json: JsonFlag = False) -> None:
    """Suggest first-order concepts for each segment (.gioia/suggestions.jsonl).
    Never touches codings/: a human decides every coding.

    Example: gioia suggest my-study
    """
    with _handle_errors(), console.progress_reporter() as progress:
        loaded = _load(directory)
        corpus = pipeline.ingest(loaded, progress)
        parsed = pipeline.parse(loaded, corpus, progress, jobs=jobs)
        made = pipeline.suggest(loaded, corpus, parsed, progress)
    counts: dict[str, int] = {c.id: 0 for c in loaded.codebook.concepts}
    for s in made:
        counts[s.concept] += 1
    if as_json:
        console.print_json(
            {"suggestions": len(made), "parsed": parsed.parsed_now, "by_concept": counts}
        )
        return
    console.out.print(console.counts_table("Suggestions", ("concept", "segments"), counts))
    console.message(
        f"{len(made)} suggestions written to "
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
    with _handle_errors():
        loaded = _load(directory)
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
    with _handle_errors():
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise GioiaError(
                "gioia review needs an interactive terminal",
                hint="in scripts use `gioia accept` (batch) or `gioia code` (one coding)",
            )
        with console.progress_reporter() as progress:
            loaded = _load(directory)
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
            # Held for the whole session: a second `gioia review` of the same coder in
            # another terminal gets a clear error instead of interleaving decisions.
            with journal_lock(session.journal):
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
    with _handle_errors():
        loaded = _load(directory)
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
    with _handle_errors():
        loaded = _load(directory)
        trail = pipeline.audit_log(loaded)
    if as_json:
        console.print_json(trail)
    else:
        console.out.print(console.audit_table(trail))


@app.command()
def structure(directory: StudyDir = Path("."), as_json: JsonFlag = False) -> None:
    """Show the data structure (dimension → theme → concept) with participants
    expressing each node (n of N) and accepted segments.

    Example: gioia structure my-study
    """
    with _handle_errors():
        loaded = _load(directory)
        corpus = pipeline.ingest(loaded)
        analysis = pipeline.analyse(loaded, corpus)
    console.print_problems(analysis.warnings)
    nodes = [pipeline.node_summary(n) for n in analysis.nodes]
    total = len(corpus.participants)
    if as_json:
        console.print_json({"participants": total, "nodes": nodes})
    else:
        console.out.print(console.structure_tree(loaded.codebook.title, nodes, total))


class Level(StrEnum):
    concept = "concept"
    theme = "theme"


@app.command()
def saturation(
    directory: StudyDir = Path("."),
    level: Annotated[
        Level | None, typer.Option("--level", help="First-order concepts or second-order themes.")
    ] = None,
    order: Annotated[
        str | None,
        typer.Option("--order", help="files, participants, or a participants.csv column."),
    ] = None,
    require: Annotated[
        bool, typer.Option("--require", help="Exit 3 when the Guest criterion is not met.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Code saturation of the counted codings: Guest et al. 2020 ("p+r"), Francis et al.
    2010, the discovery curve, the order-free expected curve, the share of interview
    orders that saturate, and Chao2 for unseen codes. Settings: gioia.yaml saturation:.

    Example: gioia saturation my-study --level theme --require
    """
    with _handle_errors():
        loaded = _load(directory)
        corpus = pipeline.ingest(loaded)
        analysis = pipeline.analyse(loaded, corpus)
        result = pipeline.saturation_analysis(
            loaded, corpus, analysis, level=level.value if level else None, order=order
        )
    if as_json:
        console.print_json(result)
    else:
        console.out.print(console.saturation_view(result))
    if require and result["guest"]["point"] is None:
        console.message(f"saturation not reached: {result['guest']['reason']}")
        raise typer.Exit(3)


@app.command()
def agreement(
    directory: StudyDir = Path("."),
    coders: Annotated[
        str, typer.Option("--coders", help="Two or more coders, comma-separated: A,B[,C].")
    ] = ...,  # type: ignore[assignment]
    level: Annotated[
        Level, typer.Option("--level", help="Concepts, or themes (a coding counts for its theme).")
    ] = Level.concept,
    min_alpha: Annotated[
        float | None,
        typer.Option("--min-alpha", min=0.0, max=1.0, help="Exit 3 when pooled alpha is below."),
    ] = None,
    disagreements: Annotated[
        bool, typer.Option("--disagreements", help="List the segments the coders disagree on.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Intercoder agreement per concept and pooled: percent agreement, Cohen's kappa and
    PABAK (two coders), Krippendorff's alpha (any number, missing data allowed).

    Example: gioia agreement my-study --coders ms,jd --min-alpha 0.8
    """
    names = [name.strip() for name in coders.split(",") if name.strip()]
    with _handle_errors(), console.progress_reporter() as progress:
        loaded = _load(directory)
        corpus = pipeline.ingest(loaded, progress)
        parsed = pipeline.parse(loaded, corpus, progress)
        result = pipeline.agreement_analysis(loaded, corpus, parsed, names, level=level.value)
    data = result.to_dict()
    if as_json:
        console.print_json(data)
    else:
        labels = {node_id: label for node_id, _, label, _ in loaded.codebook.iter_nodes()}
        console.out.print(console.agreement_table(data, labels))
        if disagreements:
            texts = {t.id: t.text for t in corpus.transcripts}
            console.out.print(console.disagreements_table(data, texts, labels))
    alpha = data["pooled"]["alpha"]
    if min_alpha is not None and (alpha is None or alpha < min_alpha):
        shown = "undefined" if alpha is None else f"{alpha:.3f}"
        console.message(f"gate failed: pooled alpha {shown} is below {min_alpha}")
        raise typer.Exit(3)


@app.command()
def report(
    directory: StudyDir = Path("."), out: OutDir = None, jobs: Jobs = 1, as_json: JsonFlag = False
) -> None:
    """Write report/report.html, report/report.md and report/results.json from the
    counted codings.

    Example: gioia report my-study
    """
    with _handle_errors(), console.progress_reporter() as progress:
        loaded = _load(directory, out)
        result = pipeline.report(loaded, progress, jobs=jobs)
    console.print_problems(result.warnings)
    _print_paths(result.paths, as_json)


@app.command()
def run(
    directory: StudyDir = Path("."), out: OutDir = None, jobs: Jobs = 1, as_json: JsonFlag = False
) -> None:
    """The whole pipeline for CI, non-interactive: ingest → suggest → accept (only if
    gioia.yaml sets suggest.auto_accept_min_score) → report. Exits 3 when a quality gate
    of gioia.yaml (settings.gates) fails.

    Example: gioia run examples/peer-support
    """
    with _handle_errors(), console.progress_reporter() as progress:
        loaded = _load(directory, out)
        result = pipeline.run(loaded, progress, jobs=jobs)
    console.print_problems(result.report.warnings)
    if result.accepted is not None:
        console.message(
            f"auto-accepted {result.accepted.accepted} suggestion(s) into {result.accepted.journal}"
        )
    console.message(
        f"{result.suggestions} suggestions; "
        f"{result.report.results['codings']['counted']} counted codings"
    )
    _print_paths(result.report.paths, as_json)
    for reason in result.failed_gates:
        console.message(f"gate failed: {reason}")
    if result.failed_gates:
        raise typer.Exit(3)


def _print_paths(paths: list[Path], as_json: bool) -> None:
    if as_json:
        console.print_json([str(p) for p in paths])
    else:
        for path in paths:
            console.out.print(str(path))


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
    with _handle_errors(), console.progress_reporter() as progress:
        loaded = _load(directory)
        corpus = pipeline.ingest(loaded, progress)
        parsed = pipeline.parse(loaded, corpus, progress)
        found = pipeline.discover(loaded, corpus, parsed, limit=limit)
    if as_yaml:
        console.out.file.write(found["yaml"])
    elif as_json:
        console.print_json(found["candidates"])
    else:
        console.out.print(console.candidates_table(found["candidates"]))


class ExportFormat(StrEnum):
    qdpx = "qdpx"
    qdc = "qdc"
    csv = "csv"


@app.command()
def export(
    directory: StudyDir = Path("."),
    format: Annotated[
        ExportFormat,
        typer.Option("--format", help="qdpx: REFI-QDA project; qdc: codebook; csv: codings."),
    ] = ExportFormat.qdpx,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output file (default report/<study>.<format>).")
    ] = None,
) -> None:
    """Export the study for other QDA tools (REFI-QDA .qdpx / .qdc, valid against the
    QDA-XML 1.0 schemas) or the counted codings as CSV for R and pandas.

    Example: gioia export my-study --format qdpx --out my-study.qdpx
    """
    with _handle_errors():
        loaded = _load(directory)
        written = pipeline.export(loaded, format=format.value, out=out)
    console.out.print(str(written))


@app.command("import")
def import_command(
    source: Annotated[Path, typer.Argument(help="A REFI-QDA .qdpx project or .qdc codebook.")],
    directory: StudyDir = Path("."),
    levels: Annotated[
        str | None,
        typer.Option(
            "--levels",
            help='Code-tree depths for dimension,theme,concept, e.g. "1,2,3+" or "-,1,2+".',
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Build or update a study from NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette or qc:
    sources become transcripts, the code tree the three Gioia levels, codings the users'
    journals (source: import), cases participants.csv. Nothing is imported twice.

    Example: gioia import project.qdpx my-study
    """
    with _handle_errors():
        result = pipeline.import_file(source, directory, levels=levels)
    console.print_problems(result.warnings)
    summary = {
        "study": str(result.study),
        "levels": result.levels,
        "sources": result.sources,
        "codes": result.codes,
        "codings": result.codings,
        "duplicates": result.duplicates,
        "unplaced": result.unplaced,
        "coders": list(result.coders),
        "participants": result.participants,
    }
    if as_json:
        console.print_json(summary)
    else:
        console.message(
            f"imported {result.sources} source(s), {result.codes} code(s), "
            f"{result.codings} coding(s) by {', '.join(result.coders) or 'nobody'} "
            f"({result.duplicates} already there) into {result.study}; "
            f"next: gioia check {result.study}"
        )


@codebook_app.command("schema")
def codebook_schema() -> None:
    """Print the JSON Schema of codebook.yaml, for editors to validate and complete it.

    Example: gioia codebook schema > codebook.schema.json
    """
    console.out.file.write(json.dumps(codebook_json_schema(), indent=2) + "\n")


def main() -> Any:
    return app()

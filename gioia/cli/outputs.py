"""Commands that write outputs: report, run, export, import, codebook schema."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gioia.cli._app import (
    Jobs,
    JsonFlag,
    OutDir,
    StudyDir,
    app,
    codebook_app,
    console,
    handle_errors,
    load_study,
    pipeline,
)


class ReportFormat(StrEnum):
    docx = "docx"


ReportFormats = Annotated[
    ReportFormat | None,
    typer.Option(
        "--format",
        help="Also write report/report.docx (Word, for co-authors), with the same sections "
        "and tables and the figures as images.",
    ),
]


@app.command()
def report(
    directory: StudyDir = Path("."),
    out: OutDir = None,
    jobs: Jobs = 1,
    as_json: JsonFlag = False,
    formats: ReportFormats = None,
) -> None:
    """Write report/report.html, report/report.md and report/results.json from the
    counted codings (--format docx: report/report.docx too).

    Example: gioia report my-study --format docx
    """
    with handle_errors(), console.progress_reporter() as progress:
        loaded = load_study(directory, out)
        result = pipeline.report(loaded, progress, jobs=jobs, docx=formats is ReportFormat.docx)
    console.print_problems(result.warnings)
    _print_paths(result.paths, as_json)


@app.command()
def run(
    directory: StudyDir = Path("."),
    out: OutDir = None,
    jobs: Jobs = 1,
    as_json: JsonFlag = False,
    formats: ReportFormats = None,
) -> None:
    """The whole pipeline for CI, non-interactive: ingest → suggest → accept (only if
    gioia.yaml sets suggest.auto_accept_min_score) → report. Exits 3 when a quality gate
    of gioia.yaml (settings.gates) fails.

    Example: gioia run examples/peer-support
    """
    with handle_errors(), console.progress_reporter() as progress:
        loaded = load_study(directory, out)
        result = pipeline.run(loaded, progress, jobs=jobs, docx=formats is ReportFormat.docx)
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


class ExportFormat(StrEnum):
    qdpx = "qdpx"
    qdc = "qdc"
    csv = "csv"
    taguette = "taguette"


@app.command()
def export(
    directory: StudyDir = Path("."),
    format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="qdpx: REFI-QDA project; qdc: codebook; csv: codings; "
            "taguette: codebook CSV for Taguette's Import codebook.",
        ),
    ] = ExportFormat.qdpx,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output file (default report/<study>.<format>; "
            "report/<study>-taguette-codebook.csv for taguette).",
        ),
    ] = None,
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            help="CSV only: start with a UTF-8 byte order mark, so Excel on Windows shows "
            "curly quotes and accents.",
        ),
    ] = False,
) -> None:
    """Export the study for other QDA tools (REFI-QDA .qdpx / .qdc, valid against the
    QDA-XML 1.0 schemas; a codebook CSV for Taguette, which reads no REFI-QDA, its tags
    named Dimension.Theme.Concept) or the counted codings as CSV for R and pandas.

    Example: gioia export my-study --format qdpx --out my-study.qdpx
    """
    with handle_errors():
        loaded = load_study(directory)
        written = pipeline.export(loaded, format=format.value, out=out, excel=excel)
    console.print_problems(written.warnings)
    console.out.print(str(written.path))


@app.command("import")
def import_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="A REFI-QDA .qdpx project or .qdc codebook, or Taguette's project "
            "(.sqlite3) or highlights or codebook CSV."
        ),
    ],
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
    Taguette exports no REFI-QDA project: import its Export project file (.sqlite3), or
    its highlights CSV into a study that has the transcripts.

    Example: gioia import project.qdpx my-study
    """
    with handle_errors():
        result = pipeline.import_file(source, directory, levels=levels)
    console.print_problems(result.warnings)
    summary = {
        "study": str(result.study),
        "levels": result.levels,
        "sources": result.sources,
        "sources_reanchored": result.sources_reanchored,
        "restored": result.restored,
        "codes": result.codes,
        "codings": result.codings,
        "duplicates": result.duplicates,
        "unplaced": result.unplaced,
        "coders": list(result.coders),
        "participants": result.participants,
    }
    if as_json:
        console.print_json(summary)
    elif result.restored:
        console.message(
            f"restored the study gioia exported: {result.sources} transcript(s), its "
            f"gioia.yaml, codebook and {result.codings} journal line(s) by "
            f"{', '.join(result.coders) or 'nobody'}, into {result.study}; "
            f"next: gioia run {result.study}"
        )
    else:
        console.message(
            f"imported {result.sources} source(s), {result.codes} code(s), "
            f"{result.codings} coding(s) by {', '.join(result.coders) or 'nobody'} "
            f"({result.duplicates} already there"
            + (
                f"; {result.sources_reanchored} source(s) placed on the study's own text"
                if result.sources_reanchored
                else ""
            )
            + f") into {result.study}; "
            f"next: gioia check {result.study}"
        )


@codebook_app.command("schema")
def codebook_schema() -> None:
    """Print the JSON Schema of codebook.yaml, for editors to validate and complete it.

    Example: gioia codebook schema > codebook.schema.json
    """
    from gioia.codebook import codebook_json_schema

    console.out.file.write(json.dumps(codebook_json_schema(), indent=2) + "\n")

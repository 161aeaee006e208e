"""Commands that analyse the counted codings: structure, saturation, agreement."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gioia.cli._app import JsonFlag, StudyDir, app, console, handle_errors, load_study, pipeline


@app.command()
def structure(directory: StudyDir = Path("."), as_json: JsonFlag = False) -> None:
    """Show the data structure (dimension → theme → concept) with participants
    expressing each node (n of N) and accepted segments.

    Example: gioia structure my-study
    """
    with handle_errors():
        loaded = load_study(directory)
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
    with handle_errors():
        loaded = load_study(directory)
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
        str | None,
        typer.Option(
            "--coders",
            help="Two or more coders, comma-separated: A,B[,C]. Default: the coders "
            "gioia.yaml names (settings: coders:), when it names two or more.",
        ),
    ] = None,
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
    PABAK (two coders), Krippendorff's alpha (any number, missing data allowed), between
    the coders named with --coders or in gioia.yaml (settings: coders:), never others.

    Example: gioia agreement my-study --coders ms,jd --min-alpha 0.8
    """
    given = None
    if coders is not None:
        given = list(dict.fromkeys(name.strip() for name in coders.split(",") if name.strip()))
        if len(given) < 2:
            raise typer.BadParameter(
                f"agreement compares two or more coders; got {len(given)}: "
                f"{', '.join(given) or '(none)'}. Name them comma-separated, e.g. --coders hb,ms",
                param_hint="--coders",
            )
    with handle_errors():
        loaded = load_study(directory)
        names = pipeline.agreement_coders(loaded, given)
        hint = pipeline.agreement_hint(loaded) if len(names) < 2 else ""
    if len(names) < 2:
        named = f"gioia.yaml names only {names[0]}" if names else "no coders are named"
        raise typer.BadParameter(
            f"agreement compares two or more coders, and {named}: {hint}",
            param_hint="--coders",
        )
    with handle_errors(), console.progress_reporter() as progress:
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
    failure = None if min_alpha is None else pipeline.alpha_gate_failure(data, min_alpha)
    if failure:
        console.message(f"gate failed: {failure}")
        raise typer.Exit(3)

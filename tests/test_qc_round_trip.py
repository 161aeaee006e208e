"""The example study through the real qc and back (fixtures made by
tests/data/qc/make_fixtures.sh with qualitative-coding 1.7.8).

qc codes whole lines: it places a REFI-QDA selection on the line its name gives
(``line:N``; without one, on line 0 whatever its position), and counts lines per code.
So two codings of one concept on one line are one in qc. Everything else survives.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from pathlib import Path

from typer.testing import CliRunner

from gioia.cli import app
from gioia.pipeline import load_study
from gioia.pipeline.analysis import analyse
from gioia.pipeline.corpus import ingest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "peer-support"
QC = ROOT / "tests" / "data" / "qc"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "100"})


def example_lines() -> tuple[dict[str, set], dict[str, set], dict[str, tuple[str, ...]]]:
    """Per concept label path: the (transcript, line) pairs its counted codings start on,
    and the transcripts; computed from gioia's own placement of the example's journals."""
    loaded = load_study(EXAMPLE)
    corpus = ingest(loaded)
    texts = {t.id: t.text for t in corpus.transcripts}
    analysis = analyse(loaded, corpus)
    paths = {}
    for dimension in loaded.codebook.dimensions:
        for theme in dimension.themes:
            for concept in theme.concepts:
                paths[concept.id] = (dimension.label, theme.label, concept.label)
    lines: dict[str, set] = defaultdict(set)
    transcripts: dict[str, set] = defaultdict(set)
    for placed in analysis.counted:
        text = texts[placed.coding.transcript]
        key = ":".join(paths[placed.concept])
        lines[key].add((placed.coding.transcript, text.count("\n", 0, placed.start)))
        transcripts[key].add(placed.coding.transcript)
    return lines, transcripts, paths


def test_qc_puts_each_coding_of_gioias_export_on_its_line():
    lines, transcripts, paths = example_lines()
    with (QC / "qc-code-counts.csv").open(encoding="utf-8") as file:
        qc_counts = {row["Code"]: int(row["Count"]) for row in csv.DictReader(file)}
    concepts = [":".join(path) for path in paths.values()]
    assert {c: qc_counts[c] for c in concepts} == {c: len(lines[c]) for c in concepts}
    # Line 0 for every selection would give one line per transcript: the fixture tells
    # the two apart.
    assert any(len(lines[c]) > len(transcripts[c]) for c in concepts)


def nodes_by_label(study: Path) -> dict[tuple[str, ...], tuple[int, int]]:
    result = invoke("structure", study, "--json")
    assert result.exit_code == 0, result.output
    nodes = json.loads(result.stdout)["nodes"]
    by_id = {n["id"]: n for n in nodes}

    def path(node):
        return (path(by_id[node["parent"]]) if node["parent"] else ()) + (node["label"],)

    return {path(n): (len(n["participants"]), n["segments"]) for n in nodes}


def test_qcs_export_of_the_example_imports_with_the_same_participants_per_node(tmp_path):
    study = tmp_path / "from-qc"
    result = invoke("import", QC / "example-through-qc.qdpx", study, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["sources"], summary["unplaced"]) == (8, 0)
    # qc keeps no cases: the participants come from the study's own file.
    shutil.copy(EXAMPLE / "participants.csv", study / "participants.csv")

    lines, _, paths = example_lines()
    original = nodes_by_label(EXAMPLE)
    imported = nodes_by_label(study)
    assert {k: n for k, (n, _) in imported.items()} == {k: n for k, (n, _) in original.items()}
    # A concept's segments in qc are its coded lines.
    assert {p: imported[p][1] for p in paths.values()} == {
        p: len(lines[":".join(p)]) for p in paths.values()
    }

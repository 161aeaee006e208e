"""`gioia accept` never overrides a human decision, however it was recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from gioia.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer-support"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "200"})


def test_accept_leaves_alone_what_the_coder_decided_by_quote(tmp_path):
    """The example's journal places every decision by its quote (start -1): accept must
    see them where they lie, not only lines with the suggestion's own offsets."""
    study = tmp_path / "study"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    journal = study / "codings" / "hb.jsonl"
    human = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    texts = {}
    assert invoke("ingest", study).exit_code == 0
    for path in (study / ".gioia" / "text").iterdir():
        texts[path.stem] = path.read_text(encoding="utf-8")
    decided = {}
    for line in human:
        text = texts[line["transcript"]]
        start = text.index(line["quote"])  # each example quote occurs once
        decided.setdefault((line["transcript"], line["concept"]), []).append(
            (start, start + len(line["quote"]))
        )

    result = invoke("accept", study, "--coder", "hb", "--min-score", "0")
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in journal.read_text(encoding="utf-8").splitlines()]
    assert lines[: len(human)] == human
    auto = lines[len(human) :]
    assert auto, "some suggestions are on talk hb did not decide"
    for line in auto:
        spans = decided.get((line["transcript"], line["concept"]), ())
        overlapping = [s for s in spans if s[0] < line["end"] and line["start"] < s[1]]
        assert not overlapping, line
    # Positive control: the example has suggestions on talk hb decided, now left alone.
    summary = " ".join(result.output.split())
    already = int(summary.split(" already decided")[0].rsplit("(", 1)[1])
    assert already > 0

"""Changed transcripts never lose codings: decisions are re-anchored by their quote, and
those that cannot be placed are reported as orphaned — the journal is never rewritten."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from gioia import pipeline
from gioia.journal import append_coding
from gioia.models import Coding

CODEBOOK = textwrap.dedent("""\
    version: 1
    title: Coping
    dimensions:
      - id: support
        label: Support
        themes:
          - id: emotional
            label: Emotional support
            concepts:
              - id: venting
                label: Venting
              - id: advice
                label: Advice
    """)

ORIGINAL = textwrap.dedent("""\
    Interviewer: How do you cope?

    P1: Mostly I rant to a colleague in the coffee room.

    Interviewer: And when you are unsure about a patient?

    P1: I ask one of the partners what they would do.
    """)


def make_study(root: Path) -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "transcripts" / "P1.txt").write_text(ORIGINAL, encoding="utf-8")
    return root


def code(study: Path, concept: str, quote: str) -> None:
    """A decision recorded at the offsets the quote has in the current normalised text,
    as `gioia review` records them."""
    loaded = pipeline.load_study(study)
    [transcript] = pipeline.ingest(loaded).transcripts
    start = transcript.text.index(quote)
    append_coding(
        study / "codings" / "ms.jsonl",
        Coding(
            "P1",
            start,
            start + len(quote),
            concept,
            "accept",
            "ms",
            "human",
            quote,
            "2026-11-26T10:00:00Z",
        ),
    )


def counted(study: Path) -> tuple[list[tuple[str, int, int]], list[str]]:
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    analysis = pipeline.analyse(loaded, corpus)
    text = corpus.transcripts[0].text
    placed = [(c.concept, c.start, c.end) for c in analysis.counted]
    assert all(text[s:e] for _, s, e in placed)
    return placed, [f"{o.coding.concept}: {o.reason}" for o in analysis.orphans]


def test_inserted_paragraph_moves_coding_and_reworded_quote_is_orphaned(tmp_path):
    study = make_study(tmp_path)
    code(study, "venting", "I rant to a colleague in the coffee room.")
    code(study, "advice", "I ask one of the partners what they would do.")
    journal_before = (study / "codings" / "ms.jsonl").read_bytes()
    before, orphans = counted(study)
    assert orphans == []

    edited = ORIGINAL.replace(
        "P1: Mostly I rant",
        "P1: It has been a hard year, to be honest.\n\nP1: Mostly I rant",
    ).replace("I ask one of the partners what they would do.", "I ask a partner what she would do.")
    (study / "transcripts" / "P1.txt").write_text(edited, encoding="utf-8")

    after, orphans = counted(study)
    [(concept, start, end)] = after
    assert concept == "venting"
    assert start > before[0][1]  # moved with the inserted paragraph
    text = pipeline.ingest(pipeline.load_study(study)).transcripts[0].text
    assert text[start:end] == "I rant to a colleague in the coffee room."
    assert orphans == ["advice: quote not found in the current transcript text"]
    # the journal itself is untouched
    assert (study / "codings" / "ms.jsonl").read_bytes() == journal_before

    result = pipeline.check(study)
    assert result.ok
    assert any("orphaned accept of 'advice' in P1" in p.message for p in result.problems)

    report = pipeline.report(pipeline.load_study(study))
    [orphan] = report.results["codings"]["orphaned"]
    assert (orphan["concept"], orphan["quote"]) == (
        "advice",
        "I ask one of the partners what they would do.",
    )
    assert "I ask one of the partners" in (study / "report" / "report.md").read_text()


def test_rewrapped_quote_is_placed_ignoring_whitespace(tmp_path):
    study = make_study(tmp_path)
    code(study, "venting", "I rant to a colleague in the coffee room.")
    # A paragraph break inside the quote: the normalised text now has "\n" there.
    rewrapped = ORIGINAL.replace("to a colleague in", "to a colleague\n\nin")
    (study / "transcripts" / "P1.txt").write_text(rewrapped, encoding="utf-8")
    text = pipeline.ingest(pipeline.load_study(study)).transcripts[0].text
    assert "colleague\nin the coffee room" in text
    placed, orphans = counted(study)
    assert orphans == []
    [(concept, start, end)] = placed
    assert concept == "venting"
    assert text[start:end] == "I rant to a colleague\nin the coffee room."


def test_journal_lines_are_json_with_the_quote(tmp_path):
    study = make_study(tmp_path)
    code(study, "venting", "I rant to a colleague in the coffee room.")
    [line] = (study / "codings" / "ms.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["quote"] == "I rant to a colleague in the coffee room."

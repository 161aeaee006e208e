"""Quotes accepted automatically are trimmed, at report time, to the sentences that
carry their evidence; quotes a human chose are shown as chosen."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gioia.cli import app
from gioia.report.trimming import evidence_sentences, keyword_spans, sentence_spans

TEXT = "GP1: First one. We eat in the kitchen! Third, “quoted.” Fourth? Last words"
#       0    5         15                    38 39            55 56     63 64     75


def test_sentence_spans_cover_the_sentences_without_white_space():
    spans = sentence_spans(TEXT, 5, len(TEXT))
    assert [TEXT[a:b] for a, b in spans] == [
        "First one.",
        "We eat in the kitchen!",
        "Third, “quoted.”",
        "Fourth?",
        "Last words",
    ]


def test_only_the_sentences_with_evidence_are_kept_and_gaps_are_runs():
    kitchen = TEXT.index("kitchen")
    fourth = TEXT.index("Fourth")
    third = TEXT.index("Third")
    runs = evidence_sentences(TEXT, 5, len(TEXT), [(kitchen, kitchen + 7), (fourth, fourth + 6)])
    assert [TEXT[a:b] for a, b in runs] == ["We eat in the kitchen!", "Fourth?"]
    # Evidence in two consecutive sentences keeps them as one run.
    runs = evidence_sentences(TEXT, 5, len(TEXT), [(kitchen, kitchen + 7), (third, third + 5)])
    assert [TEXT[a:b] for a, b in runs] == ["We eat in the kitchen! Third, “quoted.”"]


def test_no_evidence_or_evidence_everywhere_keeps_the_whole_span():
    assert evidence_sentences(TEXT, 5, len(TEXT), []) == [(5, len(TEXT))]
    assert evidence_sentences(TEXT, 5, 15, [(5, 10)]) == [(5, 15)]


def test_keywords_match_whole_words_and_phrases_ignoring_case():
    assert [TEXT[a:b] for a, b in keyword_spans(TEXT, 0, len(TEXT), ["KITCHEN", "last word"])] == [
        "kitchen",
        "Last words",
    ]
    assert keyword_spans(TEXT, 0, len(TEXT), ["itch"]) == []


def test_auto_accepted_quotes_are_trimmed_and_human_ones_are_not(tmp_path):
    """The example study, with a second coder `bot` whose journal `gioia accept` writes
    (source: auto). Every trimmed quote is made of whole sentences of its coded span that
    hold a match of the suggestion; hb's quotes are the journal's own."""
    import shutil

    example = Path(__file__).resolve().parents[1] / "examples" / "peer-support"
    study = tmp_path / "study"
    shutil.copytree(example, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    runner = CliRunner()
    suggested = runner.invoke(app, ["suggest", str(study), "--coder", "bot"], env={"NO_COLOR": "1"})
    assert suggested.exit_code == 0, suggested.output
    accepted = runner.invoke(
        app, ["accept", str(study), "--coder", "bot", "--min-score", "0.5"], env={"NO_COLOR": "1"}
    )
    assert accepted.exit_code == 0, accepted.output
    result = runner.invoke(app, ["report", str(study)], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    results = json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))
    suggestions = {
        (s["transcript"], s["start"], s["end"], s["concept"]): s
        for s in map(json.loads, (study / ".gioia" / "suggestions.jsonl").read_text().splitlines())
    }
    bot = [json.loads(line) for line in (study / "codings" / "bot.jsonl").read_text().splitlines()]
    auto_spans = {(c["transcript"], c["start"], c["end"]) for c in bot}
    human = {
        (c["transcript"], c["quote"])
        for c in map(json.loads, (study / "codings" / "hb.jsonl").read_text().splitlines())
    }
    texts = {
        t: (study / ".gioia" / "text" / f"{t}.txt").read_text(encoding="utf-8")
        for t in results["study"]["transcripts"]
    }
    import yaml

    codebook = yaml.safe_load((study / "codebook.yaml").read_text(encoding="utf-8"))
    keywords = {
        c["id"]: c.get("keywords", [])
        for d in codebook["dimensions"]
        for t in d["themes"]
        for c in t["concepts"]
    }
    trimmed = 0
    for concept, quotes in results["quotes"].items():
        for quote in quotes:
            key = (quote["transcript"], quote["start"], quote["end"])
            if key not in auto_spans:
                assert not quote["trimmed"]
                assert (quote["transcript"], quote["text"]) in human
                continue
            if not quote["trimmed"]:
                continue
            trimmed += 1
            text = texts[quote["transcript"]]
            evidence = suggestions[(*key, concept)]["evidence"]
            pieces = quote["text"].split(" […] ")
            assert [text[a:b] for a, b in quote["shown"]] == pieces
            for a, b in quote["shown"]:
                assert quote["start"] <= a < b <= quote["end"]
                assert text[a - 1] in " \n" or a == quote["start"]
                assert text[b - 1] in ".!?…”’\"')" or b == quote["end"]
                if evidence:
                    assert any(e["start"] < b and e["end"] > a for e in evidence)
                else:  # no matched terms (a learned score): the concept's keywords
                    assert any(k.lower() in text[a:b].lower() for k in keywords[concept])
            assert len(quote["text"]) < quote["end"] - quote["start"]
    assert trimmed >= 3
    markdown = (study / "report" / "report.md").read_text(encoding="utf-8")
    assert "Quotes accepted automatically (gioia accept) are shortened" in markdown

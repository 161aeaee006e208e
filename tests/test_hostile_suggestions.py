"""Suggestions are applied only to the text they were made on (issue 16, items 2 and 3).

A coder's suggestions are cached in ``.gioia/suggestions/<learner>.jsonl`` and published
as ``.gioia/suggestions.jsonl``, a hard link to that cache where the file system allows.
Whatever happens to those files between runs — a transcript edited or renamed since,
the published file edited by hand or copied back from an older run — `gioia accept` and
`gioia review` write only decisions on suggestions made from the current text: every
journal line names a transcript of the study, a span one fresh run would suggest, and a
quote that is the transcript's text at that span. A batch that cannot be applied whole
writes nothing.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from gioia import pipeline
from gioia.assist.labels import Learner
from gioia.cli import app

runner = CliRunner()

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
                label: Letting off steam
                keywords: [rant]
              - id: coffee-room
                label: The coffee room
                keywords: [coffee room]
    """)

TRANSCRIPTS = {
    "P1": textwrap.dedent("""\
        Interviewer: How do you cope?

        P1: I rant in the coffee room most days.

        Interviewer: And then?

        P1: Then I go home and rant at the cat.
        """),
    "P2": "Interviewer: Anything else?\n\nP2: We rant, mostly, in the coffee room.\n",
    "P3": "Interviewer: And you?\n\nP3: A rant now and then. The coffee room is gone.\n",
}

Key = tuple[str, int, int, str]


def make_study(root: Path) -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    for name, text in TRANSCRIPTS.items():
        (root / "transcripts" / f"{name}.txt").write_text(text, encoding="utf-8")
    return root


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "100"})


def ok(*args: object):
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result


def published(study: Path) -> Path:
    return study / ".gioia" / "suggestions.jsonl"


def edit_in_place(path: Path, change) -> None:
    """Rewrite the JSON lines of ``path`` through the same file (as an editor that
    saves in place, or a script's ``open(path, "w")``, does)."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as out:  # the same inode: the cache's too
        out.writelines(json.dumps(change(line)) + "\n" for line in lines)


def prepend_a_line(study: Path, name: str = "P1") -> None:
    path = study / "transcripts" / f"{name}.txt"
    path.write_text("Interviewer: One more thing first.\n\n" + path.read_text("utf-8"), "utf-8")


def fresh(study: Path, tmp_path: Path, coder: str = "ms") -> set[Key]:
    """What a first run on the study as it is now suggests to ``coder``: a copy of it
    without any cache."""
    copy = tmp_path / "fresh"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(study, copy, ignore=shutil.ignore_patterns(".gioia"))
    loaded = pipeline.load_study(copy)
    corpus = pipeline.ingest(loaded)
    parsed = pipeline.parse(loaded, corpus)
    made = pipeline.suggest(loaded, corpus, parsed, learner=pipeline.learner_for(loaded, coder))
    return {(s.transcript, s.start, s.end, s.concept) for s in made}


def journal(study: Path, coder: str = "ms") -> list[dict]:
    path = study / "codings" / f"{coder}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def assert_only_fresh_decisions(study: Path, expected: set[Key], coder: str = "ms") -> None:
    """Every line of the journal is a decision on a suggestion of the current text, and
    its quote is that text at its offsets."""
    lines = journal(study, coder)
    assert lines
    for line in lines:
        key = (line["transcript"], line["start"], line["end"], line["concept"])
        assert key in expected, f"{key} {line['quote']!r} is no suggestion of the current text"
        text = (study / "transcripts" / f"{line['transcript']}.txt").read_text("utf-8")
        normalised = (study / ".gioia" / "text" / f"{line['transcript']}.txt").read_text("utf-8")
        assert line["quote"] == normalised[line["start"] : line["end"]]
        assert line["quote"] in text


def stale_file_copied_back(study: Path, tmp_path: Path, change) -> None:
    """`gioia suggest`, a copy of the published file kept, the study changed, `gioia
    suggest` again, and the old copy put back over the published file."""
    ok("suggest", study, "--coder", "ms")
    kept = tmp_path / "kept.jsonl"
    shutil.copyfile(published(study), kept)
    change(study)
    ok("suggest", study, "--coder", "ms")
    shutil.copyfile(kept, published(study))  # writes into the file: the cache's too


# --------------------------------------------------------------------------- 2: stale


def test_accept_after_an_edit_accepts_the_suggestions_of_the_edited_text(tmp_path):
    study = make_study(tmp_path / "study")
    ok("suggest", study, "--coder", "ms")
    prepend_a_line(study)
    expected = fresh(study, tmp_path)
    ok("accept", study, "--coder", "ms", "--min-score", "0")
    assert_only_fresh_decisions(study, expected)
    assert len(journal(study)) == len(expected)


def test_an_older_suggestions_file_copied_back_is_not_applied_to_the_edited_text(tmp_path):
    study = make_study(tmp_path / "study")
    stale_file_copied_back(study, tmp_path, prepend_a_line)
    expected = fresh(study, tmp_path)
    ok("accept", study, "--coder", "ms", "--min-score", "0")
    assert_only_fresh_decisions(study, expected)
    assert len(journal(study)) == len(expected)


def test_suggest_again_publishes_the_suggestions_of_the_current_text(tmp_path):
    """Scripts read .gioia/suggestions.jsonl: an older copy put back over it is
    replaced by the next `gioia suggest`, although nothing they depend on changed."""
    study = make_study(tmp_path / "study")
    stale_file_copied_back(study, tmp_path, prepend_a_line)
    ok("suggest", study, "--coder", "ms")
    lines = [json.loads(line) for line in published(study).read_text("utf-8").splitlines()]
    assert {(s["transcript"], s["start"], s["end"], s["concept"]) for s in lines} == fresh(
        study, tmp_path
    )


def test_a_hand_edited_suggestions_file_cannot_move_a_quote(tmp_path):
    study = make_study(tmp_path / "study")
    ok("suggest", study, "--coder", "ms")
    edit_in_place(published(study), lambda s: s | {"start": s["start"] + 3, "end": s["end"] + 5})
    expected = fresh(study, tmp_path)
    ok("accept", study, "--coder", "ms", "--min-score", "0")
    assert_only_fresh_decisions(study, expected)


def test_suggestions_made_before_an_edit_are_made_again_by_accept(tmp_path):
    """Through the Python API: suggestions made, a transcript edited, then accepted
    against the corpus read since."""
    study = make_study(tmp_path / "study")
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    learner = pipeline.learner_for(loaded, "ms")
    before = pipeline.suggest_for(loaded, corpus, pipeline.parse(loaded, corpus), learner=learner)
    prepend_a_line(study)
    expected = fresh(study, tmp_path)
    now = pipeline.ingest(loaded)
    result = pipeline.accept(loaded, now, before, coder="ms", min_score=0.0)
    assert result.accepted == len(expected)
    assert_only_fresh_decisions(study, expected)


def test_review_offers_only_suggestions_of_the_edited_text(tmp_path):
    study = make_study(tmp_path / "study")
    stale_file_copied_back(study, tmp_path, prepend_a_line)
    expected = fresh(study, tmp_path)
    session = pipeline.review_session(pipeline.load_study(study), coder="ms")
    assert {item.key for item in session.items} == expected
    while session.current is not None:
        session.accept()
    assert_only_fresh_decisions(study, expected)


def test_the_codebook_suggestions_the_ranker_learns_beside_are_never_a_tampered_cache(
    tmp_path,
):
    """The learned ranker reads the codebook's suggestions from their cache, which a
    plain `gioia suggest` publishes: edited by hand, they are made again."""
    study = make_study(tmp_path / "study")
    ok("suggest", study)
    edit_in_place(published(study), lambda s: s | {"start": s["start"] + 3, "transcript": "P9"})
    expected = fresh(study, tmp_path)
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    made = pipeline.suggest(loaded, corpus, pipeline.parse(loaded, corpus), learner=Learner(()))
    assert {(s.transcript, s.start, s.end, s.concept) for s in made} == expected

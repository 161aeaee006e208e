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

import dataclasses
import hashlib
import json
import shutil
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gioia import pipeline
from gioia.assist.labels import Learner
from gioia.cli import app
from gioia.errors import GioiaError
from gioia.models import Suggestion

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


# --------------------------------------------------------------------------- 3: renamed


def rename_p1(study: Path) -> None:
    (study / "transcripts" / "P1.txt").rename(study / "transcripts" / "Q1.txt")


def test_accept_after_a_rename_applies_nothing_to_the_old_name(tmp_path):
    study = make_study(tmp_path / "study")
    stale_file_copied_back(study, tmp_path, rename_p1)
    expected = fresh(study, tmp_path)
    for _ in range(2):  # and again: nothing new, no error
        result = ok("accept", study, "--coder", "ms", "--min-score", "0")
        assert "internal error" not in result.output
    assert_only_fresh_decisions(study, expected)
    assert len(journal(study)) == len(expected)
    assert not any(line["transcript"] == "P1" for line in journal(study))


def test_suggestions_made_before_a_rename_are_made_again_by_accept(tmp_path):
    study = make_study(tmp_path / "study")
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    before = pipeline.suggest_for(loaded, corpus, pipeline.parse(loaded, corpus))
    rename_p1(study)
    expected = fresh(study, tmp_path)
    result = pipeline.accept(loaded, pipeline.ingest(loaded), before, coder="ms", min_score=0.0)
    assert result.accepted == len(expected)
    assert_only_fresh_decisions(study, expected)


def test_a_batch_that_cannot_be_applied_whole_writes_nothing(tmp_path):
    """A suggestion naming a transcript not in the study, last in the batch: refused
    before the first line is written, with a message that names it."""
    study = make_study(tmp_path / "study")
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    suggested = pipeline.suggest_for(loaded, corpus, pipeline.parse(loaded, corpus))
    made = suggested.suggestions
    gone = Suggestion("P9", 10, 20, "venting", 0.9, "keyword", ())
    shifted = dataclasses.replace(made[0], start=made[0].start - 4)
    for bad, named in ((gone, "P9"), (shifted, "P1")):
        forged = dataclasses.replace(suggested, _suggestions=[*made, bad])
        with pytest.raises(GioiaError, match=named) as raised:
            pipeline.accept(loaded, corpus, forged, coder="ms", min_score=0.0)
        assert raised.value.hint
        assert not (study / "codings" / "ms.jsonl").exists()


def test_review_after_a_rename_offers_nothing_of_the_old_name(tmp_path):
    study = make_study(tmp_path / "study")
    stale_file_copied_back(study, tmp_path, rename_p1)
    expected = fresh(study, tmp_path)
    session = pipeline.review_session(pipeline.load_study(study), coder="ms")
    assert {item.key for item in session.items} == expected


def test_a_forged_cache_resealed_by_hand_is_refused_whole(tmp_path):
    """The cache and its lock both rewritten to agree, naming a transcript the study
    does not have: accept and review refuse, with the fix, and write nothing."""
    study = make_study(tmp_path / "study")
    ok("suggest", study, "--coder", "ms")
    cache = study / ".gioia" / "suggestions" / "ms.jsonl"
    edit_in_place(cache, lambda s: s | {"transcript": "P9"} if s["transcript"] == "P3" else s)
    lock = cache.with_suffix(".lock")
    record = json.loads(lock.read_text("utf-8"))
    record["digest"] = hashlib.sha256(cache.read_bytes()).hexdigest()
    lock.write_text(json.dumps(record), "utf-8")

    result = invoke("accept", study, "--coder", "ms", "--min-score", "0")
    assert result.exit_code == 1, result.output
    assert "'P9' is not a transcript of this study" in result.output
    assert "delete" in result.output and "internal error" not in result.output
    assert journal(study) == []
    with pytest.raises(GioiaError, match="P9"):
        pipeline.review_session(pipeline.load_study(study), coder="ms")


def test_publishing_the_same_suggestions_again_leaves_no_temporary_file(tmp_path):
    study = make_study(tmp_path / "study")
    for _ in range(3):
        ok("suggest", study)
    assert sorted(p.name for p in (study / ".gioia").iterdir() if p.name.endswith(".tmp")) == []
    assert published(study).is_file()


def test_the_report_counts_no_suggestions_made_from_other_text(tmp_path):
    study = make_study(tmp_path / "study")
    ok("suggest", study)
    ok("report", study)
    results = json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))
    made = len(published(study).read_text(encoding="utf-8").splitlines())
    assert made > 0 and results["suggestions"]["total"] == made
    assert results["review"]["pending_suggestions"] == made

    prepend_a_line(study)
    ok("report", study)
    stale = json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))
    assert stale["suggestions"]["total"] == 0
    assert stale["review"]["pending_suggestions"] is None

    ok("suggest", study)
    ok("report", study)
    again = json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))
    assert again["suggestions"]["total"] == len(published(study).read_text().splitlines()) > 0

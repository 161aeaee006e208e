"""`gioia discover`: candidate in-vivo concepts from participant talk."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
import yaml

from gioia import pipeline
from gioia.assist.discover import (
    Candidate,
    GeneralFrequencies,
    concept_stubs,
    discover_candidates,
    load_general_frequencies,
)
from gioia.codebook import load_codebook
from gioia.models import Codebook, Concept, Dimension, Theme, Transcript, Turn
from gioia.segment import segment_transcript

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer-support"

TALK = [
    ("Interviewer", "Where do you go? Is it the staff room?"),
    (
        "A",
        "The car park. The staff room is loud. A quiet corner of the car park. "
        "A quiet corner helps. A coffee break too.",
    ),
    ("Interviewer", "And you?"),
    ("B", "The car park, always. The staff room is loud. A coffee break helps."),
]
GENERAL = GeneralFrequencies({"car": math.log(0.001), "park": math.log(0.0005)}, math.log(1e-6))


def transcript_of(turns) -> Transcript:
    text, made = "", []
    for speaker, talk in turns:
        text += ("\n\n" if text else "") + f"{speaker}: "
        interviewer = speaker == "Interviewer"
        made.append(
            Turn(
                speaker,
                len(text),
                len(text) + len(talk),
                interviewer,
                None if interviewer else speaker,
            )
        )
        text += talk
    return Transcript("T1", "T1.txt", "txt", "utf-8", text, tuple(made))


def discover_tiny(nlp, general=GENERAL, **kwargs) -> list[Candidate]:
    transcript = transcript_of(TALK)
    doc = nlp(transcript.text)
    segments = segment_transcript(transcript, [(s.start_char, s.end_char) for s in doc.sents])
    theme = Theme(
        "t", "T", "d", concepts=(Concept("breaks", "Breaks", "t", "d", keywords=("coffee",)),)
    )
    codebook = Codebook("test", (Dimension("d", "D", themes=(theme,)),))
    return discover_candidates(
        nlp, codebook, {"T1": transcript}, {"T1": doc}, {"T1": segments}, general, **kwargs
    )


def test_tiny_corpus_by_hand(nlp):
    """ "car park": said 3 times (A twice, B once) in 36 words of participant talk.
    keyness(car) = ln(3/36) - ln(0.001) = 4.42285; keyness(park) = ln(3/36) - ln(0.0005)
    = 5.11600; distinctiveness = log2(1 + 3) * mean = 2 * 4.76942 = 9.53884.
    Not candidates: "staff room" (the interviewer said it; "staff room is loud" contains
    it), "quiet corner" (one participant), "coffee break" (the keyword "coffee" covers it),
    "room is loud" (only ever part of "staff room is loud")."""
    [found] = discover_tiny(nlp)
    assert (found.phrase, found.lemmas, found.count) == ("car park", "car park", 3)
    assert found.participants == ("A", "B")
    assert found.distinctiveness == pytest.approx(9.5388, abs=1e-4)
    # shortest sentences first, one per participant, without the speaker's label
    assert found.examples == ("The car park.", "The car park, always.")


def test_thresholds(nlp):
    phrases = {c.phrase for c in discover_tiny(nlp, min_participants=1)}
    assert phrases == {"car park", "quiet corner"}
    assert discover_tiny(nlp, min_count=4) == []


def test_without_general_frequencies_keyness_is_idf(nlp):
    # "car" and "park" are in both segments: ln(2 / 2) = 0
    [found] = discover_tiny(nlp, general=None)
    assert found.distinctiveness == 0.0


def test_general_frequencies_come_from_spacy_lookups_data():
    general = load_general_frequencies("en", {"kettle", "the", "zzqxj"})
    assert general is not None
    assert set(general.log_probs) == {"kettle", "the"}
    assert general.log_probs["the"] > general.log_probs["kettle"] > general.unseen
    assert load_general_frequencies("xx", {"kettle"}) is None


def test_concept_stubs_load_as_codebook_concepts(tmp_path):
    candidates = [
        Candidate(
            "car park", "car park", 3, ("A", "B"), ("The car park.", "Car park: quiet."), 9.5
        ),
        Candidate("Car Park", "car park", 2, ("A", "B"), (), 1.0),
    ]
    stubs = concept_stubs(candidates, taken_ids=["car-park"])
    assert yaml.safe_load(stubs)[0] == {
        "id": "car-park-2",
        "label": "car park",
        "in_vivo": True,
        "keywords": ["car park"],
        "examples": ["The car park.", "Car park: quiet."],
    }
    indented = "".join(f"          {line}\n" for line in stubs.splitlines())
    codebook_file = tmp_path / "codebook.yaml"
    codebook_file.write_text(
        "version: 1\ntitle: T\ndimensions:\n  - id: d\n    label: D\n    themes:\n"
        "      - id: t\n        label: T\n        concepts:\n" + indented,
        encoding="utf-8",
    )
    codebook, _ = load_codebook(codebook_file)
    assert [c.id for c in codebook.concepts] == ["car-park-2", "car-park-3"]
    assert codebook.concepts[0].in_vivo


@pytest.fixture(scope="module")
def example_discovery(tmp_path_factory) -> tuple[dict, list[str]]:
    study = tmp_path_factory.mktemp("discover") / "peer-support"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    found = pipeline.discover(loaded, corpus, pipeline.parse(loaded, corpus))
    interviewer = [
        t.text[turn.start : turn.end].lower()
        for t in corpus.transcripts
        for turn in t.turns
        if turn.is_interviewer
    ]
    return found, interviewer


def test_example_study_gives_in_vivo_candidates(example_discovery):
    """Read in the transcripts: GP4, GP7 and GP8 go to the car park (GP4 to take in bad
    news); GP4 and GP5 name the duty doctor; GP6 and GP8 contrast the practice meeting with
    informal talk; GP5, GP7 and GP8 speak of newly qualified GPs; GP1 and GP6 of a bad day."""
    found, _ = example_discovery
    rows = {c["phrase"]: c for c in found["candidates"]}
    assert {"car park", "duty doctor", "practice meeting", "newly qualified", "bad day"} <= set(
        rows
    )
    assert (rows["car park"]["count"], rows["car park"]["participants"]) == (
        3,
        ("GP4", "GP7", "GP8"),
    )
    assert all(len(c["examples"]) == 2 for c in found["candidates"])
    assert [c["distinctiveness"] for c in found["candidates"]] == sorted(
        (c["distinctiveness"] for c in found["candidates"]), reverse=True
    )
    assert "- id: car-park\n  label: car park\n  in_vivo: true\n" in found["yaml"]


def test_example_study_never_offers_the_interviewers_words(example_discovery):
    found, interviewer = example_discovery
    # Participants say "day to day" (GP2, GP3), but so does the interviewer.
    said = " ".join(interviewer)
    assert "day to day" in said
    for candidate in found["candidates"]:
        assert not re.search(rf"\b{re.escape(candidate['phrase'].lower())}\b", said)

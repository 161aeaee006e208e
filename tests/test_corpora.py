"""Real transcripts no one on this project wrote, read as they were found.

sealuzh (MIT): five expert interviews in Mac Roman with classic Mac CR line endings, a
timestamp line before every ``Q:``/``A:`` turn. PDPilot (BSD-3-Clause): seven interviews
extracted from MAXQDA PDF exports, words separated by tabs, with 262 segments a human coded.
Turn counts were taken from the files, not from gioia: for sealuzh
``tr '\\r' '\\n' < transcript_interview_N.txt | grep -c '^Q:'`` (and ``'^A:'``, and
``'^A '`` for the two labels without a colon in interview 5); for PDPilot
``grep -c '^Dan:'`` and ``'^Participant:'``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from gioia.ingest import DEFAULT_INTERVIEWER_LABELS, attribute_speakers, read_transcript
from gioia.models import Participant, Transcript

DATA = Path(__file__).parent / "data"
SEALUZH = DATA / "corpora" / "sealuzh"
PDPILOT = DATA / "transcripts" / "pdpilot"
PDPILOT_LABELS = (*DEFAULT_INTERVIEWER_LABELS, "Dan")
CLOCK_TIME = re.compile(r"\b\d\d:\d\d:\d\d\b")


def read(path: Path, **kwargs) -> Transcript:
    transcript = read_transcript(path, transcript_id=path.stem, rel_path=path.name, **kwargs)
    rendered = "\n\n".join(
        f"{turn.speaker}: {transcript.text[turn.start : turn.end]}" for turn in transcript.turns
    )
    assert rendered == transcript.text
    return transcript


def speaker_counts(transcript: Transcript) -> Counter[str]:
    return Counter(turn.speaker for turn in transcript.turns)


def spoken(transcript: Transcript, index: int) -> str:
    turn = transcript.turns[index]
    return transcript.text[turn.start : turn.end]


# --------------------------------------------------------------------------- sealuzh


@pytest.mark.parametrize(
    ("number", "questions", "answers"),
    [(1, 36, 47), (2, 31, 35), (3, 38, 48), (4, 32, 45), (5, 29, 32)],
)
def test_sealuzh_interviews_are_detected_as_mac_roman_with_q_and_a_turns(
    number, questions, answers
):
    path = SEALUZH / f"transcript_interview_{number}.txt"
    data = path.read_bytes()
    assert b"\r" in data and b"\n" not in data  # classic Mac line endings, as found
    transcript = read(path, interviewer_labels=DEFAULT_INTERVIEWER_LABELS)
    assert transcript.encoding == "mac-roman"
    assert set(transcript.speakers) == {"Q", "A"}
    assert speaker_counts(transcript) == {"Q": questions, "A": answers}
    assert all(turn.is_interviewer == (turn.speaker == "Q") for turn in transcript.turns)
    # The title line is a header, the timestamp lines are dropped.
    assert not transcript.text.startswith("Transcript")
    assert "Developer Interview" not in transcript.text
    assert CLOCK_TIME.search(transcript.text) is None


@pytest.mark.parametrize(
    ("number", "raw", "decoded"),
    [
        (1, b"the developer that doesn\xabt know", "the developer that doesn´t know"),
        (2, b"condition are met? That\xd5s in the production", "met? That’s in the production"),
        (4, b"A: It\xd5s too much magic going on. [...]", "It’s too much magic going on. [...]"),
        (5, b"Sehr \x8ahnlich", "Sehr ähnlich"),
        (5, b"start testing your tests, then\xc9", "start testing your tests, then…"),
    ],
)
def test_sealuzh_characters_decode_as_mac_roman(number, raw, decoded):
    path = SEALUZH / f"transcript_interview_{number}.txt"
    assert raw in path.read_bytes()
    assert decoded in read(path).text


def test_sealuzh_turns_keep_their_bracketed_marks():
    transcript = read(SEALUZH / "transcript_interview_1.txt")
    assert transcript.text.startswith(
        "Q: So, first I would like to ask you some background questions about your background."
    )
    assert "A: [...] So retrying is not a good strategy" in transcript.text
    assert transcript.text.endswith("Q: [Conclusion of interview]")
    assert transcript.warnings == ()


def test_sealuzh_labels_without_a_colon_start_turns_and_are_reported():
    """Interview 5 has "A Sure. I haven't been..." and "A Yes, of course, ..." right after
    a timestamp line. Left as text, the answer would join the interviewer's question and
    never be coded: as every other timestamp line is followed by a label, they are turns."""
    transcript = read(SEALUZH / "transcript_interview_5.txt")
    by_line = {turn.line: index for index, turn in enumerate(transcript.turns)}
    sure, yes = by_line[7], by_line[179]
    assert transcript.turns[sure].speaker == transcript.turns[yes].speaker == "A"
    assert spoken(transcript, sure).startswith("Sure. I haven't been in development")
    assert spoken(transcript, yes) == (
        "Yes, of course, next comes the adaptability/fragility of a test."
    )
    assert spoken(transcript, sure - 1).endswith("and also as an employed developer?")
    assert transcript.warnings == (
        "read 2 line(s) that begin with a speaker label but no colon as turns, because a "
        "timestamp comes before them as before the other turns: "
        "line 7 \"A Sure. I haven't be\", line 179 'A Yes, of course, ne'",
    )


def test_a_timestamp_on_the_label_line_and_crlf_endings_give_the_same_turns(tmp_path):
    """Other copies of these transcripts have the timestamp and the label on one line
    ("00:01:03 Q: ...") and Windows line endings."""
    original = read(SEALUZH / "transcript_interview_2.txt")
    data = (SEALUZH / "transcript_interview_2.txt").read_bytes()
    glued = re.sub(rb"(\d\d:\d\d:\d\d) ?\r(?=[QA]:)", rb"\1 ", data).replace(b"\r", b"\r\n")
    assert b"\r\n00:01:03 Q: You have come around a lot." in glued
    path = tmp_path / "transcript_interview_2.txt"
    path.write_bytes(glued)
    transcript = read(path)
    assert transcript.encoding == "mac-roman"
    assert transcript.text == original.text
    assert [t.speaker for t in transcript.turns] == [t.speaker for t in original.turns]


# --------------------------------------------------------------------------- PDPilot


@pytest.mark.parametrize(
    ("name", "dan", "participant"),
    [
        ("P1", 47, 47),
        ("P2", 81, 84),
        ("P3", 61, 60),
        ("P4", 54, 55),
        ("P6", 50, 49),
        ("P7", 52, 52),
    ],
)
def test_pdpilot_interviews_have_dan_and_participant_turns(name, dan, participant):
    """The counts are the labels in the files (grep), less the turns the PDF export
    repeated at the top of the next page (P3 1, P4 2, P6 1, P7 2; P5 2): where a page
    breaks in a turn, the next page repeats its last line, with the label when that line
    was the turn's first, and gioia drops the repeat as page furniture."""
    transcript = read(PDPILOT / f"{name}.txt", interviewer_labels=PDPILOT_LABELS)
    assert transcript.encoding == "utf-8"
    assert transcript.speakers == ("Dan", "Participant")
    assert speaker_counts(transcript) == {"Dan": dan, "Participant": participant}
    assert all(turn.is_interviewer == (turn.speaker == "Dan") for turn in transcript.turns)
    assert "\t" not in transcript.text


def test_pdpilot_p5_misspelt_label_is_its_own_speaker_and_is_reported():
    """P5 line 726 reads "Particpant:". gioia does not guess that it means "Participant":
    the turn keeps the label as written, and attributing speakers reports it, with the
    label it is close to."""
    transcript = read(PDPILOT / "P5.txt", interviewer_labels=PDPILOT_LABELS)
    assert speaker_counts(transcript) == {"Dan": 67, "Participant": 66, "Particpant": 1}
    (typo,) = [t for t in transcript.turns if t.speaker == "Particpant"]
    assert (typo.line, typo.is_interviewer) == (726, False)
    assert transcript.text[typo.start : typo.end] == "Right."

    rows = [Participant("P5", transcript="P5", speaker="Participant")]
    attributed, problems = attribute_speakers(transcript, rows)
    assert {t.participant for t in attributed.participant_turns} == {"P5", None}
    assert [(p.message, p.severity) for p in problems] == [
        (
            "speaker 'Particpant' (P5.txt, first turn on line 726) matches no participant, so "
            "their talk is not coded: did you mean 'Participant'?",
            "warning",
        )
    ]


def test_pdpilot_human_coded_segments_are_found_in_the_normalised_text():
    """The normalised text keeps the words the coder saw: 260 of the 262 coded segments
    are found in it verbatim, comparing without case and whitespace (and without the space
    that the export and MAXQDA put after a hyphen at a line break in different places,
    "two- way" / "two-way"; 253 without that allowance). The other 2 begin with the name of
    their code glued to the segment ("overfittingI think...")."""
    texts = {
        name: _comparable(read(PDPILOT / f"{name}.txt", interviewer_labels=PDPILOT_LABELS).text)
        for name in [f"P{n}" for n in range(1, 8)]
    }
    lines = (PDPILOT / "coded_segments.jsonl").read_text(encoding="utf-8").splitlines()
    segments = [json.loads(line) for line in lines]
    assert len(segments) == 262
    found = sum(_comparable(s["segment"]) in texts[s["doc"]] for s in segments)
    assert found == 260


def _comparable(text: str) -> str:
    return re.sub(r"(?<=\w)- (?=\w)", "-", " ".join(text.split()).casefold())

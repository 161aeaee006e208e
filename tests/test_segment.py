"""Cutting transcripts into segments: one per participant turn, long turns at sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from gioia.ingest import read_transcript
from gioia.ingest.speakers import attribute_speakers
from gioia.models import Transcript, Turn
from gioia.segment import count_words, segment_bounds, segment_transcript, segments_at

P1 = Path(__file__).parent / "data" / "transcripts" / "pdpilot" / "P1.txt"

# "Interviewer: Tell me.\n\nP1: " is 27 characters, so P1's turn starts at 27:
#   27-46 "One two three four."        47-68 "Five six seven eight."
#   69-92 "Nine ten eleven twelve."    93-127 "Thirteen fourteen fifteen sixteen."
LONG_ANSWER = (
    "One two three four. Five six seven eight. Nine ten eleven twelve. "
    "Thirteen fourteen fifteen sixteen."
)
SENTENCES = [(0, 21), (23, 46), (47, 68), (69, 92), (93, 127), (129, 153)]


def make_transcript(*turns: tuple[str, str, bool]) -> Transcript:
    """A transcript rendered as gioia.ingest renders one; turns are (speaker, text,
    is_interviewer), and each participant turn is attributed to its speaker."""
    text = ""
    made = []
    for speaker, spoken, is_interviewer in turns:
        text += ("\n\n" if text else "") + f"{speaker}: "
        made.append(
            Turn(
                speaker,
                len(text),
                len(text) + len(spoken),
                is_interviewer,
                participant=None if is_interviewer else speaker,
            )  # fmt: skip
        )
        text += spoken
    return Transcript("T1", "T1.txt", "txt", "utf-8", text, tuple(made))


def interview() -> Transcript:
    return make_transcript(
        ("Interviewer", "Tell me.", True),
        ("P1", LONG_ANSWER, False),
        ("Interviewer", "Thanks. Anything else?", True),
    )


def spans(segments) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.text) for s in segments]


def test_the_fixture_offsets_are_what_the_comment_says():
    transcript = interview()
    assert transcript.turns[1].start == 27 and transcript.turns[1].end == 127
    assert [transcript.text[a:b] for a, b in SENTENCES[1:5]] == [
        "P1: One two three four.",
        "Five six seven eight.",
        "Nine ten eleven twelve.",
        "Thirteen fourteen fifteen sixteen.",
    ]


def test_a_short_turn_is_one_segment_and_interviewer_turns_none():
    segments = segment_transcript(interview(), SENTENCES, max_words=150)
    assert len(segments) == 1
    (segment,) = segments
    assert (segment.transcript, segment.start, segment.end) == ("T1", 27, 127)
    assert segment.text == LONG_ANSWER
    assert (segment.speaker, segment.participant, segment.turn) == ("P1", "P1", 1)
    assert segment.key == ("T1", 27, 127)


def test_a_long_turn_is_split_at_sentence_boundaries():
    segments = segment_transcript(interview(), SENTENCES, max_words=8)
    assert spans(segments) == [
        (27, 68, "One two three four. Five six seven eight."),
        (69, 127, "Nine ten eleven twelve. Thirteen fourteen fifteen sixteen."),
    ]
    assert {s.turn for s in segments} == {1}


@pytest.mark.parametrize(
    ("max_words", "expected"),
    [
        (16, [(27, 127)]),
        (15, [(27, 92), (93, 127)]),
        (12, [(27, 92), (93, 127)]),
        (11, [(27, 68), (69, 127)]),
        (7, [(27, 46), (47, 68), (69, 92), (93, 127)]),
    ],
)
def test_sentences_are_packed_up_to_max_words(max_words, expected):
    segments = segment_transcript(interview(), SENTENCES, max_words=max_words)
    assert [(s.start, s.end) for s in segments] == expected


def test_a_sentence_longer_than_max_words_stays_whole():
    segments = segment_transcript(interview(), SENTENCES, max_words=3)
    assert [s.text for s in segments] == [
        "One two three four.",
        "Five six seven eight.",
        "Nine ten eleven twelve.",
        "Thirteen fourteen fifteen sixteen.",
    ]


def test_a_long_turn_without_sentences_stays_whole():
    segments = segment_transcript(interview(), [], max_words=3)
    assert spans(segments) == [(27, 127, LONG_ANSWER)]


def test_sentences_may_come_unsorted_and_leave_gaps():
    # Only the sentence starting at 69 falls inside the turn: two pieces, whatever else.
    segments = segment_transcript(interview(), [(69, 80), (0, 5)], max_words=8)
    assert [(s.start, s.end) for s in segments] == [(27, 68), (69, 127)]


def test_segments_are_trimmed_at_paragraph_breaks():
    transcript = make_transcript(
        ("Q", "Why?", True), ("A", "First part here.\nSecond part here.", False)
    )
    # "Q: Why?\n\nA: " is 12 characters; the paragraph break is at 28.
    segments = segment_transcript(transcript, [(12, 28), (28, 46)], max_words=3)
    assert spans(segments) == [(12, 28, "First part here."), (29, 46, "Second part here.")]


def test_every_participant_turn_of_a_focus_group_is_segmented_in_order():
    transcript = make_transcript(
        ("Moderator", "Who starts?", True),
        ("Anna", "Me.", False),
        ("Ben", "Then me.", False),
        ("Moderator", "Good.", True),
        ("Anna", "Again me.", False),
    )
    segments = segment_transcript(transcript, [], max_words=150)
    assert [(s.speaker, s.turn, s.text) for s in segments] == [
        ("Anna", 1, "Me."),
        ("Ben", 2, "Then me."),
        ("Anna", 4, "Again me."),
    ]


@pytest.mark.parametrize(
    ("text", "words"), [("", 0), ("  ", 0), ("one", 1), ("a  b\tc\nd", 4), ("it's 2-3", 2)]
)
def test_count_words(text, words):
    assert count_words(text) == words


def test_a_real_interview_with_spacy_sentences():
    spacy = pytest.importorskip("spacy")
    read = read_transcript(P1, transcript_id="P1", rel_path="P1.txt", interviewer_labels=["Dan"])
    transcript, problems = attribute_speakers(read, ())  # the lone speaker is P1
    assert not problems
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    sentences = [(s.start_char, s.end_char) for s in nlp(transcript.text).sents]
    segments = segment_transcript(transcript, sentences, max_words=60)

    assert {s.turn for s in segments} == {
        i for i, turn in enumerate(transcript.turns) if not turn.is_interviewer
    }
    assert len(segments) > 47  # some of the 47 answers are longer than 60 words
    for segment in segments:
        turn = transcript.turns[segment.turn]
        assert turn.start <= segment.start < segment.end <= turn.end
        assert segment.text == transcript.text[segment.start : segment.end]
        assert segment.text == segment.text.strip()
        assert count_words(segment.text) <= 60 or not any(
            segment.start < start < segment.end for start, _ in sentences
        )
    # Consecutive segments of one turn leave nothing out but whitespace.
    for before, after in zip(segments, segments[1:], strict=False):
        if before.turn == after.turn:
            assert transcript.text[before.end : after.start].strip() == ""
    # What a worker process sends back of them is enough to make them again.
    bounds = segment_bounds(segments)
    assert all(len(bound) == 3 for bound in bounds)
    assert segments_at(transcript, bounds) == segments


def test_words_glued_across_a_sentence_start_count_once():
    """Sentences that start with no space before them ("one.two.") cut a word in two;
    the word count of a chunk is that of its text, not the sum of its sentences'."""
    text = "P1: one.two.three four.five six seven.eight"
    transcript = Transcript(
        "T", "T.txt", "txt", "utf-8", text, (Turn("P1", 4, len(text), participant="P1"),)
    )
    sentences = [(4, 8), (8, 12), (12, 23), (23, len(text))]
    # "one.two.three four." is 2 words (4 as sentences), then 2 + 3 - 1 > 2: a cut.
    segments = segment_transcript(transcript, sentences, max_words=2)
    assert [s.text for s in segments] == ["one.two.three four.", "five six seven.eight"]


def test_an_unmapped_speakers_turn_is_no_segment():
    """Talk that counts for no participant is not offered for coding (a misspelt label in
    participants.csv is reported by check instead); a mapped speaker's turn is."""
    text = "Anna: Mine.\n\nAna: Not mapped."
    turns = (Turn("Anna", 6, 11, participant="A1"), Turn("Ana", 19, len(text)))
    transcript = Transcript("T", "T.txt", "txt", "utf-8", text, turns)
    segments = segment_transcript(transcript, [], max_words=150)
    assert [(s.participant, s.text) for s in segments] == [("A1", "Mine.")]

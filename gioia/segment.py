"""Transcript → segments, the units that are coded.

A segment is one participant turn; a turn longer than ``max_words`` is cut at sentence
boundaries into consecutive parts of at most ``max_words`` each (a single sentence
longer than that stays whole). Interviewer turns give context but are never segments,
and neither is the talk of a speaker no participant maps to (a typo in participants.csv
must not make talk that counts for nobody): suggestions, review and `gioia code` all
leave it alone until the speaker is mapped, and `gioia check` names the speaker.
Sentences come from the caller (the NLP stage), so this module needs no NLP.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import pairwise

from gioia.models import Segment, Transcript, Turn

__all__ = ["count_words", "segment_bounds", "segment_transcript", "segments_at", "trimmed"]


def count_words(text: str) -> int:
    """Words as runs of non-whitespace: the count ``max_words`` is measured in."""
    return len(text.split())


def segment_transcript(
    transcript: Transcript, sentences: Sequence[tuple[int, int]], max_words: int = 150
) -> tuple[Segment, ...]:
    """Segments of every participant turn, in text order. ``sentences`` are (start, end)
    character spans over ``transcript.text``; they may cross turn boundaries (a sentence
    that takes in the next speaker's label) and need not cover every character."""
    sentence_starts = sorted({start for start, _ in sentences})
    segments: list[Segment] = []
    for index, turn in enumerate(transcript.turns):
        if turn.is_interviewer or turn.participant is None:
            continue
        for start, end in _chunks(transcript.text, turn, sentence_starts, max_words):
            start, end = trimmed(transcript.text, start, end)
            if start < end:
                segments.append(
                    Segment(
                        transcript=transcript.id,
                        start=start,
                        end=end,
                        text=transcript.text[start:end],
                        speaker=turn.speaker,
                        participant=turn.participant,
                        turn=index,
                    )
                )
    return tuple(segments)


def segment_bounds(segments: Sequence[Segment]) -> list[tuple[int, int, int]]:
    """(start, end, turn index) of each segment: what :func:`segments_at` needs to make
    them again, all a worker process sends back (cutting again, or sending every
    segment's text, costs the process that waits for the workers more)."""
    return [(segment.start, segment.end, segment.turn) for segment in segments]


def segments_at(
    transcript: Transcript, bounds: Sequence[tuple[int, int, int]]
) -> tuple[Segment, ...]:
    """The segments of ``transcript`` that :func:`segment_bounds` describes."""
    turns, text = transcript.turns, transcript.text
    return tuple(
        Segment(
            transcript=transcript.id,
            start=start,
            end=end,
            text=text[start:end],
            speaker=turns[turn].speaker,
            participant=turns[turn].participant,
            turn=turn,
        )
        for start, end, turn in bounds
    )


def _chunks(
    text: str, turn: Turn, sentence_starts: Sequence[int], max_words: int
) -> list[tuple[int, int]]:
    if count_words(text[turn.start : turn.end]) <= max_words:
        return [(turn.start, turn.end)]
    # Cutting at every sentence start inside the turn covers the whole turn, whatever
    # the sentences cover; the pieces are then packed greedily up to max_words.
    inside = sentence_starts[
        bisect_right(sentence_starts, turn.start) : bisect_left(sentence_starts, turn.end)
    ]
    cuts = [turn.start, *inside, turn.end]
    chunks: list[tuple[int, int]] = []
    chunk_start = turn.start
    words = 0  # count_words(text[chunk_start:piece_start]), kept as pieces are added
    for piece_start, piece_end in pairwise(cuts):
        piece_words = count_words(text[piece_start:piece_end])
        # Counting the growing chunk again for every piece made long turns quadratic.
        joined = piece_words
        if piece_start > chunk_start:
            joined += words - _splits_a_word(text, piece_start)
        if joined > max_words and piece_start > chunk_start:
            chunks.append((chunk_start, piece_start))
            chunk_start, words = piece_start, piece_words
        else:
            words = joined
    chunks.append((chunk_start, turn.end))
    return chunks


def _splits_a_word(text: str, at: int) -> int:
    """1 when cutting ``text`` at ``at`` cuts a run of non-whitespace in two (so the two
    halves count one word more than the whole), else 0."""
    return int(0 < at < len(text) and not text[at - 1].isspace() and not text[at].isspace())


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without the whitespace at either end of ``text[start:end]``."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end

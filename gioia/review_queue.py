"""The review queue: which suggestions a coder has still to decide, with what the
screen shows beside each (the turns around it, its concept's theme and dimension, the
sentences of its turn), and the concept search of the recode picker.

Pending means "not yet decided by this coder": the latest line for a span and concept
decides unless it is an undo, and a standing decision that overlaps a segment decides the
segment for that concept (:func:`covered_keys`), so a suggestion narrowed to a sentence,
or talk coded by a quote, is not offered again. :mod:`gioia.review` drives the queue.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from gioia.models import (
    Codebook,
    Coding,
    Concept,
    Dimension,
    PlacedCoding,
    Segment,
    Suggestion,
    Theme,
    Transcript,
    Turn,
)
from gioia.sentences import turn_sentences

__all__ = [
    "POWER_FLAG",
    "Chooser",
    "ReviewView",
    "first_words",
    "RECODE_CHOICES",
    "UNDO_FLAG",
    "Key",
    "Progress",
    "ReviewItem",
    "covered_keys",
    "decided_keys",
    "pending_items",
    "search_concepts",
]

UNDO_FLAG = "undo"
POWER_FLAG = "power"
RECODE_CHOICES = 9  # shown as keys 1-9
Key = tuple[str, int, int, str]  # (transcript, start, end, concept)
# The sentence spans of a transcript (the NLP stage's), by transcript id.
SentencesOf = Callable[[str], Sequence[tuple[int, int]]]


@dataclass(frozen=True)
class ReviewItem:
    """One pending suggestion with what the coder needs to decide on it."""

    suggestion: Suggestion
    transcript: Transcript
    concept: Concept
    theme: Theme
    dimension: Dimension
    before: Turn | None  # the turn before the segment's turn, for context
    after: Turn | None
    note: str = ""  # why the learned order shows it now, when that is worth saying
    # The sentences of the segment's turn, (start, end) in the transcript's text: what a
    # coder narrows the span to or widens it by. Empty: the segment is one sentence.
    sentences: tuple[tuple[int, int], ...] = ()

    @property
    def text(self) -> str:
        return self.transcript.text[self.suggestion.start : self.suggestion.end]

    @property
    def span(self) -> tuple[int, int]:
        return (self.suggestion.start, self.suggestion.end)

    @property
    def key(self) -> tuple[str, int, int, str]:
        s = self.suggestion
        return (s.transcript, s.start, s.end, s.concept)


class Chosen(Protocol):
    suggestion: Suggestion
    exploring: bool


class Chooser(Protocol):
    """What the learned order needs: hear each decision, pick the next pair."""

    @property
    def trained(self) -> bool: ...

    def record(self, coding: Coding) -> None: ...

    def pick(self, allowed: Callable[[Key, float], bool]) -> Chosen | None: ...

    def candidates(self, allowed: Callable[[Key, float], bool]) -> int: ...


@dataclass(frozen=True)
class Progress:
    decided: int
    pending: int
    transcript_decided: int
    transcript_pending: int


def decided_keys(placed: Iterable[PlacedCoding], coder: str) -> set[tuple[str, int, int, str]]:
    """(transcript, start, end, concept) of every suggestion ``coder`` has decided: the
    latest line for a span and concept decides, unless it is an undo."""
    latest: dict[tuple[str, int, int, str], Coding] = {}
    for p in placed:
        if p.coding.coder == coder:
            latest[(p.coding.transcript, p.start, p.end, p.concept)] = p.coding
    return {key for key, coding in latest.items() if UNDO_FLAG not in coding.flags}


def covered_keys(
    placed: Iterable[PlacedCoding], coder: str, segments: Iterable[Segment]
) -> set[Key]:
    """(transcript, start, end, concept) of every segment that a standing decision of
    ``coder`` on the concept overlaps: a segment whose talk the coder already coded (or
    rejected) with a concept, by a quote of it, is not offered again for that concept."""
    standing = {}
    for p in placed:
        if p.coding.coder == coder:
            standing[(p.coding.transcript, p.start, p.end, p.concept)] = p.coding
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for (transcript, start, end, concept), coding in standing.items():
        if UNDO_FLAG not in coding.flags:
            spans.setdefault(transcript, []).append((start, end, concept))
    return {
        (s.transcript, s.start, s.end, concept)
        for s in segments
        for start, end, concept in spans.get(s.transcript, ())
        if start < s.end and s.start < end
    }


def pending_items(
    suggestions: Sequence[Suggestion],
    decided: set[tuple[str, int, int, str]],
    transcripts: Mapping[str, Transcript],
    codebook: Codebook,
    *,
    transcript: str | None = None,
    concept: str | None = None,
    theme: str | None = None,
    min_score: float | None = None,
    order: str = "position",
    sentences: SentencesOf | None = None,
) -> list[ReviewItem]:
    """The suggestions still to review, filtered and ordered; with ``sentences``, each
    item knows the sentences of its turn."""
    items = []
    for s in suggestions:
        found = codebook.concept(s.concept)
        if found is None or (s.transcript, s.start, s.end, found.id) in decided:
            continue
        if transcript is not None and s.transcript != transcript:
            continue
        if concept is not None and found.id != concept:
            continue
        if theme is not None and found.theme != theme:
            continue
        if min_score is not None and s.score < min_score:
            continue
        source = transcripts[s.transcript]
        turn_index = next(
            (i for i, t in enumerate(source.turns) if t.start <= s.start < t.end), None
        )
        before = source.turns[turn_index - 1] if turn_index else None
        after = (
            source.turns[turn_index + 1]
            if turn_index is not None and turn_index + 1 < len(source.turns)
            else None
        )
        theme_node = next(t for t in codebook.themes if t.id == found.theme)
        dimension_node = next(d for d in codebook.dimensions if d.id == found.dimension)
        spans: tuple[tuple[int, int], ...] = ()
        if sentences is not None and turn_index is not None:
            turn = source.turns[turn_index]
            spans = turn_sentences(source.text, turn.start, turn.end, sentences(s.transcript))
        items.append(
            ReviewItem(
                replace(s, concept=found.id),
                source,
                found,
                theme_node,
                dimension_node,
                before,
                after,
                sentences=spans,
            )
        )
    if order in ("score", "learned"):
        items.sort(key=lambda i: (-i.suggestion.score, i.suggestion.transcript, i.suggestion.start))
    elif order == "concept":
        rank = {c.id: n for n, c in enumerate(codebook.concepts)}
        items.sort(key=lambda i: (rank[i.concept.id], i.suggestion.transcript, i.suggestion.start))
    return items


def search_concepts(codebook: Codebook, query: str, limit: int = RECODE_CHOICES) -> list[Concept]:
    """Concepts whose id, label or aliases best match ``query``: substring matches first,
    then by similarity, so "coff" finds "coffee-room" and "cofee rom" still does."""
    query = query.strip().lower()
    if not query:
        return []

    def score(concept: Concept) -> float:
        names = [concept.id, concept.label.lower(), *concept.aliases]
        best = max(difflib.SequenceMatcher(None, query, name).ratio() for name in names)
        if any(query in name for name in names):
            best += 1.0
        return best

    ranked = sorted(codebook.concepts, key=lambda c: -score(c))
    return [c for c in ranked if score(c) >= 0.4][:limit]


@dataclass(frozen=True)
class ReviewView:
    """Everything the screen shows at one moment."""

    item: ReviewItem | None
    progress: Progress
    memo: str = ""
    message: str = ""
    mode: str = "item"  # "item" | "help" | "choices"
    choices: tuple[Concept, ...] = ()
    span: tuple[int, int] | None = None  # the span a decision records, in the text
    run: tuple[int, int] | None = None  # its sentences (first, last), when chosen
    status: str = ""  # how the item was decided, when gone back to a decided one


def first_words(text: str, words: int = 6) -> str:
    """The first few words of a quote, for a one-line confirmation."""
    split = text.split()
    return " ".join(split[:words]) + ("…" if len(split) > words else "")

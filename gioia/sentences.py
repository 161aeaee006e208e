"""Sentences of a turn, and spans made of them: what a coder narrows a suggestion to,
widens it by, or picks by number (in `gioia review` and `gioia read`).

The sentences are gioia's own (the NLP stage's sentence spans, cached with the parsed
documents); they may take in a speaker label or the blank line before a turn, so each is
clipped to the turn's spoken text and trimmed of whitespace here. A span is always a run
of whole sentences of one turn: ``(first, last)`` indexes, inclusive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gioia.segment import trimmed

__all__ = [
    "covering",
    "evidence_run",
    "parse_numbers",
    "turn_sentences",
]

Span = tuple[int, int]


def turn_sentences(text: str, start: int, end: int, spans: Iterable[Span]) -> tuple[Span, ...]:
    """The sentences of the turn ``text[start:end]``: each of ``spans`` clipped to the
    turn and trimmed of whitespace, empty ones dropped. A turn no span covers is one
    sentence (the whole turn, trimmed)."""
    found: list[Span] = []
    for s, e in spans:
        s, e = trimmed(text, max(s, start), min(e, end))
        if s < e:
            found.append((s, e))
    if not found:
        s, e = trimmed(text, start, end)
        return ((s, e),) if s < e else ()
    return tuple(sorted(found))


def covering(sentences: Sequence[Span], start: int, end: int) -> tuple[int, int] | None:
    """(first, last) indexes of the sentences that ``[start, end)`` overlaps."""
    hit = [i for i, (s, e) in enumerate(sentences) if s < end and start < e]
    return (hit[0], hit[-1]) if hit else None


def evidence_run(
    sentences: Sequence[Span], start: int, end: int, evidence: Iterable[Span]
) -> tuple[int, int] | None:
    """(first, last) indexes of the sentences of ``[start, end)`` that carry evidence
    (matched terms inside it; evidence about the whole span, such as the learner's
    record, carries none), and every sentence between them, since a coding is one
    span. None when no term lies inside."""
    hit = []
    for e_start, e_end in evidence:
        if e_start <= start and e_end >= end:
            continue
        if e_start < end and start < e_end:
            found = covering(sentences, e_start, e_end)
            if found:
                hit.extend(found)
    return (min(hit), max(hit)) if hit else None


def parse_numbers(typed: str, count: int) -> tuple[int, int] | None:
    """Sentence numbers as typed ("2", "2-4", "2 4", "2,3"; 1-based) → (first, last)
    0-based indexes, the run from the lowest to the highest; None when a number is
    missing or out of 1..count."""
    words = typed.replace(",", " ").replace("-", " ").split()
    if not words or not all(w.isdigit() for w in words):
        return None
    numbers = [int(w) for w in words]
    if min(numbers) < 1 or max(numbers) > count:
        return None
    return (min(numbers) - 1, max(numbers) - 1)

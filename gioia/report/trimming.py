"""Quotes accepted automatically, trimmed to the sentences that carry their evidence.

`gioia accept` (and `gioia run` with an auto-accept setting) records whole segments — a
turn of up to 150 words — because that is what a suggestion covers. A paper quotes the
sentence or two that make the point, so the report shows only the sentences of such a
coding that hold its evidence: the matched terms of the suggestion it was accepted from,
else the concept's keywords. Sentences between two kept ones are left out and marked
" […] ". A quote a human chose (any other source) is shown as chosen, and the journal is
never rewritten: this is done on the report's copy only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gioia.segment import trimmed

__all__ = ["OMITTED", "evidence_sentences", "keyword_spans", "sentence_spans"]

# A sentence ends at . ! ? or … (then any closing quotes or brackets) before white space.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
OMITTED = " […] "


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of ``text[start:end]`` as (start, end) spans in ``text``, each
    without surrounding white space."""
    spans = []
    cursor = start
    piece = text[start:end]
    for match in _SENTENCE_END.finditer(piece):
        spans.append((cursor, start + match.end()))
        cursor = start + match.end()
    spans.append((cursor, end))
    return [(a, b) for a, b in (trimmed(text, *span) for span in spans) if a < b]


def keyword_spans(
    text: str, start: int, end: int, keywords: Sequence[str]
) -> list[tuple[int, int]]:
    """Where the concept's keywords occur in ``text[start:end]``, as whole words, case
    ignored (a plain fallback when the suggestion's own evidence is not at hand)."""
    found = []
    for keyword in keywords:
        words = keyword.split()
        if not words:
            continue
        pattern = r"\b" + r"\W+".join(re.escape(w) for w in words) + r"\w*"
        for match in re.finditer(pattern, text[start:end], re.IGNORECASE):
            found.append((start + match.start(), start + match.end()))
    return found


def evidence_sentences(
    text: str, start: int, end: int, evidence: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The runs of consecutive sentences of ``text[start:end]`` that hold any of the
    ``evidence`` spans, as (start, end) spans; the whole span when none do."""
    sentences = sentence_spans(text, start, end)
    keep = [
        index
        for index, (a, b) in enumerate(sentences)
        if any(e_start < b and e_end > a for e_start, e_end in evidence)
    ]
    if len(keep) in (0, len(sentences)):
        return [(start, end)]
    runs: list[tuple[int, int]] = []
    previous = None
    for index in keep:
        a, b = sentences[index]
        if previous is not None and index == previous + 1:
            runs[-1] = (runs[-1][0], b)
        else:
            runs.append((a, b))
        previous = index
    return runs

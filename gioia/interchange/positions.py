"""Where an imported selection lies in the text gioia reads.

A REFI-QDA selection is a pair of positions in the source's plain text. gioia does not
code that text but its normalised rendering of it (``Speaker: text`` turns, whitespace
collapsed, timestamps and headers dropped; see :mod:`gioia.ingest`), so positions are
carried over by aligning the two texts word by word (difflib over whitespace-separated
words, which the rendering keeps in order): a selection's first and last words are found
in the normalised text, and the selection becomes the span between them.

A speaker label gioia renders (``Anna Berg:`` at the start of a turn) is carried over
whole or not at all. A source in the same ``Name: text`` form aligns with it word for
word, and a selection that took the label in keeps it. A source's own header in another
form (Otter's ``Anna Berg  00:26`` line) shares only some words with the label
(``Anna``, not ``Berg:``); aligned to those, a selection that begins or ends with the
header would begin or end inside the label, outside any turn, so they are not aligned.

Line endings: positions are code points of the plain text, but programs disagree on
whether a CRLF counts as one code point or two (MAXQDA and ATLAS.ti differ). For a source
with CRLF line endings both readings are tried, and the one where more selections begin
and end at word boundaries is used; a tie goes to counting the text as stored.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

__all__ = ["PositionMap", "text_for_positions"]

_WORD = re.compile(r"\S+")
# gioia's rendering starts every turn, at the start of the text or after the blank line
# between turns, with "Speaker: "; no turn's text holds a blank line.
_LABEL = re.compile(r"(?:\A|(?<=\n\n))[^\n]*?: ")
# An aligned span much longer than the selection means the alignment jumped.
_MAX_EXTRA_WORDS = 10


def text_for_positions(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The text that ``spans`` (the source's selections) count positions in: ``text`` as
    stored, or with CRLF counted as one code point. Lone CRs are line ends either way."""
    if "\r\n" not in text:
        return text.replace("\r", "\n")
    as_stored = text
    as_lines = text.replace("\r\n", "\n").replace("\r", "\n")
    fits_stored = sum(_on_word_boundaries(as_stored, s, e) for s, e in spans)
    fits_lines = sum(_on_word_boundaries(as_lines, s, e) for s, e in spans)
    return as_lines if fits_lines > fits_stored else as_stored


def _on_word_boundaries(text: str, start: int, end: int) -> bool:
    return _boundary(text, start) and _boundary(text, end)


def _boundary(text: str, position: int) -> bool:
    if position <= 0 or position >= len(text):
        return 0 <= position <= len(text)
    return not (text[position - 1].isalnum() and text[position].isalnum())


class PositionMap:
    """Positions in a source's plain text → positions in gioia's normalised text."""

    def __init__(self, source: str, normalised: str):
        source_words = list(_WORD.finditer(source))
        normalised_words = list(_WORD.finditer(normalised))
        self._starts = [m.start() for m in source_words]
        self._ends = [m.end() for m in source_words]
        self._normalised = [(m.start(), m.end()) for m in normalised_words]
        matcher = difflib.SequenceMatcher(
            None,
            [_word_key(m.group()) for m in source_words],
            [_word_key(m.group()) for m in normalised_words],
        )
        self._target: dict[int, int] = {}  # source word index → normalised word index
        for block in matcher.get_matching_blocks():
            for offset in range(block.size):
                self._target[block.a + offset] = block.b + offset
        aligned = set(self._target.values())
        partly = set().union(
            *(label for label in _labels(normalised, normalised_words) if not label <= aligned)
        )
        self._target = {a: b for a, b in self._target.items() if b not in partly}

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The normalised span of the source selection ``[start, end)``, or None when
        none of its words are in the normalised text (or it holds no words)."""
        first = bisect_right(self._ends, start)  # first word ending after start
        last = bisect_left(self._starts, end) - 1  # last word starting before end
        mapped = [i for i in range(first, last + 1) if i in self._target]
        if not mapped:
            return None
        head, tail = mapped[0], mapped[-1]
        if self._target[tail] - self._target[head] > (tail - head) + _MAX_EXTRA_WORDS:
            return None
        head_start, head_end = self._normalised[self._target[head]]
        tail_start, tail_end = self._normalised[self._target[tail]]
        # A selection may begin or end inside a word: keep the same part of the word.
        if head == first and start > self._starts[head]:
            head_start = min(head_start + start - self._starts[head], head_end - 1)
        if tail == last and end < self._ends[tail]:
            tail_end = max(tail_start + end - self._starts[tail], tail_start + 1)
        if head_start >= tail_end:
            return None
        return head_start, tail_end


def _labels(normalised: str, words: Sequence[re.Match[str]]) -> list[set[int]]:
    """The word indexes of each rendered speaker label in ``normalised``."""
    starts = [m.start() for m in words]
    return [
        # from the label's first word to the one before the first word after it
        set(range(bisect_left(starts, label.start()), bisect_left(starts, label.end())))
        for label in _LABEL.finditer(normalised)
    ]


def _word_key(word: str) -> str:
    # gioia's reading is NFC; a source may be decomposed.
    return unicodedata.normalize("NFC", word)

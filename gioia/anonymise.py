"""Names replaced in every output: gioia.yaml's ``settings: anonymise:``, e.g.
``{Priya: "[colleague]"}``.

Every output that holds transcript text (the report and results.json, the CSV and
REFI-QDA exports, memos in them) passes it through one :class:`Anonymiser`, so a name
is replaced the same way everywhere. The terminal (``gioia show``, ``review``, ``read``)
is the researcher's own view of the data and shows it as it is.

A name matches as whole words (not inside a longer word), with its capitals as written,
and with any run of whitespace between its words; longer names first, so "Anna Berg"
is replaced before "Anna". Keys and replacements are taken in Unicode NFC, the form of
every text gioia reads: a name typed decomposed ("Zoë" as "Zoe" and a combining
diaeresis) still matches. Each name is looked for in the original text once, so a
replacement is never replaced again.

A quote is cut from the anonymised text of its whole transcript (:class:`Anonymised`),
not anonymised alone: a selection that ends inside a name then shows the whole
replacement rather than the name's first letters.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from gioia.errors import Location, Problem

__all__ = ["Anonymised", "AnonymisedTexts", "Anonymiser", "anonymise", "unmatched_problems"]


class Anonymiser:
    """The names of ``settings.anonymise``, ready to replace."""

    def __init__(self, replacements: Mapping[str, str] | None = None):
        self.replacements: dict[str, str] = {}
        for name, replacement in (replacements or {}).items():
            key = " ".join(unicodedata.normalize("NFC", name).split())
            if key:  # an empty name would match between every two words
                self.replacements[key] = unicodedata.normalize("NFC", replacement)
        self._pattern = _pattern(self.replacements)

    def __bool__(self) -> bool:
        return bool(self.replacements)

    def text(self, text: str) -> str:
        """``text`` with every name replaced."""
        return self.document(text).text

    def document(self, text: str) -> Anonymised:
        """``text`` (a whole transcript) with every name replaced, and the way from its
        offsets to those of the result."""
        if self._pattern is None:
            return Anonymised(text, ())
        pieces: list[str] = []
        spans: list[tuple[int, int, int, int]] = []
        done = length = 0
        for match in self._pattern.finditer(text):
            start, end = match.span()
            replacement = self.replacements[_key(match.group())]
            pieces.append(text[done:start])
            length += start - done
            spans.append((start, end, length, length + len(replacement)))
            pieces.append(replacement)
            length += len(replacement)
            done = end
        pieces.append(text[done:])
        return Anonymised("".join(pieces), tuple(spans))

    def matches(self, text: str) -> set[str]:
        """The names (as :attr:`replacements` holds them) that occur in ``text``."""
        if self._pattern is None:
            return set()
        return {_key(match.group()) for match in self._pattern.finditer(text)}


@dataclass(frozen=True)
class Anonymised:
    """A text with its names replaced; ``spans`` are the replacements, each as
    (start, end) in the original text and (start, end) in this one."""

    text: str
    spans: tuple[tuple[int, int, int, int], ...]

    def position(self, offset: int, *, end: bool = False) -> int:
        """Where ``offset`` of the original text is in this one. An offset inside a
        replaced name moves to the start of its replacement, or (``end``) past it, so a
        selection holds the whole replacement or none of it."""
        # The replacements that begin before the offset (a selection that starts, or
        # ends, where a name starts is placed just before its replacement).
        index = bisect.bisect_left(self.spans, offset, key=lambda span: span[0])
        if index == 0:
            return offset
        old_start, old_end, new_start, new_end = self.spans[index - 1]
        if offset >= old_end:
            return new_end + (offset - old_end)
        return new_end if end else new_start

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A selection of the original text, as a selection of this one."""
        return self.position(start), max(self.position(end, end=True), self.position(start))

    def quote(self, start: int, end: int) -> str:
        new_start, new_end = self.span(start, end)
        return self.text[new_start:new_end]


class AnonymisedTexts:
    """Texts by id (transcripts), each anonymised when first asked for."""

    def __init__(self, anonymiser: Anonymiser, texts: Mapping[str, str]):
        self._anonymiser = anonymiser
        self._texts = texts
        self._made: dict[str, Anonymised] = {}

    def __getitem__(self, key: str) -> Anonymised:
        if key not in self._made:
            self._made[key] = self._anonymiser.document(self._texts[key])
        return self._made[key]

    def __contains__(self, key: object) -> bool:
        return key in self._texts

    def quote(self, key: str, start: int, end: int) -> str:
        """The anonymised quote of a selection (start, end) of text ``key``."""
        return self[key].quote(start, end)


def anonymise(text: str, replacements: Mapping[str, str]) -> str:
    """``text`` with the names of ``replacements`` (gioia.yaml ``settings.anonymise``)
    replaced."""
    return Anonymiser(replacements).text(text)


def unmatched_problems(
    replacements: Mapping[str, str],
    texts: Iterable[str],
    where: Callable[[str], Location],
) -> list[Problem]:
    """A warning for each name of ``replacements`` that occurs in none of ``texts`` (the
    transcripts): most likely misspelt, it protects nothing. ``where(name)`` is the
    name's place in gioia.yaml."""
    anonymiser = Anonymiser(replacements)
    found: set[str] = set()
    for text in texts:
        found |= anonymiser.matches(text)
        if len(found) == len(anonymiser.replacements):
            return []
    problems = []
    for name in replacements:
        if " ".join(unicodedata.normalize("NFC", name).split()) not in found:
            problems.append(
                Problem(
                    f"settings.anonymise: {name!r} occurs in no transcript, so it replaces nothing",
                    where(name),
                    hint="a name matches as whole words with the same capitals as in the "
                    "transcripts; check its spelling there",
                    severity="warning",
                )
            )
    return problems


def _key(matched: str) -> str:
    """The name a match is of: its words, as the key has them."""
    return " ".join(matched.split())


def _pattern(replacements: Mapping[str, str]) -> re.Pattern[str] | None:
    if not replacements:
        return None
    names = sorted(replacements, key=lambda name: (-len(name), name))
    alternatives = "|".join(r"\s+".join(re.escape(word) for word in n.split()) for n in names)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

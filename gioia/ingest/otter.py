"""Otter.ai text exports.

An export may open with a ``SUMMARY KEYWORDS`` block and a ``SPEAKERS`` block (each a
heading, then lines up to a blank line); then every turn is a ``Name  mm:ss`` line (two or
more spaces, or a tab, before the time; ``h:mm:ss`` past the hour) followed by its text.
Free accounts end the file with a "Transcribed by https://otter.ai" line. Otter exports
are ``.txt`` files, so they are recognised by their content, not their name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gioia.ingest._turns import ParsedText, RawTurn
from gioia.ingest.speakers import label_key

__all__ = ["looks_like_otter", "parse_otter"]

_HEADINGS = ("SUMMARY KEYWORDS", "SPEAKERS")
_SPEAKER_LINE = re.compile(
    r"(?P<speaker>\S.{0,59}?)(?:[ \t]{2,20}|\t)(?:\d{1,2}:)?\d{1,2}:\d{2}[ \t]*"
)
_FOOTER = re.compile(r"\s*Transcribed by https?://otter\.ai\s*", re.IGNORECASE)


def looks_like_otter(text: str) -> bool:
    """Whether the text opens as an Otter export does: with its headings, or with a
    ``Name  time`` line that is not the only one (a title can end in a time too)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return False
    if lines[0].upper() in _HEADINGS:
        return True
    speaker_lines = sum(1 for line in lines if _SPEAKER_LINE.fullmatch(line))
    return _SPEAKER_LINE.fullmatch(lines[0]) is not None and speaker_lines >= 2


def parse_otter(text: str, interviewer_labels: Sequence[str]) -> ParsedText:
    """Turns of an Otter export. Every ``Name  time`` line is a speaker mark, so
    ``interviewer_labels`` are not needed to tell labels from text."""
    lines = text.split("\n")
    turns: list[RawTurn] = []
    header: list[tuple[int, str]] = []
    spelling: dict[str, str] = {}
    for i in range(_after_headings(lines), len(lines)):
        line = lines[i]
        speaker_line = _SPEAKER_LINE.fullmatch(line)
        if _FOOTER.fullmatch(line):
            continue
        if speaker_line is not None:
            name = " ".join(speaker_line["speaker"].split())
            turns.append(RawTurn(spelling.setdefault(label_key(name), name), i + 1))
        elif turns:
            turns[-1].lines.append(line if line.strip() else "")
        else:
            header.append((i + 1, line if line.strip() else ""))
    return ParsedText(turns, header)


def _after_headings(lines: list[str]) -> int:
    """Index of the first line after the SUMMARY KEYWORDS and SPEAKERS blocks."""
    i = 0
    while True:
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i == len(lines) or lines[i].strip().upper() not in _HEADINGS:
            return i
        i += 1
        while i < len(lines) and lines[i].strip():
            i += 1

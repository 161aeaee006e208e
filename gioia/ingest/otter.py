"""Otter.ai text exports.

An export opens with a header: the conversation's title (often the audio file's name) and
a date line (``Mon, Jul 13, 2026 2:30PM • 19:12``), either or both of which may be
missing, then usually a ``SUMMARY KEYWORDS`` block and a ``SPEAKERS`` block (each a
heading, then its line, up to a blank line or the next heading). Then every turn is a
``Name  mm:ss`` line (two or more spaces, or a tab, before the time; ``h:mm:ss`` past the
hour; often trailing spaces) followed by its text; a speaker the SPEAKERS block names
may have one space before the time (what is left of the two after a converter collapses
runs of spaces, as calibre does for Taguette). Free accounts end the file with a
"Transcribed by https://otter.ai" line. Otter exports are ``.txt`` files, so they are
recognised by their content, not their name: by that structure, never by the first line
alone, which is a title as often as not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise

from gioia.ingest._turns import ParsedText, RawTurn
from gioia.ingest.speakers import label_key

__all__ = ["looks_like_otter", "parse_otter"]

_HEADINGS = ("SUMMARY KEYWORDS", "SPEAKERS")
_SPEAKER_LINE = re.compile(
    r"(?P<speaker>\S.{0,59}?)(?:[ \t]{2,20}|\t)(?:\d{1,2}:)?\d{1,2}:\d{2}[ \t]*"
)
_FOOTER = re.compile(r"\s*Transcribed by https?://otter\.ai\s*", re.IGNORECASE)
# Before the first turn an export has at most a title, a date line and the two heading
# blocks (each a heading and one line): six lines, with room for a wrapped title.
_OPENING_LINES = 8
# A "Name: text" speaker label, optionally timestamped ("[00:01:02] Name:"): the mark of a
# plain transcript, whose lines may happen to end in a time too.
_COLON_LABEL = re.compile(
    r"(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?\s*)?\**"
    r"(?=[^\W\d])[^:\s]+(?:[ \t][^:\s]+){0,3}\**[ \t]*:\**(?:\s|$)"
)


def looks_like_otter(text: str) -> bool:
    """Whether the text is laid out as an Otter export: its first ``Name  time`` line
    comes within the opening lines (after a title, a date line, the headings), there
    are two or more of them or the headings announce them, and they outnumber
    ``Name: text`` labels (a plain transcript whose title or lines end in a time)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    speaker_line = _speaker_lines(lines)
    turns = [i for i, line in enumerate(lines) if speaker_line(line)]
    if not turns or turns[0] > _OPENING_LINES:
        return False
    labels = sum(1 for line in lines if _COLON_LABEL.match(line))
    if labels >= len(turns):
        return False
    has_headings = any(line.upper() in _HEADINGS for line in lines[: turns[0]])
    return has_headings or len(turns) >= 2


def parse_otter(text: str, interviewer_labels: Sequence[str]) -> ParsedText:
    """Turns of an Otter export. Every ``Name  time`` line is a speaker mark, so
    ``interviewer_labels`` are not needed to tell labels from text. The title and date
    lines are the header; the heading blocks are Otter's summary, neither talk nor
    header, and are left out."""
    lines = text.split("\n")
    speaker_line = _speaker_lines(lines)
    summary = _heading_blocks(lines, speaker_line)
    turns: list[RawTurn] = []
    header: list[tuple[int, str]] = []
    spelling: dict[str, str] = {}
    for i, line in enumerate(lines):
        if i in summary or _FOOTER.fullmatch(line):
            continue
        speaker = speaker_line(line)
        if speaker is not None:
            name = " ".join(speaker.split())
            turns.append(RawTurn(spelling.setdefault(label_key(name), name), i + 1))
        elif turns:
            turns[-1].lines.append(line if line.strip() else "")
        else:
            header.append((i + 1, line if line.strip() else ""))
    return ParsedText(turns, header)


def _speaker_lines(lines: list[str]) -> Callable[[str], str | None]:
    """The speaker a line marks a turn of, or None: a ``Name  time`` line, or ``Name
    time`` with one space for a name the SPEAKERS block lists."""
    named = _named_speakers(lines)
    one_space = (
        re.compile(
            "(?P<speaker>"
            + "|".join(re.escape(name) for name in sorted(named, key=len, reverse=True))
            + r")[ \t](?:\d{1,2}:)?\d{1,2}:\d{2}[ \t]*"
        )
        if named
        else None
    )

    def speaker(line: str) -> str | None:
        found = _SPEAKER_LINE.fullmatch(line) or (one_space and one_space.fullmatch(line.strip()))
        return found["speaker"] if found else None

    return speaker


def _named_speakers(lines: list[str]) -> list[str]:
    """The names on the line after a SPEAKERS heading in the opening lines."""
    opening = [line.strip() for line in lines if line.strip()][: _OPENING_LINES + 1]
    for heading, names in pairwise(opening):
        if heading.upper() == "SPEAKERS":
            return [n.strip() for n in names.split(",") if 0 < len(n.strip()) <= 60]
    return []


def _heading_blocks(lines: list[str], speaker_line: Callable[[str], str | None]) -> set[int]:
    """Indexes of the lines of the SUMMARY KEYWORDS and SPEAKERS blocks: each heading
    before the first turn, and the lines after it up to a blank line or the first turn.
    (Otter writes the blocks one after the other, with no blank line between them.)"""
    block: set[int] = set()
    inside = False
    for i, line in enumerate(lines):
        if speaker_line(line):
            break
        if line.strip().upper() in _HEADINGS:
            inside = True
        elif not line.strip():
            inside = False
        if inside:
            block.add(i)
    return block

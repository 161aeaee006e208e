"""Where a quote lies in a transcript's text: how every decision is placed.

A journal line, an imported coding and ``gioia code`` all name talk by its words. The
words are found where the line's offset says, else as the one exact occurrence, else
ignoring differences in white space, else across the speaker headers gioia's reading
rewrites (an Otter ``Name  0:04`` line that became ``Name:``). A quote found nowhere, or
in several places, is never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["locate_quote"]


def locate_quote(text: str, quote: str, hint_start: int = -1) -> tuple[int, int] | str:
    """Where ``quote`` lies in ``text``: at ``hint_start`` if it still reads the same
    there, else its one exact occurrence, else its one occurrence ignoring differences
    in whitespace, else, for a quote copied from a transcript file with the speaker
    headers gioia rewrites (Otter's ``Anna  0:04`` lines, ``[00:01:02] Anna:``,
    timestamps, caption timings), its one occurrence with those headers as gioia's
    normalised text has them (see :func:`_spans_across_headers`). Returns a (start, end)
    span, or the reason it cannot be placed: a quote found nowhere, or in several
    places, is never guessed at, because moving a human decision to the wrong talk is
    worse than reporting it."""
    if not quote.strip():
        return "empty quote"
    if hint_start >= 0 and text[hint_start : hint_start + len(quote)] == quote:
        return (hint_start, hint_start + len(quote))
    spans = [(m.start(), m.start() + len(quote)) for m in re.finditer(re.escape(quote), text)]
    if not spans:
        loose = r"\s+".join(re.escape(word) for word in quote.split())
        spans = [m.span() for m in re.finditer(loose, text)]
    if not spans:
        spans = _spans_across_headers(text, quote)
        # As for an exact quote, the hint tells one occurrence from the others.
        spans = [span for span in spans if span[0] == hint_start] or spans
    if not spans:
        return "quote not found in the current transcript text"
    if len(spans) > 1:
        return f"quote occurs {len(spans)} times; cannot tell which is meant"
    return spans[0]


# Speaker headers and timings as transcript files write them: the forms gioia's readers
# drop or rewrite as "Speaker: " (see gioia.ingest). No stage imports another, so their
# shapes are restated here.
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_OTTER_HEADER = re.compile(
    r"(?P<speaker>\S.{0,59}?)(?:[ \t]{2,20}|\t)(?:\d{1,2}:)?\d{1,2}:\d{2}[ \t]*"
)
_TIMING_LINE = re.compile(
    rf"[\[(]?{_TIME}[\])]?"  # a timestamp alone on its line
    rf"|{_TIME}\s*-->\s*{_TIME}(?:\s.*)?"  # a WebVTT or SRT cue timing
    rf"|{_TIME},{_TIME}"  # an SBV cue timing
)
_CUE_NUMBER = re.compile(r"\d{1,6}")
_LABEL_PREFIX = re.compile(
    rf"""(?P<stamp>(?:\[{_TIME}\]|\({_TIME}\)|{_TIME})\s*)?
    (?:-\s+|>>\s*)?
    (?:<v(?:\.[^\s>]*)?\s+(?P<voice>[^>]+)>
      |\[(?P<bracketed>[^\]\d][^\]]{{0,39}})\](?=\s)
      |(?P<bold>\*\*)?(?P<name>[^\W\d][^:*<>\[\]]{{0,39}}?)
       (?:\s*(?P<late_stamp>\[{_TIME}\]|\({_TIME}\)))?\s*(?:\*\*)?:(?:\*\*)?(?=\s|$)
    )""",
    re.VERBOSE,
)
_MAX_LABEL_WORDS = 4


@dataclass(frozen=True)
class _Header:
    """A speaker header or timing in a quote, as the source file wrote it."""

    literal: str
    speaker: str | None  # the speaker gioia renders a label for; None for a timing
    # Unmistakably a header (its own line, timestamped, bold, a voice tag, after a cue
    # timing), so gioia may have dropped it; a plain "Name: text" may be talk.
    marked: bool


def _spans_across_headers(text: str, quote: str) -> list[tuple[int, int]]:
    """The spans of ``quote`` in ``text`` when its speaker headers are read as gioia
    renders them. A marked header between two words may be the ``Speaker:`` label
    gioia wrote for it, the header as written, or gone (a timing; a caption continuing
    its speaker's turn); a plain ``Name:`` label must be there, in either form, as the
    quote has it. Headers before the quote's first word or after its last are not talk
    and not part of the span, except a plain label at the start (it may be talk: "The
    thing is: ..."). Empty when the quote has no headers (the looser matches before
    this one have looked already) or no words."""
    pieces = _quote_pieces(quote)
    words = [i for i, piece in enumerate(pieces) if isinstance(piece, str)]
    if not words or len(words) == len(pieces):
        return []
    first, last = words[0], words[-1]
    pattern = "".join(
        f"(?:{_header_forms(piece)}\\s+)?"
        for piece in pieces[:first]
        if isinstance(piece, _Header) and not piece.marked
    )
    for i in range(first, last + 1):
        piece = pieces[i]
        if isinstance(piece, str):
            pattern += (r"\s+" if i > first else "") + re.escape(piece)
        elif piece.marked:
            pattern += rf"(?:\s+{_header_forms(piece)})?"
        else:
            pattern += rf"\s+{_header_forms(piece)}"
    return [m.span() for m in re.finditer(pattern, text)]


def _quote_pieces(quote: str) -> list[str | _Header]:
    """The quote's words and headers, in order."""
    lines = [line.strip() for line in quote.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    pieces: list[str | _Header] = []
    for i, line in enumerate(lines):
        header = _line_header(line, lines[i + 1] if i + 1 < len(lines) else "")
        if header is not None:
            pieces.append(header)
            continue
        after_timing = (
            bool(pieces) and isinstance(pieces[-1], _Header) and pieces[-1].speaker is None
        )
        label, rest = _label_prefix(line, after_timing)
        if label is not None:
            pieces.append(label)
        pieces.extend(rest.split())
    return pieces


def _line_header(line: str, next_line: str) -> _Header | None:
    """A line that is a header as a whole: Otter's ``Name  0:04``, a timestamp, a cue
    timing, or a cue's number (just before its timing)."""
    otter = _OTTER_HEADER.fullmatch(line)
    if otter is not None:
        return _Header(line, " ".join(otter["speaker"].split()), marked=True)
    if _TIMING_LINE.fullmatch(line) or (
        _CUE_NUMBER.fullmatch(line) and _TIMING_LINE.fullmatch(next_line)
    ):
        return _Header(line, None, marked=True)
    return None


def _label_prefix(line: str, after_timing: bool) -> tuple[_Header | None, str]:
    """The speaker label a line begins with (``Name:``, ``[00:01:02] Name:``,
    ``**Name:**``, ``<v Name>``, ``[Name]``), and the rest of the line."""
    match = _LABEL_PREFIX.match(line)
    if match is None:
        return None, line
    name = " ".join((match["voice"] or match["bracketed"] or match["name"]).split())
    if len(name.split()) > _MAX_LABEL_WORDS:
        return None, line
    rest = line[match.end() :].replace("</v>", " ")
    marked = (
        after_timing
        or not rest.strip()
        or any(match[group] for group in ("stamp", "late_stamp", "bold", "voice", "bracketed"))
    )
    return _Header(match.group().strip(), name, marked), rest


def _header_forms(header: _Header) -> str:
    """A header as the normalised text may have it: as written, or, for a speaker,
    as the label gioia renders (its first spelling of the name, so any case)."""
    literal = r"\s+".join(re.escape(word) for word in header.literal.split())
    if header.speaker is None:
        return f"(?:{literal})"
    label = r"\s+".join(re.escape(word) for word in header.speaker.split())
    return f"(?:(?i:{label}):|{literal})"

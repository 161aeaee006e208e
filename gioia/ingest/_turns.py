"""What every transcript reader produces, so that :mod:`gioia.ingest` renders every
format into the same normalised text."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ParsedText", "RawTurn"]


@dataclass
class RawTurn:
    """A turn as a reader found it: its speaker, its first source line (1-based), and
    its text lines as written ("" marks a paragraph break)."""

    speaker: str
    line: int
    lines: list[str] = field(default_factory=list)


@dataclass
class ParsedText:
    """What a reader found: turns, the source lines before the first turn (the header,
    as (line number, text) with "" for blank lines), and warnings."""

    turns: list[RawTurn]
    header: list[tuple[int, str]]
    warnings: list[str] = field(default_factory=list)

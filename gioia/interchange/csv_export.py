"""Coded segments as CSV, for R and pandas: one row per counted coding.

Columns: ``transcript, participant``, one column per reportable attribute (an attribute
that shares a name with a fixed column gets an ``attribute_`` prefix), ``dimension, theme,
concept`` (ids, the keys results.json uses), ``start, end`` (offsets in the normalised
text), ``quote, coder, source``. Rows in transcript order, then by position. Lines end in
``\\n``; quotes with line breaks or commas are quoted by the csv module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from gioia.models import Codebook, Participant, PlacedCoding, Transcript

__all__ = ["build_csv"]

_BEFORE = ("transcript", "participant")
_AFTER = ("dimension", "theme", "concept", "start", "end", "quote", "coder", "source")


def build_csv(
    *,
    codebook: Codebook,
    transcripts: Sequence[Transcript],
    participants: Sequence[Participant],
    codings: Sequence[PlacedCoding],
    attributes: Sequence[str],
) -> str:
    """The CSV text of the coded segments (header row first)."""
    fixed = set(_BEFORE + _AFTER)
    header = [
        *_BEFORE,
        *(f"attribute_{name}" if name in fixed else name for name in attributes),
        *_AFTER,
    ]
    order = {t.id: index for index, t in enumerate(transcripts)}
    texts = {t.id: t.text for t in transcripts}
    people = {p.id: p for p in participants}
    rows = sorted(
        codings,
        key=lambda p: (
            order.get(p.coding.transcript, len(order)),
            p.coding.transcript,
            p.start,
            p.end,
            p.concept,
            p.coding.coder,
        ),
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for placed in rows:
        concept = codebook.concept(placed.concept)
        if concept is None:
            raise ValueError(f"coding of {placed.concept!r}, which is not in the codebook")
        person = people.get(placed.participant or "")
        text = texts.get(placed.coding.transcript)
        quote = text[placed.start : placed.end] if text is not None else placed.coding.quote
        writer.writerow(
            _inert(
                placed.coding.transcript,
                placed.participant or "",
                *(person.attributes.get(name, "") if person else "" for name in attributes),
                concept.dimension,
                concept.theme,
                concept.id,
                placed.start,
                placed.end,
                quote,
                placed.coding.coder,
                placed.coding.source,
            )
        )
    return buffer.getvalue()


# A cell starting with one of these is run as a formula by Excel or LibreOffice ("CSV
# injection"); participants.csv values and quotes come from outside, so such cells are
# written with a leading apostrophe, which spreadsheets show as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(*cells: object) -> list[object]:
    return [
        f"'{cell}" if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) else cell
        for cell in cells
    ]

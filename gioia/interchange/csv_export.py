"""Coded segments as CSV, for R and pandas: one row per counted coding.

Columns:

- ``transcript``, ``participant`` (every participant whose talk the coding overlaps,
  joined by ``;``: usually one), then one column per reportable attribute (of the first
  of them; an attribute that shares a name with a fixed column gets an ``attribute_``
  prefix);
- ``dimension``, ``dimension_label``, ``theme``, ``theme_label``, ``concept``,
  ``concept_label``: ids, the keys results.json uses, each with its label beside it;
- ``start``, ``end``: offsets in gioia's normalised text (``.gioia/text/<id>.txt``);
- ``file_line``, ``file_start``, ``file_end``: where the quote lies in the transcript file
  as the researcher keeps it (line from 1; characters from 0 of the decoded file, a line
  break counted as one, a byte order mark not at all), when it occurs there exactly once;
  empty otherwise (a Word document, or a quote the normalised text rewrote, e.g. across
  speaker headers);
- ``quote``, ``coder``, ``source``, ``at`` (when the coding was made, UTC), ``memo``,
  ``power`` (``true`` for a power quote, else ``false``).

The names of gioia.yaml's ``settings.anonymise`` are replaced in ``quote`` and ``memo``
(:mod:`gioia.anonymise`: the quote is cut from its transcript's anonymised text, so it
reads as the report's does); ``start``, ``end`` and the ``file_`` columns still give
the place of the quote in the study's own texts, which hold the names.

Rows in transcript order, then by position. Lines end in ``\\n``; quotes with line breaks
or commas are quoted by the csv module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from gioia.anonymise import AnonymisedTexts, Anonymiser
from gioia.models import Codebook, Participant, PlacedCoding, Transcript

__all__ = ["build_csv"]

_BEFORE = ("transcript", "participant")
_AFTER = (
    "dimension",
    "dimension_label",
    "theme",
    "theme_label",
    "concept",
    "concept_label",
    "start",
    "end",
    "file_line",
    "file_start",
    "file_end",
    "quote",
    "coder",
    "source",
    "at",
    "memo",
    "power",
)


def build_csv(
    *,
    codebook: Codebook,
    transcripts: Sequence[Transcript],
    participants: Sequence[Participant],
    codings: Sequence[PlacedCoding],
    attributes: Sequence[str],
    file_texts: Mapping[str, str] | None = None,
    anonymise: Mapping[str, str] | None = None,
) -> str:
    """The CSV text of the coded segments (header row first). ``file_texts`` holds the
    decoded text of each transcript file that has one (by transcript id); ``anonymise``
    the names to replace (gioia.yaml ``settings.anonymise``)."""
    fixed = set(_BEFORE + _AFTER)
    header = [
        *_BEFORE,
        *(f"attribute_{name}" if name in fixed else name for name in attributes),
        *_AFTER,
    ]
    order = {t.id: index for index, t in enumerate(transcripts)}
    texts = {t.id: t.text for t in transcripts}
    anonymiser = Anonymiser(anonymise)
    anonymised = AnonymisedTexts(anonymiser, texts)
    people = {p.id: p for p in participants}
    labels = {node_id: label for node_id, _, label, _ in codebook.iter_nodes()}
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
        transcript = placed.coding.transcript
        if transcript in texts:
            quote = texts[transcript][placed.start : placed.end]
            shown = anonymised.quote(transcript, placed.start, placed.end)
        else:
            quote = placed.coding.quote
            shown = anonymiser.text(quote)
        in_file = _place_in_file((file_texts or {}).get(transcript), quote)
        writer.writerow(
            _inert(
                placed.coding.transcript,
                ";".join(placed.participants),
                *(person.attributes.get(name, "") if person else "" for name in attributes),
                concept.dimension,
                labels[concept.dimension],
                concept.theme,
                labels[concept.theme],
                concept.id,
                concept.label,
                placed.start,
                placed.end,
                *in_file,
                shown,
                placed.coding.coder,
                placed.coding.source,
                placed.coding.at,
                anonymiser.text(placed.coding.memo),
                "true" if "power" in placed.coding.flags else "false",
            )
        )
    return buffer.getvalue()


def _place_in_file(file_text: str | None, quote: str) -> tuple[int | str, int | str, int | str]:
    """(line, start, end) of the quote's one occurrence in the file's text, or blanks."""
    if file_text is None or not quote:
        return "", "", ""
    start = file_text.find(quote)
    if start < 0 or file_text.find(quote, start + 1) >= 0:
        return "", "", ""
    return file_text.count("\n", 0, start) + 1, start, start + len(quote)


# A cell starting with one of these is run as a formula by Excel or LibreOffice ("CSV
# injection"); participants.csv values and quotes come from outside, so such cells are
# written with a leading apostrophe, which spreadsheets show as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(*cells: object) -> list[object]:
    return [
        f"'{cell}" if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) else cell
        for cell in cells
    ]

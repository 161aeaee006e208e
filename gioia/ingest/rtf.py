"""Rich Text Format (.rtf) transcripts: TextEdit's default format, and what transcription
programs such as f4transkript save. striprtf turns the RTF into plain text (headers,
footers, footnotes, comments and pictures left out); each paragraph then becomes a
:class:`~gioia.ingest.documents.Paragraph`, and each run of table rows a
:class:`~gioia.ingest.documents.Table`, for :func:`~gioia.ingest.documents.parse_blocks`.

RTF's formatting is gone by then, so a bold label counts as any other label. A line break
inside a paragraph ends the paragraph, as striprtf writes both the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from striprtf.striprtf import rtf_to_text

from gioia.errors import Location, TranscriptError
from gioia.ingest._turns import ParsedText
from gioia.ingest.documents import Block, Paragraph, Row, Table, parse_blocks

__all__ = ["parse_rtf"]

# RTF is 7-bit text that names the code page of its 8-bit characters; Windows-1252 is
# the default the specification gives.
_CODE_PAGE = re.compile(rb"\\ansicpg(\d+)")
_DEFAULT_CODE_PAGE = "cp1252"
_RTF_START = re.compile(rb"\s*\{\\rtf")
# striprtf ends each table cell with "|" and each row with a line break.
_CELL_END = "|"


def parse_rtf(data: bytes, source: str, interviewer_labels: Sequence[str]) -> ParsedText:
    """An RTF transcript. ``RawTurn.line`` is the 1-based number of the paragraph where
    the turn starts (a table row counting as one); ``source`` names the file in errors."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    if not _RTF_START.match(data):
        raise TranscriptError(
            "the file is not in Rich Text Format (it does not start with '{\\rtf')",
            hint="open it in the program that made it and save it as .rtf, .docx or .txt",
            location=Location(source),
        )
    code_page = _CODE_PAGE.search(data)
    encoding = f"cp{code_page[1].decode()}" if code_page else _DEFAULT_CODE_PAGE
    try:
        rtf = data.decode(encoding, errors="replace")
    except LookupError:  # a code page Python does not know
        rtf = data.decode(_DEFAULT_CODE_PAGE, errors="replace")
    try:
        text = rtf_to_text(rtf, encoding=_DEFAULT_CODE_PAGE, errors="replace")
    # striprtf is a regular-expression scanner with no documented errors; what it raises
    # on a damaged file (ValueError, IndexError, LookupError, ...) is one problem here.
    except Exception as exc:
        reason = " ".join(str(exc).split())[:200]
        raise TranscriptError(
            f"cannot be read as a Rich Text Format file: its contents are damaged "
            f"({type(exc).__name__}: {reason})",
            hint="open it in Word, LibreOffice or TextEdit and save it again",
            location=Location(source),
        ) from None
    # Characters outside the Basic Multilingual Plane arrive as pairs of UTF-16
    # surrogates (\u55357 \u56832); join them, and replace any left alone.
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return parse_blocks(_blocks(text), interviewer_labels)


def _blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    rows: list[Row] = []
    for line in text.split("\n"):
        if line.endswith(_CELL_END):
            cells = line.split(_CELL_END)[:-1]
            rows.append(Row(tuple((Paragraph(((cell, False),)),) for cell in cells)))
            continue
        if rows:
            blocks.append(Table(tuple(rows)))
            rows = []
        blocks.append(Paragraph(((line, False),)))
    if rows:
        blocks.append(Table(tuple(rows)))
    return blocks

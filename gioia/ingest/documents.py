"""Word-processor transcripts: paragraphs and tables → speaker turns.

A reader for a document format (:mod:`.word` for .docx, :mod:`.opendocument` for .odt,
:mod:`.rtf`) lists the document body's :class:`Paragraph`\\ s and :class:`Table`\\ s in
order; headers, footers, footnotes and comments are not part of the body and are never
read. :func:`parse_blocks` writes them out as lines and leaves the speaker labels to the
plain-text rules of :mod:`gioia.ingest.text`, so that a Word transcript and a text
transcript with the same words get the same turns:

- each paragraph is a line, with a blank line before it (so a turn may begin at any
  paragraph); a line break inside a paragraph starts another line of the same paragraph;
  empty paragraphs only separate; headings are document structure, not speech, and so,
  as in Markdown, is a paragraph that is only a rule ("---", "***");
- a bold run at the start of a line that ends with, or is followed by, a colon is a label
  the transcriber marked, written as ``**Name:**`` for the Markdown rules: a marked label
  is believed even where a plain one seen once is not (after a line that runs on), but it
  must still look like a name. A bold phrase that is no label stays text, unmarked;
- a table whose rows are ``speaker | text`` or ``timestamp | speaker | text`` (a column of
  short names that recur, beside one with more words) becomes one marked
  ``Speaker: text`` line per row, its header row ("Speaker | Text") skipped, a row with
  no speaker continuing the turn above; any other table is read cell by cell, as
  paragraphs.

``RawTurn.line`` is a paragraph number, not a line number: the body's paragraphs counted
from 1 in order, empty ones included, each table row counting as one paragraph.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from gioia.ingest._turns import ParsedText
from gioia.ingest.speakers import is_interviewer_label, label_key
from gioia.ingest.text import parse_markdown

__all__ = ["Block", "Paragraph", "Row", "Table", "cell_paragraphs", "parse_blocks"]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph as (text, is bold) runs in order; a line break inside it is a "\\n"."""

    runs: tuple[tuple[str, bool], ...]
    is_heading: bool = False

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.runs)


@dataclass(frozen=True)
class Row:
    """A table row: each cell's paragraphs. ``is_header``: the document marks the row as
    the table's heading (repeated on every page)."""

    cells: tuple[tuple[Paragraph, ...], ...]
    is_header: bool = False


@dataclass(frozen=True)
class Table:
    rows: tuple[Row, ...]


Block = Paragraph | Table


def cell_paragraphs(blocks: Iterable[Block]) -> Iterator[Paragraph]:
    """A table cell's content as paragraphs: those of a table nested in it included."""
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block
        else:
            for row in block.rows:
                for cell in row.cells:
                    yield from cell


# Line breaks a document's text may carry: "\n" from python-docx, and the rest that
# str.splitlines() knows, which would otherwise end a line of the text parser unseen.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# A speaker cell holds a name ("Interviewer", "Dr Anna Shah", "P3"), never a sentence.
_MAX_SPEAKER_WORDS = 4
_MAX_SPEAKER_CHARS = 40
_STAMP = r"[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?"
# A timestamp cell: "00:01:02", "[01:02]", or a span "00:01:02 --> 00:01:07".
_TIMESTAMP_CELL = re.compile(rf"{_STAMP}(?:\s*(?:-->|-|–|to)\s*{_STAMP})?")


def parse_blocks(blocks: Sequence[Block], interviewer_labels: Sequence[str]) -> ParsedText:
    """Turns, header and warnings of a document body, numbered by paragraph."""
    lines = _Lines()
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.paragraph(lines.next_number(), block)
        else:
            _add_table(lines, block, interviewer_labels)
    if not lines.text:
        return ParsedText([], [])
    parsed = parse_markdown("\n".join(lines.text), interviewer_labels)
    # Back from lines of the synthetic text to paragraphs, and from a marked line whose
    # label the parser did not believe to the words as the document has them.
    for turn in parsed.turns:
        turn.line = lines.numbers[turn.line - 1]
        turn.lines = [lines.as_written.get(line, line) for line in turn.lines]
    parsed.header = [
        (lines.numbers[number - 1], lines.as_written.get(line, line))
        for number, line in parsed.header
    ]
    return parsed


class _Lines:
    """The text handed to the parser, one entry per line, with the paragraph number of
    each line and the written form of each line that carries a ``**Name:**`` mark."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.numbers: list[int] = []
        self.as_written: dict[str, str] = {}
        self._last_number = 0

    def next_number(self) -> int:
        self._last_number += 1
        return self._last_number

    def add(self, number: int, line: str, *, as_written: str | None = None) -> None:
        self.text.append(line)
        self.numbers.append(number)
        if as_written is not None and as_written != line:
            self.as_written[line] = as_written

    def labelled(self, number: int, speaker: str, text: str, *, as_written: str) -> None:
        self.add(number, f"**{speaker}:** {text.strip()}".rstrip(), as_written=as_written)

    def paragraph(self, number: int, paragraph: Paragraph) -> None:
        self.add(number, "")
        if paragraph.is_heading:
            return
        for runs in _split_lines(paragraph.runs):
            written = "".join(text for text, _ in runs)
            label = _bold_label(runs)
            if label is None:
                self.add(number, written)
            else:
                self.labelled(number, label[0], label[1], as_written=written)


def _split_lines(runs: Sequence[tuple[str, bool]]) -> list[list[tuple[str, bool]]]:
    lines: list[list[tuple[str, bool]]] = [[]]
    for text, bold in runs:
        for index, piece in enumerate(_LINE_BREAK.split(text)):
            if index:
                lines.append([])
            if piece:
                lines[-1].append((piece, bold))
    return lines


def _bold_label(runs: Sequence[tuple[str, bool]]) -> tuple[str, str] | None:
    """(label, text after its colon) when the line starts with bold text that ends with,
    or is followed by, a colon."""
    bold_end = position = 0
    for text, bold in runs:
        if bold:
            bold_end = position + len(text)
        elif text.strip():
            break
        position += len(text)
    line = "".join(text for text, _ in runs)
    bold, rest = line[:bold_end].strip(), line[bold_end:]
    if bold.endswith(":"):
        label = bold[:-1]
    elif rest.lstrip().startswith(":"):
        label, rest = bold, rest.lstrip()[1:]
    else:
        return None
    label = label.strip()
    # A bold stretch running past the label ("Note: this is important:") is no mark.
    if not label or ":" in label or "*" in label:
        return None
    return label, rest


# ------------------------------------------------------------------------------ tables


@dataclass(frozen=True)
class _SpeakerLayout:
    width: int
    speaker_column: int
    text_column: int
    header_row: Row | None


def _add_table(lines: _Lines, table: Table, interviewer_labels: Sequence[str]) -> None:
    layout = _speaker_layout(table, interviewer_labels)
    for row in table.rows:
        number = lines.next_number()
        if layout is None or len(row.cells) != layout.width:
            for cell in row.cells:
                for paragraph in cell:
                    lines.paragraph(number, paragraph)
        elif row is not layout.header_row:
            _add_speaker_row(lines, number, row, layout)


def _add_speaker_row(lines: _Lines, number: int, row: Row, layout: _SpeakerLayout) -> None:
    speaker = _speaker_name(_cell_text(row.cells[layout.speaker_column]))
    text_lines: list[str] = []
    for paragraph in row.cells[layout.text_column]:
        text_lines += ["", *_LINE_BREAK.split(paragraph.text)]
    lines.add(number, "")
    if speaker:
        # The label goes before the first words, as in a typed "Speaker: text" line.
        first = next((i for i, line in enumerate(text_lines) if line.strip()), None)
        words = text_lines.pop(first) if first is not None else ""
        lines.labelled(number, speaker, words, as_written=f"{speaker}: {words}")
    # With no speaker, the row's words continue the turn above.
    for line in text_lines:
        lines.add(number, line)


def _speaker_layout(table: Table, interviewer_labels: Sequence[str]) -> _SpeakerLayout | None:
    """Where the speakers and their words are, when the table is a transcript: a column of
    short names that recur, one with more words than it, and perhaps one of timestamps."""
    width = max((len(row.cells) for row in table.rows), default=0)
    rows = [row for row in table.rows if len(row.cells) == width]
    if width not in (2, 3) or len(rows) < 2:
        return None
    columns = [[_cell_text(row.cells[column]) for row in rows] for column in range(width)]
    # The first row may be a header ("Time | Speaker | Text"): its "Time" is no timestamp.
    others = [c for c in range(width) if not _is_timestamp_column(columns[c][1:])]
    if len(others) != 2:
        return None
    for speaker_column, text_column in [others, others[::-1]]:
        names = [_speaker_name(cell) for cell in columns[speaker_column]]
        texts = columns[text_column]
        if _is_speaker_column(names) and _word_count(texts) > _word_count(names):
            header_row = (
                rows[0] if _is_header(rows[0], names, texts[0], interviewer_labels) else None
            )
            return _SpeakerLayout(width, speaker_column, text_column, header_row)
    return None


def _is_header(
    row: Row, names: Sequence[str], text: str, interviewer_labels: Sequence[str]
) -> bool:
    """Whether the first row names the columns ("Speaker | Text") rather than speaking."""
    if row.is_header:
        return True
    name = names[0]
    return (
        bool(name)
        and label_key(name) not in {label_key(other) for other in names[1:]}
        and not is_interviewer_label(name, interviewer_labels)
        and len(text.split()) <= _MAX_SPEAKER_WORDS
        and not text.endswith((".", "?", "!", "…"))
    )


def _is_timestamp_column(cells: Sequence[str]) -> bool:
    filled = [cell for cell in cells if cell]
    return bool(filled) and all(_TIMESTAMP_CELL.fullmatch(cell) for cell in filled)


def _is_speaker_column(names: Sequence[str]) -> bool:
    filled = [name for name in names if name]
    short = all(
        len(name) <= _MAX_SPEAKER_CHARS and len(name.split()) <= _MAX_SPEAKER_WORDS
        for name in filled
    )
    # Speakers take turns: some name recurs. Other two-column tables ("Date | 12 May",
    # "Interviewer | Anna") name each thing once.
    return short and max(Counter(map(label_key, filled)).values(), default=0) >= 2


def _word_count(cells: Sequence[str]) -> int:
    return sum(len(cell.split()) for cell in cells)


def _speaker_name(cell_text: str) -> str:
    return cell_text.rstrip(":").rstrip()


def _cell_text(paragraphs: Sequence[Paragraph]) -> str:
    return " ".join(" ".join(paragraph.text.split()) for paragraph in paragraphs).strip()

"""A Taguette document (HTML) as plain text, and its highlights' offsets in that text.

Taguette keeps each document as the HTML its converter made of the upload (calibre makes
one ``<p>`` of each line of a ``.txt`` file and ``<p>&nbsp;</p>`` of each blank line; an
``.html`` upload is kept after cleaning). A highlight's ``start_offset``/``end_offset``
count **UTF-8 bytes of the document's text nodes**, as an HTML5 parser builds them
(``taguette/extract.py``: "Locations are computed over UTF-8 bytes, and doesn't count HTML
tags"; the browser counts ``TextEncoder`` bytes of ``textContent`` the same way). Text
nodes are taken as written: the ``"\\n"`` between two paragraphs counts, a ``<br>`` or a
tag does not, and ``&amp;`` counts as the one byte of ``&``.

The plain text gioia writes has one line per paragraph (block element or ``<br>``), the
cells of a table row joined by tabs, white space inside a line collapsed and a blank line
for an empty paragraph; so ``P1: text`` paragraphs are ``P1: text`` speaker turns. Every
character of it remembers the byte offset of the character it came from, so a highlight's
byte span becomes the span of exactly its text.

The HTML is parsed with the standard library's parser, with the HTML5 parser's input
rules applied where they change text nodes (CR LF and CR read as LF, NUL dropped, the
newline that opens a ``<pre>`` dropped). Malformed HTML that an HTML5 parser would
rearrange (text directly inside a ``<table>``) can shift offsets, which is why the reader
checks each highlight against its stored snippet.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from html.parser import HTMLParser

__all__ = ["DocumentText", "html_text", "same_words", "words"]

_BLOCK_NAMES = (
    "address article aside blockquote body br caption dd div dl dt figcaption figure footer "
    "h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section table tbody td tfoot th "
    "thead tr ul"
)
_BLOCKS = frozenset(_BLOCK_NAMES.split(" "))
_CELLS = frozenset({"td", "th"})
_NEWLINE_DROPPED_AFTER = frozenset({"pre", "listing", "textarea"})
_INSERTED = -1  # offset of a line break or tab gioia adds
# Markers while collecting: a block element's edge (consecutive ones make one line
# break), a <br> (always a line break), an empty paragraph (a blank line).
_BLOCK_BREAK, _LINE_BREAK, _BLANK_LINE = "\x1c", "\x1d", "\x1e"


class DocumentText:
    """The plain text of a Taguette document, and the byte offsets of its characters."""

    def __init__(self, text: str, offsets: list[int]):
        self.text = text
        self._positions = [i for i, offset in enumerate(offsets) if offset != _INSERTED]
        self._offsets = [offsets[i] for i in self._positions]

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The text's span of the Taguette byte span ``[start, end)``: from the first
        character at or after ``start`` to the last one before ``end`` (a byte offset
        inside a character keeps the character, as Taguette's ``split_utf8`` does).
        None when no character lies in the span."""
        first = bisect_left(self._offsets, start)
        last = bisect_left(self._offsets, end) - 1
        if first > last or first >= len(self._offsets) or last < 0:
            return None
        return self._positions[first], self._positions[last] + 1


def html_text(html: str) -> DocumentText:
    """The plain text of Taguette document HTML (see the module docstring)."""
    parser = _TextCollector()
    parser.feed(html.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", ""))
    parser.close()
    return _tidy(parser.chars, parser.offsets)


def words(text: str) -> str:
    """``text`` with its white space collapsed, for comparing passages."""
    return " ".join(text.split())


def same_words(a: str, b: str) -> bool:
    """Whether two passages read the same once white space is ignored altogether: the
    highlights CSV joins a snippet's text nodes with spaces where the document has none
    (``<b>P1:</b>text``)."""
    return re.sub(r"\s+", "", a) == re.sub(r"\s+", "", b)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chars: list[str] = []
        self.offsets: list[int] = []
        self._bytes = 0  # UTF-8 bytes of text nodes so far: Taguette's offset
        self._cells_in_row = 0
        self._preformatted = 0
        self._drop_newline = False
        self._text_in_block = True  # text since the last block element began

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._drop_newline = tag in _NEWLINE_DROPPED_AFTER
        if tag == "pre":
            self._preformatted += 1
        if tag == "tr":
            self._cells_in_row = 0
        if tag == "br":
            self._insert(_LINE_BREAK)
        elif tag in _CELLS:
            if self._cells_in_row:
                self._insert("\t")
            self._cells_in_row += 1
        elif tag in _BLOCKS:
            self._insert(_BLOCK_BREAK)
            self._text_in_block = False

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._insert(_LINE_BREAK)
        elif tag in _BLOCKS and tag not in _CELLS:
            self._insert(_BLOCK_BREAK)

    def handle_endtag(self, tag: str) -> None:
        self._drop_newline = False
        if tag == "pre":
            self._preformatted = max(0, self._preformatted - 1)
        if tag in _BLOCKS and tag not in _CELLS and tag != "br":
            # An empty paragraph (calibre's <p>&nbsp;</p> for a blank line) is a blank line.
            self._insert(_BLOCK_BREAK if self._text_in_block else _BLANK_LINE)
            self._text_in_block = True

    def handle_data(self, data: str) -> None:
        if self._drop_newline and data.startswith("\n"):
            data = data[1:]
        self._drop_newline = False
        for char in data:
            if char == "\n" and self._preformatted:
                self.chars.append(_LINE_BREAK)
            elif char.isspace():
                self.chars.append(" ")
            else:
                self.chars.append(char)
                self._text_in_block = True
            self.offsets.append(self._bytes)
            self._bytes += len(char.encode("utf-8", errors="replace"))

    def _insert(self, char: str) -> None:
        self.chars.append(char)
        self.offsets.append(_INSERTED)


def _tidy(chars: list[str], offsets: list[int]) -> DocumentText:
    """One line per paragraph or line break: spaces collapsed and stripped, at most one
    blank line in a row, none at either end; each kept character keeps its offset."""
    lines: list[list[tuple[str, int]]] = []
    line: list[tuple[str, int]] = []
    for char, offset in zip(chars, offsets, strict=True):
        if char in (_BLOCK_BREAK, _LINE_BREAK, _BLANK_LINE):
            kept = _collapse(line)
            if kept or char == _LINE_BREAK:
                lines.append(kept)
            if char == _BLANK_LINE:
                lines.append([])
            line = []
        else:
            line.append((char, offset))
    lines.append(_collapse(line))
    out_chars: list[str] = []
    out_offsets: list[int] = []
    blank = False
    for kept in lines:
        if not kept:
            blank = True
            continue
        if out_chars:
            breaks = 2 if blank else 1
            out_chars += ["\n"] * breaks
            out_offsets += [_INSERTED] * breaks
        blank = False
        out_chars += [c for c, _ in kept]
        out_offsets += [o for _, o in kept]
    if out_chars:  # a text file ends with a line break
        out_chars.append("\n")
        out_offsets.append(_INSERTED)
    return DocumentText("".join(out_chars), out_offsets)


def _collapse(line: list[tuple[str, int]]) -> list[tuple[str, int]]:
    kept: list[tuple[str, int]] = []
    for char, offset in line:
        if char == " " and (not kept or kept[-1][0] in " \t"):
            continue
        kept.append((char, offset))
    while kept and kept[-1][0] in " \t":
        kept.pop()
    while kept and kept[0][0] == "\t":
        kept.pop(0)
    return kept

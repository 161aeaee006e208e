"""Word (.docx) transcripts, read with python-docx: the body's paragraphs and tables in
document order, as :mod:`gioia.ingest.documents` turns them into speaker turns.

What counts as the text is what Word shows with tracked changes accepted: runs in links,
tracked insertions and content controls are read, tracked deletions are not; text boxes,
headers, footers, footnotes and comments are not part of the body. A run is bold when it
is formatted bold or has a bold character style ("Strong"); a paragraph is a heading when
its style is "Heading 1".."Heading 9", "Title" or "Subtitle".
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Sequence

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tbl, CT_Tc
from docx.oxml.text.paragraph import CT_P
from docx.oxml.text.run import CT_R
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.styles.style import CharacterStyle
from docx.text.font import Font

from gioia.errors import Location, TranscriptError
from gioia.ingest._turns import ParsedText
from gioia.ingest.documents import Block, Paragraph, Row, Table, cell_paragraphs, parse_blocks

__all__ = ["parse_docx"]

# Word's built-in "Heading 1".."Heading 9", "Title" and "Subtitle" paragraph styles.
_HEADING_STYLE = re.compile(r"(?:heading\s*\d|title|subtitle)", re.IGNORECASE)
# Every OLE2 compound file starts so: a Word 97-2003 .doc, or an encrypted .docx.
_OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")

# Elements inside a paragraph whose runs are part of its text: links, tracked insertions,
# content controls, simple fields. Tracked deletions (w:del, w:moveFrom) are not.
_RUN_CONTAINERS = {
    qn(tag)
    for tag in (
        "w:hyperlink",
        "w:ins",
        "w:moveTo",
        "w:smartTag",
        "w:fldSimple",
        "w:sdt",
        "w:sdtContent",
        "w:customXml",
        "w:dir",
        "w:bdo",
    )
}
# Elements of the body (or a cell) that hold paragraphs and tables: content controls.
_BLOCK_CONTAINERS = {qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")}
# How a switch such as <w:tblHeader w:val="false"/> is turned off; with no value it is on.
_OFF = {"0", "false", "off"}


def parse_docx(data: bytes, source: str, interviewer_labels: Sequence[str]) -> ParsedText:
    """A Word (.docx) transcript. ``RawTurn.line`` is the 1-based number of the paragraph
    where the turn starts (as :mod:`gioia.ingest.documents` counts them: empty paragraphs
    included, a table row as one); ``source`` names the file in errors."""
    return parse_blocks(_docx_blocks(data, source), interviewer_labels)


def _docx_blocks(data: bytes, source: str) -> list[Block]:
    if data.startswith(_OLE_SIGNATURE):
        raise _ole_error(data, source)
    try:
        document = docx.Document(io.BytesIO(data))
        reader = _DocxReader(document)
        return list(reader.blocks(document.element.body))
    # python-docx reports a damaged file as whatever broke first (BadZipFile, KeyError,
    # ValueError, an lxml syntax error, ...): each is the same problem to the user.
    except Exception as exc:
        raise TranscriptError(
            f"cannot be read as a Word document: {_damage(data, exc)}",
            hint="open it in Word or LibreOffice and save it again as .docx",
            location=Location(source),
        ) from None


class _DocxReader:
    def __init__(self, document: DocxDocument) -> None:
        # Looking a style up by id scans all styles: do it once per document, not per run.
        styles = list(document.styles)
        self._bold_styles = {
            style.style_id
            for style in styles
            if style.type == WD_STYLE_TYPE.CHARACTER and _is_bold_style(style)
        }
        self._heading_styles = {
            style.style_id
            for style in styles
            if style.type == WD_STYLE_TYPE.PARAGRAPH and _HEADING_STYLE.fullmatch(style.name or "")
        }

    def blocks(self, container: BaseOxmlElement) -> Iterator[Block]:
        for child in container:
            if child.tag == qn("w:p"):
                yield self._paragraph(child)
            elif child.tag == qn("w:tbl"):
                yield self._table(child)
            elif child.tag in _BLOCK_CONTAINERS:
                yield from self.blocks(child)

    def _paragraph(self, p: CT_P) -> Paragraph:
        runs = tuple((r.text, self._is_bold(r)) for r in _runs(p))
        return Paragraph(runs, is_heading=p.style in self._heading_styles)

    def _is_bold(self, r: CT_R) -> bool:
        # Direct formatting overrides the character style ("Strong") of the run.
        bold = Font(r).bold
        return bold if bold is not None else r.style in self._bold_styles

    def _table(self, tbl: CT_Tbl) -> Table:
        rows = []
        for tr in tbl.findall(qn("w:tr")):
            cells = tuple(self._cell(tc) for tc in tr.findall(qn("w:tc")))
            header_mark = tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}")
            is_header = header_mark is not None and header_mark.get(qn("w:val")) not in _OFF
            rows.append(Row(cells, is_header))
        return Table(tuple(rows))

    def _cell(self, tc: CT_Tc) -> tuple[Paragraph, ...]:
        # A cell merged with the one above it shows that cell's text, written only once.
        if tc.vMerge == "continue":
            return ()
        return tuple(cell_paragraphs(self.blocks(tc)))


def _runs(element: BaseOxmlElement) -> Iterator[CT_R]:
    for child in element:
        if child.tag == qn("w:r"):
            yield child
        elif child.tag in _RUN_CONTAINERS:
            yield from _runs(child)


def _is_bold_style(style: CharacterStyle) -> bool:
    """Whether a character style, or the nearest style it is based on that says, is bold."""
    seen: set[str] = set()
    current: CharacterStyle | None = style
    while current is not None and current.style_id not in seen:
        seen.add(current.style_id)
        bold = current.font.bold
        if bold is not None:
            return bold
        current = current.base_style
    return False


def _ole_error(data: bytes, source: str) -> TranscriptError:
    if "EncryptionInfo".encode("utf-16-le") in data:
        return TranscriptError(
            "the document is password-protected",
            hint="open it in Word, remove the password (File > Info > Protect Document) "
            "and save it again",
            location=Location(source),
        )
    return TranscriptError(
        "this is an old Word 97-2003 document (.doc) with a .docx name",
        hint="open it in Word or LibreOffice and save it as .docx",
        location=Location(source),
    )


def _damage(data: bytes, exc: Exception) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    # Only a diagnosis: whatever zipfile cannot open is no .docx.
    except Exception:
        return "it is not a .docx file (a .docx is a zip archive)"
    if "word/document.xml" not in names:
        return "it has no document text (word/document.xml) inside"
    reason = " ".join(str(exc).split())[:200]
    return f"its contents are damaged ({type(exc).__name__}: {reason})"

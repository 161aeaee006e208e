"""OpenDocument text (.odt) transcripts, from LibreOffice, OpenOffice or Google Docs: the
body's paragraphs and tables in document order, as :mod:`gioia.ingest.documents` turns
them into speaker turns.

An .odt file is a zip archive whose ``content.xml`` holds the body; it is read with the
standard library. Paragraphs are ``text:p``, headings ``text:h``; lists and sections are
read through to their paragraphs. What counts as the text is what Writer shows with
tracked changes accepted: the deleted text it keeps aside, footnotes and comments are not
read. A span is bold when its style (or a style it inherits from) sets a bold font weight.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from xml.etree import ElementTree

from gioia.errors import Location, TranscriptError
from gioia.ingest._turns import ParsedText
from gioia.ingest.documents import Block, Paragraph, Row, Table, cell_paragraphs, parse_blocks

__all__ = ["parse_odt"]

_NAMESPACES = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
}


def _name(qualified: str) -> str:
    """``"text:p"`` → the ``{namespace}p`` form ElementTree gives tags and attributes."""
    prefix, local = qualified.split(":")
    return f"{{{_NAMESPACES[prefix]}}}{local}"


_PARAGRAPH, _HEADING = _name("text:p"), _name("text:h")
_TABLE, _ROW = _name("table:table"), _name("table:table-row")
_CELL, _COVERED_CELL = _name("table:table-cell"), _name("table:covered-table-cell")
_HEADER_ROWS = _name("table:table-header-rows")
# Elements that hold paragraphs and tables, or rows of a table, without being one.
_BLOCK_CONTAINERS = {
    _name(tag) for tag in ("text:section", "text:list", "text:list-item", "text:list-header")
}
_ROW_CONTAINERS = {
    _name(tag) for tag in ("table:table-header-rows", "table:table-rows", "table:table-row-group")
}
# Inside a paragraph: text that is not part of it (footnotes, comments, ruby glosses),
# and drawings, whose text boxes, captions and image descriptions are not speech.
_NOT_SPOKEN = {_name(tag) for tag in ("text:note", "office:annotation", "text:ruby-text")}
_DRAWING = f"{{{_NAMESPACES['draw']}}}"
_SPACE, _TAB, _LINE_BREAK = _name("text:s"), _name("text:tab"), _name("text:line-break")
_SPAN, _STYLE_NAME = _name("text:span"), _name("text:style-name")
_FONT_WEIGHT = _name("fo:font-weight")
# ODF collapses the XML's own whitespace (indentation, newlines) to single spaces.
_XML_WHITESPACE = str.maketrans("\n\r\t", "   ")
# Font weights from "600" up are bold, as "bold" is.
_BOLD_WEIGHTS = {"bold", "600", "700", "800", "900"}


def parse_odt(data: bytes, source: str, interviewer_labels: Sequence[str]) -> ParsedText:
    """An OpenDocument text (.odt) transcript. ``RawTurn.line`` is the 1-based number of
    the paragraph where the turn starts (as :mod:`gioia.ingest.documents` counts them:
    empty paragraphs included, a table row as one); ``source`` names the file in errors."""
    content, styles = _read_package(data, source)
    body = content.find("office:body/office:text", _NAMESPACES)
    if body is None:
        raise _damaged(
            source,
            "it is not a text document (a spreadsheet or presentation, perhaps)",
            hint="save the transcript from LibreOffice Writer as .odt or .docx",
        )
    # Named styles first, so that the automatic styles of the body can refine them.
    sections = [] if styles is None else styles.findall("office:styles", _NAMESPACES)
    sections += content.findall("office:automatic-styles", _NAMESPACES)
    reader = _OdtReader(_boldness_of_styles(sections))
    return parse_blocks(list(reader.blocks(body)), interviewer_labels)


def _read_package(
    data: bytes, source: str
) -> tuple[ElementTree.Element, ElementTree.Element | None]:
    """content.xml, and styles.xml where there is one (named styles live there)."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    # NotImplementedError and ValueError: a compression method or an entry name that
    # zipfile cannot read, which for the user is a broken file like any other.
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError):
        raise _damaged(source, "it is not an .odt file (an .odt is a zip archive)") from None
    names = set(package.namelist())
    try:
        # An encrypted package lists how each part is encrypted in its manifest.
        manifest = "META-INF/manifest.xml"
        if manifest in names and b"encryption-data" in package.read(manifest):
            raise TranscriptError(
                "the document is password-protected",
                hint="open it in LibreOffice, save it without a password "
                "(File > Properties > Security) and try again",
                location=Location(source),
            )
        if "content.xml" not in names:
            raise _damaged(source, "it has no document text (content.xml) inside")
        content = ElementTree.fromstring(package.read("content.xml"))
        styles = None
        if "styles.xml" in names:
            styles = ElementTree.fromstring(package.read("styles.xml"))
    # What zipfile and the XML parser raise for a part that is truncated, corrupt,
    # compressed in a way Python cannot unpack, or not well-formed XML.
    except (
        zipfile.BadZipFile,
        zlib.error,
        NotImplementedError,
        RuntimeError,
        ValueError,
        EOFError,
        OSError,
        ElementTree.ParseError,
    ) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise _damaged(source, f"its contents are damaged ({reason})") from None
    return content, styles


def _damaged(
    source: str,
    reason: str,
    hint: str = "open it in LibreOffice or Word and save it again as .odt or .docx",
) -> TranscriptError:
    return TranscriptError(
        f"cannot be read as an OpenDocument text: {reason}",
        hint=hint,
        location=Location(source),
    )


def _boldness_of_styles(sections: Sequence[ElementTree.Element]) -> dict[str, bool]:
    """Whether each text or paragraph style that sets a font weight, itself or through the
    styles it inherits from, is bold. (styles.xml's own automatic styles are for headers
    and footers, and may reuse the body's style names: they are not among ``sections``.)"""
    weight_of: dict[str, str] = {}  # of the styles that set one themselves
    parent_of: dict[str, str | None] = {}
    for section in sections:
        for style in section.iter(_name("style:style")):
            name = style.get(_name("style:name"))
            if name is None:
                continue
            properties = style.find("style:text-properties", _NAMESPACES)
            if properties is not None and properties.get(_FONT_WEIGHT):
                weight_of[name] = properties.get(_FONT_WEIGHT, "")
            parent_of[name] = style.get(_name("style:parent-style-name"))

    def weight(name: str) -> str | None:
        seen: set[str] = set()
        current: str | None = name
        while current is not None and current not in seen:
            seen.add(current)
            if current in weight_of:
                return weight_of[current]
            current = parent_of.get(current)
        return None

    weights = {name: weight(name) for name in parent_of}
    return {name: value in _BOLD_WEIGHTS for name, value in weights.items() if value is not None}


class _OdtReader:
    def __init__(self, boldness_of_styles: dict[str, bool]) -> None:
        self._boldness_of_styles = boldness_of_styles

    def blocks(self, container: ElementTree.Element) -> Iterator[Block]:
        for child in container:
            if child.tag in (_PARAGRAPH, _HEADING):
                yield self._paragraph(child)
            elif child.tag == _TABLE:
                yield self._table(child)
            elif child.tag in _BLOCK_CONTAINERS:
                yield from self.blocks(child)

    def _paragraph(self, element: ElementTree.Element) -> Paragraph:
        runs: list[tuple[str, bool]] = []
        self._collect(element, self._is_bold(element, inherited=False), runs)
        return Paragraph(tuple(runs), is_heading=element.tag == _HEADING)

    def _collect(
        self, element: ElementTree.Element, bold: bool, runs: list[tuple[str, bool]]
    ) -> None:
        if element.text:
            runs.append((element.text.translate(_XML_WHITESPACE), bold))
        for child in element:
            if child.tag == _LINE_BREAK:
                runs.append(("\n", bold))
            elif child.tag in (_SPACE, _TAB):
                # However many spaces text:s stands for, the rendering collapses them.
                runs.append((" ", bold))
            elif child.tag not in _NOT_SPOKEN and not child.tag.startswith(_DRAWING):
                child_bold = self._is_bold(child, bold) if child.tag == _SPAN else bold
                self._collect(child, child_bold, runs)
            if child.tail:
                runs.append((child.tail.translate(_XML_WHITESPACE), bold))

    def _is_bold(self, element: ElementTree.Element, inherited: bool) -> bool:
        """Bold by the element's own style if that sets a weight, else as its parent is."""
        return self._boldness_of_styles.get(element.get(_STYLE_NAME, ""), inherited)

    def _table(self, element: ElementTree.Element) -> Table:
        return Table(tuple(self._rows(element, is_header=False)))

    def _rows(self, element: ElementTree.Element, is_header: bool) -> Iterator[Row]:
        for child in element:
            if child.tag == _ROW:
                cells = (cell for cell in child if cell.tag in (_CELL, _COVERED_CELL))
                yield Row(tuple(self._cell(cell) for cell in cells), is_header)
            elif child.tag in _ROW_CONTAINERS:
                yield from self._rows(child, is_header or child.tag == _HEADER_ROWS)

    def _cell(self, element: ElementTree.Element) -> tuple[Paragraph, ...]:
        # A covered cell is the part of a merged cell that shows another cell's text.
        if element.tag == _COVERED_CELL:
            return ()
        return tuple(cell_paragraphs(self.blocks(element)))

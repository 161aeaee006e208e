"""report.docx: the HTML report as a Word document, for co-authors who edit in Word.

The document is built from report.html as gioia rendered it, element by element
(headings, paragraphs, lists, quotes, tables with their merged cells, figures), so it has
the same sections and tables in the same order without a third set of templates to keep
in step. Figures are SVG; Word needs a raster image, so each is drawn as a PNG by
CairoSVG (an optional dependency, ``pip install 'gioia[docx]'``). Without it, or without
the Cairo library it needs, the figure's place says which SVG file holds it.

Nothing here touches the disk: :func:`render_docx` returns the file's bytes and
:func:`gioia.report.write_report` writes them atomically.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import html as lxml_html

__all__ = ["figure_png", "render_docx"]

# A4 with 2 cm margins leaves 17 cm for text; figures take 16.
TEXT_WIDTH = Cm(16)
# Tables a size smaller than the text, as journals print them, so that ten group columns
# fit the page.
TABLE_FONT = Pt(8.5)
TABLE_WIDTH = Cm(17)
# A node's label indented by its level, as the HTML tables show the tree.
_INDENT = {"theme": Pt(6), "concept": Pt(12)}
_BLOCKS = {"section", "main", "header", "div", "body"}
_HEADINGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3, "h5": 4}
_SPACE = re.compile(r"\s+")


def figure_png(svg: str) -> bytes | None:
    """The SVG drawn as a PNG at twice its size, or None when CairoSVG (or the Cairo
    library under it) is not installed."""
    try:
        import cairosvg
    except (ImportError, OSError):  # OSError: cairocffi finds no libcairo
        return None
    width = _svg_width(svg)
    return cairosvg.svg2png(
        bytestring=svg.encode("utf-8"), output_width=int(width * 2) if width else None
    )


def _svg_width(svg: str) -> float | None:
    match = re.search(r'viewBox="[\d.\-]+ [\d.\-]+ ([\d.]+) [\d.]+"', svg) or re.search(
        r'width="([\d.]+)"', svg
    )
    return float(match[1]) if match else None


def render_docx(report_html: str, figures: Mapping[str, str]) -> bytes:
    """report.docx's bytes from report.html's text and the figures (name -> SVG) it
    shows."""
    page = lxml_html.document_fromstring(report_html)
    document = Document()
    _page_setup(document)
    title = page.findtext(".//title") or ""
    document.core_properties.title = title
    document.core_properties.author = "gioia"
    document.core_properties.last_modified_by = "gioia"
    body = page.find("body")
    writer = _Writer(document, figures)
    writer.blocks(body)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page_setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)


def _text(element) -> str:
    return _SPACE.sub(" ", element.text_content()).strip()


class _Writer:
    def __init__(self, document, figures: Mapping[str, str]):
        self.document = document
        self.figures = figures

    def blocks(self, parent) -> None:
        for child in parent:
            if not isinstance(child.tag, str):
                continue  # comments
            self.block(child)

    def block(self, element) -> None:
        tag = element.tag
        if tag in _BLOCKS:
            self.blocks(element)
        elif tag in _HEADINGS:
            self.document.add_heading(_text(element), level=_HEADINGS[tag])
        elif tag == "p":
            paragraph = self.document.add_paragraph()
            self.inline(paragraph, element)
        elif tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for item in element.iterfind("li"):
                paragraph = self.document.add_paragraph(style=style)
                self.inline(paragraph, item)
        elif tag == "table":
            self.table(element)
        elif tag == "figure":
            self.figure(element)
        elif tag == "blockquote":
            for child in element:
                paragraph = self.document.add_paragraph(style="Quote")
                self.inline(paragraph, child)
        else:
            text = _text(element)
            if text:
                self.document.add_paragraph(text)

    def inline(self, paragraph: Paragraph, element, bold=False, italic=False) -> None:
        """The text of ``element`` as runs: <strong>/<b> bold, <em>/<i>/<cite> italic."""
        if element.text:
            self._run(paragraph, element.text, bold, italic)
        for child in element:
            if isinstance(child.tag, str):
                self.inline(
                    paragraph,
                    child,
                    bold or child.tag in ("strong", "b", "th"),
                    italic or child.tag in ("em", "i"),
                )
            if child.tail:
                self._run(paragraph, child.tail, bold, italic)

    @staticmethod
    def _run(paragraph: Paragraph, text: str, bold: bool, italic: bool) -> None:
        text = _SPACE.sub(" ", text)
        if not paragraph.runs:
            text = text.lstrip()
        if text:
            run = paragraph.add_run(text)
            run.bold = bold or None
            run.italic = italic or None

    def figure(self, element) -> None:
        if "quote" in (element.get("class") or "").split():
            for quote in element.iterfind("blockquote"):
                self.block(quote)
            return
        name = element.get("data-figure")
        svg = self.figures.get(name or "")
        png = figure_png(svg) if svg else None
        if png is not None:
            self.document.add_picture(io.BytesIO(png), width=TEXT_WIDTH)
            self.document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            self.document.add_paragraph(
                f"[Figure: figures/{name}.svg — install CairoSVG (pip install 'gioia[docx]') "
                "to see it here.]"
            )
        caption = element.find("figcaption")
        if caption is not None:
            self.document.add_paragraph(_text(caption), style="Caption")

    def table(self, element) -> None:
        caption = element.find("caption")
        if caption is not None:
            self.document.add_paragraph(_text(caption), style="Caption")
        rows = [row for row in element.iter("tr")]
        grid, spans = _grid(rows)
        if not grid:
            return
        columns = max(len(row) for row in grid)
        table: Table = self.document.add_table(rows=len(grid), cols=columns)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header_rows = len(element.findall("thead/tr"))
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                target = table.cell(r, c)
                paragraph = target.paragraphs[0]
                level = (cell.getparent().get("class") or "").removeprefix("level-")
                heading = cell.tag == "th" and (r < header_rows or level in ("dimension", "theme"))
                self.inline(paragraph, cell, bold=heading)
                for run in paragraph.runs:
                    run.font.size = TABLE_FONT
                if cell.get("scope") == "row" and level in _INDENT:
                    paragraph.paragraph_format.left_indent = _INDENT[level]
                if "number" in (cell.get("class") or "").split():
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for r, c, rowspan, colspan in spans:
            last_r = min(r + rowspan, len(grid)) - 1
            last_c = min(c + colspan, columns) - 1
            if (last_r, last_c) != (r, c):
                table.cell(r, c).merge(table.cell(last_r, last_c))
        for r in range(header_rows):
            _repeat_header(table.rows[r])
        _column_widths(table, grid, columns)


def _grid(rows) -> tuple[list[list], list[tuple[int, int, int, int]]]:
    """HTML rows as a grid of cells (None where a row or column span covers), and the
    spans to merge as (row, column, rowspan, colspan)."""
    grid: list[list] = []
    spans = []
    covered: set[tuple[int, int]] = set()
    for r, row in enumerate(rows):
        line: list = []
        c = 0
        for cell in row:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            while (r, c) in covered:
                line.append(None)
                c += 1
            rowspan = max(1, int(cell.get("rowspan") or 1))
            colspan = max(1, int(cell.get("colspan") or 1))
            line.append(cell)
            for extra in range(1, colspan):
                line.append(None)
                covered.add((r, c + extra))
            for down in range(1, rowspan):
                for across in range(colspan):
                    covered.add((r + down, c + across))
            if rowspan > 1 or colspan > 1:
                spans.append((r, c, rowspan, colspan))
            c += colspan
        while (r, c) in covered:
            line.append(None)
            c += 1
        grid.append(line)
    width = max((len(line) for line in grid), default=0)
    return [line + [None] * (width - len(line)) for line in grid], spans


def _column_widths(table: Table, grid: list[list], columns: int) -> None:
    """Columns as wide as their longest line of text asks (a word of a number column,
    a sentence of a quote's), within the text width: Word and LibreOffice otherwise give
    every column the same width and break a node's label inside its words."""
    wanted = [4.0] * columns
    for row in grid:
        for c, cell in enumerate(row):
            if cell is not None and int(cell.get("colspan") or 1) == 1:
                text = _text(cell)
                longest_word = max((len(word) for word in text.split()), default=0)
                wanted[c] = max(wanted[c], min(float(len(text)), 45.0), longest_word + 3.0)
    total = sum(wanted)
    table.autofit = False
    widths = [int(TABLE_WIDTH * w / total) for w in wanted]
    for c, width in enumerate(widths):
        table.columns[c].width = width
        for cell in table.columns[c].cells:
            cell.width = width


def _repeat_header(row) -> None:
    """Mark a table row as a header row, repeated on each page the table runs to."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)

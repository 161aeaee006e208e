"""SVG building blocks shared by the report's figures: elements, boxes and wrapped text.

The figures are written by hand, with the standard library only, so the report needs no
renderer and the same results always give the same bytes: numbers are written with one
decimal, attributes in the order given.

Figures are inlined into report.html, so they carry no ``<style>`` element (its rules
would apply to the whole page) and no ids except the ones prefixed with the figure's
name; presentation attributes style them instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
LINE_HEIGHT = 1.3  # of the font size
ELLIPSIS = "\u2026"
BOLD_WIDENING = 1.12
TEXT_COLOUR = "#1f2328"
MUTED_COLOUR = "#57606a"
LINE_COLOUR = "#6e7781"

Attributes = Mapping[str, str | int | float | None]
# Characters XML 1.0 cannot carry at all, not even escaped: C0 controls other than tab
# and newlines, lone surrogates (from undecodable file names) and two non-characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str, *, quote: bool = False) -> str:
    """``value`` as XML character data (or, with ``quote``, a double-quoted attribute
    value): markup characters escaped, characters XML cannot carry dropped."""
    entities = {'"': "&quot;"} if quote else {}
    return escape(_NOT_XML.sub("", value), entities)


def number(value: float) -> str:
    """A coordinate or length with fixed precision, so output is byte-identical."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def start_tag(name: str, attributes: Attributes) -> str:
    """``<name a="1">``: numbers formatted with :func:`number`, strings escaped,
    ``None`` left out."""
    parts = [name]
    for key, value in attributes.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else number(value)
        parts.append(f'{key}="{xml_text(text, quote=True)}"')
    return "<" + " ".join(parts) + ">"


def element(name: str, attributes: Attributes, content: str = "") -> str:
    """``<name a="1">content</name>``; ``content`` is markup (escape text first)."""
    opening = start_tag(name, attributes)
    return f"{opening}{content}</{name}>" if content else opening[:-1] + "/>"


def title(text: str) -> str:
    """A ``<title>``: the tooltip, and the full text when a label had to be shortened."""
    return f"<title>{xml_text(text)}</title>"


def svg_document(
    *, name: str, width: float, height: float, heading: str, description: str, body: Sequence[str]
) -> str:
    """A complete SVG figure with a title and description for screen readers."""
    opening = start_tag(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {number(width)} {number(height)}",
            "width": width,
            "height": height,
            "role": "img",
            "aria-labelledby": f"gioia-{name}-title gioia-{name}-desc",
            "font-family": FONT_FAMILY,
            "fill": TEXT_COLOUR,
        },
    )
    head = [
        opening,
        f'<title id="gioia-{name}-title">{xml_text(heading)}</title>',
        f'<desc id="gioia-{name}-desc">{xml_text(description)}</desc>',
    ]
    return "\n".join([*head, *body, "</svg>"]) + "\n"


# --------------------------------------------------------------------------- text


def _character_width(character: str) -> float:
    """Approximate advance of a character in em for common sans-serif fonts; errs wide
    (DejaVu Sans, the usual Linux fallback, is wider than Arial) so text stays in its box."""
    if unicodedata.east_asian_width(character) in ("W", "F"):
        return 1.0
    if character in " iIl.,:;'|!j":
        return 0.32
    if character in 'ftr()[]-/"':
        return 0.42
    if character in "mwMW@%":
        return 0.92
    if character.isupper():
        return 0.7
    return 0.64


def text_width(text: str, font_size: float, *, bold: bool = False) -> float:
    """Estimated rendered width of ``text`` in user units."""
    em = sum(_character_width(character) for character in text)
    return em * font_size * (BOLD_WIDENING if bold else 1)


def wrap_text(
    text: str, max_width: float, font_size: float, max_lines: int, *, bold: bool = False
) -> list[str]:
    """``text`` as at most ``max_lines`` lines that fit ``max_width``, broken at spaces.

    A word wider than a line is broken between characters (also how text without spaces,
    such as Chinese, wraps); text beyond the last line is cut and ends in an ellipsis.
    """

    def fits(line: str) -> bool:
        return text_width(line, font_size, bold=bold) <= max_width

    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        while not fits(word):
            cut = max(1, max(n for n in range(len(word) + 1) if fits(word[:n])))
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and not fits(last + ELLIPSIS):
        last = last[:-1]
    return [*lines[: max_lines - 1], last.rstrip() + ELLIPSIS]


def text_lines(
    lines: Sequence[str],
    *,
    x: float,
    top: float,
    font_size: float,
    anchor: str = "middle",
    attributes: Attributes | None = None,
) -> str:
    """A ``<text>`` with one ``<tspan>`` per line, the first line's box starting at ``top``."""
    step = font_size * LINE_HEIGHT
    # The baseline sits about 0.8 em below the top of a line box for these fonts.
    first_baseline = top + (step - font_size) / 2 + font_size * 0.8
    spans = "".join(
        element("tspan", {"x": x, "y": first_baseline + index * step}, xml_text(line))
        for index, line in enumerate(lines)
    )
    return element(
        "text", {"font-size": font_size, "text-anchor": anchor, **(attributes or {})}, spans
    )


# --------------------------------------------------------------------------- boxes


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def center_x(self) -> float:
        return self.x + self.width / 2

    @property
    def center_y(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True)
class BoxStyle:
    """How one kind of box looks and how much text it holds."""

    width: float
    font_size: float
    fill: str
    stroke: str
    font_weight: str = "normal"
    padding_x: float = 9
    padding_y: float = 6
    max_lines: int = 6
    note_size: float = 11
    note_width: float = 36  # kept free at the right for a note such as "n = 12"

    def wrap(self, label: str, *, with_note: bool) -> list[str]:
        room = self.width - 2 * self.padding_x - (self.note_width if with_note else 0)
        bold = self.font_weight == "bold"
        return wrap_text(label, room, self.font_size, self.max_lines, bold=bold)

    def height(self, line_count: int) -> float:
        return 2 * self.padding_y + max(line_count, 1) * self.font_size * LINE_HEIGHT


def labelled_box(
    box: Box,
    *,
    style: BoxStyle,
    label: str,
    lines: Sequence[str],
    note: str | None,
    data: Attributes,
) -> str:
    """A group: the box, its wrapped label, an optional small note at its right (such as
    the participant count), and the full label as its ``<title>``."""
    text_right = box.right - (style.note_width if note is not None else 0)
    text_height = max(len(lines), 1) * style.font_size * LINE_HEIGHT
    parts = [
        title(label),
        element(
            "rect",
            {
                "x": box.x,
                "y": box.y,
                "width": box.width,
                "height": box.height,
                "rx": 3,
                "fill": style.fill,
                "stroke": style.stroke,
            },
        ),
        text_lines(
            lines,
            x=(box.x + text_right) / 2,
            top=box.center_y - text_height / 2,
            font_size=style.font_size,
            attributes={"font-weight": style.font_weight},
        ),
    ]
    if note is not None:
        parts.append(
            text_lines(
                [note],
                x=box.right - style.padding_x,
                top=box.center_y - style.note_size * LINE_HEIGHT / 2,
                font_size=style.note_size,
                anchor="end",
                attributes={"fill": MUTED_COLOUR},
            )
        )
    return element("g", data, "".join(parts))

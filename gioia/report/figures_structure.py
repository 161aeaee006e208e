"""The Gioia data structure figure: first-order concepts on the left, second-order themes
in the middle, aggregate dimensions on the right, joined by brackets, in codebook order.

Each theme and its concepts, and each dimension and its themes, occupy a horizontal band
of their own, as tall as the taller side; boxes are centred in their band. Bands never
share a row, so no two boxes overlap however many concepts there are: the figure grows
downwards instead of shrinking its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gioia.report.figures_svg import (
    LINE_COLOUR,
    MUTED_COLOUR,
    Box,
    BoxStyle,
    element,
    labelled_box,
    number,
    svg_document,
    text_lines,
)

__all__ = ["data_structure_svg"]

MARGIN = 16
HEADING_SIZE = 13
HEADING_HEIGHT = 34
BRACKET_GAP = 52  # between columns: room for the bracket joining a group to its parent
CONCEPT_GAP = 8
THEME_GAP = 20
DIMENSION_GAP = 32
STYLES = {
    "concept": BoxStyle(width=310, font_size=13, fill="#ffffff", stroke="#8c959f"),
    "theme": BoxStyle(width=230, font_size=13, fill="#f6f8fa", stroke="#57606a"),
    "dimension": BoxStyle(
        width=240, font_size=14, fill="#eaeef2", stroke="#24292f", font_weight="bold"
    ),
}
HEADINGS = {
    "concept": "First-order concepts",
    "theme": "Second-order themes",
    "dimension": "Aggregate dimensions",
}
COLUMN_X = {
    "concept": MARGIN,
    "theme": MARGIN + STYLES["concept"].width + BRACKET_GAP,
    "dimension": MARGIN + STYLES["concept"].width + STYLES["theme"].width + 2 * BRACKET_GAP,
}
WIDTH = COLUMN_X["dimension"] + STYLES["dimension"].width + MARGIN


@dataclass(frozen=True)
class _Measured:
    """A node with its label wrapped for its column, before it has a place."""

    node: dict
    lines: list[str]
    height: float


@dataclass(frozen=True)
class _Placed:
    node: dict
    lines: list[str]
    box: Box


def data_structure_svg(nodes: Sequence[dict], *, show_counts: bool = True) -> str:
    """The data structure of ``nodes`` (results.json nodes, in codebook order) as an SVG
    document. With ``show_counts``, each box also says how many participants expressed
    the node ("n = 3")."""
    children: dict[str | None, list[_Measured]] = {}
    for node in nodes:
        children.setdefault(node["parent"], []).append(_measure(node, show_counts))

    placed: list[_Placed] = []
    links: list[tuple[_Placed, _Placed]] = []  # (child, parent)
    top = MARGIN + HEADING_HEIGHT
    for index, dimension in enumerate(children.get(None, [])):
        if index:
            top += DIMENSION_GAP
        top += _place_dimension(dimension, children, top, placed, links)

    counts = {level: sum(p.node["level"] == level for p in placed) for level in STYLES}
    body = [_headings()]
    body += [_bracket(child.box, parent.box, child.node, parent.node) for child, parent in links]
    body += [_node_box(p, show_counts) for p in placed]
    return svg_document(
        name="data-structure",
        width=WIDTH,
        height=top + MARGIN,
        heading="Data structure",
        description=_description(children, counts),
        body=body,
    )


def _measure(node: dict, show_counts: bool) -> _Measured:
    style = STYLES[node["level"]]
    lines = style.wrap(node["label"], with_note=show_counts)
    return _Measured(node, lines, style.height(len(lines)))


def _place_dimension(
    dimension: _Measured,
    children: dict[str | None, list[_Measured]],
    top: float,
    placed: list[_Placed],
    links: list[tuple[_Placed, _Placed]],
) -> float:
    """Place a dimension, its themes and their concepts from ``top`` down; return the
    height of the band they take."""
    themes = children.get(dimension.node["id"], [])
    theme_bands = [_band_height(theme, children.get(theme.node["id"], [])) for theme in themes]
    themes_height = sum(theme_bands) + THEME_GAP * max(len(themes) - 1, 0)
    band = max(themes_height, dimension.height)
    dimension_placed = _place(dimension, top + (band - dimension.height) / 2)
    placed.append(dimension_placed)

    theme_top = top + (band - themes_height) / 2
    for theme, theme_band in zip(themes, theme_bands, strict=True):
        theme_placed = _place(theme, theme_top + (theme_band - theme.height) / 2)
        placed.append(theme_placed)
        links.append((theme_placed, dimension_placed))
        concepts = children.get(theme.node["id"], [])
        concept_top = theme_top + (theme_band - _stack_height(concepts)) / 2
        for concept in concepts:
            concept_placed = _place(concept, concept_top)
            placed.append(concept_placed)
            links.append((concept_placed, theme_placed))
            concept_top += concept.height + CONCEPT_GAP
        theme_top += theme_band + THEME_GAP
    return band


def _stack_height(concepts: Sequence[_Measured]) -> float:
    return sum(c.height for c in concepts) + CONCEPT_GAP * max(len(concepts) - 1, 0)


def _band_height(theme: _Measured, concepts: Sequence[_Measured]) -> float:
    return max(theme.height, _stack_height(concepts))


def _place(measured: _Measured, y: float) -> _Placed:
    level = measured.node["level"]
    box = Box(COLUMN_X[level], y, STYLES[level].width, measured.height)
    return _Placed(measured.node, measured.lines, box)


def _headings() -> str:
    return "".join(
        text_lines(
            [heading],
            x=COLUMN_X[level] + STYLES[level].width / 2,
            top=MARGIN,
            font_size=HEADING_SIZE,
            attributes={"font-weight": "bold", "fill": MUTED_COLOUR},
        )
        for level, heading in HEADINGS.items()
    )


def _bracket(child: Box, parent: Box, child_node: dict, parent_node: dict) -> str:
    """An elbow from the child's right edge to the parent's left edge. The elbows of one
    group share their vertical run, which draws the bracket of the canonical figure."""
    bend = child.right + BRACKET_GAP / 2
    path = (
        f"M{number(child.right)} {number(child.center_y)}H{number(bend)}"
        f"V{number(parent.center_y)}H{number(parent.x)}"
    )
    return element(
        "path",
        {
            "d": path,
            "fill": "none",
            "stroke": LINE_COLOUR,
            "stroke-width": 1.2,
            "data-from": child_node["id"],
            "data-to": parent_node["id"],
        },
    )


def _node_box(placed: _Placed, show_counts: bool) -> str:
    node = placed.node
    note = f"n = {len(node['participants'])}" if show_counts else None
    return labelled_box(
        placed.box,
        style=STYLES[node["level"]],
        label=node["label"],
        lines=placed.lines,
        note=note,
        data={"data-node": node["id"], "data-level": node["level"]},
    )


def _description(children: dict[str | None, list[_Measured]], counts: dict[str, int]) -> str:
    """What a screen reader says: the counts and the dimensions with their themes (the
    concepts are in the data structure table next to the figure)."""
    summary = (
        f"Read from left to right: {_count(counts['concept'], 'first-order concept')} "
        f"grouped into {_count(counts['theme'], 'second-order theme')} and "
        f"{_count(counts['dimension'], 'aggregate dimension')}."
    )
    sentences = [summary]
    for dimension in children.get(None, []):
        label = dimension.node["label"]
        themes = [theme.node["label"] for theme in children.get(dimension.node["id"], [])]
        sentences.append(f"{label}: {', '.join(themes)}." if themes else f"{label}.")
    return " ".join(sentences)


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"

"""The grounded-theory model: the codebook's researcher-authored relations as labelled
arrows between the nodes they connect, laid out left to right by
:mod:`gioia.report.figures_layering`. Drawn only from ``relations:``, never from
co-occurrence.
"""

from __future__ import annotations

from collections.abc import Sequence

from gioia.report.figures_layering import COLUMN_GAP, Curve, Point, flow_layout
from gioia.report.figures_svg import (
    LINE_HEIGHT,
    MUTED_COLOUR,
    Box,
    BoxStyle,
    element,
    labelled_box,
    number,
    svg_document,
    text_lines,
    text_width,
    title,
    wrap_text,
)

__all__ = ["relations_svg"]

MARGIN = 16
BOX_WIDTH = 200
LABEL_SIZE = 12
LABEL_WIDTH = COLUMN_GAP - 24
LABEL_PLACES = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)  # along an arrow's first curve
LEGEND_HEIGHT = 44
STYLES = {
    "concept": BoxStyle(width=BOX_WIDTH, font_size=13, fill="#ffffff", stroke="#8c959f"),
    "theme": BoxStyle(width=BOX_WIDTH, font_size=13, fill="#f6f8fa", stroke="#57606a"),
    "dimension": BoxStyle(
        width=BOX_WIDTH, font_size=13, fill="#eaeef2", stroke="#24292f", font_weight="bold"
    ),
}
LEVEL_NAMES = {
    "concept": "first-order concept",
    "theme": "second-order theme",
    "dimension": "aggregate dimension",
}
# Okabe-Ito colours, distinguishable with colour-vision deficiencies; the label on each
# arrow says the type, so colour only helps to follow an arrow.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")


def relations_svg(nodes: Sequence[dict], relations: Sequence[dict]) -> str | None:
    """The relations between nodes as an SVG document, or None when there are none.

    ``nodes`` are results.json nodes (labels, levels and codebook order); ``relations``
    are ``{"from", "to", "type", "memo"}`` between their ids.
    """
    if not relations:
        return None
    ends = {end for r in relations for end in (r["from"], r["to"])}
    involved = {node["id"]: node for node in nodes if node["id"] in ends}  # codebook order
    wrapped = {
        node_id: STYLES[node["level"]].wrap(node["label"], with_note=False)
        for node_id, node in involved.items()
    }
    layout = flow_layout(
        list(involved),
        [(r["from"], r["to"]) for r in relations],
        {i: STYLES[involved[i]["level"]].height(len(lines)) for i, lines in wrapped.items()},
        box_width=BOX_WIDTH,
        margin=MARGIN,
    )
    colours: dict[str, int] = {}  # relation type -> palette index
    for relation in relations:
        colours.setdefault(relation["type"], len(colours) % len(PALETTE))

    body = [_markers(min(len(colours), len(PALETTE)))]
    for node_id, node in involved.items():
        body.append(
            labelled_box(
                layout.boxes[node_id],
                style=STYLES[node["level"]],
                label=node["label"],
                lines=wrapped[node_id],
                note=None,
                data={"data-node": node_id, "data-level": node["level"]},
            )
        )
    placed: list[Box] = list(layout.boxes.values())  # what a label must not cover
    for relation, curves in zip(relations, layout.routes, strict=True):
        body.append(_arrow(relation, curves, colours[relation["type"]], placed))
    body.append(_legend([node["level"] for node in involved.values()], layout.height))
    # A loop's label may reach past the last column.
    loop_room = LABEL_WIDTH / 2 if any(r["from"] == r["to"] for r in relations) else 0
    return svg_document(
        name="relations",
        width=layout.width + loop_room,
        height=layout.height + LEGEND_HEIGHT,
        heading="Relations between the nodes of the data structure",
        description=_description(relations, involved),
        body=body,
    )


def _point_on(curve: Curve, t: float) -> Point:
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = curve
    weights = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3)
    xs, ys = (ax, bx, cx, dx), (ay, by, cy, dy)
    return (
        sum(w * v for w, v in zip(weights, xs, strict=True)),
        sum(w * v for w, v in zip(weights, ys, strict=True)),
    )


def _overlaps(a: Box, b: Box) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


def _arrow(relation: dict, curves: Sequence[Curve], colour: int, placed: list[Box]) -> str:
    """One relation: its path with an arrowhead, its type as a label on the path, and its
    memo as the tooltip. The label takes the first place along the path's first curve
    where it covers no box or earlier label (a loop's label sits above its arch)."""
    lines = wrap_text(relation["type"], LABEL_WIDTH, LABEL_SIZE, 2) or [""]
    width = max(text_width(line, LABEL_SIZE) for line in lines) + 8
    height = len(lines) * LABEL_SIZE * LINE_HEIGHT + 2
    candidates = []
    for t in LABEL_PLACES:
        x, y = _point_on(curves[0], t)
        if relation["from"] == relation["to"]:
            y -= height / 2 + 2
        candidates.append(Box(x - width / 2, y - height / 2, width, height))
    label = next((c for c in candidates if not any(_overlaps(c, p) for p in placed)), None)
    label = label or candidates[0]
    placed.append(label)

    start = curves[0][0]
    path = f"M{number(start[0])} {number(start[1])}" + "".join(
        "C" + " ".join(f"{number(x)} {number(y)}" for x, y in curve[1:]) for curve in curves
    )
    memo = " ".join((relation.get("memo") or "").split())
    parts = [
        title(f"{relation['type']}: {memo}" if memo else relation["type"]),
        element(
            "path",
            {
                "d": path,
                "fill": "none",
                "stroke": PALETTE[colour],
                "stroke-width": 1.6,
                "marker-end": f"url(#gioia-relations-arrow-{colour})",
            },
        ),
        element(
            "rect",
            {
                "x": label.x,
                "y": label.y,
                "width": label.width,
                "height": label.height,
                "rx": 3,
                "fill": "#ffffff",
                "fill-opacity": 0.9,
            },
        ),
        text_lines(
            lines,
            x=label.center_x,
            top=label.y + 1,
            font_size=LABEL_SIZE,
            attributes={"fill": PALETTE[colour], "font-style": "italic"},
        ),
    ]
    data = {"data-from": relation["from"], "data-to": relation["to"]}
    return element("g", data, "".join(parts))


def _markers(colour_count: int) -> str:
    """One arrowhead per colour in use (a marker cannot take the colour of its path in
    every browser yet)."""
    markers = "".join(
        element(
            "marker",
            {
                "id": f"gioia-relations-arrow-{index}",
                "viewBox": "0 0 10 10",
                "refX": 9,
                "refY": 5,
                "markerWidth": 7,
                "markerHeight": 7,
                "orient": "auto",
            },
            element("path", {"d": "M0 0L10 5L0 10z", "fill": PALETTE[index]}),
        )
        for index in range(colour_count)
    )
    return element("defs", {}, markers)


def _legend(levels: Sequence[str], top: float) -> str:
    """Swatches for the kinds of node present, so boxes can be told apart in print."""
    x = MARGIN
    parts = []
    for level in (level for level in STYLES if level in levels):
        style = STYLES[level]
        parts.append(
            element(
                "rect",
                {
                    "x": x,
                    "y": top + 20,
                    "width": 18,
                    "height": 12,
                    "rx": 2,
                    "fill": style.fill,
                    "stroke": style.stroke,
                },
            )
        )
        name = LEVEL_NAMES[level]
        parts.append(
            text_lines(
                [name],
                x=x + 24,
                top=top + 26 - 11 * LINE_HEIGHT / 2,
                font_size=11,
                anchor="start",
                attributes={"fill": MUTED_COLOUR},
            )
        )
        x += 24 + text_width(name, 11) + 20
    return element("g", {"data-legend": "levels"}, "".join(parts))


def _description(relations: Sequence[dict], nodes: dict[str, dict]) -> str:
    """Every relation as a sentence, for screen readers."""
    sentences = [
        f"{_named(nodes[r['from']])} {r['type']} {_named(nodes[r['to']])}." for r in relations
    ]
    return " ".join(["Researcher-authored relations, read along the arrows:", *sentences])


def _named(node: dict) -> str:
    return f"{node['label']} ({LEVEL_NAMES[node['level']]})"

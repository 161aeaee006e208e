"""The saturation figure: the discovery curve of distinct codes per interview.

Cumulative distinct codes in analysis order (line and points), the codes each interview
added (bars), the order-free expected curve (dashed), and the Guest saturation point with
its confirming run. Interviews after the point stay on the chart, including any that
still added codes: the figure shows what happened, not only the verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gioia.report.figures_svg import (
    LINE_COLOUR,
    LINE_HEIGHT,
    MUTED_COLOUR,
    element,
    number,
    svg_document,
    text_lines,
    text_width,
    title,
)

__all__ = ["saturation_svg"]

WIDTH = 720
PLOT_HEIGHT = 260
LEFT = 60  # room for the y tick labels and the y axis title
RIGHT = 20
TOP = 56  # room for two rows of legend
BOTTOM = 52  # room for the x tick labels and the x axis title
LEGEND_ROW = 18
TICK_SIZE = 11
AXIS_TITLE_SIZE = 12
MAX_X_TICKS = 20
MAX_Y_TICKS = 8
GRID_COLOUR = "#d0d7de"
NEW_COLOUR = "#b6d7ec"
CUMULATIVE_COLOUR = "#0072b2"
EXPECTED_COLOUR = "#57606a"
EXPECTED_DASHES = "5 4"
POINT_COLOUR = "#d55e00"
POINT_DASHES = "2 3"
RUN_COLOUR = "#fdf0e7"
LEVEL_NAMES = {"concept": "first-order concepts", "theme": "second-order themes"}
LEGEND = {
    "new": "new codes in the interview",
    "cumulative": "distinct codes so far",
    "expected": "expected, averaged over all interview orders",
    "point": "saturation point (Guest et al.)",
    "run": "run that confirmed it",
}


@dataclass(frozen=True)
class _Scale:
    count: int  # interviews
    top_value: int  # codes at the top of the y axis

    @property
    def band(self) -> float:
        """The width each interview gets on the x axis."""
        return (WIDTH - LEFT - RIGHT) / self.count

    def x(self, index: int) -> float:
        """The centre of the (0-based) interview's band."""
        return LEFT + self.band * (index + 0.5)

    def y(self, value: float) -> float:
        return TOP + PLOT_HEIGHT * (1 - value / self.top_value)


def saturation_svg(saturation: dict) -> str | None:
    """The discovery curve of a results.json ``saturation`` entry as an SVG document, or
    None when there are no interviews."""
    order = saturation.get("order") or []
    if not order:
        return None
    new = saturation["new_per_interview"]
    cumulative = saturation["cumulative"]
    expected = saturation.get("expected_curve") or []
    guest = saturation.get("guest") or {}
    reached = guest.get("point") is not None
    y_step = _nice_step(max([*cumulative, *expected, 1]), MAX_Y_TICKS)
    scale = _Scale(len(order), -(-max([*cumulative, *expected, 1]) // y_step) * y_step)

    legend = (
        ["new", "cumulative"]
        + ["run"] * reached
        + ["expected"] * bool(expected)
        + ["point"] * reached
    )
    body = [_legend(legend)]
    if reached:
        body.append(_confirming_run(guest, scale))
    body += [_y_axis(scale, y_step), _x_axis(scale), _bars(new, scale)]
    if expected:
        points = [(scale.x(i), scale.y(value)) for i, value in enumerate(expected)]
        body.append(
            _polyline(
                points,
                {
                    "data-series": "expected",
                    "stroke": EXPECTED_COLOUR,
                    "stroke-width": 1.5,
                    "stroke-dasharray": EXPECTED_DASHES,
                },
            )
        )
    points = [(scale.x(i), scale.y(value)) for i, value in enumerate(cumulative)]
    body.append(
        _polyline(
            points, {"data-series": "cumulative", "stroke": CUMULATIVE_COLOUR, "stroke-width": 2}
        )
    )
    body.append(_points(order, new, cumulative, scale))
    if reached:
        body.append(_saturation_marker(guest, scale))
    level = LEVEL_NAMES.get(saturation.get("level", ""), "codes")
    return svg_document(
        name="saturation",
        width=WIDTH,
        height=TOP + PLOT_HEIGHT + BOTTOM,
        heading=f"Code saturation: distinct {level} per interview",
        description=_description(saturation, level),
        body=body,
    )


def _nice_step(span: float, most: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that cuts ``span`` into at most ``most``
    intervals."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if span / (factor * magnitude) <= most:
                return factor * magnitude
        magnitude *= 10


def _polyline(points: Sequence[tuple[float, float]], attributes: dict) -> str:
    coordinates = " ".join(f"{number(x)},{number(y)}" for x, y in points)
    return element("polyline", {"points": coordinates, "fill": "none", **attributes})


def _line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    colour: str,
    width: float = 1,
    dashes: str | None = None,
) -> str:
    attributes = {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "stroke": colour}
    return element("line", {**attributes, "stroke-width": width, "stroke-dasharray": dashes})


def _bars(new: Sequence[int], scale: _Scale) -> str:
    width = scale.band * 0.6
    bars = "".join(
        element(
            "rect",
            {
                "x": scale.x(i) - width / 2,
                "y": scale.y(value),
                "width": width,
                "height": scale.y(0) - scale.y(value),
            },
        )
        for i, value in enumerate(new)
        if value
    )
    return element("g", {"data-series": "new", "fill": NEW_COLOUR}, bars)


def _points(
    order: Sequence[str], new: Sequence[int], cumulative: Sequence[int], scale: _Scale
) -> str:
    """A point per interview, its transcript and counts as the tooltip."""
    radius = max(1.0, min(3.5, scale.band * 0.3))
    points = "".join(
        element(
            "circle",
            {"cx": scale.x(i), "cy": scale.y(total), "r": radius},
            title(f"Interview {i + 1} ({transcript}): {added} new, {total} distinct"),
        )
        for i, (transcript, added, total) in enumerate(zip(order, new, cumulative, strict=True))
    )
    return element("g", {"data-series": "points", "fill": CUMULATIVE_COLOUR}, points)


def _y_axis(scale: _Scale, step: int) -> str:
    """A gridline and label every ``step`` codes, and the axis title."""
    parts = []
    for value in range(0, scale.top_value + 1, step):
        y = scale.y(value)
        parts.append(_line(LEFT, y, WIDTH - RIGHT, y, GRID_COLOUR if value else LINE_COLOUR))
        parts.append(
            text_lines(
                [str(value)],
                x=LEFT - 6,
                top=y - TICK_SIZE * LINE_HEIGHT / 2,
                font_size=TICK_SIZE,
                anchor="end",
                attributes={"fill": MUTED_COLOUR},
            )
        )
    middle = TOP + PLOT_HEIGHT / 2
    title_attributes = {
        "x": 16,
        "y": middle,
        "font-size": AXIS_TITLE_SIZE,
        "text-anchor": "middle",
        "transform": f"rotate(-90 16 {number(middle)})",
        "fill": MUTED_COLOUR,
    }
    parts.append(element("text", title_attributes, "distinct codes"))
    return element("g", {"data-axis": "y"}, "".join(parts))


def _x_axis(scale: _Scale) -> str:
    """Ticks at the first interview and at every multiple of a step that keeps their
    labels apart, and the axis title."""
    step = _nice_step(scale.count, MAX_X_TICKS)
    baseline = TOP + PLOT_HEIGHT
    parts = []
    for interview in sorted({1, *range(step, scale.count + 1, step)}):
        x = scale.x(interview - 1)
        parts.append(_line(x, baseline, x, baseline + 4, LINE_COLOUR))
        parts.append(
            text_lines(
                [str(interview)],
                x=x,
                top=baseline + 6,
                font_size=TICK_SIZE,
                attributes={"fill": MUTED_COLOUR},
            )
        )
    parts.append(
        text_lines(
            ["interviews in analysis order"],
            x=(LEFT + WIDTH - RIGHT) / 2,
            top=baseline + 26,
            font_size=AXIS_TITLE_SIZE,
            attributes={"fill": MUTED_COLOUR},
        )
    )
    return element("g", {"data-axis": "x"}, "".join(parts))


def _confirming_run(guest: dict, scale: _Scale) -> str:
    """A light band over the ``run`` interviews after the point, which confirmed it."""
    run = min(guest.get("run") or 0, scale.count - guest["point"])
    attributes = {
        "x": LEFT + scale.band * guest["point"],
        "y": TOP,
        "width": scale.band * run,
        "height": PLOT_HEIGHT,
        "fill": RUN_COLOUR,
        "data-series": "confirming-run",
    }
    return element("rect", attributes)


def _saturation_marker(guest: dict, scale: _Scale) -> str:
    """A vertical line at the saturation point, labelled like "saturation 5+2"."""
    x = scale.x(guest["point"] - 1)
    label = f"saturation {guest.get('label') or guest['point']}"
    # The label goes right of the line, unless it would run off the chart.
    fits_right = x + 4 + text_width(label, TICK_SIZE) <= WIDTH - RIGHT
    line = _line(x, TOP, x, scale.y(0), POINT_COLOUR, 1.5, POINT_DASHES)
    text = text_lines(
        [label],
        x=x + 4 if fits_right else x - 4,
        top=TOP + 2,
        font_size=TICK_SIZE,
        anchor="start" if fits_right else "end",
        attributes={"fill": POINT_COLOUR, "font-weight": "bold"},
    )
    return element("g", {"data-marker": "saturation-point"}, line + text)


def _legend(kinds: Sequence[str]) -> str:
    """A key for each series drawn, in rows above the chart."""
    x, middle = LEFT, 12.0
    parts = []
    for kind in kinds:
        width = 22 + text_width(LEGEND[kind], TICK_SIZE)
        if x > LEFT and x + width > WIDTH - RIGHT:
            x, middle = LEFT, middle + LEGEND_ROW
        parts.append(_swatch(kind, x, middle))
        parts.append(
            text_lines(
                [LEGEND[kind]],
                x=x + 22,
                top=middle - TICK_SIZE * LINE_HEIGHT / 2,
                font_size=TICK_SIZE,
                anchor="start",
                attributes={"fill": MUTED_COLOUR},
            )
        )
        x += width + 18
    return element("g", {"data-legend": "series"}, "".join(parts))


def _swatch(kind: str, x: float, middle: float) -> str:
    """The legend's sample of a series, 16 units wide."""
    if kind == "new":
        return element(
            "rect", {"x": x, "y": middle - 5, "width": 16, "height": 10, "fill": NEW_COLOUR}
        )
    if kind == "run":
        return element(
            "rect",
            {
                "x": x,
                "y": middle - 6,
                "width": 16,
                "height": 12,
                "fill": RUN_COLOUR,
                "stroke": GRID_COLOUR,
                "stroke-width": 0.5,
            },
        )
    if kind == "cumulative":
        line = _line(x, middle, x + 16, middle, CUMULATIVE_COLOUR, 2)
        return line + element(
            "circle", {"cx": x + 8, "cy": middle, "r": 3, "fill": CUMULATIVE_COLOUR}
        )
    colour, dashes = {
        "expected": (EXPECTED_COLOUR, EXPECTED_DASHES),
        "point": (POINT_COLOUR, POINT_DASHES),
    }[kind]
    return _line(x, middle, x + 16, middle, colour, 2, dashes)


def _description(saturation: dict, level: str) -> str:
    """The numbers behind the curve and the verdict, for screen readers."""
    guest = saturation.get("guest") or {}
    sentences = [
        f"Distinct {level} after each of {len(saturation['order'])} interviews in analysis "
        f"order: {', '.join(map(str, saturation['cumulative']))}.",
        f"New per interview: {', '.join(map(str, saturation['new_per_interview']))}.",
    ]
    if guest.get("point") is not None:
        sentences.append(f"Saturation (Guest et al.) at {guest.get('label') or guest['point']}.")
    elif guest.get("reason"):
        sentences.append(f"No saturation point (Guest et al.): {guest['reason'].rstrip('.')}.")
    return " ".join(sentences)

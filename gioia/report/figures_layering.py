"""A left-to-right layered layout for a small directed graph, for the relations figure.

A simplified Sugiyama layout, chosen because the model figures of Gioia studies read left
to right, from conditions to consequences:

1. edges that close a cycle are found by a depth-first walk and laid out reversed;
2. a node's column is the length of the longest path into it, so edges run rightwards;
3. an edge that skips columns keeps a narrow passage open in each column it crosses, so it
   never runs through a box;
4. each column is ordered by the mean row of what leads into it, which keeps crossings
   few.

Every choice falls back on the order the nodes and edges are given in, so the same graph
always gets the same picture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gioia.report.figures_svg import Box

__all__ = ["COLUMN_GAP", "Curve", "FlowLayout", "Point", "flow_layout"]

COLUMN_GAP = 170  # room between columns for the arrows and their labels
ROW_GAP = 28
PASSAGE_HEIGHT = 14  # the gap an edge keeps open in a column it crosses
LOOP_RISE = 30  # how high an edge from a node to itself arches over the node
LOOP_CLEARANCE = 64  # room above the columns for such an arch and its label
PARALLEL_BULGE = 32  # between the middles of those edges, so their labels stay apart

Point = tuple[float, float]
Curve = tuple[Point, Point, Point, Point]  # a cubic Bézier: start, two controls, end
Entry = str | tuple[int, int]  # a node id, or a passage: (edge index, column)


@dataclass(frozen=True)
class FlowLayout:
    boxes: dict[str, Box]
    routes: list[list[Curve]]  # per edge, from its source to its target
    width: float
    height: float


def flow_layout(
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    heights: Mapping[str, float],
    *,
    box_width: float,
    margin: float,
) -> FlowLayout:
    """Boxes for ``nodes`` (each ``heights[node]`` tall) and routes for ``edges`` (source,
    target pairs between them, loops and repeats allowed)."""
    backwards = _backward_edges(nodes, edges)
    laid_out = [(t, s) if i in backwards else (s, t) for i, (s, t) in enumerate(edges)]
    layers = _layers(nodes, [(s, t) for s, t in laid_out if s != t])
    columns = _columns(nodes, laid_out, layers)
    top = margin + (LOOP_CLEARANCE if any(s == t for s, t in edges) else 0)
    boxes, passages, bottom = _place(columns, heights, box_width, margin, top)
    ports = _ports(laid_out, boxes, passages)

    routes = []
    for index, (source, target) in enumerate(edges):
        if source == target:
            routes.append([_loop(boxes[source])])
            continue
        left, right = laid_out[index]
        siblings = [i for i, pair in enumerate(laid_out) if set(pair) == {left, right}]
        # Edges through passages are apart already; others joining the same two nodes
        # bow apart so that their labels do not cover each other.
        bulge = 0 if index in passages else siblings.index(index) - (len(siblings) - 1) / 2
        start = (boxes[left].right, ports[(index, left)])
        end = (boxes[right].x, ports[(index, right)])
        curves = _route(start, end, passages.get(index, []), bulge * PARALLEL_BULGE)
        routes.append(_reverse(curves) if index in backwards else curves)
    width = 2 * margin + len(columns) * box_width + (len(columns) - 1) * COLUMN_GAP
    return FlowLayout(boxes, routes, width, bottom)


def _place(
    columns: Sequence[Sequence[Entry]],
    heights: Mapping[str, float],
    box_width: float,
    margin: float,
    top: float,
) -> tuple[dict[str, Box], dict[int, list[Box]], float]:
    """Boxes of the nodes, the passages of each edge left to right, and the bottom of the
    tallest column, which starts at ``top``; the others are centred on it."""

    def entry_height(entry: Entry) -> float:
        return heights[entry] if isinstance(entry, str) else PASSAGE_HEIGHT

    totals = [sum(map(entry_height, c)) + ROW_GAP * (len(c) - 1) for c in columns]
    boxes: dict[str, Box] = {}
    passages: dict[int, list[Box]] = {}
    for layer, column in enumerate(columns):
        x = margin + layer * (box_width + COLUMN_GAP)
        y = top + (max(totals) - totals[layer]) / 2
        for entry in column:
            box = Box(x, y, box_width, entry_height(entry))
            if isinstance(entry, str):
                boxes[entry] = box
            else:
                passages.setdefault(entry[0], []).append(box)
            y += box.height + ROW_GAP
    return boxes, passages, top + max(totals)


def _ports(
    laid_out: Sequence[tuple[str, str]], boxes: dict[str, Box], passages: dict[int, list[Box]]
) -> dict[tuple[int, str], float]:
    """Where each edge meets each of its nodes, keyed by (edge index, node): edges leave
    a box's right side and enter its left side at evenly spaced heights, ordered by the
    height they come from or go to, so edges at one box do not cross there."""
    sides: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for index, (left, right) in enumerate(laid_out):
        if left == right:
            continue
        stops = [box.center_y for box in passages.get(index, [])]
        towards_right = stops[0] if stops else boxes[right].center_y
        towards_left = stops[-1] if stops else boxes[left].center_y
        sides.setdefault((left, "right"), []).append((towards_right, index))
        sides.setdefault((right, "left"), []).append((towards_left, index))
    ports = {}
    for (node, _side), ends in sides.items():
        box = boxes[node]
        for rank, (_, index) in enumerate(sorted(ends)):
            ports[(index, node)] = box.y + box.height * (rank + 1) / (len(ends) + 1)
    return ports


def _backward_edges(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> set[int]:
    """Indices of the edges that close a cycle. The walk starts from nodes nothing points
    to, so the researcher's conditions come first and the edges leading back to them are
    the reversed ones."""
    outgoing: dict[str, list[int]] = {node: [] for node in nodes}
    for index, (source, target) in enumerate(edges):
        if source != target:
            outgoing[source].append(index)
    pointed_to = {target for source, target in edges if source != target}
    roots = sorted(nodes, key=lambda node: node in pointed_to)  # stable: keeps given order

    backwards: set[int] = set()
    state: dict[str, str] = {}  # "open" while on the walk's current path, then "done"
    for root in roots:
        if root in state:
            continue
        state[root] = "open"
        stack = [(root, iter(outgoing[root]))]
        while stack:
            node, pending = stack[-1]
            index = next(pending, None)
            if index is None:
                state[node] = "done"
                stack.pop()
                continue
            target = edges[index][1]
            if state.get(target) == "open":
                backwards.add(index)
            elif target not in state:
                state[target] = "open"
                stack.append((target, iter(outgoing[target])))
    return backwards


def _layers(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Each node's column: the length of the longest path into it. The edges form no
    cycle, so relaxing all of them once per node settles every column."""
    layers = dict.fromkeys(nodes, 0)
    for _ in nodes:
        changed = False
        for source, target in edges:
            if layers[target] < layers[source] + 1:
                layers[target] = layers[source] + 1
                changed = True
        if not changed:
            break
    return layers


def _columns(
    nodes: Sequence[str], edges: Sequence[tuple[str, str]], layers: dict[str, int]
) -> list[list[Entry]]:
    """Per column, its entries top to bottom, each column after the first ordered by the
    mean row of the entries leading into it from the column before."""
    columns: list[list[Entry]] = [[] for _ in range(max(layers.values()) + 1)]
    for node in nodes:
        columns[layers[node]].append(node)
    incoming: dict[Entry, list[Entry]] = {}
    for index, (source, target) in enumerate(edges):
        if source == target:
            continue
        previous: Entry = source
        for layer in range(layers[source] + 1, layers[target]):
            passage: Entry = (index, layer)
            columns[layer].append(passage)
            incoming[passage] = [previous]
            previous = passage
        incoming.setdefault(target, []).append(previous)

    given = {entry: rank for rank, entry in enumerate(e for c in columns for e in c)}
    for layer in range(1, len(columns)):
        rows = {entry: row for row, entry in enumerate(columns[layer - 1])}

        def mean_row(entry: Entry, rows: dict[Entry, int] = rows) -> float:
            sources = [rows[s] for s in incoming.get(entry, []) if s in rows]
            return sum(sources) / len(sources) if sources else len(rows)

        columns[layer].sort(key=lambda entry: (mean_row(entry), given[entry]))
    return columns


def _route(start: Point, end: Point, passages: Sequence[Box], bulge: float) -> list[Curve]:
    """From ``start``, straight through each passage, to ``end``; ``bulge`` bows the last
    curve (see :func:`_bend`)."""
    position = start
    curves: list[Curve] = []
    for passage in passages:
        entry, exit_ = (passage.x, passage.center_y), (passage.right, passage.center_y)
        curves += [_bend(position, entry, 0), (entry, entry, exit_, exit_)]
        position = exit_
    curves.append(_bend(position, end, bulge))
    return curves


def _bend(start: Point, end: Point, bulge: float) -> Curve:
    """An S-curve leaving ``start`` and entering ``end`` horizontally; ``bulge`` moves its
    middle down (or up, when negative) by three quarters of that amount."""
    middle = (start[0] + end[0]) / 2
    return (start, (middle, start[1] + bulge), (middle, end[1] + bulge), end)


def _loop(box: Box) -> Curve:
    """An edge from a node to itself: an arch over the box's top right corner."""
    start, end = (box.right - 48, box.y), (box.right - 12, box.y)
    return (start, (start[0], box.y - LOOP_RISE), (end[0], box.y - LOOP_RISE), end)


def _reverse(curves: Sequence[Curve]) -> list[Curve]:
    return [(d, c, b, a) for a, b, c, d in reversed(curves)]

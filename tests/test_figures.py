"""The report's SVG figures: valid standalone SVG, every label present and escaped, the
Gioia layout (columns, brackets, no overlaps at 100 concepts), the relations as arrows,
the saturation curve, and byte-identical output for the same input."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from itertools import accumulate, combinations
from pathlib import Path

import pytest

from gioia.codebook import load_codebook
from gioia.report.figures import (
    DATA_STRUCTURE,
    FIGURES,
    RELATIONS,
    SATURATION,
    data_structure_svg,
    relations_svg,
    render_figures,
    saturation_svg,
)
from gioia.report.figures_svg import ELLIPSIS, text_width, wrap_text

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer-support"
SVG = "{http://www.w3.org/2000/svg}"
LONG_LABEL = "peer support happens in the corridor between two consultations when "
HOSTILE = 'Kitchen <script>alert(1)</script> & "coffee" </text>'


def node(node_id, level, label, parent, participants=("P1",)):
    return {
        "id": node_id,
        "level": level,
        "label": label,
        "parent": parent,
        "participants": list(participants),
        "segments": len(participants),
    }


def study_nodes(dimensions=2, themes=3, concepts=3, label=None):
    """A codebook's nodes in results.json order: depth first, as the codebook lists them."""
    nodes = []
    for d in range(dimensions):
        nodes.append(node(f"d{d}", "dimension", f"Dimension {d}", None))
        for t in range(themes):
            nodes.append(node(f"d{d}t{t}", "theme", f"Theme {d}.{t}", f"d{d}"))
            for c in range(concepts):
                text = label(d, t, c) if label else f"concept {d}.{t}.{c}"
                nodes.append(node(f"d{d}t{t}c{c}", "concept", text, f"d{d}t{t}"))
    return nodes


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def boxes(root: ET.Element) -> dict[str, tuple[str, tuple[float, float, float, float]]]:
    """node id -> (level, (x, y, width, height)) of its box."""
    found = {}
    for group in root.iter(f"{SVG}g"):
        if "data-node" in group.attrib:
            rect = group.find(f"{SVG}rect")
            geometry = tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
            found[group.get("data-node")] = (group.get("data-level"), geometry)
    return found


def box_titles(root: ET.Element) -> dict[str, str]:
    return {g.get("data-node"): g.find(f"{SVG}title").text for g in tagged(root, "data-node")}


def tagged(root: ET.Element, attribute: str, value: str | None = None) -> list[ET.Element]:
    """The elements carrying ``attribute`` (with ``value``, when given)."""
    found = [e for e in root.iter() if e.get(attribute) is not None]
    return found if value is None else [e for e in found if e.get(attribute) == value]


def assert_apart(geometries) -> None:
    """No two (x, y, width, height) rectangles intersect."""
    for (ax, ay, aw, ah), (bx, by, bw, bh) in combinations(geometries, 2):
        assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay


def all_text(root: ET.Element) -> str:
    return " ".join(" ".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def saturation(point=5, **changes):
    """Test vector T2 of methods/saturation.md: eight interviews, "5+2"."""
    data = {
        "level": "concept",
        "order": [f"GP{i}" for i in range(1, 9)],
        "new_per_interview": [5, 2, 1, 1, 1, 0, 0, 1],
        "cumulative": [5, 7, 8, 9, 10, 10, 10, 11],
        "guest": {"run": 2, "point": point, "label": f"{point}+2" if point else None},
        "expected_curve": [3.0, 5.071429, 6.553571, 7.685714, 8.625, 9.464286, 10.25, 11.0],
    }
    return data | changes


RELATIONS_EXAMPLE = [
    {"from": "d1t0c0", "to": "d0t0", "type": "enables", "memo": "over coffee"},
    {"from": "d1t0c0", "to": "d1t0c2", "type": "enables", "memo": ""},
    {"from": "d1t2c0", "to": "d0", "type": "constrains", "memo": "no time"},
]


def every_figure():
    nodes = study_nodes()
    return {
        DATA_STRUCTURE: data_structure_svg(nodes),
        RELATIONS: relations_svg(nodes, RELATIONS_EXAMPLE),
        SATURATION: saturation_svg(saturation()),
    }


# --------------------------------------------------------------------------- all figures


@pytest.mark.parametrize("name", list(FIGURES))
def test_a_figure_is_a_standalone_accessible_svg(name):
    svg = every_figure()[name]
    root = parse(svg)
    assert root.get("role") == "img"
    width, height = float(root.get("width")), float(root.get("height"))
    assert math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    first, second = list(root)[:2]
    assert first.tag == f"{SVG}title" and first.text
    assert second.tag == f"{SVG}desc" and second.text
    assert set(root.get("aria-labelledby").split()) == {first.get("id"), second.get("id")}
    assert "sans-serif" in root.get("font-family")
    # Nothing runs, nothing is fetched, nothing styles the page the figure is inlined in.
    tags = {element.tag for element in root.iter()}
    assert not tags & {f"{SVG}script", f"{SVG}style", f"{SVG}image", f"{SVG}foreignObject"}
    assert not re.search(r"href|@import|url\((?!#gioia-)", svg)


def test_the_same_input_gives_the_same_bytes():
    assert every_figure() == every_figure()


def test_render_figures_names_what_the_results_call_for():
    nodes = study_nodes()
    results = {"nodes": nodes, "codebook": {"relations": RELATIONS_EXAMPLE}}
    assert list(render_figures(results)) == [DATA_STRUCTURE, RELATIONS]
    results["saturation"] = saturation()
    assert list(render_figures(results)) == [DATA_STRUCTURE, RELATIONS, SATURATION]
    assert list(render_figures({"nodes": nodes, "codebook": {"relations": []}})) == [DATA_STRUCTURE]
    assert all(re.fullmatch(r"[a-z-]+", name) for name in FIGURES)


# --------------------------------------------------------------------------- text


def test_wrap_text_breaks_at_spaces_and_fits():
    text = "the informal support that happens in the corridor between two consultations"
    lines = wrap_text(text, 150, 13, 6)
    assert len(lines) > 1
    assert " ".join(lines) == text
    assert all(text_width(line, 13) <= 150 for line in lines)


def test_wrap_text_breaks_a_word_too_long_for_a_line():
    lines = wrap_text("Donaudampfschifffahrtsgesellschaftskapitän", 100, 13, 6)
    assert "".join(lines) == "Donaudampfschifffahrtsgesellschaftskapitän"
    assert all(text_width(line, 13) <= 100 for line in lines)


def test_wrap_text_shortens_what_does_not_fit_with_an_ellipsis():
    lines = wrap_text("word " * 100, 100, 13, 3)
    assert len(lines) == 3
    assert lines[-1].endswith(ELLIPSIS)
    assert all(text_width(line, 13) <= 100 for line in lines)
    assert wrap_text("", 100, 13, 3) == []


# --------------------------------------------------------------------------- data structure


def test_data_structure_shows_every_label_escaped():
    nodes = study_nodes()
    nodes[2]["label"] = HOSTILE
    svg = data_structure_svg(nodes)
    root = parse(svg)
    assert box_titles(root) == {n["id"]: n["label"] for n in nodes}
    assert "<script" not in svg and "&lt;script&gt;" in svg and "&amp;" in svg


def test_characters_xml_cannot_carry_are_dropped():
    nodes = study_nodes(1, 1, 1)
    nodes[2]["label"] = "a bell\x07 and an undecodable \udcff byte"
    assert box_titles(parse(data_structure_svg(nodes)))["d0t0c0"] == (
        "a bell and an undecodable  byte"
    )


def test_data_structure_columns_read_concepts_themes_dimensions():
    placed = boxes(parse(data_structure_svg(study_nodes())))
    columns = {
        level: [geometry for lvl, geometry in placed.values() if lvl == level]
        for level in ("concept", "theme", "dimension")
    }
    assert max(x + w for x, _, w, _ in columns["concept"]) < min(x for x, *_ in columns["theme"])
    assert max(x + w for x, _, w, _ in columns["theme"]) < min(x for x, *_ in columns["dimension"])


def test_data_structure_keeps_codebook_order_top_to_bottom():
    nodes = study_nodes()
    placed = boxes(parse(data_structure_svg(nodes)))
    for level in ("concept", "theme", "dimension"):
        tops = [placed[n["id"]][1][1] for n in nodes if n["level"] == level]
        assert tops == sorted(tops)


def test_every_concept_and_theme_is_bracketed_to_its_parent():
    nodes = study_nodes()
    root = parse(data_structure_svg(nodes))
    placed = boxes(root)
    links = {}
    for path in root.iter(f"{SVG}path"):
        links[path.get("data-from")] = (path.get("data-to"), path.get("d"))
    children = [n for n in nodes if n["parent"]]
    assert {child["id"]: links[child["id"]][0] for child in children} == {
        child["id"]: child["parent"] for child in children
    }
    for child in children:
        start_x, start_y, *_, end_x = map(float, re.findall(r"-?\d+\.\d", links[child["id"]][1]))
        x, y, width, height = placed[child["id"]][1]
        px, py, _, pheight = placed[child["parent"]][1]
        assert (start_x, start_y) == (x + width, pytest.approx(y + height / 2, abs=0.1))
        assert end_x == px
        # The path's last vertical run ends at the middle of the parent's box.
        assert float(re.search(r"V(-?\d+\.\d)", links[child["id"]][1])[1]) == pytest.approx(
            py + pheight / 2, abs=0.1
        )


def test_a_hundred_concepts_with_long_labels_never_overlap():
    def label(d, t, c):
        # 2 to 12 words, so boxes of one to three lines sit next to each other.
        words = (LONG_LABEL * 2).split()
        return " ".join(words[: 2 + (d * 7 + t * 3 + c) % 11]) + f" ({d}.{t}.{c})"

    small = parse(data_structure_svg(study_nodes(1, 2, 5)))
    nodes = study_nodes(dimensions=5, themes=4, concepts=5, label=label)
    root = parse(data_structure_svg(nodes))
    placed = boxes(root)
    assert sum(level == "concept" for level, _ in placed.values()) == 100
    width, height = float(root.get("width")), float(root.get("height"))
    assert math.isfinite(width) and math.isfinite(height)
    assert height > float(small.get("height")) * 5
    assert_apart(geometry for _, geometry in placed.values())
    for _, (x, y, w, h) in placed.values():
        assert x >= 0 and y >= 0 and x + w <= width and y + h <= height


def test_long_labels_wrap_inside_their_box_and_the_box_grows():
    long = "a long first-order concept in the informant's own words, " * 3
    nodes = study_nodes(1, 1, 2)
    nodes[2]["label"] = long.strip()
    root = parse(data_structure_svg(nodes))
    placed = boxes(root)
    assert placed["d0t0c0"][1][3] > 2 * placed["d0t0c1"][1][3]
    [group] = tagged(root, "data-node", "d0t0c0")
    lines = [span.text for span in group.find(f"{SVG}text")]
    assert len(lines) > 2
    assert all(text_width(line, 13) < placed["d0t0c0"][1][2] for line in lines)


def test_counts_can_be_left_out():
    nodes = study_nodes(1, 1, 1)
    assert "n = 1" in all_text(parse(data_structure_svg(nodes)))
    assert "n = " not in all_text(parse(data_structure_svg(nodes, show_counts=False)))


# --------------------------------------------------------------------------- relations


def test_no_relations_no_figure():
    assert relations_svg(study_nodes(), []) is None


def test_each_relation_is_one_labelled_arrow_between_boxes():
    nodes = study_nodes()
    root = parse(relations_svg(nodes, RELATIONS_EXAMPLE))
    drawn = tagged(root, "data-from")
    assert [(g.get("data-from"), g.get("data-to")) for g in drawn] == [
        (r["from"], r["to"]) for r in RELATIONS_EXAMPLE
    ]
    markers = {m.get("id") for m in root.iter(f"{SVG}marker")}
    for group, relation in zip(drawn, RELATIONS_EXAMPLE, strict=True):
        path = group.find(f"{SVG}path")
        assert path.get("marker-end")[len("url(#") : -1] in markers
        assert relation["type"] in " ".join(group.find(f"{SVG}text").itertext())
        assert relation["memo"] in group.find(f"{SVG}title").text
    # Only the nodes that take part are drawn.
    involved = {end for r in RELATIONS_EXAMPLE for end in (r["from"], r["to"])}
    assert set(boxes(root)) == involved
    labels = {n["id"]: n["label"] for n in nodes}
    assert box_titles(root) == {i: labels[i] for i in involved}


def test_arrows_run_left_to_right_along_a_chain():
    chain = [
        {"from": "d1t0c0", "to": "d1t1c0", "type": "leads to", "memo": ""},
        {"from": "d1t1c0", "to": "d0t0", "type": "leads to", "memo": ""},
        {"from": "d0t0", "to": "d0", "type": "leads to", "memo": ""},
    ]
    placed = boxes(parse(relations_svg(study_nodes(), chain)))
    xs = [placed[node_id][1][0] for node_id in ("d1t0c0", "d1t1c0", "d0t0", "d0")]
    assert xs == sorted(xs) and len(set(xs)) == 4


def test_cycles_loops_repeats_and_skips_are_all_drawn():
    relations = [
        {"from": "d0t0", "to": "d0t1", "type": "enables", "memo": ""},
        {"from": "d0t1", "to": "d0t0", "type": "sustains", "memo": ""},  # closes a cycle
        {"from": "d0t0", "to": "d0t1", "type": "leads to", "memo": ""},  # same two nodes
        {"from": "d0t2", "to": "d0t2", "type": "reinforces itself", "memo": ""},  # a loop
        {"from": "d0t1", "to": "d1", "type": "shapes", "memo": ""},
        {"from": "d1t0c0", "to": "d1", "type": "constrains", "memo": ""},  # skips columns
        {"from": "d1t0c0", "to": "d0t0", "type": HOSTILE, "memo": HOSTILE},
        {"from": "d1t1", "to": "d0t0", "type": "", "memo": ""},  # an untyped relation
    ]
    svg = relations_svg(study_nodes(), relations)
    assert "<script" not in svg
    root = parse(svg)
    assert len(tagged(root, "data-from")) == len(relations)
    text = all_text(root)
    for relation in relations[:-2]:
        assert relation["type"] in text
    assert_apart(geometry for _, geometry in boxes(root).values())


# --------------------------------------------------------------------------- saturation


def saturation_marker(root: ET.Element) -> ET.Element | None:
    return next(iter(tagged(root, "data-marker", "saturation-point")), None)


def points(root: ET.Element) -> list[ET.Element]:
    [group] = tagged(root, "data-series", "points")
    return list(group)


def test_no_interviews_no_curve():
    assert saturation_svg({}) is None
    assert saturation_svg(saturation(order=[], new_per_interview=[], cumulative=[])) is None


def test_a_point_per_interview_and_the_guest_marker():
    root = parse(saturation_svg(saturation()))
    drawn = points(root)
    assert len(drawn) == 8
    # Later interviews sit further right; the one after the point that added a code
    # stays visible above the plateau.
    xs = [float(p.get("cx")) for p in drawn]
    ys = [float(p.get("cy")) for p in drawn]
    assert xs == sorted(xs)
    assert ys[7] < ys[6] == ys[5] == ys[4]
    assert "saturation 5+2" in " ".join(saturation_marker(root).itertext())
    assert abs(float(saturation_marker(root).find(f"{SVG}line").get("x1")) - xs[4]) < 0.1
    text = all_text(root)
    assert "interviews in analysis order" in text and "distinct codes" in text
    [bars] = tagged(root, "data-series", "new")
    assert len(bars) == 6  # interviews that added codes
    [expected] = tagged(root, "data-series", "expected")
    assert len(expected.get("points").split()) == 8
    assert "GP3" in "".join(drawn[2].find(f"{SVG}title").itertext())


def test_the_confirming_run_band_is_in_the_legend():
    root = parse(saturation_svg(saturation()))
    [band] = tagged(root, "data-series", "confirming-run")
    [legend] = tagged(root, "data-legend", "series")
    assert "run that confirmed it" in " ".join(legend.itertext())
    swatches = [r for r in legend.iter(f"{SVG}rect") if r.get("fill") == band.get("fill")]
    assert len(swatches) == 1
    # The legend stays in its two rows above the plot, clear of the band.
    assert all(float(r.get("y")) + float(r.get("height")) < float(band.get("y")) for r in swatches)
    data = saturation(point=None)
    data["guest"]["reason"] = "not reached"
    legend_text = " ".join(
        tagged(parse(saturation_svg(data)), "data-legend", "series")[0].itertext()
    )
    assert "run that confirmed it" not in legend_text


def test_no_marker_when_saturation_is_not_reached():
    data = saturation(point=None)
    data["guest"]["reason"] = "no run of 3 interviews added 5% or less."
    root = parse(saturation_svg(data))
    assert saturation_marker(root) is None
    assert len(points(root)) == 8
    assert "no run of 3 interviews" in root.find(f"{SVG}desc").text


def test_a_thousand_interviews_keep_the_axis_readable():
    new = [5] * 10 + [int(i % 50 == 0) for i in range(990)]
    data = saturation(
        point=None,
        order=[f"I{i}" for i in range(1000)],
        new_per_interview=new,
        cumulative=list(accumulate(new)),
        expected_curve=[],
    )
    root = parse(saturation_svg(data))
    assert len(points(root)) == 1000
    [x_axis] = tagged(root, "data-axis", "x")
    assert len(list(x_axis.iter(f"{SVG}text"))) <= 22
    assert not tagged(root, "data-series", "expected")


# --------------------------------------------------------------------------- the example


def example_results() -> dict:
    """The example study's nodes, relations and concept-level discovery curve, read from
    its codebook and its coder's journal (the latest decision per quote and concept)."""
    codebook, problems = load_codebook(EXAMPLE / "codebook.yaml")
    assert not [p for p in problems if p.is_error]
    latest = {}
    for line in (EXAMPLE / "codings" / "hb.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        latest[(entry["transcript"], entry["quote"], entry["concept"])] = entry["decision"]
    coded = {(t, c) for (t, _, c), decision in latest.items() if decision == "accept"}
    nodes = []
    for node_id, level, label, parent in codebook.iter_nodes():
        concepts = {node_id} | {
            c.id for t in codebook.themes for c in t.concepts if node_id in (t.id, c.dimension)
        }
        participants = sorted({t for t, c in coded if c in concepts})
        nodes.append(node(node_id, level, label, parent, participants))
    order = sorted({t for t, _ in coded})
    seen: set[str] = set()
    new = []
    for transcript in order:
        codes = {c for t, c in coded if t == transcript}
        new.append(len(codes - seen))
        seen |= codes
    relations = [
        {"from": r.source, "to": r.target, "type": r.type, "memo": r.memo}
        for r in codebook.relations
    ]
    curve = {
        "level": "concept",
        "order": order,
        "new_per_interview": new,
        "cumulative": list(accumulate(new)),
        "guest": {"point": None},
        "expected_curve": [],
    }
    return {"nodes": nodes, "codebook": {"relations": relations}, "saturation": curve}


def test_the_example_study_figures(tmp_path):
    results = example_results()
    figures = render_figures(results)
    assert list(figures) == [DATA_STRUCTURE, RELATIONS, SATURATION]
    folder = tmp_path / "figures"
    folder.mkdir()
    for name, svg in figures.items():
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
        parse((folder / f"{name}.svg").read_text(encoding="utf-8"))
    levels = Counter(level for level, _ in boxes(parse(figures[DATA_STRUCTURE])).values())
    assert levels == {"concept": 22, "theme": 7, "dimension": 2}
    assert len(tagged(parse(figures[RELATIONS]), "data-from")) == 3
    assert len(points(parse(figures[SATURATION]))) == len(results["saturation"]["order"])

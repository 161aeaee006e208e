"""Rendering a results dictionary into report.md, report.html and results.json.

Nothing here analyses: the results arrive computed, and this module only arranges them
for reading (the node tree, rows of the data structure, power quotes first, "n (of N)").

Both templates see the same context. HTML is autoescaped by Jinja. Markdown has no
autoescape, so its environment escapes every ``{{ ... }}`` through :func:`md_escape` as
its ``finalize`` hook: a template cannot forget to escape transcript text, and Markdown
syntax belongs in the template text, never in an expression.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from gioia.report.demographics import shown_count
from gioia.report.srqr import SRQR_DOI, SRQR_ITEMS, SRQR_SECTIONS

__all__ = ["md_escape", "render_html", "render_markdown", "results_json"]

# Characters with an inline meaning in GitHub Markdown: emphasis, code, links, tables,
# strikethrough, math ($...$) and headings. A backslash makes any of them literal.
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]|~$#])")
# Markers that only mean something at the start of a line: list items ("- ", "+ ", "1. ",
# "1) ") and setext underlines or thematic breaks ("===", "---"). Version numbers such as
# "0.1.0" are left alone.
_MD_LINE_START = re.compile(r"^(\d+(?=[.)]))?([-+.)=])(?=\s|[-=]*$)")
_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def md_escape(value: Any) -> str:
    """Make ``value`` literal text in GitHub Markdown, in a paragraph, heading, blockquote
    or table cell alike.

    Runs of whitespace, newlines included, become one space: a line break inside a table
    cell or blockquote would end it. ``&``, ``<`` and ``>`` become entities because GitHub
    renders inline HTML (and ``>`` would start a blockquote).
    """
    text = " ".join(str(value).split())
    text = "".join(_HTML_ENTITIES.get(char, char) for char in text)
    text = _MD_PUNCTUATION.sub(r"\\\1", text)
    return _MD_LINE_START.sub(r"\1\\\2", text)


def count_noun(count: int, noun: str) -> str:
    """``3, "coder"`` -> ``"3 coders"``; every noun the report counts takes a plain -s."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def percent(value: float | None) -> str:
    """0.234524 -> "23.5%"; a missing value as an en dash."""
    return "–" if value is None else f"{value * 100:.1f}%"


def number(value: float | None) -> str:
    """A coefficient to three decimals; a missing (undefined) one as an en dash."""
    return "–" if value is None else f"{value:.3f}"


# The study's prose under SRQR headings, in the order a paper presents it.
STUDY_PROSE = (
    ("abstract", "Abstract"),
    ("problem", "Problem formulation"),
    ("research_question", "Purpose or research question"),
    ("approach", "Qualitative approach and research paradigm"),
    ("researchers", "Researcher characteristics and reflexivity"),
    ("context", "Context"),
    ("ethics", "Ethical issues"),
    ("data_collection", "Data collection methods"),
    ("instruments", "Data collection instruments and technologies"),
)


@cache
def _environment(output_format: str) -> Environment:
    html = output_format == "html"
    environment = Environment(
        loader=PackageLoader("gioia.report", "templates"),
        undefined=StrictUndefined,
        autoescape=html,
        finalize=None if html else md_escape,
        trim_blocks=True,
        lstrip_blocks=True,
        # Every partial ends in a newline, so sections stay separated by blank lines.
        keep_trailing_newline=True,
    )
    environment.filters["count_noun"] = count_noun
    environment.filters["pct"] = percent
    environment.filters["num"] = number
    environment.filters["shown"] = shown_count
    return environment


def render_markdown(results: dict, figures: dict[str, str] | None = None) -> str:
    """The report as GitHub-flavoured Markdown; ``figures`` (name -> SVG) are linked as
    figures/<name>.svg."""
    return _render("md", results, figures or {})


def render_html(results: dict, figures: dict[str, str] | None = None) -> str:
    """The report as one self-contained HTML page: inline CSS and SVG, no scripts, no
    fetches."""
    return _render("html", results, figures or {})


def results_json(results: dict) -> str:
    """results.json as text: insertion order kept (the pipeline's order is the schema's
    order), indented, UTF-8 characters unescaped, ending in a newline."""
    return json.dumps(results, indent=2, ensure_ascii=False) + "\n"


def _render(output_format: str, results: dict, figures: dict[str, str]) -> str:
    template = _environment(output_format).get_template(f"report.{output_format}.j2")
    # Figures are SVG that gioia drew, every label escaped as it was drawn; they are
    # the only markup the HTML takes as is. Markdown links to the files instead.
    shown = (
        {name: Markup(svg) for name, svg in figures.items()} if output_format == "html" else figures
    )
    return template.render(_context(results, shown))


def _context(results: dict, figures: dict[str, Any]) -> dict[str, Any]:
    nodes = results["nodes"]
    dimensions = _node_tree(nodes)
    quotes = {
        concept_id: sorted(quotes, key=lambda quote: not quote["power"])
        for concept_id, quotes in results["quotes"].items()
    }
    return {
        "results": results,
        "participant_total": len(results["study"]["participants"]),
        "dimensions": dimensions,
        "data_structure": _data_structure(dimensions),
        "labels": {node["id"]: node["label"] for node in nodes},
        "quotes": quotes,
        "any_trimmed": any(q.get("trimmed") for qs in quotes.values() for q in qs),
        "exemplars": exemplars(dimensions, quotes),
        "subgroup_blocks": subgroup_blocks(results["subgroups"]),
        "absences": absences(results["subgroups"], nodes),
        "srqr_items": {item.number: item for item in SRQR_ITEMS},
        "srqr_sections": SRQR_SECTIONS,
        "srqr_doi": SRQR_DOI,
        "study_prose": STUDY_PROSE,
        "min_cell": results["suppression"]["min_cell"],
        "figures": figures,
    }


# Group columns one subgroup table holds: ten fit a printed A4 page beside the node column.
MAX_GROUP_COLUMNS = 10


def subgroup_blocks(tables: list[dict]) -> list[list[dict]]:
    """The attributes' subgroup tables side by side, as few tables as fit the page: each
    block holds whole attributes with at most :data:`MAX_GROUP_COLUMNS` shown groups
    between them (an attribute with more gets a table of its own). Each attribute comes
    with ``shown``, its groups not hidden as too small."""
    blocks: list[list[dict]] = []
    width = 0
    for table in tables:
        shown = [group for group in table["groups"] if not group.get("hidden")]
        if not blocks or width + len(shown) > MAX_GROUP_COLUMNS:
            blocks.append([])
            width = 0
        blocks[-1].append({**table, "shown": shown})
        width += len(shown)
    return blocks


def absences(tables: list[dict], nodes: list[dict]) -> dict[str, list]:
    """The subgroup absences: ``stated``, each with its attribute, for sentences, and the
    rest ``listed`` as one row per node (in codebook order) naming every group that did
    not raise it."""
    stated = []
    by_node: dict[str, list] = {}
    for table in tables:
        for absent in table["absent"]:
            entry = {**absent, "attribute": table["attribute"]}
            if absent.get("stated", True):
                stated.append(entry)
            else:
                by_node.setdefault(absent["node"], []).append(entry)
    listed = [{"node": n["id"], "groups": by_node[n["id"]]} for n in nodes if n["id"] in by_node]
    return {"stated": stated, "listed": listed}


def _quote_key(quote: dict) -> tuple:
    return (quote["transcript"], quote["start"], quote["end"])


def exemplars(dimensions: list[dict], quotes: dict[str, list[dict]]) -> dict[str, dict]:
    """One exemplary quote per theme and concept, for the themes table.

    A theme's is the first power quote among its concepts' first quotes, else the first
    quote of the concept most participants expressed (codebook order breaks ties). A
    concept's is its first quote that its theme's row does not already show. Dimensions
    get none: a paper's table quotes informants, not the researcher's abstractions."""
    chosen: dict[str, dict] = {}
    for dimension in dimensions:
        for theme in dimension["themes"]:
            concepts = sorted(theme["concepts"], key=lambda concept: -len(concept["participants"]))
            firsts = [quotes[c["id"]][0] for c in concepts if quotes.get(c["id"])]
            pick = next((q for q in firsts if q["power"]), firsts[0] if firsts else None)
            if pick is not None:
                chosen[theme["node"]["id"]] = pick
            for concept in theme["concepts"]:
                own = [
                    q
                    for q in quotes.get(concept["id"], [])
                    if pick is None or _quote_key(q) != _quote_key(pick)
                ]
                if own:
                    chosen[concept["id"]] = own[0]
    return chosen


def _node_tree(nodes: list[dict]) -> list[dict]:
    """The flat node list as dimensions -> themes -> concepts, in codebook order."""
    dimensions: list[dict] = []
    themes_by_id: dict[str, dict] = {}
    dimensions_by_id: dict[str, dict] = {}
    for node in nodes:
        if node["level"] == "dimension":
            dimension = {"node": node, "themes": []}
            dimensions.append(dimension)
            dimensions_by_id[node["id"]] = dimension
        elif node["level"] == "theme":
            theme = {"node": node, "concepts": []}
            dimensions_by_id[node["parent"]]["themes"].append(theme)
            themes_by_id[node["id"]] = theme
        else:
            themes_by_id[node["parent"]]["concepts"].append(node)
    return dimensions


def _data_structure(dimensions: list[dict]) -> list[dict]:
    """The data-structure table: per dimension, one row per concept, read left to right.

    A row's ``theme_span`` is the number of rows its theme cell covers, on the row where
    that cell starts, and 0 on the rows below it (HTML leaves those to the rowspan,
    Markdown leaves them blank). A theme without concepts, or a dimension without
    themes, still gets a row, so no node disappears from the figure.
    """
    groups = []
    for dimension in dimensions:
        rows: list[dict] = []
        for theme in dimension["themes"] or [None]:
            concepts = theme["concepts"] if theme else []
            theme_start = len(rows)
            for concept in concepts or [None]:
                rows.append(
                    {"concept": concept, "theme": theme["node"] if theme else None, "theme_span": 0}
                )
            rows[theme_start]["theme_span"] = len(rows) - theme_start
        groups.append({"dimension": dimension["node"], "rows": rows})
    return groups

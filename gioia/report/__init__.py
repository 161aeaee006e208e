"""The report: results rendered as report.md, report.html and results.json.

:mod:`gioia.report.results` assembles the results dictionary from what the stages
computed; the rest of this package only presents it (DESIGN.md §9). :func:`write_report`
is the one function that touches the disk.
"""

from __future__ import annotations

from pathlib import Path

from gioia.fsutil import atomic_write_text
from gioia.report.figures import FIGURES, render_figures
from gioia.report.render import md_escape, render_html, render_markdown, results_json
from gioia.report.results import (
    attribution,
    build_results,
    node_summary,
    reportable_attributes,
    transcript_summary,
)
from gioia.report.srqr import SRQR_ITEMS, SrqrItem, srqr_status

__all__ = [
    "FIGURES",
    "SRQR_ITEMS",
    "SrqrItem",
    "attribution",
    "build_results",
    "md_escape",
    "node_summary",
    "render_figures",
    "render_html",
    "render_markdown",
    "reportable_attributes",
    "results_json",
    "srqr_status",
    "transcript_summary",
    "write_report",
]


def write_report(report_dir: Path, results: dict) -> list[Path]:
    """Write figures/*.svg, report.md, report.html and results.json into ``report_dir``
    (created if needed) and return their paths.

    All three are rendered before any is written, so a rendering error leaves the
    previous report untouched; each file is replaced atomically.
    """
    figures = render_figures(results)
    outputs = {
        **{f"figures/{name}.svg": svg for name, svg in figures.items()},
        "report.md": render_markdown(results, figures),
        "report.html": render_html(results, figures),
        "results.json": results_json(results),
    }
    paths = []
    for name, text in outputs.items():
        path = Path(report_dir) / name
        atomic_write_text(path, text)
        paths.append(path)
    return paths

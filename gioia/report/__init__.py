"""The report: results rendered as report.md, report.html and results.json.

:mod:`gioia.report.results` assembles the results dictionary from what the stages
computed; the rest of this package only presents it (DESIGN.md §9). :func:`write_report`
is the one function that touches the disk.
"""

from __future__ import annotations

from pathlib import Path

from gioia.fsutil import atomic_write_bytes, atomic_write_text
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


def write_report(report_dir: Path, results: dict, *, docx: bool = False) -> list[Path]:
    """Write figures/*.svg, report.md, report.html and results.json into ``report_dir``
    (created if needed), and report.docx when ``docx`` is set; return their paths.

    All are rendered before any is written, so a rendering error leaves the previous
    report untouched; each file is replaced atomically (a temporary file, renamed).
    """
    figures = render_figures(results)
    html = render_html(results, figures)
    outputs: dict[str, str | bytes] = {
        **{f"figures/{name}.svg": svg for name, svg in figures.items()},
        "report.md": render_markdown(results, figures),
        "report.html": html,
        "results.json": results_json(results),
    }
    if docx:
        from gioia.report.word import render_docx  # python-docx, only when asked for

        outputs["report.docx"] = render_docx(html, figures)
    paths = []
    for name, content in outputs.items():
        path = Path(report_dir) / name
        if isinstance(content, bytes):
            atomic_write_bytes(path, content)
        else:
            atomic_write_text(path, content)
        paths.append(path)
    return paths

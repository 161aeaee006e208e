"""The report: results rendered as report.md, report.html and results.json.

The pipeline computes the results dictionary; this package only presents it (see
DESIGN.md §9). :func:`write_report` is the one function that touches the disk.
"""

from __future__ import annotations

from pathlib import Path

from gioia.fsutil import atomic_write_text
from gioia.report.render import md_escape, render_html, render_markdown, results_json
from gioia.report.srqr import SRQR_ITEMS, SrqrItem, srqr_status

__all__ = [
    "SRQR_ITEMS",
    "SrqrItem",
    "md_escape",
    "render_html",
    "render_markdown",
    "results_json",
    "srqr_status",
    "write_report",
]


def write_report(report_dir: Path, results: dict) -> list[Path]:
    """Write report.md, report.html and results.json into ``report_dir`` (created if
    needed) and return their paths.

    All three are rendered before any is written, so a rendering error leaves the
    previous report untouched; each file is replaced atomically.
    """
    outputs = {
        "report.md": render_markdown(results),
        "report.html": render_html(results),
        "results.json": results_json(results),
    }
    paths = []
    for name, text in outputs.items():
        path = Path(report_dir) / name
        atomic_write_text(path, text)
        paths.append(path)
    return paths

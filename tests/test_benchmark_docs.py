"""The numbers in docs/suggest-quality.md are the quality benchmark's own output: the
benchmark writes it to docs/results/ (`--write`), the docs quote it verbatim, and the
held-out run gives it again today."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "suggest-quality.md"
sys.path.insert(0, str(ROOT / "benchmarks"))

import suggest_quality  # noqa: E402 - a script folder, not a package


def fenced_blocks(text: str) -> list[list[str]]:
    return [block.splitlines() for block in re.findall(r"```\n(.*?)```", text, flags=re.DOTALL)]


def test_the_docs_quote_the_benchmarks_written_output_verbatim():
    written = {
        dev: suggest_quality.results_file(dev).read_text(encoding="utf-8").splitlines()
        for dev in (False, True)
    }
    quoted = 0
    for block in fenced_blocks(DOC.read_text(encoding="utf-8")):
        sources = [lines for lines in written.values() if block and block[0] in lines]
        if not sources:
            continue  # commands, or the review-effort benchmark's output
        lines = sources[0]
        start = lines.index(block[0])
        assert lines[start : start + len(block)] == block, block[0]
        quoted += 1
    assert quoted >= 2  # the held-out and the development tables at least


def test_the_held_out_benchmark_prints_what_the_docs_quote():
    corpus = next(p for p in suggest_quality.CORPORA if p.is_dir())
    printed = "\n".join(suggest_quality.run(corpus, False)) + "\n"
    assert printed == suggest_quality.results_file(False).read_text(encoding="utf-8")

"""How fast a reviewer finds what they would code: `gioia review --order learned` against
keyword-score order and random order, on the PDPilot interviews (issue 14).

    .venv/bin/python benchmarks/review_effort.py [CORPUS] [--svg docs/review-effort.svg]
    .venv/bin/python benchmarks/review_effort.py --dev     # P1-P3 only, to choose defaults

A simulated reviewer starts from no decisions and goes through the review queue of the
whole study as `gioia review` builds it, deciding each shown pair from the researcher's
own coding: accept when the researcher coded that code in that participant turn, else
reject (the journal lines `gioia review` writes, through the same session object). In
learned order the ranker is fitted again after every decision, as in a real session.
Keyword-score order is the codebook's keyword suggestions, best score first; random
order is the same queue shuffled (seed 1). Found: distinct gold (turn, leaf code) pairs
accepted so far.

Also printed: the time each learned decision takes (fitting, scoring every pair and
picking the next), on PDPilot (434 segments × 76 codes: 32,984 candidate pairs), on its
first two interviews (133 segments: 10,108 pairs) and on the example study. Prints
numbers and writes the figure; asserts nothing.

``--dev`` simulates the review of P1-P3 alone: the development protocol on which the
learned order's settings were chosen (``EXPLORE_EVERY``, when the ranker takes over),
so that P4-P7's coding is not what they were tuned on.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from suggest_quality import (
    CORPORA,
    INTERVIEWS,
    REVEALED,
    concept_paths,
    gold_pairs,
    gold_spans,
    make_study,
)

from gioia import pipeline
from gioia.review import ReviewSession

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "peer-support"
MAX_DECISIONS = 1500
SEED = 1

Pair = tuple[str, int, str]  # (transcript, turn index, concept)


def simulate(
    session: ReviewSession,
    wants: Callable[[str, int, int, str], bool],
    found_pair: Callable[[str, int, str], Pair | None],
    limit: int = MAX_DECISIONS,
) -> tuple[list[int], list[float]]:
    """Decide every shown pair with ``wants``; return the found count after each
    decision and the seconds each decision took (writing it and choosing the next)."""
    found: set[Pair] = set()
    curve, seconds = [], []
    while session.current is not None and len(curve) < limit:
        s = session.current.suggestion
        accepted = wants(s.transcript, s.start, s.end, s.concept)
        started = time.perf_counter()
        session.accept() if accepted else session.reject()
        seconds.append(time.perf_counter() - started)
        pair = found_pair(s.transcript, s.start, s.concept) if accepted else None
        if pair is not None:
            found.add(pair)
        curve.append(len(found))
    return curve, seconds


def pdpilot(
    corpus_dir: Path,
    root: Path,
    interviews: Sequence[str] = INTERVIEWS,
    orders: Sequence[str] = ("learned", "score", "random"),
    limit: int = MAX_DECISIONS,
) -> tuple[dict[str, list[int]], list[float], int]:
    study = make_study(root / "-".join(interviews), corpus_dir, interviews)
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    transcripts = corpus.by_id()
    paths = concept_paths(loaded.codebook)
    gold = gold_pairs(gold_spans(corpus_dir, transcripts, paths)[0], transcripts)

    def turn_of(transcript: str, start: int) -> int:
        source = transcripts[transcript]
        return source.turns.index(source.turn_at(start))

    def wants(transcript: str, start: int, end: int, concept: str) -> bool:
        return (transcript, turn_of(transcript, start), concept) in gold

    def found_pair(transcript: str, start: int, concept: str) -> Pair:
        return (transcript, turn_of(transcript, start), concept)

    curves: dict[str, list[int]] = {}
    seconds: list[float] = []
    for order in orders:
        shutil.rmtree(study / "codings", ignore_errors=True)
        session = pipeline.review_session(
            loaded, coder="sim", order="score" if order == "random" else order
        )
        if order == "random":
            random.Random(SEED).shuffle(session.items)
        curves[order], spent = simulate(session, wants, found_pair, limit)
        if order == "learned":
            seconds = spent
    return curves, seconds, len(gold)


def example_timing(root: Path) -> list[float]:
    """Seconds per learned decision on the example study, its coder's accepts as gold."""
    study = root / "example"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    lines = [json.loads(x) for x in (study / "codings" / "hb.jsonl").read_text().splitlines()]
    shutil.rmtree(study / "codings")
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    texts = {t.id: t.text for t in corpus.transcripts}
    coded = [
        (x["transcript"], x["concept"], x["quote"]) for x in lines if x["decision"] == "accept"
    ]

    def wants(transcript: str, start: int, end: int, concept: str) -> bool:
        talk = texts[transcript][start:end]
        return any(t == transcript and c == concept and q in talk for t, c, q in coded)

    session = pipeline.review_session(loaded, coder="sim", order="learned")
    _, seconds = simulate(session, wants, lambda t, s, c: (t, s, c))
    return seconds


def decisions_to_reach(curve: Sequence[int], count: float) -> int | None:
    return next((n for n, found in enumerate(curve, start=1) if found >= count), None)


def svg(curves: dict[str, list[int]], gold: int) -> str:
    """Recall against decisions, one line per order, as a small self-contained SVG."""
    width, height, left, bottom, top, right = 680, 360, 56, 44, 16, 180
    longest = max(len(c) for c in curves.values())
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(n: float) -> float:
        return left + plot_w * n / longest

    def y(recall: float) -> float:
        return top + plot_h * (1 - recall / 0.6)

    colours = {"learned": "#1b6ca8", "score": "#c0392b", "random": "#7f8c8d"}
    names = {
        "learned": "learned order",
        "score": "keyword-score order",
        "random": "random order",
    }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for tick in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
        parts.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" '
            'stroke="#e5e5e5"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.1f}</text>'
        )
    step = 250
    for n in range(0, longest + 1, step):
        parts.append(
            f'<text x="{x(n):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{n}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">'
        "decisions made</text>"
        f'<text x="14" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2})">recall of the coded (turn, code) pairs'
        "</text>"
    )
    for row, (order, curve) in enumerate(curves.items()):
        points = " ".join(
            f"{x(n):.1f},{y(found / gold):.1f}" for n, found in enumerate([0, *curve])
        )
        colour = colours[order]
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            f'<line x1="{left + plot_w + 12}" y1="{top + 14 + 20 * row}" '
            f'x2="{left + plot_w + 30}" y2="{top + 14 + 20 * row}" stroke="{colour}" '
            'stroke-width="2"/>'
            f'<text x="{left + plot_w + 34}" y="{top + 18 + 20 * row}">{names[order]}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str]) -> None:
    figure = Path(argv[argv.index("--svg") + 1]) if "--svg" in argv else None
    args = [a for a in argv if not a.startswith("--") and a != str(figure)]
    corpus_dir = Path(args[0]) if args else next(p for p in CORPORA if p.is_dir())
    with tempfile.TemporaryDirectory() as tmp:
        if "--dev" in argv:
            curves, seconds, gold = pdpilot(corpus_dir, Path(tmp), REVEALED)
            timings = {"P1-P3, 14,820 candidate pairs": seconds}
        else:
            curves, seconds, gold = pdpilot(corpus_dir, Path(tmp))
            _, ten_thousand, _ = pdpilot(corpus_dir, Path(tmp), INTERVIEWS[:2], ["learned"], 300)
            timings = {
                "PDPilot, 32,984 candidate pairs": seconds,
                "P1-P2, 10,108 candidate pairs": ten_thousand,
                "example study": example_timing(Path(tmp)),
            }
    keyword = curves["score"]
    print(f"{corpus_dir.name}: {gold} gold (turn, leaf code) pairs; decisions until the queue ends "
          f"(at most {MAX_DECISIONS})")  # fmt: skip
    print(f"{'order':<10}{'decisions':>10}{'found':>7}{'recall':>8}"
          f"{'found at ' + str(len(keyword)):>14}")  # fmt: skip
    for order, curve in curves.items():
        at_keyword_end = curve[min(len(keyword), len(curve)) - 1]
        print(f"{order:<10}{len(curve):>10}{curve[-1]:>7}{curve[-1] / gold:>8.3f}"
              f"{at_keyword_end:>14}")  # fmt: skip
    for share, label in (
        (0.5, "half of all gold pairs"),
        (None, "half of what keyword order finds"),
    ):
        count = gold * share if share else keyword[-1] / 2
        learned_n, keyword_n = (decisions_to_reach(curves[o], count) for o in ("learned", "score"))
        ratio = (
            f" ({learned_n / keyword_n:.0%} of keyword order's)" if learned_n and keyword_n else ""
        )
        print(f"decisions to find {label} ({count:.0f}): learned {learned_n}, "
              f"keyword order {keyword_n}{ratio}")  # fmt: skip
    for name, spent in timings.items():
        ms = sorted(1000 * s for s in spent)
        print(f"seconds per learned decision, {name}: mean {statistics.mean(ms):.0f} ms, "
              f"p95 {ms[int(0.95 * (len(ms) - 1))]:.0f} ms, max {ms[-1]:.0f} ms over "
              f"{len(ms)} decisions")  # fmt: skip
    if figure is not None:
        figure.write_text(svg(curves, gold), encoding="utf-8")
        print(f"figure written to {figure}")


if __name__ == "__main__":
    main(sys.argv[1:])

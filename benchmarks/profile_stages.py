"""Where a cold `gioia suggest` spends its time, by stage, from a cProfile of it:

    .venv/bin/python -m cProfile -o suggest.prof -m gioia suggest STUDY --json
    .venv/bin/python benchmarks/profile_stages.py suggest.prof [--top 15]

Stages are read off the cumulative time of the functions that run them (by file and
name, not line, so the same script reads profiles of other commits); a stage whose
function is not in the profile prints "-". Then the top functions by cumulative and by
own time. cProfile slows Python-heavy code more than compiled code: read the shares,
not the seconds.
"""

from __future__ import annotations

import argparse
import pstats

# (stage, [(file suffix, function) whose cumulative time is added], [... subtracted])
STAGES = [
    ("whole process (under cProfile)", [("gioia/__main__.py", "<module>")], []),
    ("imports, wherever they happen", [("<frozen importlib._bootstrap>", "_find_and_load")], []),
    ("before the command (CLI start-up)", [("gioia/__main__.py", "<module>")],
     [("gioia/cli/_app.py", "main")]),
    ("command, outside ingest and suggest_for (loading study and codebook)",
     [("gioia/cli/coding.py", "suggest")],
     [("gioia/pipeline/suggestions.py", "suggest_for"), ("gioia/pipeline/corpus.py", "ingest")]),
    ("ingest: read, decode, parse turns, cache", [("gioia/pipeline/corpus.py", "ingest")], []),
    ("parse: spaCy tokenizer, sentencizer, lemmatizer, doc cache",
     [("gioia/nlp.py", "_document")], [("gioia/pipeline/corpus.py", "work_on")]),
    ("  of which spaCy's pipeline (Language.__call__)", [("spacy/language.py", "__call__")], []),
    ("  of which writing the doc cache", [("gioia/doccache.py", "put")], []),
    ("keyword and pattern matching (find_hits)", [("gioia/assist/matching.py", "find_hits")],
     []),
    ("  of which spaCy Matcher calls", [("spacy/matcher/matcher.pyx", "__call__")], []),
    ("  of which PhraseMatcher calls", [("spacy/matcher/phrasematcher.pyx", "__call__")], []),
    ("segments, lemma counts, match cache (match_and_count - find_hits)",
     [("gioia/pipeline/suggestions.py", "match_and_count")],
     [("gioia/assist/matching.py", "find_hits")]),
    ("outside the document pass: importing spaCy, building pipeline and matchers, weighing",
     [("gioia/pipeline/suggestions.py", "_codebook_suggestions")],
     [("gioia/pipeline/corpus.py", "each_document")]),
    ("writing suggestions and lock (suggest_for - making them)",
     [("gioia/pipeline/suggestions.py", "suggest_for")],
     [("gioia/pipeline/suggestions.py", "_make_suggestions")]),
    ("after the command (teardown, printing)", [("gioia/cli/_app.py", "main")],
     [("gioia/cli/coding.py", "suggest")]),
    ("all atomic file writes (fsutil)", [("gioia/fsutil.py", "_replace")], []),
]  # fmt: skip


def cumulative(stats: pstats.Stats, where: str, name: str) -> float | None:
    found = [
        value[3]
        for (filename, _, function), value in stats.stats.items()  # type: ignore[attr-defined]
        if filename.endswith(where) and function == name
    ]
    return max(found) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    stats = pstats.Stats(args.profile)
    total = cumulative(stats, "gioia/__main__.py", "<module>") or stats.total_tt  # type: ignore[attr-defined]
    print(f"{'stage':<68} {'s':>7} {'share':>6}")
    for stage, plus, minus in STAGES:
        added = [cumulative(stats, *key) for key in plus]
        taken = [cumulative(stats, *key) for key in minus]
        if None in added or None in taken:
            print(f"{stage:<82} {'-':>7}")
            continue
        seconds = sum(added) - sum(taken)  # type: ignore[arg-type]
        print(f"{stage:<82} {seconds:7.2f} {seconds / total:6.0%}")
    for order in ("cumulative", "tottime"):
        print(f"\ntop {args.top} by {order}:")
        stats.sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()

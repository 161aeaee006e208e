"""What learning costs (issue 14): refitting the ranker on 5,000 decisions on one core,
a whole learned `gioia suggest` (cross-validation, fit, scoring every pair), and a cold
`gioia suggest` with and without a learner that has no decisions yet.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/learning_speed.py [--transcripts 100]

The study is benchmarks/generate_corpus.py's (2,000-word interviews, 50 concepts). The
5,000 decisions are a simulated coder's, transcript by transcript: every keyword
suggestion decided (accepted when its score is at least 0.4, else rejected), and the
segment after an accepted one coded by hand with the same concept (the talk goes on
about it, with none of its keywords), until there are 5,000. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from generate_corpus import generate

from gioia import pipeline
from gioia.assist import ranker
from gioia.assist.labels import Learner, label_pairs
from gioia.journal import place_codings, read_journals

DECISIONS = 5000


def timed(work, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def write_journal(study: Path, suggestions, segments) -> int:
    lines, by_segment = [], {}
    for s in suggestions:
        by_segment.setdefault((s.transcript, s.start, s.end), []).append(s)
    for transcript in sorted(segments):
        previous: list[str] = []
        for segment in segments[transcript]:
            accepted = []
            for made in by_segment.get(segment.key, []):
                decision = "accept" if made.score >= 0.4 else "reject"
                lines.append((segment, made.concept, decision, made.method))
                if decision == "accept":
                    accepted.append(made.concept)
            # The talk after an accepted keyword match goes on about the same thing.
            lines += [(segment, c, "accept", "human") for c in previous if c not in accepted]
            previous = accepted
        if len(lines) >= DECISIONS:
            break
    with (study / "codings" / "bench.jsonl").open("w", encoding="utf-8") as journal:
        for segment, concept, decision, source in lines[:DECISIONS]:
            journal.write(
                json.dumps(
                    {
                        "transcript": segment.transcript,
                        "start": segment.start,
                        "end": segment.end,
                        "concept": concept,
                        "decision": decision,
                        "coder": "bench",
                        "source": source,
                        "quote": segment.text,
                        "at": "2026-01-01T00:00:00Z",
                    }
                )
                + "\n"
            )
    return min(len(lines), DECISIONS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transcripts", type=int, default=150)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile one refit")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        study = generate(Path(tmp) / "study", options.transcripts, options.words)

        def cold(learner: Learner):
            def run():
                import shutil

                shutil.rmtree(study / ".gioia", ignore_errors=True)
                loaded = pipeline.load_study(study)
                corpus = pipeline.ingest(loaded)
                parsed = pipeline.parse(loaded, corpus)
                return pipeline.suggest_for(loaded, corpus, parsed, learner=learner)

            return run

        # Alternately, each first in turn, the faster of seven each: this machine's speed
        # drifts by the minute, and a cold run is now about a second.
        plain_runs, nobody_runs = [], []
        for round_ in range(7):
            pair = [(plain_runs, Learner(())), (nobody_runs, Learner(("bench",)))]
            for runs, learner in pair if round_ % 2 else reversed(pair):
                runs.append(timed(cold(learner))[0])
        plain, nobody = min(plain_runs), min(nobody_runs)
        print(f"cold gioia suggest, {options.transcripts} x {options.words} words: codebook "
              f"alone {plain:.2f} s, a coder with no decisions {nobody:.2f} s "
              f"({nobody / plain - 1:+.1%})")  # fmt: skip

        loaded = pipeline.load_study(study)
        corpus = pipeline.ingest(loaded)
        parsed = pipeline.parse(loaded, corpus)
        keyword = pipeline.suggest(loaded, corpus, parsed)
        (study / "codings").mkdir(exist_ok=True)
        written = write_journal(study, keyword, parsed.segments)
        learner = Learner(("bench",))
        space = pipeline.learning_space(loaded, corpus, parsed)
        journals = read_journals(study / "codings", learner.coders)
        _, decisions, _ = place_codings(journals, corpus.by_id(), loaded.codebook)
        labels = label_pairs(space.segments, decisions, learner)
        rows = len(space.segments_of(set(labels.worked))) * len(space.concepts)
        fits = [timed(lambda: ranker.fit(space, labels))[0] for _ in range(3)]
        if options.profile:
            import cProfile
            import pstats

            cProfile.runctx("ranker.fit(space, labels)", globals(), locals(), "/tmp/fit.prof")
            pstats.Stats("/tmp/fit.prof").sort_stats("cumulative").print_stats(14)
        print(f"refit on {written} decisions ({labels.interviews} interviews, {rows} pairs, "
              f"{len(labels.accepted)} accepted): {min(fits):.2f} s (best of 3; median "
              f"{statistics.median(fits):.2f} s)")  # fmt: skip
        whole, made = timed(lambda: pipeline.suggest_for(loaded, corpus, parsed, learner=learner))
        print(f"learned gioia suggest ({made.evaluation.folds}-fold cross-validation, fit, "
              f"scoring {len(space.segments) * len(space.concepts)} pairs): {whole:.2f} s, "
              f"{len(made.suggestions)} suggestions")  # fmt: skip


if __name__ == "__main__":
    main()

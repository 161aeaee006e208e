"""The six speed targets of issue 17, measured in one run on studies of the issue's shape
(benchmarks/generate_issue17.py: raw `.txt` interviews, `Interviewer:` / `P1:` turns
separated by single line breaks, 2,000 words each; codebooks of 50 and 250 concepts with
multi-word keywords and token patterns), each printed with its target and met/missed:

    .venv/bin/python benchmarks/suggest_speed.py [--transcripts 300] [--large 1000]
        [--words 2000] [--no-large] [--no-learning]

(1) cold `gioia suggest` (50 concepts) as a share of the bare spaCy pipeline's
throughput over the same files (`spacy.blank("en")` + sentencizer + lookup lemmatizer);
(2) cold throughput with 250 concepts against 50, on the same transcripts; (3) an
unchanged re-run against cold; (4) `--jobs 2` against one process on --large
transcripts; (5) peak memory of a cold run at --large transcripts against a tenth of
them; (6) benchmarks/learning_speed.py against its own targets (a refit under 2 s on one
core; a learner without decisions within 10% of the codebook alone).

Every gioia measurement is a fresh process, as a user runs it, and the faster of two
(this machine's speed drifts by the minute); the runs compared are interleaved. About
five minutes with the defaults; `--no-large --no-learning` is about one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_issue17 import generate, write_codebook  # noqa: E402
from run import bare_throughput, peak_memory, timed  # noqa: E402

HERE = Path(__file__).resolve().parent


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def cold(study: Path, *options: str) -> tuple[float, dict]:
    shutil.rmtree(study / ".gioia", ignore_errors=True)
    seconds, _, out = timed("suggest", str(study), "--json", *options)
    return seconds, json.loads(out)


def interleaved(runs: dict[str, object], rounds: int = 2) -> dict[str, list[float]]:
    """Each named run `rounds` times, alternately; its seconds."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            seconds[name].append(run())
    return seconds


def listed(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def learning(transcripts: int) -> list[str]:
    """Runs benchmarks/learning_speed.py (one core) and reads its two targets back."""
    done = subprocess.run(
        [sys.executable, str(HERE / "learning_speed.py"), "--transcripts", str(transcripts)],
        capture_output=True,
        text=True,
        cwd=HERE,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    if done.returncode:
        return [f"(6) learning_speed.py failed: {done.stderr.strip().splitlines()[-1:]}"]
    out = done.stdout
    refit = re.search(r"refit on (\d+) decisions .*?: ([\d.]+) s", out)
    share = re.search(r"no decisions [\d.]+ s \(([-+][\d.]+)%\)", out)
    lines = []
    if refit:
        lines.append(
            f"(6) learning: refit on {int(refit[1]):,} decisions {float(refit[2]):.2f} s  "
            f"[target < 2 s on one core]  {verdict(float(refit[2]) < 2)}"
        )
    if share:
        lines.append(
            f"    learner without decisions vs codebook alone {float(share[1]):+.1f}%  "
            f"[target within 10%]  {verdict(abs(float(share[1])) <= 10)}"
        )
    return lines + ["    " + line for line in out.strip().splitlines()]


def code() -> str:
    """Which gioia the runs import, and its commit (with "+ edits" when its files differ
    from the commit): `python -m gioia` imports the one on PYTHONPATH or in the current
    directory before the installed one, so a clean export of a commit can be measured."""
    found = subprocess.run(
        [sys.executable, "-c", "import gioia; print(gioia.__file__)"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    root = Path(found).parent.parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=root
        ).stdout.strip()

    head = git("log", "-1", "--format=%h %s")[:80] or "(not a git checkout)"
    edited = " + uncommitted edits to gioia/" if git("status", "--porcelain", "gioia") else ""
    return f"{root}: {head}{edited}; load average {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=300, help="for (1)-(3)")
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--large", type=int, default=1000, help="transcripts for (4), (5)")
    parser.add_argument("--no-large", action="store_true", help="skip (4) and (5)")
    parser.add_argument("--no-learning", action="store_true", help="skip (6)")
    parser.add_argument("--learning-transcripts", type=int, default=150)
    args = parser.parse_args()
    print(f"code: {code()}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        study = generate(Path(tmp) / "study", args.transcripts, args.words, concepts=50)
        wide = Path(tmp) / "wide"
        shutil.copytree(study, wide)
        write_codebook(wide, 250)

        bare, words = bare_throughput(study)
        print(f"corpus: {args.transcripts} transcripts, {words:,} words (issue 17's shape)")
        print(f"    bare pipeline {bare:,.0f} words/s (faster of two fresh processes)")

        made: dict[str, dict] = {}

        def run(name: str, where: Path):
            def go() -> float:
                seconds, made[name] = cold(where)
                return seconds

            return go

        times = interleaved({"50": run("50", study), "250": run("250", wide)})
        c50, c250 = min(times["50"]), min(times["250"])
        share = words / c50 / bare
        print(
            f"(1) cold suggest, 50 concepts   {c50:.2f} s = {words / c50:,.0f} words/s = "
            f"{share:.2f} of bare  [target >= 0.60]  {verdict(share >= 0.6)}  "
            f"(runs {listed(times['50'])} s; {made['50']['suggestions']:,} suggestions)"
        )
        flat = c50 / c250
        print(
            f"(2) cold suggest, 250 concepts  {c250:.2f} s = {flat:.2f} of the 50-concept "
            f"throughput  [target >= 0.80]  {verdict(flat >= 0.8)}  (runs "
            f"{listed(times['250'])} s; {made['250']['suggestions']:,} suggestions)"
        )

        warm_runs = []
        for _ in range(2):
            seconds, _, out = timed("suggest", str(study), "--json")
            warm_runs.append(seconds)
        warm = min(warm_runs)
        print(
            f"(3) unchanged re-run            {warm:.2f} s = {c50 / warm:.1f}x faster than "
            f"cold  [target >= 20x]  {verdict(c50 / warm >= 20)}  (runs {listed(warm_runs)}"
            f" s; parsed {json.loads(out)['parsed']})"
        )

        if not args.no_large:
            large = generate(Path(tmp) / "large", args.large, args.words, concepts=50)
            times = interleaved(
                {
                    "1": lambda: cold(large, "--jobs", "1")[0],
                    "2": lambda: cold(large, "--jobs", "2")[0],
                }
            )
            one, two = min(times["1"]), min(times["2"])
            print(
                f"(4) --jobs 2 vs one, {args.large} transcripts  {two:.2f} s vs {one:.2f} s = "
                f"{one / two:.2f}x  [target >= 1.6x]  {verdict(one / two >= 1.6)}  "
                f"(runs {listed(times['2'])} / {listed(times['1'])} s)"
            )
            tenth = generate(Path(tmp) / "tenth", max(args.large // 10, 1), args.words, 50)
            small = peak_memory(tenth)
            shutil.rmtree(large / ".gioia", ignore_errors=True)
            full = peak_memory(large)
            print(
                f"(5) peak memory {args.large // 10} / {args.large} transcripts  {small} / "
                f"{full} MiB = {full / small:.2f}x  [target <= 1.5x]  "
                f"{verdict(full / small <= 1.5)}"
            )
    if not args.no_learning:
        for line in learning(args.learning_transcripts):
            print(line)
    print(f"total {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

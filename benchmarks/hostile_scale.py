"""A transcript with no sentence punctuation, at scale (issue 16, item 9): time and peak
memory of a cold `gioia suggest` on it.

    .venv/bin/python benchmarks/hostile_scale.py [--pairs 20000 40000 500000]

The transcript is PAIRS turn pairs ``I: no`` / ``GP1: rant``, one a line: no "." "?" or
"!" anywhere, so a sentencizer that only ends sentences at punctuation makes the whole
transcript one sentence; every interviewer turn holds a negation cue and every
participant turn a keyword of the example study's codebook, so that every match has its
cue scope worked out. 500,000 pairs are 8 MB, under the default limit of 10 MB a
transcript. The study is the example's codebook, participants and settings.

Each run is a fresh process (`python -m gioia suggest`), timed by the wall clock; its
peak resident memory is the child's own, from ``os.wait4``. Prints numbers; asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "peer-support"
PAIR = "I: no\nGP1: rant\n"


def unpunctuated_transcript(pairs: int) -> str:
    return PAIR * pairs


def make_study(root: Path, pairs: int) -> Path:
    """A study of the example's codebook, participants and settings, with one transcript
    of ``pairs`` unpunctuated turn pairs."""
    (root / "transcripts").mkdir(parents=True)
    (root / "codings").mkdir()
    for name in ("gioia.yaml", "codebook.yaml", "participants.csv"):
        shutil.copy(EXAMPLE / name, root / name)
    (root / "transcripts" / "GP1.txt").write_text(unpunctuated_transcript(pairs), "utf-8")
    return root


def cold_suggest(study: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and the last line of output of a cold `gioia suggest`."""
    shutil.rmtree(study / ".gioia", ignore_errors=True)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "gioia", "suggest", str(study)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
    )
    assert child.stdout is not None
    output = child.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 3):
        raise SystemExit(f"gioia suggest failed ({child.returncode}):\n{output}")
    last = next((line for line in reversed(output.splitlines()) if line.strip()), "")
    return seconds, usage.ru_maxrss / 1024, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[20_000, 40_000, 500_000])
    args = parser.parse_args()
    print(f"{'pairs':>8} {'MB':>6} {'seconds':>8} {'peak MiB':>9}  suggestions")
    with tempfile.TemporaryDirectory() as folder:
        for pairs in args.pairs:
            study = make_study(Path(folder) / f"study-{pairs}", pairs)
            size = (study / "transcripts" / "GP1.txt").stat().st_size / 1e6
            seconds, peak, last = cold_suggest(study)
            written = last.split(" suggestions written")[0] if "written" in last else last
            print(f"{pairs:>8} {size:>6.2f} {seconds:>8.1f} {peak:>9.0f}  {written}", flush=True)


if __name__ == "__main__":
    main()

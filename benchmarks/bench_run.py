"""Time `gioia run` on a corpus made of the example study's transcripts copied N times:
a cold run (nothing cached) and a warm re-run (parsed documents from .gioia/).

    .venv/bin/python benchmarks/bench_run.py [N]

Prints numbers; asserts nothing (speed targets are read, not unit-tested).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from gioia import pipeline

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer-support"


def make_corpus(root: Path, copies: int) -> Path:
    study = root / "study"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report", "codings"))
    (study / "participants.csv").unlink()  # one participant per transcript
    sources = sorted((study / "transcripts").iterdir())
    for copy in range(1, copies):
        for source in sources:
            shutil.copyfile(source, source.with_name(f"{source.stem}-{copy}{source.suffix}"))
    return study


def timed_run(study: Path) -> tuple[float, pipeline.RunResult]:
    started = time.perf_counter()
    result = pipeline.run(pipeline.load_study(study))
    return time.perf_counter() - started, result


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    with tempfile.TemporaryDirectory() as tmp:
        study = make_corpus(Path(tmp), copies)
        transcripts = len(list((study / "transcripts").iterdir()))
        cold, result = timed_run(study)
        words = sum(t["words"] for t in result.report.results["corpus"]["transcripts"])
        warm, again = timed_run(study)
        print(f"transcripts        {transcripts}")
        print(f"participant words  {words}")
        print(f"suggestions        {result.suggestions}")
        print(f"cold run           {cold:.2f} s ({result.parsed_now} parsed)")
        print(f"warm re-run        {warm:.2f} s ({again.parsed_now} parsed)")


if __name__ == "__main__":
    main()

"""Coverage-guided fuzzing of one reader with atheris (libFuzzer), when it is installed:

    pip install atheris
    .venv/bin/python tests/fuzz/coverage.py transcript.txt -max_total_time=60

Where tests/fuzz/run.py draws inputs from strategies, libFuzzer mutates the inputs that
reached new branches of gioia's code, so it gets deep into the parsers of its own
accord. The target names and checks are run.py's; any libFuzzer option may follow the
target. It starts from the same seeds (real transcripts, the example study's files),
copied into a corpus folder that libFuzzer grows. A crash leaves ``crash-<hash>`` in the
working folder, with the traceback.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

FUZZ = Path(__file__).resolve().parent
sys.path[:0] = [str(FUZZ), str(FUZZ.parent)]  # run.py, and the tests' hostile_* modules

with atheris.instrument_imports(include=["gioia"]):
    from hostile_support import EXAMPLE  # noqa: E402 - after the instrumented import
    from hostile_transcripts import SEEDS
    from run import TARGETS


def seeds(target: str) -> list[bytes]:
    suffix = "." + target.rsplit(".", 1)[-1]
    if suffix in SEEDS:
        return SEEDS[suffix]
    by_kind = {
        "codebook": "codebook.yaml",
        "yaml": "gioia.yaml",
        "participants": "participants.csv",
    }
    name = next((file for kind, file in by_kind.items() if kind in target), "codings/hb.jsonl")
    return [(EXAMPLE / name).read_bytes()]


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: coverage.py TARGET [libFuzzer options]; targets: {', '.join(TARGETS)}")
    name = sys.argv.pop(1)
    with tempfile.TemporaryDirectory(prefix=f"gioia-coverage-{name}-") as scratch:
        _, check = TARGETS[name](Path(scratch))
        corpus = Path(scratch) / "corpus"
        corpus.mkdir()
        for number, seed in enumerate(seeds(name)):
            (corpus / f"seed-{number}").write_bytes(seed)
        atheris.Setup([*sys.argv, str(corpus)], check)
        atheris.Fuzz()


if __name__ == "__main__":
    main()

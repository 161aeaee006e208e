"""Coverage-guided fuzzing of one reader with atheris (libFuzzer), when it is installed:

    pip install atheris
    .venv/bin/python tests/fuzz/coverage.py transcript.txt -max_total_time=60

Where tests/fuzz/run.py draws inputs from strategies, libFuzzer mutates the inputs that
reached new branches of gioia's code, so it gets deep into the parsers of its own
accord. The target names and checks are run.py's; any libFuzzer option may follow the
target. It starts from the same seeds (real transcripts, the example study's files) in
``gioia-coverage-TARGET/corpus`` under the working folder, which libFuzzer grows and the
next run reuses. A crash leaves ``crash-<hash>`` in the working folder, with the
traceback.
"""

from __future__ import annotations

import sys
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
    # libFuzzer ends the process without returning: the folder stays, and the corpus it
    # grew there seeds the next run of the same target.
    folder = Path(f"gioia-coverage-{name}").resolve()
    corpus = folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for number, seed in enumerate(seeds(name)):
        (corpus / f"seed-{number}").write_bytes(seed)
    _, check = TARGETS[name](folder)
    atheris.Setup([*sys.argv, str(corpus)], check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

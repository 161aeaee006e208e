"""Shared by the hostile-input tests (tests/test_hostile_*.py) and the long fuzz run
(tests/fuzz/run.py): byte mutations, the property every reader must have, and the CLI.

The property: a reader of outside input returns normally, or raises gioia's own
:class:`~gioia.errors.GioiaError` whose message names the file. Mutations start from real
seeds (the example study, the test corpora, documents built in
:mod:`hostile_transcripts`) so that most inputs get deep into a parser before they break
it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gioia.cli import app
from gioia.errors import GioiaError

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "peer-support"
DATA = Path(__file__).resolve().parent / "data"

# The bounded runs of `make test`: a few dozen inputs per reader, no example database
# (each run explores afresh; tests/fuzz/run.py explores for minutes).
BOUNDED = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

# --------------------------------------------------------------------------- mutations

Mutation = Callable[[random.Random, bytes], bytes]
# Half a character: U+D800 as Python's 'surrogatepass' writes it, and a lone byte of the
# kind 'surrogateescape' round-trips.
LONE_SURROGATES = ("\ud800".encode("utf-8", "surrogatepass"), b"\xed\xb3\xbf", b"\x80", b"\xff")
TRANSCRIPT_NOISE = (
    b"P1:",
    b"Interviewer:",
    b"\n\n",
    b"-->",
    b"00:00:01.000 --> 00:00:02.000\n",
    b"0:00:01.000,0:00:02.000\n",
    b"[00:01:02] ",
    b"<v P1>",
    b"WEBVTT\n",
    b"{\\rtf1 ",
    b"{\\*\\",
    b"\\u-1?",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    "“smart” – dash ü".encode(),
    "“smart”".encode("cp1252"),
)


def position(rng: random.Random, data: bytes) -> int:
    return rng.randint(0, len(data))


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: position(rng, data)]  # may cut a UTF-8 sequence in half


def insert_nul(rng: random.Random, data: bytes) -> bytes:
    at = position(rng, data)
    return data[:at] + b"\x00" * rng.randint(1, 3) + data[at:]


def insert_surrogate(rng: random.Random, data: bytes) -> bytes:
    at = position(rng, data)
    return data[:at] + rng.choice(LONE_SURROGATES) + data[at:]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if mutable:
            mutable[rng.randrange(len(mutable))] = rng.randrange(256)
    return bytes(mutable)


def mix_line_endings(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"".join(line + rng.choice((b"\n", b"\r\n", b"\r", b"\n\r")) for line in lines)


def splice(rng: random.Random, data: bytes) -> bytes:
    """Delete, duplicate or move a slice: turns, cues and labels out of order."""
    a, b = sorted((position(rng, data), position(rng, data)))
    piece = data[a:b]
    rest = data[:a] + data[b:]
    if rng.random() < 0.5:
        return rest
    at = position(rng, rest)
    return rest[:at] + piece * rng.randint(1, 3) + rest[at:]


def insert_noise(rng: random.Random, data: bytes) -> bytes:
    at = position(rng, data)
    return data[:at] + rng.choice(TRANSCRIPT_NOISE) + data[at:]


BYTE_MUTATIONS: tuple[Mutation, ...] = (
    truncate,
    insert_nul,
    insert_surrogate,
    flip_bytes,
    mix_line_endings,
    splice,
    insert_noise,
)


# XML that a document's main part may be replaced with: broken, hostile or odd.
@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes], mutations: tuple[Mutation, ...]) -> bytes:
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(0, 4))):
        mutation = draw(st.sampled_from(mutations))
        data = mutation(draw(st.randoms(use_true_random=False)), data)
    return data


# --------------------------------------------------------------------------- properties


def assert_names_file(error: GioiaError, name: str) -> None:
    """The message, or every problem's location, names the file."""
    problems = error.problems
    text = f"{error} {error.hint} " + " ".join(str(p) for p in problems)
    assert name in text, f"{name} not named in: {text}"


# --------------------------------------------------------------------------- the CLI

CLI_CODEBOOK = """\
version: 1
dimensions:
  - id: support
    label: Support
    themes:
      - id: emotional
        label: Emotional support
        concepts:
          - id: venting
            label: Venting
            keywords: [rant]
"""
CLI_TRANSCRIPT = "Interviewer: How do you cope?\n\nP1: I rant in the staff room.\n"
_runner = CliRunner()


def make_cli_study(root: Path) -> Path:
    (root / "transcripts").mkdir(parents=True, exist_ok=True)
    (root / "codings").mkdir(exist_ok=True)
    (root / "codebook.yaml").write_text(CLI_CODEBOOK, encoding="utf-8")
    (root / "transcripts" / "P1.txt").write_text(CLI_TRANSCRIPT, encoding="utf-8")
    return root


def check_cli(study: Path, *args: str, names: str = "") -> int:
    """Run ``gioia ARGS STUDY``: exit 0, or 1 with a message naming ``names``; never a
    traceback or an internal error. Returns the exit code."""
    result = _runner.invoke(
        app, [*args, str(study)], env={"NO_COLOR": "1", "COLUMNS": "100"}, catch_exceptions=True
    )
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output and "internal error" not in output, output
    assert result.exit_code in (0, 1), (result.exit_code, output)
    if result.exit_code == 1:
        assert names in result.stderr, result.stderr
    return result.exit_code

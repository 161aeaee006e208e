"""The long fuzz run: the properties of tests/test_hostile_*.py, for minutes, not seconds.

    .venv/bin/python tests/fuzz/run.py --minutes 10
    .venv/bin/python tests/fuzz/run.py --minutes 2 --targets codebook,journal --json out.json

Every target (one reader of outside input, or `gioia check`/`gioia ingest` on a study
holding the hostile file) gets an equal share of the time. Hypothesis draws inputs from
the same strategies the bounded tests use, afresh each run. An input that breaks the
property (an exception that is not gioia's own, a message that does not name the file,
more than --input-seconds on one input, running out of --memory-mb) is shrunk by
Hypothesis, saved under --findings, and the run goes on with the next target. Then
``--kills N`` runs the SIGKILL test of `gioia report` N more times.

Not collected by pytest: the file name does not start with ``test_``. POSIX only (the
time limit per input is a SIGALRM timer).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))

import hostile_config  # noqa: E402 - the tests folder is not a package
import hostile_processes  # noqa: E402
import hostile_support  # noqa: E402
import hostile_transcripts  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from gioia.ingest import SUPPORTED_SUFFIXES  # noqa: E402

Check = Callable[[bytes], None]
Strategy = st.SearchStrategy[bytes]
# Each target: (its inputs, the check of one input) in a scratch folder of its own.
Target = Callable[[Path], tuple[Strategy, Check]]


def _transcript(suffix: str) -> Target:
    def target(folder: Path) -> tuple[Strategy, Check]:
        path = folder / f"P1{suffix}"
        return hostile_transcripts.transcript_cases(
            suffix
        ), lambda data: hostile_transcripts.check_transcript(path, data)

    return target


def _reader(
    cases: Callable[[], Strategy], check: Callable[[Path, bytes], None], name: str
) -> Target:
    def target(folder: Path) -> tuple[Strategy, Check]:
        return cases(), lambda data: check(folder / name, data)

    return target


def _study_config(folder: Path) -> tuple[Strategy, Check]:
    return hostile_config.study_config_cases(), lambda data: hostile_config.check_study_config(
        folder, data
    )


def _cli(file: str, cases: Callable[[], Strategy], *commands: str) -> Target:
    """`gioia COMMAND` on a small study whose ``file`` is the hostile input."""

    def target(folder: Path) -> tuple[Strategy, Check]:
        study = hostile_support.make_cli_study(folder / "study")

        def check(data: bytes) -> None:
            (study / file).write_bytes(data)
            for command in commands:
                hostile_support.check_cli(study, command, names=Path(file).name)

        return cases(), check

    return target


TARGETS: dict[str, Target] = {
    **{f"transcript{suffix}": _transcript(suffix) for suffix in SUPPORTED_SUFFIXES},
    "codebook": _reader(
        hostile_config.codebook_cases, hostile_config.check_codebook, "codebook.yaml"
    ),
    "codebook-patterns": _reader(
        hostile_config.codebook_pattern_cases, hostile_config.check_codebook, "codebook.yaml"
    ),
    "gioia.yaml": _study_config,
    "participants": _reader(
        hostile_config.participants_cases, hostile_config.check_participants, "participants.csv"
    ),
    "journal": _reader(hostile_config.journal_cases, hostile_config.check_journal, "ms.jsonl"),
    **{
        f"cli-transcript{suffix}": _cli(
            f"transcripts/P2{suffix}",
            lambda suffix=suffix: hostile_transcripts.transcript_cases(suffix),
            "ingest",
            "check",
        )
        for suffix in SUPPORTED_SUFFIXES
    },
    "cli-codebook": _cli("codebook.yaml", hostile_config.codebook_cases, "check"),
    "cli-codebook-suggest": _cli(
        "codebook.yaml", hostile_config.codebook_pattern_cases, "check", "suggest"
    ),
    "cli-gioia.yaml": _cli("gioia.yaml", hostile_config.study_config_cases, "check"),
    "cli-participants": _cli("participants.csv", hostile_config.participants_cases, "check"),
    "cli-journal": _cli("codings/ms.jsonl", hostile_config.journal_cases, "check"),
}


@dataclass
class Outcome:
    target: str
    inputs: int = 0
    seconds: float = 0.0
    slowest_input_seconds: float = 0.0
    findings: list[str] = field(default_factory=list)
    repeats: int = 0  # failures with the signature of a finding already reported


MAX_FINDINGS = 10  # distinct failures per target before the run moves on


class InputTimeout(Exception):
    """One input took longer than --input-seconds: a hang, as far as the run is concerned."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise InputTimeout(f"one input took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def fuzz(name: str, seconds: float, args: argparse.Namespace, findings: Path) -> Outcome:
    outcome = Outcome(name)
    failing: list[bytes] = []
    with tempfile.TemporaryDirectory(prefix=f"gioia-fuzz-{name}-") as scratch:
        strategy, check = TARGETS[name](Path(scratch))
        deadline = time.monotonic() + seconds

        @settings(
            max_examples=50,
            deadline=None,
            database=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(data=strategy)
        def one_batch(data: bytes) -> None:
            started = time.monotonic()
            try:
                with time_limit(args.input_seconds):
                    check(data)
            except BaseException:
                failing.append(data)  # the last one is the shrunk example
                raise
            finally:
                outcome.inputs += 1
                taken = time.monotonic() - started
                outcome.slowest_input_seconds = max(outcome.slowest_input_seconds, taken)

        started = time.monotonic()
        seen: set[str] = set()
        while time.monotonic() < deadline and len(seen) < MAX_FINDINGS:
            try:
                one_batch()
            except Exception as error:  # noqa: BLE001 - every failure is a finding to report
                # One bug fails many inputs: report it once, and keep looking for others.
                signature = _signature(error)
                if signature in seen:
                    outcome.repeats += 1
                else:
                    seen.add(signature)
                    outcome.findings.append(_save(name, failing[-1], error, findings))
                failing.clear()
        outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


def _signature(error: BaseException) -> str:
    """The exception type and where in gioia it was raised (or, for a failed assertion
    of the property, what it said)."""
    frames = traceback.extract_tb(error.__traceback__)
    inside = [f for f in frames if "/gioia/" in f.filename] or frames
    where = f"{inside[-1].filename}:{inside[-1].lineno}" if inside else "?"
    said = str(error).splitlines()[0][:80] if isinstance(error, AssertionError) else ""
    return f"{type(error).__name__} {where} {said}"


def _save(name: str, data: bytes, error: BaseException, findings: Path) -> str:
    findings.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = findings / f"{name}-{digest}.bin"
    path.write_bytes(data)
    lines = traceback.format_exception(error)
    path.with_suffix(".txt").write_text("".join(lines), encoding="utf-8")
    first_line = str(error).splitlines()[0][:160] if str(error) else ""
    return f"{type(error).__name__}: {first_line} -> {path}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="total fuzzing time")
    parser.add_argument(
        "--targets", default="", help="comma-separated subset of: " + ", ".join(TARGETS)
    )
    parser.add_argument("--input-seconds", type=float, default=20.0, help="time limit per input")
    parser.add_argument("--memory-mb", type=int, default=4096, help="address-space limit")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILL runs of gioia report")
    parser.add_argument(
        "--findings", type=Path, default=Path(tempfile.gettempdir()) / "gioia-fuzz-findings"
    )
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args()

    names = [n for n in args.targets.split(",") if n] or list(TARGETS)
    unknown = sorted(set(names) - set(TARGETS))
    if unknown:
        parser.error(f"unknown targets: {', '.join(unknown)}")
    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    share = args.minutes * 60 / len(names)
    outcomes = []
    for name in names:
        outcome = fuzz(name, share, args, args.findings)
        outcomes.append(outcome)
        status = "ok" if not outcome.findings else f"{len(outcome.findings)} finding(s)"
        status += f", {outcome.repeats} repeats" if outcome.repeats else ""
        print(
            f"{name:24} {outcome.inputs:7} inputs {outcome.seconds:7.1f} s  "
            f"slowest {outcome.slowest_input_seconds:5.2f} s  {status}",
            flush=True,
        )
        for finding in outcome.findings:
            print(f"    {finding}", flush=True)
    kills = hostile_processes.kill_report_repeatedly(args.kills) if args.kills else None
    if kills is not None:
        print(
            f"{'SIGKILL gioia report':24} {kills['runs']:7} runs   {kills['seconds']:7.1f} s  "
            f"states seen: {kills['states']}",
            flush=True,
        )
    total = sum(o.inputs for o in outcomes)
    print(f"{'total':24} {total:7} inputs {sum(o.seconds for o in outcomes):7.1f} s")
    if args.json:
        args.json.write_text(
            json.dumps({"targets": [asdict(o) for o in outcomes], "kills": kills}, indent=2)
        )
    return 1 if any(o.findings for o in outcomes) or (kills and kills["failures"]) else 0


if __name__ == "__main__":
    sys.exit(main())

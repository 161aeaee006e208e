"""Real gioia processes for the hostile tests: a large study, `gioia report` killed with
SIGKILL at random moments (or at its N-th write), and gioia run with the network cut.

Shared by tests/test_hostile_writes.py, tests/test_hostile_network.py and the long run
in tests/fuzz/run.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from hostile_support import EXAMPLE, REPO
from typer.testing import CliRunner

from gioia.cli import app

# Runs `gioia ARGS...` (argv[1:]). With GIOIA_TEST_KILL_AT="fsync:3" the process kills
# itself with SIGKILL at its third os.fsync call: each atomic write makes one, after the
# temporary file is written and before it is renamed, so the first two outputs are new
# and the third is left as a hidden temporary.
GIOIA_WITH_KILL_SWITCH = """
import os, signal, sys
kill_at = os.environ.get("GIOIA_TEST_KILL_AT")
if kill_at:
    name, count = kill_at.split(":")
    real, seen = getattr(os, name), [0]
    def dying(*args):
        seen[0] += 1
        if seen[0] == int(count):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args)
    setattr(os, name, dying)
from gioia.cli import main
sys.argv = ["gioia", *sys.argv[1:]]
main()
"""


def gioia_command(*args: str) -> list[str]:
    return [sys.executable, "-c", GIOIA_WITH_KILL_SWITCH, *args]


def quiet_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, NO_COLOR="1", COLUMNS="100", **extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def make_large_study(root: Path, copies: int = 20) -> Path:
    """The example study with its transcripts, participants and journal copied ``copies``
    times (GP1, GP1-r2, ...): 160 interviews. Fewer saturation permutations keep a run
    short; everything else is the example's."""
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("report", ".gioia"))
    with open(EXAMPLE / "participants.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=[*rows[0], "transcript"], lineterminator="\n")
    writer.writeheader()
    codings = (EXAMPLE / "codings" / "hb.jsonl").read_text(encoding="utf-8").splitlines()
    journal = []
    for copy in range(1, copies + 1):
        suffix = "" if copy == 1 else f"-r{copy}"
        for row in rows:
            writer.writerow({**row, "id": row["id"] + suffix, "transcript": row["id"] + suffix})
        for transcript in (EXAMPLE / "transcripts").iterdir():
            if suffix:
                shutil.copy(
                    transcript,
                    root / "transcripts" / f"{transcript.stem}{suffix}{transcript.suffix}",
                )
        for line in codings:
            coding = json.loads(line)
            journal.append(json.dumps({**coding, "transcript": coding["transcript"] + suffix}))
    (root / "participants.csv").write_text(table.getvalue(), encoding="utf-8")
    (root / "codings" / "hb.jsonl").write_text("\n".join(journal) + "\n", encoding="utf-8")
    with open(root / "gioia.yaml", "a", encoding="utf-8") as config:
        config.write("  saturation: {permutations: 200}\n")
    return root


def report_files(report: Path) -> dict[str, bytes]:
    """Every visible output under report/, by relative path."""
    return {
        path.relative_to(report).as_posix(): path.read_bytes()
        for path in sorted(report.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def hidden_leftovers(report: Path) -> list[Path]:
    return sorted(p for p in report.rglob(".*") if p.is_file())


@dataclass
class KnownReports:
    """A study whose report/ holds the previous complete report, and whose journal has
    since changed, so that the next `gioia report` writes a different, new one."""

    study: Path
    previous: dict[str, bytes]
    new: dict[str, bytes]
    seconds: float  # how long one whole `gioia report` takes

    @property
    def report(self) -> Path:
        return self.study / "report"

    def restore_previous(self) -> None:
        shutil.rmtree(self.report)
        for name, data in self.previous.items():
            (self.report / name).parent.mkdir(parents=True, exist_ok=True)
            (self.report / name).write_bytes(data)

    def states(self) -> dict[str, str]:
        """Which complete version each output is; fails on anything else."""
        found = report_files(self.report)
        assert set(found) == set(self.previous), f"outputs changed: {sorted(found)}"
        states = {}
        for name, data in found.items():
            if name.endswith(".json"):
                json.loads(data)  # parses: not truncated
            if data == self.new[name]:
                states[name] = "new"
            elif data == self.previous[name]:
                states[name] = "previous"
            else:
                raise AssertionError(f"{name} is neither the previous nor the new report")
        for leftover in hidden_leftovers(self.report):  # the temporaries of killed writes
            assert leftover.name.endswith(".tmp"), leftover
        return states


def run_report(study: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        gioia_command("report", str(study)), env=quiet_env(**env), capture_output=True, text=True
    )


def prepare_known_reports(folder: Path, copies: int = 20) -> KnownReports:
    study = make_large_study(folder / "study", copies)
    # In this process: it parses the corpus once (the document cache is warm after) and
    # spares a start-up. The run that writes the new report is timed as a process.
    done = CliRunner().invoke(app, ["report", str(study)], env={"NO_COLOR": "1"})
    assert done.exit_code == 0, done.output
    previous = report_files(study / "report")
    journal = study / "codings" / "hb.jsonl"
    first = json.loads(journal.read_text(encoding="utf-8").splitlines()[0])
    with open(journal, "a", encoding="utf-8") as handle:  # withdraw one decision
        handle.write(json.dumps({**first, "decision": "reject"}) + "\n")
    started = time.monotonic()
    done = run_report(study)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    new = report_files(study / "report")
    assert all(new[name] != previous[name] for name in ("report.md", "results.json"))
    known = KnownReports(study, previous, new, seconds)
    known.restore_previous()
    return known


def kill_after(known: KnownReports, delay: float) -> dict[str, str]:
    """Start `gioia report`, SIGKILL it after ``delay`` seconds (unless it is done), and
    return which version each output is."""
    process = subprocess.Popen(
        gioia_command("report", str(known.study)),
        env=quiet_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
    return known.states()


def kill_at_write(known: KnownReports, call: str, count: int) -> dict[str, str]:
    """`gioia report` killing itself at its ``count``-th call of ``os.<call>``."""
    done = run_report(known.study, GIOIA_TEST_KILL_AT=f"{call}:{count}")
    assert done.returncode in (0, -signal.SIGKILL), done.stderr
    return known.states()


def kill_report_repeatedly(runs: int, seed: int | None = None) -> dict:
    """The long version of the SIGKILL test, for tests/fuzz/run.py: ``runs`` kills at
    random moments, then one in the middle of writing each output."""
    rng = random.Random(seed)
    started = time.monotonic()
    seen: Counter[str] = Counter()
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gioia-kill-") as folder:
        known = prepare_known_reports(Path(folder))
        moments = [("random", rng.uniform(0.3, 1.1) * known.seconds) for _ in range(runs)]
        moments += [("fsync", count) for count in range(1, len(known.previous) + 1)]
        for kind, when in moments:
            try:
                if kind == "random":
                    states = kill_after(known, when)
                else:
                    states = kill_at_write(known, "fsync", int(when))
            except AssertionError as error:
                failures.append(f"{kind} {when}: {error}")
                continue
            seen.update(states.values())
            known.restore_previous()
    return {
        "runs": len(moments),
        "random": runs,
        "seconds": round(time.monotonic() - started, 1),
        "states": dict(seen),
        "failures": failures,
    }

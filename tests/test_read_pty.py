"""`gioia read` in a real pseudo-terminal: code a sentence no suggestion found without
typing a quote; keys typed ahead are applied in order; quitting writes nothing."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pexpect
import pytest
from test_read import study_with_p3

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


def spawn_read(study: Path, transcript: str = "P3") -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "gioia", "read", str(study), transcript, "--coder", "ms"],
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=30,
        env={"TERM": "xterm", "PATH": "/usr/bin:/bin", "COLUMNS": "80", "LINES": "24"},
    )


def plain(text: str) -> str:
    return " ".join(re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", text).split())


def journal_lines(study: Path) -> list[dict]:
    path = study / "codings" / "ms.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_code_a_sentence_by_search_then_quit(tmp_path):
    study = study_with_p3(tmp_path)
    child = spawn_read(study)
    child.expect("turn 2/4")
    child.expect("uit")
    assert "○" in plain(child.before)  # the turn's pending suggestions, in the margin
    child.send("nn")  # two sentences on, in one write: "It helps a lot."
    child.expect("sentence 3/4")
    child.expect("uit")
    child.send("c")
    child.expect("code as")
    child.send("second opinion\r")
    child.expect("press 1-9")
    child.send("1")
    child.expect("coded now 1")
    child.expect("uit")
    assert 'coded: "It helps a lot." → second-opinion' in plain(child.before)
    child.send("q")
    child.expect("1 coding\\(s\\) recorded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [(x["concept"], x["quote"], x["source"]) for x in journal_lines(study)] == [
        ("second-opinion", "It helps a lot.", "human")
    ]


def test_moving_and_quitting_write_nothing(tmp_path):
    study = study_with_p3(tmp_path)
    child = spawn_read(study)
    child.expect("uit")
    child.send("nnv]][ \x1b[Bbq")  # moves, a range, an arrow key, then quit: one write
    child.expect("0 coding\\(s\\) recorded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert journal_lines(study) == []
    assert not (study / "codings" / "ms.jsonl").exists()


def test_unknown_transcript_is_an_error_with_did_you_mean(tmp_path):
    study = study_with_p3(tmp_path)
    child = spawn_read(study, "p3")
    child.expect("no transcript 'p3'")
    child.expect("did you mean 'P3'")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


def test_the_transcript_alone_reads_the_study_in_the_current_folder(tmp_path):
    study = study_with_p3(tmp_path)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "gioia", "read", "P3", "--coder", "ms"],
        cwd=str(study),
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=30,
        env={"TERM": "xterm", "PATH": "/usr/bin:/bin", "COLUMNS": "80", "LINES": "24",
             "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )  # fmt: skip
    child.expect("P3")
    child.expect("turn 2/4")
    child.expect("uit")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

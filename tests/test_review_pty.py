"""`gioia review` in a real pseudo-terminal: decisions survive SIGKILL, and a restart
resumes at the next pending suggestion."""

from __future__ import annotations

import json
import re
import signal
import sys
from pathlib import Path

import pexpect
import pytest
from test_review import make_study

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


def spawn_review(study: Path) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "gioia", "review", str(study), "--coder", "ms"],
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=30,
        env={"TERM": "xterm", "PATH": "/usr/bin:/bin", "COLUMNS": "80", "LINES": "24"},
    )


def journal_lines(study: Path) -> list[dict]:
    text = (study / "codings" / "ms.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_sigkill_mid_session_keeps_every_decision_and_restart_resumes(tmp_path):
    study = make_study(tmp_path)
    child = spawn_review(study)
    child.expect("decided 0, pending 6")
    child.expect("uit")  # the footer: the screen is drawn and waiting for a key
    for key, decided in (("a", 1), ("r", 2), ("a", 3)):
        child.send(key)
        child.expect(f"decided {decided}, pending {6 - decided}")
        child.expect("uit")
    child.send("m")  # start typing a memo for the fourth decision ...
    child.expect("memo: ")
    child.send("half a thou")
    child.kill(signal.SIGKILL)  # ... and the process dies mid-sentence
    child.close()
    assert child.signalstatus == signal.SIGKILL

    lines = journal_lines(study)
    assert [(x["concept"], x["decision"]) for x in lines] == [
        ("coffee-room", "accept"),
        ("venting", "reject"),
        ("second-opinion", "accept"),
    ]

    again = spawn_review(study)
    again.expect("decided 3, pending 3")
    again.expect("uit")
    screen = re.sub(r"\x1b\[[0-9;]*m", "", again.before)  # colours and bold
    assert "this transcript 3/4" in screen
    assert "rant at the cat" in screen  # the fourth suggestion, next in the transcript
    again.send("q")
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0
    assert len(journal_lines(study)) == 3


def screen_text(child: pexpect.spawn) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", child.before)


def test_keys_sent_in_one_write_are_all_applied_in_order(tmp_path):
    study = make_study(tmp_path)
    child = spawn_review(study)
    child.expect("decided 0, pending 6")
    child.expect("uit")
    child.send("aras")  # faster than any redraw: accept, reject, accept, skip
    child.expect("decided 3, pending 3")
    child.expect("skipped: ")
    child.expect("uit")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert [(x["concept"], x["decision"]) for x in journal_lines(study)] == [
        ("coffee-room", "accept"),
        ("venting", "reject"),
        ("second-opinion", "accept"),
    ]


def test_a_memo_typed_ahead_with_its_decision_goes_with_it(tmp_path):
    study = make_study(tmp_path)
    child = spawn_review(study)
    child.expect("uit")
    child.send("mkitchen\rao")  # memo, Enter, accept, and an unknown key
    child.expect("unknown key 'o'")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    [line] = journal_lines(study)
    assert (line["memo"], line["decision"]) == ("kitchen", "accept")


def test_confirmation_and_header_after_a_recode_are_what_a_restart_shows(tmp_path):
    study = make_study(tmp_path)
    child = spawn_review(study)
    child.expect("uit")
    child.send("c")
    child.expect("recode to")
    child.send("venting\r")
    child.expect("press 1-9")
    child.send("1")
    child.expect("decided 2, pending 4")
    child.expect("uit")
    screen = " ".join(screen_text(child).split())
    assert "this transcript 2/4" in screen
    assert 'recoded: "I rant in the coffee room…" → venting' in screen
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()

    again = spawn_review(study)
    again.expect("decided 2, pending 4")
    again.expect("uit")
    assert "this transcript 2/4" in screen_text(again)
    again.send("q")
    again.expect(pexpect.EOF)
    again.close()

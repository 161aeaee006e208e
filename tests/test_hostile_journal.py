"""Nothing lost, nothing leaked, nothing hangs: the journals against hostile files and a
hostile disk. Links planted in codings/ (a cloned repository can carry them), a full
disk in the middle of an append, line endings of other systems, and names and memos no
journal can hold."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gioia.cli import app
from gioia.errors import JournalError
from gioia.journal import append_coding, lock, read_journal
from gioia.models import Coding

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symlinks and flock are POSIX")

runner = CliRunner()

CODEBOOK = textwrap.dedent("""\
    version: 1
    title: Coping at work
    dimensions:
      - id: support
        label: Support
        themes:
          - id: emotional
            label: Emotional support
            concepts:
              - id: venting
                label: Venting
                keywords: [rant, offload]
              - id: running
                label: Running
                keywords: [run]
    """)

TRANSCRIPT = textwrap.dedent("""\
    Interviewer: How do you cope after a hard day?

    P1: Mostly I rant to a colleague in the coffee room. It helps a lot.

    Interviewer: Anything else?

    P1: I go for a run.
    """)

RANT = "Mostly I rant to a colleague in the coffee room."
RUN = "I go for a run."


def make_study(root: Path) -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "codings").mkdir()
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "transcripts" / "P1.txt").write_text(TRANSCRIPT, encoding="utf-8")
    return root


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "200"})


def code(study: Path, coder: str = "hb", quote: str = RUN, concept: str = "running", *more):
    return invoke(
        "code", study, "--coder", coder, "--transcript", "P1", "--quote", quote,
        "--concept", concept, *more,
    )  # fmt: skip


def decision(coder: str = "hb", quote: str = RUN, concept: str = "running", **kw) -> Coding:
    return Coding(
        "P1", -1, -1, concept, "accept", coder, "human", quote, "2026-11-26T10:00:00Z", **kw
    )


def line(coder: str = "hb", quote: str = RUN, concept: str = "running") -> str:
    return json.dumps(
        {
            "transcript": "P1",
            "start": -1,
            "end": -1,
            "concept": concept,
            "decision": "accept",
            "coder": coder,
            "source": "human",
            "quote": quote,
            "at": "2026-11-26T10:00:00Z",
        }
    )


def counted(study: Path) -> int:
    """The counted codings `gioia check` reports, asserting it succeeded."""
    result = invoke("check", study)
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    return int(result.output.rsplit("transcripts, ", 1)[1].split(" counted")[0])


# --------------------------------------------------------------------------- 1. links


def test_a_lock_file_linked_to_the_journal_is_refused_and_the_journal_kept(tmp_path):
    study = make_study(tmp_path / "study")
    assert code(study).exit_code == 0
    journal = study / "codings" / "hb.jsonl"
    before = journal.read_bytes()
    sidecar = study / "codings" / ".hb.jsonl.lock"
    sidecar.unlink()
    sidecar.symlink_to("hb.jsonl")
    result = code(study, quote=RANT, concept="venting")
    assert result.exit_code == 1, result.output
    assert "symbolic link" in result.output and ".hb.jsonl.lock" in result.output
    assert "internal error" not in result.output
    assert journal.read_bytes() == before


@pytest.mark.parametrize("existing", [True, False], ids=["existing", "dangling"])
def test_a_lock_file_linked_out_of_the_study_touches_nothing_there(tmp_path, existing):
    study = make_study(tmp_path / "study")
    outside = tmp_path / "precious.txt"
    if existing:
        outside.write_text("a colleague's notes\n")
    (study / "codings" / ".hb.jsonl.lock").symlink_to(outside)
    result = code(study)
    assert result.exit_code == 1, result.output
    assert "symbolic link" in result.output
    if existing:
        assert outside.read_text() == "a colleague's notes\n"
    else:
        assert not outside.exists()
    assert not (study / "codings" / "hb.jsonl").exists()


def test_a_lock_file_that_is_not_gioias_is_never_emptied(tmp_path):
    study = make_study(tmp_path / "study")
    assert code(study).exit_code == 0
    journal = study / "codings" / "hb.jsonl"
    before = journal.read_bytes()
    sidecar = study / "codings" / ".hb.jsonl.lock"
    sidecar.unlink()
    os.link(journal, sidecar)  # the same file under the lock's name
    result = code(study, quote=RANT, concept="venting")
    assert result.exit_code == 1, result.output
    assert ".hb.jsonl.lock" in result.output
    assert journal.read_bytes() == before
    sidecar.unlink()
    sidecar.write_text("not a process id, but someone's text\n")
    result = code(study, quote=RANT, concept="venting")
    assert result.exit_code == 1, result.output
    assert sidecar.read_text() == "not a process id, but someone's text\n"
    assert journal.read_bytes() == before


def test_a_lock_file_a_killed_gioia_left_holding_its_pid_is_reused(tmp_path):
    study = make_study(tmp_path / "study")
    (study / "codings" / ".hb.jsonl.lock").write_text("4242\n")
    assert code(study).exit_code == 0
    assert len(read_journal(study / "codings" / "hb.jsonl").codings) == 1


def test_a_journal_linked_out_of_the_study_is_neither_appended_to_nor_read(tmp_path):
    study = make_study(tmp_path / "study")
    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text(line("x") + "\n")
    (study / "codings" / "x.jsonl").symlink_to(outside)
    for result in (code(study, coder="x"), invoke("check", study)):
        assert result.exit_code == 1, result.output
        assert "x.jsonl is a link to" in result.output  # the study refuses it on opening
        assert "internal error" not in result.output
    assert outside.read_text() == line("x") + "\n"


def test_a_journal_linked_to_another_file_of_the_study_is_refused(tmp_path):
    study = make_study(tmp_path / "study")
    assert code(study).exit_code == 0
    journal = study / "codings" / "hb.jsonl"
    before = journal.read_bytes()
    (study / "codings" / "ab.jsonl").symlink_to("hb.jsonl")  # ab's lines into hb's journal
    for result in (code(study, coder="ab", quote=RANT, concept="venting"), invoke("check", study)):
        assert result.exit_code == 1, result.output
        assert "ab.jsonl: error: this journal is a symbolic link (to hb.jsonl)" in result.output
    assert journal.read_bytes() == before


def test_reading_a_linked_journal_is_a_journal_error_naming_it(tmp_path):
    target = tmp_path / "real.jsonl"
    target.write_text(line("ms") + "\n")
    path = tmp_path / "codings" / "ms.jsonl"
    path.parent.mkdir()
    path.symlink_to(target)
    with pytest.raises(JournalError, match="symbolic link") as caught:
        read_journal(path)
    assert caught.value.location.file == str(path)
    assert "replace the link" in caught.value.hint
    with pytest.raises(JournalError, match="symbolic link"):
        append_coding(path, decision("ms"))
    assert target.read_text() == line("ms") + "\n"


def test_a_journal_that_is_a_named_pipe_is_refused_for_appends_without_hanging(tmp_path):
    path = tmp_path / "ms.jsonl"
    os.mkfifo(path)
    with pytest.raises(JournalError, match="not a regular file"):
        append_coding(path, decision("ms"))


def test_the_lock_still_works_after_the_checks(tmp_path):
    path = tmp_path / "ms.jsonl"
    with lock(path):
        append_coding(path, decision("ms"))
    assert (tmp_path / ".ms.jsonl.lock").read_bytes() == b""
    assert len(read_journal(path).codings) == 1


# --------------------------------------------------------------------------- 13. names, memos


@pytest.mark.parametrize("name", ["hb\n", "hb\r", "\nhb", "h b", "hb/..", ""])
def test_a_coder_name_with_a_line_break_or_worse_is_refused(tmp_path, name):
    study = make_study(tmp_path / "study")
    result = code(study, coder=name)
    assert result.exit_code == 1, result.output
    assert "is not a usable coder name" in result.output
    assert list((study / "codings").iterdir()) == []


def test_a_memo_that_cannot_be_written_as_utf8_is_refused_before_anything_is_written(tmp_path):
    study = make_study(tmp_path / "study")
    result = code(study, "hb", RUN, "running", "--memo", "caf\udcff")  # a byte of Latin-1 argv
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert "memo" in result.output and "U+DCFF" in result.output
    assert list((study / "codings").iterdir()) == []  # no journal, not even a lock file


@pytest.mark.parametrize("field", ["memo", "flags", "quote", "transcript"])
def test_append_refuses_a_decision_no_journal_can_hold(tmp_path, field):
    path = tmp_path / "ms.jsonl"
    append_coding(path, decision("ms"))
    before = path.read_bytes()
    bad = {"memo": {"memo": "\ud800"}, "flags": {"flags": ("power", "\udfff")}}.get(field, {})
    coding = decision("ms", **bad)
    if field == "quote":
        coding = decision("ms", quote="I go\udcff")
    elif field == "transcript":
        coding = Coding("P\udc80", -1, -1, "running", "accept", "ms", "human", RUN, "t")
    with pytest.raises(JournalError, match=f"the {field}") as caught:
        append_coding(path, coding)
    assert caught.value.location.file == str(path)
    assert path.read_bytes() == before
